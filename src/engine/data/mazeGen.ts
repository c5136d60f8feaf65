// Maze generator in the HRM/TRM maze text format ('#' wall, ' ' open, 'S' start, 'G' goal, 'o' path
// in the answer only). Cells sit at even coordinates with walls between them (randomized depth-first
// carving = a perfect maze); `braid` knocks out dead ends to create loops. S and G are placed far apart
// with a UNIQUE shortest path between them, which the answer marks with 'o'.

import { DataRng } from './rng';

export interface MazeOptions {
  size: number;
  /** Probability of removing each dead end (0 = perfect maze, 1 = no dead ends). */
  braid?: number;
}

export interface GeneratedMaze {
  size: number;
  question: string;
  answer: string;
  /** Number of moves on the shortest path from S to G. */
  pathLength: number;
}

export const MAX_MAZE_SIZE = 256;

export function generateMaze(rng: DataRng, opts: MazeOptions): GeneratedMaze {
  const n = opts.size;
  const braid = opts.braid ?? 0;
  if (!Number.isInteger(n) || n < 3 || n > MAX_MAZE_SIZE)
    throw new Error(`maze size must be an integer in 3..${MAX_MAZE_SIZE} (got ${n})`);
  if (!(braid >= 0 && braid <= 1)) throw new Error(`braid must be in 0..1 (got ${braid})`);
  const open = new Uint8Array(n * n);
  const cells = Math.floor((n - 1) / 2) + 1; // cells per side at even coordinates 0, 2, ...
  const at = (cr: number, cc: number): number => 2 * cr * n + 2 * cc;
  const DIRS = [
    [-1, 0],
    [1, 0],
    [0, -1],
    [0, 1],
  ];
  const neighbours = (cr: number, cc: number): Array<[number, number]> =>
    DIRS.map(([dr, dc]) => [cr + dr, cc + dc] as [number, number]).filter(
      ([r, c]) => r >= 0 && c >= 0 && r < cells && c < cells,
    );
  const between = (a: [number, number], b: [number, number]): number => (a[0] + b[0]) * n + (a[1] + b[1]);

  // Randomized depth-first carving (iterative, so large mazes do not overflow the stack).
  const visited = new Uint8Array(cells * cells);
  const start: [number, number] = [rng.int(cells), rng.int(cells)];
  const stack: Array<[number, number]> = [start];
  visited[start[0] * cells + start[1]] = 1;
  open[at(...start)] = 1;
  while (stack.length) {
    const cur = stack[stack.length - 1];
    const next = neighbours(...cur).filter(([r, c]) => !visited[r * cells + c]);
    if (!next.length) {
      stack.pop();
      continue;
    }
    const nb = next[rng.int(next.length)];
    visited[nb[0] * cells + nb[1]] = 1;
    open[at(...nb)] = 1;
    open[between(cur, nb)] = 1;
    stack.push(nb);
  }
  if (braid > 0) {
    for (const cell of rng.permutation(cells * cells)) {
      const cur: [number, number] = [Math.floor(cell / cells), cell % cells];
      const nbs = neighbours(...cur);
      const exits = nbs.filter((nb) => open[between(cur, nb)]);
      if (exits.length !== 1 || rng.random() >= braid) continue;
      const closed = nbs.filter((nb) => !open[between(cur, nb)]);
      if (closed.length) open[between(cur, closed[rng.int(closed.length)])] = 1;
    }
  }

  // S: a random open cell; G: far away with exactly one shortest path.
  const openCells: number[] = [];
  for (let i = 0; i < n * n; i++) if (open[i]) openCells.push(i);
  const s = openCells[rng.int(openCells.length)];
  const { dist, ways, parent } = bfs(open, n, s);
  const reachable = openCells.filter((i) => i !== s && dist[i] > 0 && ways[i] === 1);
  if (!reachable.length) throw new Error('internal error: maze has no goal candidate');
  const maxD = Math.max(...reachable.map((i) => dist[i]));
  const far = reachable.filter((i) => dist[i] >= Math.ceil(maxD * 0.75));
  const g = far[rng.int(far.length)];

  const q: string[] = Array.from(open, (o) => (o ? ' ' : '#'));
  q[s] = 'S';
  q[g] = 'G';
  const a = q.slice();
  for (let p = parent[g]; p !== s; p = parent[p]) a[p] = 'o';
  return { size: n, question: q.join(''), answer: a.join(''), pathLength: dist[g] };
}

/** BFS from `s` over open cells: distance, number of shortest paths (capped at 2) and a parent. */
export function bfs(
  open: ArrayLike<number>,
  n: number,
  s: number,
): { dist: Int32Array; ways: Uint8Array; parent: Int32Array } {
  const dist = new Int32Array(n * n).fill(-1);
  const ways = new Uint8Array(n * n);
  const parent = new Int32Array(n * n).fill(-1);
  dist[s] = 0;
  ways[s] = 1;
  const queue = new Int32Array(n * n);
  let head = 0,
    tail = 0;
  queue[tail++] = s;
  while (head < tail) {
    const i = queue[head++];
    const r = Math.floor(i / n);
    const c = i % n;
    const nbs = [r > 0 ? i - n : -1, r < n - 1 ? i + n : -1, c > 0 ? i - 1 : -1, c < n - 1 ? i + 1 : -1];
    for (const j of nbs) {
      if (j < 0 || !open[j]) continue;
      if (dist[j] < 0) {
        dist[j] = dist[i] + 1;
        ways[j] = ways[i];
        parent[j] = i;
        queue[tail++] = j;
      } else if (dist[j] === dist[i] + 1) ways[j] = Math.min(2, ways[j] + ways[i]);
    }
  }
  return { dist, ways, parent };
}
