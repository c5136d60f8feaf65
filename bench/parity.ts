// `node dist/bench/parity.js --fixture <dir> [--backend webgpu] [--steps all]`: the fixture parity
// ladder (trm-sudoku-mlp-small: weights and per-update reference outputs of the official code) on one
// compute backend, printed rung by rung: rung 1 x_embed, rung 2 every teacher-forced z / y update of
// the traced row, rung 3 teacher-forced ACT steps of all rows with the heads. The unit tests run the
// same rungs on a few steps; this runs all 16 (or --steps 16 for the last one) where a GPU is, e.g.
// from the packed GPU benchmark (scripts/pack-gpu-bench.mjs). Exits 1 when a rung misses its bound
// (1e-5 for x_embed, 1e-3 for the rest), 2 on bad arguments.

import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendName } from '../src/engine/backend';
import { isBackendName } from '../src/engine/backend/names';
import { getPreset } from '../src/engine/config';
import { readNpy } from '../src/engine/formats/npy';
import { readSafetensors } from '../src/engine/formats/safetensors';
import type { HostTensor } from '../src/engine/hostTensor';
import { TrmModel } from '../src/engine/model/trm';

function arg(name: string): string | undefined {
  const i = process.argv.lastIndexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

async function main(): Promise<number> {
  const fixture = arg('fixture');
  const backend = arg('backend');
  const stepsArg = arg('steps') ?? 'all';
  if (!fixture || (backend !== undefined && !isBackendName(backend)) || !/^(all|\d+)$/.test(stepsArg)) {
    console.error(
      'usage: node dist/bench/parity.js --fixture <trm-sudoku-mlp-small dir> [--backend <name>] [--steps all|N]',
    );
    return 2;
  }
  const info = await selectBackend({
    prefer: backend as BackendName | undefined,
    wasmDir: path.resolve(__dirname, '..'),
  });
  console.log(`backend: ${info.description}`);
  const f32 = (n: string) => readNpy(path.join(fixture, `${n}.npy`)).data as Float32Array;
  const i32 = (n: string) => readNpy(path.join(fixture, `${n}.npy`)).data as Int32Array;
  const weights = new Map<string, HostTensor>();
  for (const [k, t] of readSafetensors(path.join(fixture, 'model.safetensors')).tensors)
    weights.set(k.replace(/^_orig_mod\.model\.inner\./, ''), t);
  const config = getPreset('sudoku-mlp-small');
  const model = TrmModel.fromWeights(config, weights, { source: 'fixture' });
  const [B, S, V, T, D] = [4, 81, 11, 97, 64];
  const TD = T * D;
  const [H, n, K] = [config.H_cycles, config.L_cycles, config.halt_max_steps];
  const steps = stepsArg === 'all' ? Array.from({ length: K }, (_, i) => i + 1) : [Number(stepsArg)];
  const inputs = i32('inputs'),
    ids = i32('puzzle_identifiers');
  const row = i32('trace_batch_indices')[0];
  const ys = f32('y_steps'),
    zs = f32('z_steps'),
    traceZ = f32('trace_z'),
    traceY = f32('trace_y');
  let ok = true;
  const check = (label: string, err: number, bound: number) => {
    const pass = err <= bound;
    ok &&= pass;
    console.log(
      `${label.padEnd(60)} ${err.toExponential(2)}  (bound ${bound.toExponential(0)}) ${pass ? 'ok' : 'FAILED'}`,
    );
  };
  const t0 = performance.now();

  // Rung 1.
  const x1 = tf.tidy(() =>
    model.embed(tf.tensor2d(inputs.slice(row * S, (row + 1) * S), [1, S], 'int32'), Int32Array.of(ids[row])),
  );
  check('rung 1: x_embed', maxAbsDiff(await x1.data(), f32('x_embed')), 1e-5);
  x1.dispose();

  // Rung 2: every update of each step teacher-forced, the step's 18 z updates and 3 y updates as two batches.
  const stack = (arrs: Float32Array[]) => {
    const o = new Float32Array(arrs.length * TD);
    arrs.forEach((a, i) => o.set(a, i * TD));
    return tf.tensor3d(o, [arrs.length, T, D]);
  };
  const zAt = (s: number, c: number, j: number) =>
    traceZ.subarray(((s * H + c) * n + j) * TD, ((s * H + c) * n + j + 1) * TD);
  const yAt = (s: number, c: number) => traceY.subarray((s * H + c) * TD, (s * H + c + 1) * TD);
  const bcast = (v: Float32Array) => {
    const o = new Float32Array(TD);
    for (let t = 0; t < T; t++) o.set(v, t * D);
    return o;
  };
  const hInit = bcast(weights.get('H_init')!.data as Float32Array),
    lInit = bcast(weights.get('L_init')!.data as Float32Array);
  let e2z = 0,
    e2y = 0;
  const xEmbed = f32('x_embed');
  for (const step of steps) {
    const s = step - 1;
    const by = s === 0 ? hInit : ys.subarray(((s - 1) * B + row) * TD, ((s - 1) * B + row + 1) * TD);
    const bz = s === 0 ? lInit : zs.subarray(((s - 1) * B + row) * TD, ((s - 1) * B + row + 1) * TD);
    const zIn: Float32Array[] = [],
      yForZ: Float32Array[] = [],
      zRef: Float32Array[] = [],
      yIn: Float32Array[] = [],
      zForY: Float32Array[] = [],
      yRef: Float32Array[] = [];
    for (let c = 0; c < H; c++) {
      const yCur = c === 0 ? by : yAt(s, c - 1);
      for (let j = 0; j < n; j++) {
        zIn.push(j > 0 ? zAt(s, c, j - 1) : c > 0 ? zAt(s, c - 1, n - 1) : bz);
        yForZ.push(yCur);
        zRef.push(zAt(s, c, j));
      }
      yIn.push(yCur);
      zForY.push(zAt(s, c, n - 1));
      yRef.push(yAt(s, c));
    }
    const outs = tf.tidy(() => {
      const x = tf.tile(tf.tensor3d(xEmbed, [1, T, D]), [zIn.length, 1, 1]) as tf.Tensor3D;
      return [model.zUpdate(stack(zIn), stack(yForZ), x), model.yUpdate(stack(yIn), stack(zForY))];
    });
    const [zo, yo] = (await Promise.all(outs.map((t) => t.data()))) as Float32Array[];
    tf.dispose(outs);
    zRef.forEach((r, i) => (e2z = Math.max(e2z, maxAbsDiff(zo.subarray(i * TD, (i + 1) * TD), r))));
    yRef.forEach((r, i) => (e2y = Math.max(e2y, maxAbsDiff(yo.subarray(i * TD, (i + 1) * TD), r))));
  }
  check(`rung 2: teacher-forced z updates, ${steps.length} step(s) x ${H * n}`, e2z, 1e-3);
  check(`rung 2: teacher-forced y updates, ${steps.length} step(s) x ${H}`, e2y, 1e-3);

  // Rung 3: whole ACT steps of all 4 rows from the reference carry, with the heads.
  const x = tf.tidy(() => model.embed(tf.tensor2d(inputs, [B, S], 'int32'), ids));
  const err = { y: 0, z: 0, logits: 0, q: 0 };
  const logitsRef = f32('logits_steps'),
    qRef = f32('q_halt_steps');
  for (const step of steps) {
    const k = step - 1;
    const start =
      k === 0
        ? model.initialState(B)
        : {
            y: tf.tensor3d(ys.slice((k - 1) * B * TD, k * B * TD), [B, T, D]),
            z: tf.tensor3d(zs.slice((k - 1) * B * TD, k * B * TD), [B, T, D]),
          };
    const out = model.step(start, x);
    const [y, z, logits, q] = (await Promise.all([
      out.state.y.data(),
      out.state.z.data(),
      out.logits.data(),
      out.qHalt.data(),
    ])) as Float32Array[];
    tf.dispose([start.y, start.z, out.state.y, out.state.z, out.logits, out.qHalt, out.qContinue]);
    err.y = Math.max(err.y, maxAbsDiff(y, ys.subarray(k * B * TD, (k + 1) * B * TD)));
    err.z = Math.max(err.z, maxAbsDiff(z, zs.subarray(k * B * TD, (k + 1) * B * TD)));
    err.logits = Math.max(err.logits, maxAbsDiff(logits, logitsRef.subarray(k * B * S * V, (k + 1) * B * S * V)));
    err.q = Math.max(err.q, maxAbsDiff(q, qRef.subarray(k * B, (k + 1) * B)));
  }
  x.dispose();
  model.dispose();
  check(`rung 3: ACT step y, ${steps.length} step(s) x ${B} rows`, err.y, 1e-3);
  check(`rung 3: ACT step z`, err.z, 1e-3);
  check(`rung 3: ACT step logits`, err.logits, 1e-3);
  check(`rung 3: ACT step q_halt`, err.q, 1e-3);
  console.log(
    `${ok ? 'all rungs within bounds' : 'SOME RUNGS FAILED'} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
  return ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`bench:parity: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  },
);
