// Scalar views of a recursion state for heatmaps and trajectory plots: one value per sequence
// position (L2 norm over D, a single channel, or the first principal component), and a 2-D PCA of
// the latent trajectory across updates. Plain float math on host arrays, deterministic (fixed
// start vectors and a sign convention), so the same state always draws the same picture.

export type StateView = 'norm' | 'channel' | 'pca';

export interface ViewValues {
  values: Float32Array;
  /** Over the finite values only (0, 0 when there are none). */
  min: number;
  max: number;
}

function checkShape(state: Float32Array, positions: number, width: number): void {
  if (!Number.isInteger(positions) || !Number.isInteger(width) || positions < 1 || width < 1) {
    throw new Error(`state view: invalid shape [${positions}, ${width}]`);
  }
  if (state.length !== positions * width) {
    throw new Error(
      `state view: state has ${state.length} values, expected ${positions} x ${width} = ${positions * width}`,
    );
  }
}

function finiteRange(values: Float32Array): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values)
    if (Number.isFinite(v)) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  return min === Infinity ? { min: 0, max: 0 } : { min, max };
}

/** L2 norm over the hidden dimension at each position: [T, D] -> [T]. */
export function positionNorms(state: Float32Array, positions: number, width: number): Float32Array {
  checkShape(state, positions, width);
  const out = new Float32Array(positions);
  for (let t = 0; t < positions; t++) {
    let s = 0;
    for (let d = 0; d < width; d++) {
      const v = state[t * width + d];
      s += v * v;
    }
    out[t] = Math.sqrt(s);
  }
  return out;
}

/** One hidden channel at each position: [T, D] -> [T]. */
export function channelValues(state: Float32Array, positions: number, width: number, channel: number): Float32Array {
  checkShape(state, positions, width);
  if (!Number.isInteger(channel) || channel < 0 || channel >= width) {
    throw new Error(`channel ${channel} is out of range: the hidden size D is ${width} (channels 0..${width - 1})`);
  }
  const out = new Float32Array(positions);
  for (let t = 0; t < positions; t++) out[t] = state[t * width + channel];
  return out;
}

/**
 * Leading principal directions of the rows of a [rows, width] matrix (mean-centred), by power
 * iteration on X^T X without forming it; later components are kept orthogonal to earlier ones.
 * Each direction's largest-magnitude entry is made positive so the result does not flip sign.
 */
export function principalDirections(
  rowsData: Float64Array,
  rows: number,
  width: number,
  k: number,
  iterations = 500,
): Float64Array[] {
  const dirs: Float64Array[] = [];
  const xv = new Float64Array(rows);
  for (let c = 0; c < k; c++) {
    let v = new Float64Array(width);
    for (let d = 0; d < width; d++) v[d] = 1 + (d + c) / width + (d % (c + 2)) * 0.01;
    orthonormalise(v, dirs);
    for (let it = 0; it < iterations; it++) {
      for (let r = 0; r < rows; r++) {
        let s = 0;
        for (let d = 0; d < width; d++) s += rowsData[r * width + d] * v[d];
        xv[r] = s;
      }
      const next = new Float64Array(width);
      for (let r = 0; r < rows; r++) {
        const a = xv[r];
        if (a === 0) continue;
        for (let d = 0; d < width; d++) next[d] += a * rowsData[r * width + d];
      }
      if (!orthonormalise(next, dirs)) {
        v = next;
        break;
      } // rank exhausted: a zero direction
      let delta = 0;
      for (let d = 0; d < width; d++) delta = Math.max(delta, Math.abs(next[d] - v[d]));
      v = next;
      if (delta < 1e-12) break;
    }
    let big = 0;
    for (let d = 0; d < width; d++) if (Math.abs(v[d]) > Math.abs(v[big])) big = d;
    if (v[big] < 0) for (let d = 0; d < width; d++) v[d] = -v[d];
    dirs.push(v);
  }
  return dirs;
}

/** Removes the components along `basis` and normalises; false (and zeros) when nothing is left. */
function orthonormalise(v: Float64Array, basis: Float64Array[]): boolean {
  for (const b of basis) {
    let dot = 0;
    for (let d = 0; d < v.length; d++) dot += v[d] * b[d];
    for (let d = 0; d < v.length; d++) v[d] -= dot * b[d];
  }
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  if (!(n > 1e-300) || !Number.isFinite(n)) {
    v.fill(0);
    return false;
  }
  for (let d = 0; d < v.length; d++) v[d] /= n;
  return true;
}

/** Centres the rows (subtracting the column means) into a float64 copy. */
function centred(data: ArrayLike<number>, rows: number, width: number): Float64Array {
  const out = new Float64Array(rows * width);
  const mean = new Float64Array(width);
  for (let r = 0; r < rows; r++) for (let d = 0; d < width; d++) mean[d] += data[r * width + d];
  for (let d = 0; d < width; d++) mean[d] /= rows;
  for (let r = 0; r < rows; r++) for (let d = 0; d < width; d++) out[r * width + d] = data[r * width + d] - mean[d];
  return out;
}

/** Projection of every position's (centred) vector on the state's first principal component: [T, D] -> [T]. */
export function firstComponentValues(state: Float32Array, positions: number, width: number): Float32Array {
  checkShape(state, positions, width);
  for (const v of state) if (!Number.isFinite(v)) return new Float32Array(positions).fill(NaN);
  const x = centred(state, positions, width);
  const [pc] = principalDirections(x, positions, width, 1);
  const out = new Float32Array(positions);
  for (let t = 0; t < positions; t++) {
    let s = 0;
    for (let d = 0; d < width; d++) s += x[t * width + d] * pc[d];
    out[t] = s;
  }
  return out;
}

/** The heatmap values of one state for one view. */
export function stateView(
  state: Float32Array,
  positions: number,
  width: number,
  view: StateView,
  channel?: number,
): ViewValues {
  let values: Float32Array;
  switch (view) {
    case 'norm':
      values = positionNorms(state, positions, width);
      break;
    case 'channel':
      if (channel === undefined) throw new Error("the 'channel' view needs a channel index");
      values = channelValues(state, positions, width, channel);
      break;
    case 'pca':
      values = firstComponentValues(state, positions, width);
      break;
    default:
      throw new Error(`unknown state view ${JSON.stringify(view)}; expected norm, channel or pca`);
  }
  return { values, ...finiteRange(values) };
}

/** Mean over positions: [T, D] -> [D], the point of one state in a trajectory plot. */
export function meanState(state: Float32Array, positions: number, width: number): Float64Array {
  checkShape(state, positions, width);
  const out = new Float64Array(width);
  for (let t = 0; t < positions; t++) for (let d = 0; d < width; d++) out[d] += state[t * width + d];
  for (let d = 0; d < width; d++) out[d] /= positions;
  return out;
}

/**
 * 2-D PCA of a trajectory: each point (a D-vector, e.g. meanState of one update) projected on the
 * two leading principal directions of all points. Non-finite points are kept as NaN coordinates
 * and left out of the fit.
 */
export function trajectoryPca(points: readonly Float64Array[]): { x: number; y: number }[] {
  if (points.length === 0) return [];
  const width = points[0].length;
  for (const p of points)
    if (p.length !== width) throw new Error(`trajectory: points have different widths (${p.length} vs ${width})`);
  const finite = points.map((p) => p.every((v) => Number.isFinite(v)));
  const kept = points.filter((_, i) => finite[i]);
  if (kept.length === 0) return points.map(() => ({ x: NaN, y: NaN }));
  const flat = new Float64Array(kept.length * width);
  kept.forEach((p, i) => flat.set(p, i * width));
  const mean = new Float64Array(width);
  for (const p of kept) for (let d = 0; d < width; d++) mean[d] += p[d] / kept.length;
  const x = centred(flat, kept.length, width);
  const [a, b] = principalDirections(x, kept.length, width, 2);
  return points.map((p, i) => {
    if (!finite[i]) return { x: NaN, y: NaN };
    let sx = 0;
    let sy = 0;
    for (let d = 0; d < width; d++) {
      const c = p[d] - mean[d];
      sx += c * a[d];
      sy += c * b[d];
    }
    return { x: sx, y: sy };
  });
}
