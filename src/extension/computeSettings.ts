// The `trmLens.backend` and `trmLens.dtype` settings: how the debugger and inline predictions compute
// (the native ONNX Runtime CPU path when it loads, a TF.js backend, or TF.js only; the checkpoint's
// forward_dtype or an explicit one). A launch configuration's own `backend` / `dtype` win.
import * as vscode from 'vscode';
import { type BackendChoice, DTYPE_CHOICES, type DtypeChoice, isBackendChoice } from '../engine/native/select';

export interface ComputeSettings {
  /** Undefined = auto (the fastest path that loads). */
  backend?: BackendChoice;
  /** Undefined = the checkpoint's forward_dtype. */
  dtype?: DtypeChoice;
}

export function computeSettings(): ComputeSettings {
  const cfg = vscode.workspace.getConfiguration('trmLens');
  const backend = cfg.get<unknown>('backend');
  const dtype = cfg.get<unknown>('dtype');
  return {
    backend: isBackendChoice(backend) ? backend : undefined,
    dtype: DTYPE_CHOICES.includes(dtype as DtypeChoice) && dtype !== 'checkpoint' ? (dtype as DtypeChoice) : undefined,
  };
}

export function affectsComputeSettings(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration('trmLens.backend') || e.affectsConfiguration('trmLens.dtype');
}
