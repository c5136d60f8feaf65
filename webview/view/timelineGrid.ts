// The timeline itself: one row per supervision step, one small multiple per update (or layer). Each
// row is ONE canvas at data resolution (a cell = gridH × gridW pixels, 1-pixel gaps) scaled by CSS,
// so a cell is drawn with a single putImageData. Rows are virtualised: only rows in the viewport
// exist in the DOM, and the app fetches and paints only those. The header is SVG (axis labels only).
import { select } from 'd3-selection';
import { laneAt, laneLayout, type Lane, type LaneLayout } from '../model/divergence';
import type { Column, RowGeometry } from '../model/layout';
import { hitColumn, rowGeometry, scrollToRow, visibleRows } from '../model/layout';
import { h } from './dom';

export interface RowView {
  step: number;
  el: HTMLDivElement;
  label: HTMLDivElement;
  cells: HTMLCanvasElement;
  ctx: CanvasRenderingContext2D;
  answer: HTMLCanvasElement;
  actx: CanvasRenderingContext2D;
  /** Signature of what each cell shows, to skip repainting unchanged cells. */
  drawn: (string | null)[];
  answerDrawn: string | null;
  labelDrawn: string | null;
}

const LABEL_CSS = 100;
const ANSWER_GAP_CSS = 10;

export class TimelineGrid {
  readonly root: HTMLElement;
  readonly scroller: HTMLDivElement;
  private readonly header: SVGSVGElement;
  private readonly rowsEl: HTMLDivElement;
  private readonly cursorEl: HTMLDivElement;
  private readonly stoppedEl: HTMLDivElement;
  private readonly rows = new Map<number, RowView>();
  private columns: Column[] = [];
  private rowCount = 0;
  private gridH = 1;
  private gridW = 1;
  geometry: RowGeometry | null = null;
  /** Where run A, run B and the divergence strip sit in a row (one lane outside comparison sessions). */
  lanes: LaneLayout = laneLayout(1, false);

  constructor(
    private readonly onCell: (step: number, col: number) => void,
    onScroll: () => void,
    /** Tooltip of the cell (or strip) under the pointer; '' = none. */
    /** `answerCell`: the grid cell under the pointer on the answer thumbnail (row-major), else null. */
    private readonly describe: (step: number, col: number, lane: Lane, answerCell: number | null) => string = () => '',
  ) {
    this.header = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    this.header.classList.add('tl-colheader');
    this.header.setAttribute('aria-hidden', 'true');
    this.rowsEl = h('div', { class: 'tl-rows' });
    this.cursorEl = h('div', { class: 'tl-cursor', attrs: { 'aria-hidden': 'true' } });
    this.stoppedEl = h('div', {
      class: 'tl-stopped',
      title: 'where the debug session is stopped',
      attrs: { 'aria-hidden': 'true' },
    });
    this.rowsEl.append(this.cursorEl, this.stoppedEl);
    this.scroller = h('div', { class: 'tl-scroll' }, [this.rowsEl]);
    this.root = h(
      'section',
      {
        class: 'tl-timeline',
        attrs: {
          tabindex: '0',
          role: 'grid',
          'aria-label':
            'Recursion timeline: rows are supervision steps, columns are updates. Arrow keys move, space plays.',
        },
      },
      [this.header as unknown as Node, this.scroller],
    );
    this.scroller.addEventListener('scroll', onScroll, { passive: true });
    this.rowsEl.addEventListener('click', (e) => this.click(e));
    this.rowsEl.addEventListener('mousemove', (e) => this.hover(e));
  }

  /** New sizes or columns: recompute geometry and drop every row (they are rebuilt on demand). */
  configure(gridH: number, gridW: number, columns: Column[], rowCount: number, compare = false): void {
    this.lanes = laneLayout(gridH, compare);
    this.gridH = gridH;
    this.gridW = gridW;
    this.columns = columns;
    this.rowCount = rowCount;
    for (const r of this.rows.values()) r.el.remove();
    this.rows.clear();
    this.relayout();
  }

  /** Recomputes the scale from the available width; true when it changed (rows must be repainted). */
  relayout(): boolean {
    if (this.columns.length === 0) return false;
    const avail = Math.max(100, this.scroller.clientWidth - LABEL_CSS - ANSWER_GAP_CSS - 16);
    // +1: the answer column
    const g = rowGeometry(this.gridH, this.gridW, this.columns.length + 1, avail, 0.75, 6, this.lanes.height);
    const next = { ...g, dataWidth: this.columns.length * g.pitch - g.gap };
    const changed = !this.geometry || next.scale !== this.geometry.scale || next.dataWidth !== this.geometry.dataWidth;
    this.geometry = next;
    this.rowsEl.style.height = `${this.rowCount * this.geometry.rowPitchCss}px`;
    this.rowsEl.style.width = `${LABEL_CSS + (this.geometry.dataWidth + ANSWER_GAP_CSS / g.scale + g.gridW) * g.scale + 4}px`;
    if (changed) for (const r of this.rows.values()) this.sizeRow(r);
    this.drawHeader();
    return changed;
  }

  visibleRange(): { first: number; last: number } {
    if (!this.geometry) return { first: 1, last: 0 };
    return visibleRows(this.scroller.scrollTop, this.scroller.clientHeight, this.geometry.rowPitchCss, this.rowCount);
  }

  /** Ensures DOM rows exist exactly for the visible range; returns them in step order. */
  syncRows(): RowView[] {
    const { first, last } = this.visibleRange();
    for (const [step, r] of this.rows)
      if (step < first || step > last) {
        r.el.remove();
        this.rows.delete(step);
      }
    const out: RowView[] = [];
    for (let step = first; step <= last; step++) {
      let r = this.rows.get(step);
      if (!r) {
        r = this.createRow(step);
        this.rows.set(step, r);
      }
      out.push(r);
    }
    return out;
  }

  /** Invalidate all painted cells (theme, domain or view changed). */
  invalidate(): void {
    for (const r of this.rows.values()) {
      r.drawn.fill(null);
      r.answerDrawn = null;
      r.labelDrawn = null;
    }
  }

  cellCssBox(step: number, col: number): { left: number; top: number; width: number; height: number } | null {
    const g = this.geometry;
    if (!g) return null;
    return {
      left: LABEL_CSS + col * g.pitch * g.scale,
      top: (step - 1) * g.rowPitchCss + 3,
      width: g.cellCss,
      height: g.rowHeightCss,
    };
  }

  placeCursor(step: number | null, col: number): void {
    this.place(this.cursorEl, step, col);
  }
  placeStopped(step: number | null, col: number): void {
    this.place(this.stoppedEl, step, col);
  }

  /** Scrolls the cursor's row into view; true when the scroll position changed. */
  reveal(step: number): boolean {
    if (!this.geometry) return false;
    const next = scrollToRow(step, this.scroller.scrollTop, this.scroller.clientHeight, this.geometry.rowPitchCss);
    if (Math.abs(next - this.scroller.scrollTop) < 1) return false;
    this.scroller.scrollTop = next;
    return true;
  }

  private place(el: HTMLDivElement, step: number | null, col: number): void {
    const box = step === null || col < 0 ? null : this.cellCssBox(step, col);
    el.hidden = box === null;
    if (!box) return;
    el.style.transform = `translate(${box.left}px, ${box.top}px)`;
    el.style.width = `${box.width}px`;
    el.style.height = `${box.height}px`;
  }

  private createRow(step: number): RowView {
    const label = h('div', { class: 'tl-rowlabel' });
    const cells = h('canvas', {
      class: 'tl-cells',
      attrs: { 'data-step': String(step), role: 'row', 'aria-label': `step ${step}` },
    });
    const answer = h('canvas', {
      class: 'tl-ans',
      title: `decoded answer y (z_H) after step ${step}`,
      attrs: { 'data-step': String(step) },
    });
    const el = h('div', { class: 'tl-row', attrs: { 'data-step': String(step) } }, [label, cells, answer]);
    const ctx = cells.getContext('2d');
    const actx = answer.getContext('2d');
    if (!ctx || !actx) throw new Error('canvas 2d context unavailable');
    const r: RowView = { step, el, label, cells, ctx, answer, actx, drawn: [], answerDrawn: null, labelDrawn: null };
    this.sizeRow(r);
    this.rowsEl.append(el);
    return r;
  }

  private sizeRow(r: RowView): void {
    const g = this.geometry!;
    r.el.style.transform = `translateY(${(r.step - 1) * g.rowPitchCss + 3}px)`;
    r.el.style.height = `${g.rowHeightCss}px`;
    r.label.style.width = `${LABEL_CSS}px`;
    r.cells.width = g.dataWidth;
    r.cells.height = this.lanes.height;
    r.cells.style.width = `${g.dataWidth * g.scale}px`;
    r.cells.style.height = `${g.rowHeightCss}px`;
    r.answer.width = g.gridW;
    r.answer.height = this.lanes.height;
    r.answer.style.width = `${g.cellCss}px`;
    r.answer.style.height = `${g.rowHeightCss}px`;
    r.answer.style.marginLeft = `${ANSWER_GAP_CSS}px`;
    // Run A's cells, then (comparison sessions) run B's and the divergence strip's.
    r.drawn = new Array<string | null>(this.columns.length * (this.lanes.compare ? 3 : 1)).fill(null);
    r.answerDrawn = null;
    r.labelDrawn = null;
  }

  private drawHeader(): void {
    const g = this.geometry!;
    const width = LABEL_CSS + g.dataWidth * g.scale + ANSWER_GAP_CSS + g.cellCss + 4;
    const svg = select(this.header).attr('width', width).attr('height', 34);
    const cycles = [...new Set(this.columns.map((c) => c.cycle))].map((cycle) => {
      const cols = this.columns.filter((c) => c.cycle === cycle);
      return {
        cycle,
        x0: LABEL_CSS + cols[0].index * g.pitch * g.scale,
        x1: LABEL_CSS + (cols[cols.length - 1].index * g.pitch + g.gridW) * g.scale,
      };
    });
    svg
      .selectAll<SVGTextElement, (typeof cycles)[number]>('text.cyc')
      .data(cycles, (d) => String(d.cycle))
      .join('text')
      .attr('class', 'cyc')
      .attr('x', (d) => (d.x0 + d.x1) / 2)
      .attr('y', 11)
      .attr('text-anchor', 'middle')
      .text((d) => (d.x1 - d.x0 >= 170 ? `cycle ${d.cycle} (of T = H_cycles)` : `cycle ${d.cycle}`)); // short when cells are small
    svg
      .selectAll<SVGLineElement, (typeof cycles)[number]>('line.cyc')
      .data(cycles, (d) => String(d.cycle))
      .join('line')
      .attr('class', 'cyc')
      .attr('x1', (d) => d.x0)
      .attr('x2', (d) => d.x1)
      .attr('y1', 15)
      .attr('y2', 15);
    const narrow = g.cellCss < 24;
    // Tiny cells: only every y column and the first z of each cycle get a label, so labels never overlap.
    const tiny = g.cellCss < 16;
    const labels = this.columns.filter(
      (c) => (!narrow || c.layer === undefined || c.layer === 1) && (!tiny || c.kind === 'y' || c.zIndex === 1),
    );
    svg
      .selectAll<SVGTextElement, Column>('text.col')
      .data(labels, (d) => String(d.index))
      .join('text')
      .attr('class', (d) => `col ${d.kind}`)
      .attr('x', (d) => LABEL_CSS + (d.index * g.pitch + g.gridW / 2) * g.scale)
      .attr('y', 29)
      .attr('text-anchor', 'middle')
      .text((d) => (narrow && d.layer !== undefined ? d.label.replace(/·1$/, '') : d.label));
    svg
      .selectAll<SVGTextElement, number>('text.ans')
      .data([0])
      .join('text')
      .attr('class', 'ans')
      .attr('x', LABEL_CSS + g.dataWidth * g.scale + ANSWER_GAP_CSS + g.cellCss / 2)
      .attr('y', 29)
      .attr('text-anchor', 'middle')
      .text('ŷ');
    svg
      .selectAll<SVGTextElement, number>('text.steps')
      .data([0])
      .join('text')
      .attr('class', 'steps')
      .attr('x', 4)
      .attr('y', 29)
      .text('step (N_sup)');
  }

  private lastHover: MouseEvent | null = null;

  /** Recomputes the tooltip under the pointer (data it waited for arrived). */
  refreshHover(): void {
    if (this.lastHover) this.hover(this.lastHover);
  }

  private hover(e: MouseEvent): void {
    this.lastHover = e;
    const t = e.target as HTMLElement;
    if (!(t instanceof HTMLCanvasElement) || !this.geometry) return;
    const step = Number(t.dataset.step);
    if (!Number.isInteger(step)) return;
    const rect = t.getBoundingClientRect();
    const yData = Math.floor((e.clientY - rect.top) / this.geometry.scale);
    const lane = laneAt(yData, this.lanes);
    const onAnswer = t.classList.contains('tl-ans');
    if (!onAnswer && !t.classList.contains('tl-cells')) return;
    let answerCell: number | null = null;
    if (onAnswer && (lane === 'A' || lane === 'B')) {
      const r = yData - (lane === 'A' ? this.lanes.aTop : this.lanes.bTop);
      const c = Math.floor((e.clientX - rect.left) / this.geometry.scale);
      if (r >= 0 && r < this.gridH && c >= 0 && c < this.gridW) answerCell = r * this.gridW + c;
    }
    const col = onAnswer ? -1 : hitColumn(e.clientX - rect.left, this.geometry, this.columns.length);
    const text = this.describe(step, col, lane, answerCell);
    if (t.title !== text) t.title = text;
  }

  private click(e: MouseEvent): void {
    const t = e.target as HTMLElement;
    if (!(t instanceof HTMLCanvasElement) || !t.classList.contains('tl-cells') || !this.geometry) return;
    const rect = t.getBoundingClientRect();
    const col = hitColumn(e.clientX - rect.left, this.geometry, this.columns.length);
    const step = Number(t.dataset.step);
    if (col >= 0 && Number.isInteger(step)) this.onCell(step, col);
  }
}
