// Batch evaluation episodes, the way the official evaluation runs a batch (pretrain.py `evaluate`, the ACT wrapper in eval mode):
// a fresh ACT carry, then N_sup (halt_max_steps) wrapper calls in eval mode on the same batch. Returns
// per-step host arrays (logits, predictions, q values, halted flags, step counters, correctness,
// losses) for `trm eval` / `trm trace`, and optionally records every z / y update (and every layer)
// of chosen batch rows. Only one step's tensors live at a time; everything recorded is host memory.

import * as tf from '@tensorflow/tfjs-core';
import { ActBatch, ActCarry, actStep, disposeCarry, initialCarry, validateBatch } from '../model/act';
import type { TrmConfig } from '../config';
import { ActMetrics, actLossHost, argmaxRows, toLossLabels } from '../model/losses';
import type { RecursionTensors, StepHooks, TrmModel } from '../model/trm';
import { type HostCarry, hostActStep, initialHostCarry } from '../native/hostAct';
import type { StepRun, StepRunner } from '../native/stepRunner';

export interface EpisodeOptions {
  /** Supervision steps to run, 1..halt_max_steps (default all). */
  steps?: number;
  /** Batch rows whose every update is recorded (trace_z / trace_y). */
  traceRows?: number[];
  /** Also record the state after every layer inside every update of the trace rows. */
  traceLayers?: boolean;
  /** Keep every step's logits [K, B, S, V] (default true; large batches may prefer onStep). */
  keepLogits?: boolean;
  /** Keep y and z after every step, [K, B, T, D] each (default false). */
  keepStates?: boolean;
  /** Label id the dataset uses for "ignore" (0 for every TRM task). */
  ignoreLabelId?: number;
  /** Called after every step; `state` is valid during the call only. */
  onStep?: (info: EpisodeStepInfo) => void | Promise<void>;
  /** Stops between steps (rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Computes the steps instead of the model's TF.js ops (the model still embeds the inputs). */
  runner?: StepRunner;
}

export interface EpisodeStepInfo {
  step: number; // 1-based
  logits: Float32Array; // [B, S, V]
  preds: Int32Array; // [B, S]
  qHalt: Float32Array; // [B]
  qContinue: Float32Array;
  halted: Uint8Array;
  stepCounts: Int32Array;
  loss?: EpisodeStepLoss;
  /** The carry's y and z tensors (valid during the call); absent when a StepRunner computed the step. */
  state?: RecursionTensors;
}

export interface EpisodeStepLoss {
  lmLoss: number;
  qHaltLoss: number;
  totalLoss: number;
  lmLossPerExample: Float64Array;
  seqIsCorrect: Uint8Array;
  metrics: ActMetrics;
}

export interface EpisodeResult {
  steps: number;
  batchSize: number;
  seqLen: number;
  vocabSize: number;
  totalSeqLen: number;
  hiddenSize: number;
  logits?: Float32Array; // [K, B, S, V]
  preds: Int32Array; // [K, B, S]
  qHalt: Float32Array; // [K, B]
  qContinue: Float32Array; // [K, B]
  halted: Uint8Array; // [K, B]
  stepCounts: Int32Array; // [K, B]
  // With labels:
  seqIsCorrect?: Uint8Array; // [K, B]
  lossSums?: Float64Array; // [K, 3]: lm_loss, q_halt_loss, total (batch sums)
  lmLossPerExample?: Float64Array; // [K, B]
  metrics?: ActMetrics[]; // per step
  // keepStates:
  yStates?: Float32Array; // [K, B, T, D]
  zStates?: Float32Array;
  // traceRows (R rows, H = H_cycles, n = L_cycles, L = L_layers):
  traceRows: number[];
  traceX?: Float32Array; // [R, T, D]
  traceZ?: Float32Array; // [K, H, n, R, T, D]
  traceY?: Float32Array; // [K, H, R, T, D]
  traceZLayers?: Float32Array; // [K, H, n, L, R, T, D]
  traceYLayers?: Float32Array; // [K, H, L, R, T, D]
}

interface Pending {
  offset: number;
  target: Float32Array;
  tensor: tf.Tensor;
}

/** Runs one evaluation episode on a batch. */
export async function runEpisode(model: TrmModel, batch: ActBatch, opts: EpisodeOptions = {}): Promise<EpisodeResult> {
  const c = model.config;
  const B = validateBatch(c, batch);
  const S = c.seq_len,
    V = c.vocab_size,
    D = c.hidden_size;
  const T = model.derived.totalSeqLen;
  const H = c.H_cycles,
    n = c.L_cycles,
    L = c.L_layers;
  const K = opts.steps ?? c.halt_max_steps;
  if (!Number.isInteger(K) || K < 1 || K > c.halt_max_steps)
    throw new Error(`episode steps must be an integer in 1..${c.halt_max_steps} (halt_max_steps), got ${K}`);
  const rows = opts.traceRows ?? [];
  for (const r of rows)
    if (!Number.isInteger(r) || r < 0 || r >= B) throw new Error(`trace row ${r} is outside the batch 0..${B - 1}`);
  if (new Set(rows).size !== rows.length) throw new Error(`trace rows repeat a row: ${rows.join(', ')}`);
  const R = rows.length;
  const TD = T * D;
  const keepLogits = opts.keepLogits ?? true;
  const labels = batch.labels ? toLossLabels(batch.labels, opts.ignoreLabelId ?? 0) : undefined;

  const res: EpisodeResult = {
    steps: K,
    batchSize: B,
    seqLen: S,
    vocabSize: V,
    totalSeqLen: T,
    hiddenSize: D,
    logits: keepLogits ? new Float32Array(K * B * S * V) : undefined,
    preds: new Int32Array(K * B * S),
    qHalt: new Float32Array(K * B),
    qContinue: new Float32Array(K * B),
    halted: new Uint8Array(K * B),
    stepCounts: new Int32Array(K * B),
    traceRows: [...rows],
  };
  if (labels) {
    res.seqIsCorrect = new Uint8Array(K * B);
    res.lossSums = new Float64Array(K * 3);
    res.lmLossPerExample = new Float64Array(K * B);
    res.metrics = [];
  }
  if (opts.keepStates) {
    res.yStates = new Float32Array(K * B * TD);
    res.zStates = new Float32Array(K * B * TD);
  }

  let rowIdx: tf.Tensor1D | undefined;
  const pending: Pending[] = [];
  let stepIndex = 0;
  let hooks: StepHooks | undefined;
  if (R > 0) {
    res.traceZ = new Float32Array(K * H * n * R * TD);
    res.traceY = new Float32Array(K * H * R * TD);
    if (opts.traceLayers) {
      res.traceZLayers = new Float32Array(K * H * n * L * R * TD);
      res.traceYLayers = new Float32Array(K * H * L * R * TD);
    }
    rowIdx = tf.tensor1d(rows, 'int32');
    const idx = rowIdx;
    // Hooks run synchronously inside the step; they keep gathered rows and the download happens after the step.
    const grab = (t: tf.Tensor3D, target: Float32Array, offset: number) =>
      pending.push({ target, offset, tensor: tf.keep(tf.tidy(() => tf.gather(t, idx))) });
    hooks = {
      onUpdate: (u, st) => {
        const cyc = u.cycle - 1;
        if (u.kind === 'z')
          grab(st.z, res.traceZ as Float32Array, ((stepIndex * H + cyc) * n + (u.index - 1)) * R * TD);
        else grab(st.y, res.traceY as Float32Array, (stepIndex * H + cyc) * R * TD);
      },
      onLayer: opts.traceLayers
        ? (u, layer, h) => {
            const cyc = u.cycle - 1;
            if (u.kind === 'z')
              grab(
                h,
                res.traceZLayers as Float32Array,
                (((stepIndex * H + cyc) * n + (u.index - 1)) * L + (layer - 1)) * R * TD,
              );
            else grab(h, res.traceYLayers as Float32Array, ((stepIndex * H + cyc) * L + (layer - 1)) * R * TD);
          }
        : undefined,
    };
    const sub: ActBatch = {
      inputs: Int32Array.from(rows.flatMap((r) => [...batch.inputs.subarray(r * S, (r + 1) * S)])),
      puzzleIdentifiers: Int32Array.from(rows.map((r) => batch.puzzleIdentifiers[r])),
    };
    const x = tf.tidy(() => model.embed(tf.tensor2d(sub.inputs, [R, S], 'int32'), sub.puzzleIdentifiers));
    res.traceX = Float32Array.from((await x.data()) as Float32Array);
    x.dispose();
  }

  const runner = opts.runner;
  let hostCarry: HostCarry | undefined = runner ? initialHostCarry(model, B) : undefined;
  let carry = runner ? undefined : initialCarry(model, B);
  try {
    for (stepIndex = 0; stepIndex < K; stepIndex++) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('episode aborted');
      const k = stepIndex;
      let logits: Float32Array, qHalt: Float32Array, qContinue: Float32Array, halted: Uint8Array, steps: Int32Array;
      let state: RecursionTensors | undefined;
      if (runner && hostCarry) {
        const r = await hostActStep(model, runner, hostCarry, batch, {
          mode: 'eval',
          updates: R > 0,
          layers: R > 0 && opts.traceLayers,
        });
        hostCarry = r.carry;
        ({ logits, qHalt, qContinue } = r.run);
        ({ halted, steps } = hostCarry);
        if (R > 0) copyTraceRows(res, r.run, rows, k, c, B);
        if (res.yStates && res.zStates) {
          res.yStates.set(hostCarry.state.y, k * B * TD);
          res.zStates.set(hostCarry.state.z, k * B * TD);
        }
      } else {
        const out = await actStep(model, carry as ActCarry, batch, { mode: 'eval', hooks });
        carry = out.carry;
        try {
          logits = (await out.logits.data()) as Float32Array;
        } finally {
          out.logits.dispose();
        }
        for (const p of pending.splice(0)) {
          try {
            p.target.set(await p.tensor.data(), p.offset);
          } finally {
            p.tensor.dispose();
          }
        }
        ({ qHalt, qContinue } = out);
        ({ halted, steps, state } = carry);
        if (res.yStates && res.zStates) {
          res.yStates.set(await carry.state.y.data(), k * B * TD);
          res.zStates.set(await carry.state.z.data(), k * B * TD);
        }
      }
      const preds = argmaxRows(logits, V);
      if (res.logits) res.logits.set(logits, k * B * S * V);
      res.preds.set(preds, k * B * S);
      res.qHalt.set(qHalt, k * B);
      res.qContinue.set(qContinue, k * B);
      res.halted.set(halted, k * B);
      res.stepCounts.set(steps, k * B);
      let loss: EpisodeStepLoss | undefined;
      if (labels) {
        const l = actLossHost({
          logits,
          labels,
          qHalt,
          halted,
          steps,
          batchSize: B,
          seqLen: S,
          vocabSize: V,
          lossType: c.loss_type,
        });
        loss = {
          lmLoss: l.lmLoss,
          qHaltLoss: l.qHaltLoss,
          totalLoss: l.totalLoss,
          lmLossPerExample: l.lmLossPerExample,
          seqIsCorrect: l.seqIsCorrect,
          metrics: l.metrics,
        };
        res.seqIsCorrect?.set(l.seqIsCorrect, k * B);
        res.lmLossPerExample?.set(l.lmLossPerExample, k * B);
        res.lossSums?.set([l.lmLoss, l.qHaltLoss, l.totalLoss], k * 3);
        res.metrics?.push(l.metrics);
      }
      await opts.onStep?.({ step: k + 1, logits, preds, qHalt, qContinue, halted, stepCounts: steps, loss, state });
    }
  } finally {
    for (const p of pending.splice(0)) p.tensor.dispose();
    if (carry) disposeCarry(carry);
    rowIdx?.dispose();
  }
  return res;
}

/** Copies the trace rows of every update (and layer) of a runner's step into the result's trace arrays. */
function copyTraceRows(res: EpisodeResult, run: StepRun, rows: number[], k: number, c: TrmConfig, B: number): void {
  const H = c.H_cycles,
    n = c.L_cycles,
    L = c.L_layers,
    R = rows.length;
  const updates = run.updates as Float32Array[];
  const TD = updates[0].length / B;
  const put = (src: Float32Array, target: Float32Array | undefined, offset: number) =>
    rows.forEach((r, i) => target?.set(src.subarray(r * TD, (r + 1) * TD), offset + i * TD));
  updates.forEach((u, ord) => {
    const cyc = Math.floor(ord / (n + 1)),
      j = ord % (n + 1);
    const layerStates = [...(run.layers?.[ord] ?? []), u];
    if (j < n) {
      put(u, res.traceZ, ((k * H + cyc) * n + j) * R * TD);
      if (run.layers)
        layerStates.forEach((h, l) => put(h, res.traceZLayers, (((k * H + cyc) * n + j) * L + l) * R * TD));
    } else {
      put(u, res.traceY, (k * H + cyc) * R * TD);
      if (run.layers) layerStates.forEach((h, l) => put(h, res.traceYLayers, ((k * H + cyc) * L + l) * R * TD));
    }
  });
}
