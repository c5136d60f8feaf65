// The decoded answer y (z_H → lm_head → argmax) of the cursor's step, drawn large: token colour or
// digit per cell, faded by the softmax confidence, with the selected diff (changed since the
// previous step, or wrong against the label) outlined. Text is drawn, so this canvas is hi-DPI.
import type { DiffMode, StepSummary, TraceInfo } from '../../src/protocol/timeline';
import {
  answerText,
  confidenceFade,
  describeSummary,
  diffMask,
  tokenColor,
  tokenGlyph,
  type AnswerColors,
} from '../model/answer';
import { cssOf, mix } from '../model/colors';
import { h, sizeHiDpiCanvas } from './dom';
import { DETAIL_CSS } from './detail';

export class AnswerView {
  readonly root: HTMLElement;
  private readonly caption: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly text: HTMLElement;
  private drawn = '';
  private pixels: ImageData | null = null;
  private readonly offscreen = document.createElement('canvas');

  /** Grid geometry of the last drawing (CSS pixels per cell), for picking a cell under the pointer. */
  private geometry = { cell: 0, W: 0, H: 0 };

  /** `onPick`: a click or right-click on an answer cell (row-major index), e.g. for the patch bar. */
  constructor(onPick?: (cell: number) => void) {
    this.caption = h('figcaption', { class: 'tl-caption' });
    this.canvas = h('canvas', { class: 'tl-answer-canvas', attrs: { role: 'img' } });
    this.text = h('p', { class: 'tl-answer-text', attrs: { 'aria-live': 'polite' } });
    this.root = h('figure', { class: 'tl-answer' }, [this.caption, this.canvas, this.text]);
    const pick = (e: MouseEvent): void => {
      const { cell, W, H } = this.geometry;
      if (!onPick || cell <= 0) return;
      const c = Math.floor(e.offsetX / cell);
      const r = Math.floor(e.offsetY / cell);
      if (c < 0 || c >= W || r < 0 || r >= H) return;
      e.preventDefault();
      onPick(r * W + c);
    };
    this.canvas.addEventListener('click', pick);
    this.canvas.addEventListener('contextmenu', pick);
  }

  invalidate(): void {
    this.drawn = '';
  }

  show(
    info: TraceInfo,
    s: StepSummary | null,
    step: number,
    diff: DiffMode,
    c: AnswerColors & { fontFamily: string },
    message: string,
  ): void {
    const sig = s ? `${info.sessionId}|${s.step}|${diff}|${message}` : `none|${step}|${message}`;
    if (sig === this.drawn) return;
    this.drawn = sig;
    const W = info.gridWidth;
    const H = info.gridHeight;
    const cell = Math.max(2, Math.floor(DETAIL_CSS / Math.max(W, H)));
    this.geometry = { cell, W, H };
    const ctx = sizeHiDpiCanvas(this.canvas, cell * W, cell * H);
    ctx.clearRect(0, 0, cell * W, cell * H);
    const diffName =
      diff === 'previous'
        ? ' · outlined: changed since previous step'
        : diff === 'label'
          ? ' · outlined: wrong vs label'
          : '';
    // Say what the drawing encodes for this task: Sudoku draws givens dim and tints unsure cells;
    // ARC and mazes fade a cell's colour with its confidence.
    const encoding =
      info.taskKind === 'sudoku' ? 'dim digits: givens · tinted cells: low confidence' : 'faded cells: low confidence';
    this.caption.textContent = `answer ŷ after step ${step} (y = z_H decoded) · ${encoding}${diffName}`;
    if (!s) {
      this.text.textContent = message;
      this.canvas.setAttribute('aria-label', message);
      return;
    }
    const mask = diffMask(s, diff);
    const hi = diff === 'label' ? c.wrong : c.changed;
    const task = info.taskKind;
    ctx.font = `${Math.round(cell * 0.62)}px ${c.fontFamily}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    // Cell colours at data resolution, scaled up in one drawImage; glyphs and outlines go on top.
    if (!this.pixels || this.pixels.width !== W || this.pixels.height !== H) {
      this.pixels = new ImageData(W, H);
      this.offscreen.width = W;
      this.offscreen.height = H;
    }
    const px = this.pixels.data;
    for (let i = 0; i < s.preds.length; i++) {
      const conf = s.confidence[i];
      px.set(
        task === 'sudoku'
          ? mix(c.background, c.positive, (1 - Math.max(0, Math.min(1, conf))) * 0.8)
          : confidenceFade(tokenColor(task, s.preds[i], c), conf, c),
        i * 4,
      );
    }
    this.offscreen.getContext('2d')!.putImageData(this.pixels, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.offscreen, 0, 0, W * cell, H * cell);
    for (let i = 0; i < s.preds.length; i++) {
      const x = (i % W) * cell;
      const y = Math.floor(i / W) * cell;
      const tok = s.preds[i];
      const glyph = tokenGlyph(task, tok);
      if (glyph && cell >= 10) {
        const given = task === 'sudoku' && info.inputs[i] >= 2;
        ctx.fillStyle = cssOf(given ? c.muted : c.foreground);
        ctx.fillText(glyph, x + cell / 2, y + cell / 2 + 1);
      }
      if (mask && mask[i]) {
        ctx.strokeStyle = cssOf(hi);
        ctx.lineWidth = Math.max(1, cell / 10);
        ctx.strokeRect(x + ctx.lineWidth / 2, y + ctx.lineWidth / 2, cell - ctx.lineWidth, cell - ctx.lineWidth);
        if (diff === 'label' && info.labels && task === 'sudoku' && cell >= 16) {
          ctx.save();
          ctx.font = `${Math.round(cell * 0.3)}px ${c.fontFamily}`;
          ctx.fillStyle = cssOf(c.wrong);
          ctx.fillText(tokenGlyph(task, info.labels[i]), x + cell * 0.8, y + cell * 0.22);
          ctx.restore();
        }
      }
    }
    if (task === 'sudoku' && W === 9 && H === 9) {
      ctx.strokeStyle = cssOf(c.foreground);
      ctx.lineWidth = 1.5;
      for (let k = 3; k < 9; k += 3) {
        ctx.beginPath();
        ctx.moveTo(k * cell, 0);
        ctx.lineTo(k * cell, 9 * cell);
        ctx.moveTo(0, k * cell);
        ctx.lineTo(9 * cell, k * cell);
        ctx.stroke();
      }
    }
    const labelled = info.labels ? Array.from(info.labels).filter((t) => t !== 0).length : 0;
    this.text.textContent = describeSummary(s, labelled);
    this.canvas.setAttribute('aria-label', `decoded answer after step ${s.step}:\n${answerText(task, s.preds, W)}`);
  }
}
