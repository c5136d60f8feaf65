// The patch bar under the answer: interventions at the debugger's current update without typing a
// Debug Console statement. Click (or right-click) an answer cell to pick it, then zero its z or y,
// copy its z from run B (comparison and patched sessions), skip the update, freeze z for the rest of
// the step, or remove every patch. Each button sends one `patch` message; the host turns it into
// trm/patch (src/extension/timeline/dapConvert.ts patchArgs) and the adapter's stop redraws us.
import type { PatchMessage, TraceInfo } from '../../src/protocol/timeline';
import { cellName } from '../model/provenance';
import { h } from './dom';

type Send = (m: PatchMessage) => void;

export class PatchBar {
  readonly root: HTMLElement;
  private readonly label: HTMLElement;
  private readonly buttons: Record<string, HTMLButtonElement> = {};
  private cell: number | null = null;
  private width = 9;
  private where = '';
  private stopped = false;

  constructor(private readonly send: Send) {
    this.label = h('span', { class: 'tl-patch-label' });
    const button = (id: string, text: string, title: string, make: () => PatchMessage | null): HTMLButtonElement => {
      const b = h('button', { class: 'tl-action', text, title, attrs: { type: 'button', id: `tl-patch-${id}` } });
      b.addEventListener('click', () => {
        const m = make();
        if (m) this.send(m);
      });
      this.buttons[id] = b;
      return b;
    };
    const atCell = (op: 'zero' | 'copy', tensor: 'y' | 'z') => () =>
      this.cell === null ? null : ({ type: 'patch', op, tensor, cell: this.cell } as PatchMessage);
    this.root = h('div', { class: 'tl-patchbar', attrs: { role: 'toolbar', 'aria-label': 'patch the run' } }, [
      this.label,
      button(
        'zero-z',
        'Zero z at this cell',
        "set the cell's latent z (z_L) to 0 after this update",
        atCell('zero', 'z'),
      ),
      button(
        'zero-y',
        'Zero y at this cell',
        "set the cell's answer state y (z_H) to 0 after this update",
        atCell('zero', 'y'),
      ),
      button('copy-z', 'Copy z from run B', "replace the cell's z after this update by run B's", atCell('copy', 'z')),
      button('skip', 'Skip this update', 'the update leaves its state unchanged', () => ({
        type: 'patch',
        op: 'skip',
      })),
      button(
        'freeze-z',
        'Freeze z for the rest of the step',
        'z keeps its value from here to the end of the step',
        () => ({
          type: 'patch',
          op: 'freeze',
          tensor: 'z',
        }),
      ),
      button('clear', 'Remove patches', 'back to the unpatched run', () => ({ type: 'patch', op: 'clear' })),
    ]);
    this.update(null, false);
  }

  /** Picks the answer cell the cell buttons act on. */
  pick(cell: number): void {
    this.cell = cell;
    this.renderLabel();
    this.setCellButtons(this.stopped);
  }

  /**
   * Shows the bar for the session's current update (`where`, e.g. "step 1 › cycle 1 › z2"); disabled
   * while no session is stopped. "Copy z from run B" appears only where there is a run B.
   */
  update(info: TraceInfo | null, stopped: boolean, where = ''): void {
    if (info && info.gridWidth !== this.width) this.cell = null;
    this.width = info?.gridWidth ?? this.width;
    this.where = where;
    this.stopped = stopped;
    const hasB = !!info && (info.compare !== undefined || (info.patches ?? 0) > 0);
    this.buttons['copy-z'].hidden = !hasB;
    this.buttons.clear.hidden = !info || !info.patches;
    for (const id of ['skip', 'freeze-z', 'clear']) this.buttons[id].disabled = !stopped;
    this.setCellButtons(stopped && this.cell !== null);
    if (!stopped) for (const b of Object.values(this.buttons)) b.disabled = true;
    this.renderLabel();
  }

  private setCellButtons(on: boolean): void {
    for (const id of ['zero-z', 'zero-y', 'copy-z']) this.buttons[id].disabled = !on;
  }

  private renderLabel(): void {
    const cell = this.cell === null ? 'click an answer cell to pick one' : `cell ${cellName(this.cell, this.width)}`;
    this.label.textContent = `patch at ${this.where || 'the current update'} · ${cell}:`;
  }
}
