// An independent, deliberately plain float64 implementation of the TRM forward pieces (loops over
// arrays, no TF.js), written from the reference document, to check the TF.js model on configurations
// the fixture does not cover (attention + RoPE, learned positions, multi-position puzzle embeddings).

import type { TrmConfig } from '../../../src/engine/config';
import { derive } from '../../../src/engine/config';
import type { HostTensor } from '../../../src/engine/hostTensor';

export type Mat = number[][]; // [rows][cols]

export function toMat(t: HostTensor): Mat {
  const [r, c] = t.shape;
  const d = t.data as Float32Array;
  return Array.from({ length: r }, (_, i) => Array.from(d.subarray(i * c, (i + 1) * c)));
}

export function fromFlat(data: ArrayLike<number>, rows: number, cols: number): Mat {
  return Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => data[i * cols + j]));
}

function linear(u: Mat, w: Mat, b?: number[]): Mat {
  return u.map((row) => w.map((wr, o) => wr.reduce((s, wv, k) => s + wv * row[k], b ? b[o] : 0)));
}

function rms(u: Mat, eps: number): Mat {
  return u.map((row) => {
    const ms = row.reduce((s, v) => s + v * v, 0) / row.length;
    return row.map((v) => v / Math.sqrt(ms + eps));
  });
}

const transpose = (m: Mat): Mat => m[0].map((_, j) => m.map((row) => row[j]));
const add = (a: Mat, b: Mat): Mat => a.map((row, i) => row.map((v, j) => v + b[i][j]));

function swiglu(u: Mat, gu: Mat, down: Mat): Mat {
  const I = gu.length / 2;
  const h = linear(u, gu);
  const m = h.map((row) =>
    Array.from({ length: I }, (_, i) => {
      const g = row[i];
      return (g / (1 + Math.exp(-g))) * row[I + i];
    }),
  );
  return linear(m, down);
}

function attention(h: Mat, qkv: Mat, o: Mat, heads: number, rope: boolean, theta: number): Mat {
  const T = h.length;
  const D = qkv[0].length;
  const d = D / heads;
  const proj = linear(h, qkv); // [T, 3D]
  const out: Mat = Array.from({ length: T }, () => new Array(D).fill(0));
  const rot = (v: number[], pos: number): number[] => {
    if (!rope) return v;
    const half = d / 2;
    const r = new Array(d);
    for (let j = 0; j < half; j++) {
      const a = pos * Math.pow(theta, (-2 * j) / d);
      r[j] = v[j] * Math.cos(a) - v[j + half] * Math.sin(a);
      r[j + half] = v[j + half] * Math.cos(a) + v[j] * Math.sin(a);
    }
    return r;
  };
  for (let hd = 0; hd < heads; hd++) {
    const q = proj.map((row, p) => rot(row.slice(hd * d, hd * d + d), p));
    const k = proj.map((row, p) => rot(row.slice(D + hd * d, D + hd * d + d), p));
    const v = proj.map((row) => row.slice(2 * D + hd * d, 2 * D + hd * d + d));
    for (let i = 0; i < T; i++) {
      const sc = k.map((kr) => kr.reduce((s, kv, j) => s + kv * q[i][j], 0) / Math.sqrt(d));
      const m = Math.max(...sc);
      const e = sc.map((s) => Math.exp(s - m));
      const z = e.reduce((a, b) => a + b, 0);
      for (let j = 0; j < d; j++) out[i][hd * d + j] = e.reduce((s, ev, t) => s + (ev / z) * v[t][j], 0);
    }
  }
  return linear(out, o);
}

/** One example's block stack: net(h, u) for a single [T, D] state. */
export function refNet(c: TrmConfig, w: Map<string, HostTensor>, h0: Mat, inj: Mat): { out: Mat; layers: Mat[] } {
  let h = add(h0, inj);
  const layers: Mat[] = [];
  const W = (k: string) => toMat(w.get(k) as HostTensor);
  for (let l = 0; l < c.L_layers; l++) {
    const p = `L_level.layers.${l}`;
    if (c.mlp_t) {
      const g = transpose(h);
      h = transpose(
        rms(add(g, swiglu(g, W(`${p}.mlp_t.gate_up_proj.weight`), W(`${p}.mlp_t.down_proj.weight`))), c.rms_norm_eps),
      );
    } else {
      h = rms(
        add(
          h,
          attention(
            h,
            W(`${p}.self_attn.qkv_proj.weight`),
            W(`${p}.self_attn.o_proj.weight`),
            c.num_heads,
            c.pos_encodings === 'rope',
            c.rope_theta,
          ),
        ),
        c.rms_norm_eps,
      );
    }
    h = rms(add(h, swiglu(h, W(`${p}.mlp.gate_up_proj.weight`), W(`${p}.mlp.down_proj.weight`))), c.rms_norm_eps);
    layers.push(h);
  }
  return { out: h, layers };
}

/** x for one example: [puzzle prefix ; token rows], learned positions, times sqrt(D). */
export function refEmbed(c: TrmConfig, w: Map<string, HostTensor>, tokens: ArrayLike<number>, puzzleId: number): Mat {
  const { puzzleEmbLen: P, totalSeqLen: T } = derive(c);
  const D = c.hidden_size;
  const emb = toMat(w.get('embed_tokens.embedding_weight') as HostTensor);
  const flat = new Array(P * D).fill(0);
  if (c.puzzle_emb_ndim > 0) {
    const table = w.get('puzzle_emb.weights') as HostTensor;
    const data = table.data as Float32Array;
    for (let i = 0; i < c.puzzle_emb_ndim; i++) flat[i] = data[puzzleId * c.puzzle_emb_ndim + i];
  }
  let e: Mat = [];
  for (let p = 0; p < P; p++) e.push(flat.slice(p * D, (p + 1) * D));
  for (let i = 0; i < c.seq_len; i++) e.push([...emb[tokens[i]]]);
  if (c.pos_encodings === 'learned') {
    const pos = toMat(w.get('embed_pos.embedding_weight') as HostTensor);
    e = e.map((row, t) => row.map((v, j) => 0.707106781 * (v + pos[t][j])));
  }
  if (e.length !== T) throw new Error('reference embed length');
  return e.map((row) => row.map((v) => v * Math.sqrt(D)));
}

/** Logits [S, V] (prefix dropped) and q = q_head(y[0]). */
export function refHeads(c: TrmConfig, w: Map<string, HostTensor>, y: Mat): { logits: Mat; q: number[] } {
  const P = derive(c).puzzleEmbLen;
  const logits = linear(y.slice(P), toMat(w.get('lm_head.weight') as HostTensor));
  const qb = Array.from((w.get('q_head.bias') as HostTensor).data as Float32Array);
  const q = linear([y[0]], toMat(w.get('q_head.weight') as HostTensor), qb)[0];
  return { logits, q };
}

export function maxDiffMat(a: ArrayLike<number>, m: Mat): number {
  const flat = m.flat();
  let d = 0;
  for (let i = 0; i < flat.length; i++) d = Math.max(d, Math.abs(a[i] - flat[i]));
  return d;
}
