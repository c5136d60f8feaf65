// How a decoded answer y (token ids per cell, with the softmax confidence of each) is shown for each
// task, following the official token encodings: Sudoku 0 PAD, 1 blank, 2..10 = digits 1..9; Maze
// 0 PAD, 1 '#', 2 ' ', 3 'S', 4 'G', 5 'o'; ARC 0 PAD, 1 EOS, 2..11 = colours 0..9.
import type { DiffMode, StepSummary, TaskKind } from '../../src/protocol/timeline';
import { ARC_PALETTE, mix, parseColor, type Rgba } from './colors';
import { cellMask } from './grid';

export interface AnswerColors {
  background: Rgba;
  foreground: Rgba;
  muted: Rgba;
  positive: Rgba;
  changed: Rgba;
  wrong: Rgba;
}

const CATEGORICAL: readonly Rgba[] = [
  '#4e79a7',
  '#f28e2c',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc949',
  '#af7aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ab',
].map((x) => parseColor(x, [128, 128, 128, 255]));
const MAZE_START: Rgba = [46, 204, 64, 255];
const MAZE_GOAL: Rgba = [255, 65, 54, 255];

/** Text drawn in a cell of the detail grid ('' = none). */
export function tokenGlyph(task: TaskKind, token: number): string {
  switch (task) {
    case 'sudoku':
      return token >= 2 && token <= 10 ? String(token - 1) : '';
    case 'maze':
      return token === 3 ? 'S' : token === 4 ? 'G' : '';
    case 'arc':
      return '';
    case 'generic':
      return token > 0 ? String(token) : '';
  }
}

/** Fill colour of a token (before the confidence fade); Sudoku digits get categorical colours. */
export function tokenColor(task: TaskKind, token: number, c: AnswerColors): Rgba {
  if (token === 0) return c.background; // PAD
  switch (task) {
    case 'arc':
      return token >= 2 && token <= 11 ? ARC_PALETTE[token - 2] : mix(c.background, c.muted, 0.5); // EOS
    case 'maze':
      return token === 1
        ? mix(c.background, c.foreground, 0.55)
        : token === 2
          ? c.background
          : token === 3
            ? MAZE_START
            : token === 4
              ? MAZE_GOAL
              : token === 5
                ? c.positive
                : c.muted;
    case 'sudoku':
      return token >= 2 && token <= 10 ? CATEGORICAL[(token - 2) % CATEGORICAL.length] : c.background;
    case 'generic':
      return CATEGORICAL[token % CATEGORICAL.length];
  }
}

/** Fades a colour towards the background as confidence drops: certain cells pop, unsure ones recede. */
export function confidenceFade(base: Rgba, confidence: number, c: AnswerColors): Rgba {
  const conf = Number.isFinite(confidence) ? Math.max(0, Math.min(1, confidence)) : 0;
  return mix(base, c.background, (1 - conf) * 0.75);
}

/** Per-cell highlight of a diff mode: 1 = changed since previous step / wrong against the label. */
export function diffMask(s: StepSummary, diff: DiffMode): Uint8Array | null {
  if (diff === 'previous') return cellMask(s.changedCells, s.preds.length);
  if (diff === 'label') return s.wrongCells ? cellMask(s.wrongCells, s.preds.length) : null;
  return null;
}

/** Thumbnail pixels (one per cell, RGBA) of an answer: token colour faded by confidence, diffs on top. */
export function paintAnswer(
  task: TaskKind,
  s: StepSummary,
  diff: DiffMode,
  c: AnswerColors,
  out: Uint8ClampedArray,
): void {
  const mask = diffMask(s, diff);
  const hi = diff === 'label' ? c.wrong : c.changed;
  for (let i = 0; i < s.preds.length; i++) {
    const col = mask && mask[i] ? hi : confidenceFade(tokenColor(task, s.preds[i], c), s.confidence[i], c);
    out.set(col, i * 4);
  }
}

/** One-line summary of a step for the status text (also what screen readers announce). */
export function describeSummary(s: StepSummary, labelled: number): string {
  const parts = [`step ${s.step}`];
  if (s.accuracy !== undefined && labelled > 0) {
    const right = Math.round(s.accuracy * labelled);
    parts.push(`${right}/${labelled} labelled cells right${s.correct ? ' ✓ solved' : ''}`);
  }
  parts.push(`${s.changedCells.length} changed`);
  parts.push(`q_halt = ${fmt(s.qHalt)} (p = ${fmt(s.haltProbability)}) ${s.wouldHalt ? '→ would halt' : '→ continue'}`);
  if (s.halted) parts.push('halted here');
  if (s.nonFinite) parts.push('⚠ non-finite values');
  return parts.join(' · ');
}

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? v.toExponential(2) : v.toFixed(a < 1 ? 3 : 2);
}

/** Decoded Sudoku/maze rows as text (for aria labels and DOM assertions). */
export function answerText(task: TaskKind, preds: ArrayLike<number>, width: number): string {
  const rows: string[] = [];
  for (let r = 0; r * width < preds.length; r++) {
    let line = '';
    for (let col = 0; col < width; col++) {
      const t = preds[r * width + col];
      line +=
        task === 'sudoku'
          ? tokenGlyph(task, t) || '.'
          : task === 'maze'
            ? ('?# SGo'[t] ?? '?')
            : task === 'arc'
              ? t >= 2 && t <= 11
                ? String(t - 2)
                : t === 1
                  ? '|'
                  : '.'
              : `${t} `;
    }
    rows.push(line.trimEnd());
  }
  return rows.join('\n');
}

/**
 * Thumbnail pixels of run B's decoded answer (a comparison session): token colours, with the cells
 * whose answer differs from run A's in the `changed` colour.
 */
export function paintAnswerB(
  task: TaskKind,
  predsB: ArrayLike<number>,
  predsA: ArrayLike<number> | undefined,
  c: AnswerColors,
  out: Uint8ClampedArray,
): void {
  for (let i = 0; i < predsB.length; i++)
    out.set(predsA && predsA[i] !== predsB[i] ? c.changed : tokenColor(task, predsB[i], c), i * 4);
}
