// The Patch Sweep page: which updates and cells of one supervision step carry the answer. A header
// (puzzle, checkpoint, step, baseline accuracy, time, the largest loss and recovery), a legend of the
// diverging colour scale (lost red ↔ recovered blue, in percentage points of the labelled cells),
// and the heatmap (heatmap.ts): rows = updates, columns = cells. Hover names update, cell, accuracy
// and delta; a click moves the debugger to that update (trm/seek through the host).
import {
  SWEEP_PROTOCOL_VERSION,
  validateHostToSweep,
  validateSweepToHost,
  type HostToSweepMessage,
  type SweepReport,
  type SweepToHostMessage,
} from '../../src/protocol/sweep';
import type { VsCodeApi } from '../channel';
import { h } from '../view/dom';
import { drawLegend, SweepHeatmap, sweepColour } from './heatmap';

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const points = (d: number): string => `${d > 0 ? '+' : d < 0 ? '−' : '±'}${Math.abs(d * 100).toFixed(1)} points`;

export class SweepApp {
  private report: SweepReport | null = null;
  private canSeek = false;
  private status: HTMLElement | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly vscode: VsCodeApi,
  ) {}

  start(): void {
    this.root.append(h('div', { class: 'sw-notice', text: 'Loading…' }));
    this.post({ type: 'ready', protocolVersion: SWEEP_PROTOCOL_VERSION });
  }

  reportError(message: string): void {
    this.post({ type: 'webviewError', message: message.slice(0, 10_000) });
  }

  private post(m: SweepToHostMessage): void {
    const problem = validateSweepToHost(m);
    if (problem) throw new Error(problem);
    this.vscode.postMessage(m);
  }

  receive(raw: unknown): void {
    const problem = validateHostToSweep(raw);
    if (problem) return this.reportError(`ignored an invalid message: ${problem}`);
    const m = raw as HostToSweepMessage;
    if (m.type === 'theme') {
      document.body.dataset.theme = m.theme;
      if (this.report) this.render();
      return;
    }
    if (m.type === 'seekResult') {
      if (this.status) {
        this.status.textContent = m.text;
        this.status.classList.toggle('sw-error', !m.ok);
      }
      return;
    }
    document.body.dataset.theme = m.theme;
    this.report = m.report;
    this.canSeek = m.canSeek;
    this.render();
  }

  private render(): void {
    const r = this.report!;
    const rows = r.updates.length,
      cols = r.cells.length;
    const delta = r.delta.map((d) => d ?? NaN);
    let worst = 0,
      best = 0;
    for (let k = 1; k < delta.length; k++) {
      if (delta[k] < delta[worst]) worst = k;
      if (delta[k] > delta[best]) best = k;
    }
    const at = (k: number): string =>
      `${r.updateLabels[Math.floor(k / cols)]} at ${r.cellLabels[k % cols]} (${points(delta[k])})`;
    const extent = Math.max(0.01, ...delta.filter(Number.isFinite).map(Math.abs));
    this.root.replaceChildren();
    const what = r.kind === 'zero' ? 'zeroing' : `copying from ${r.source ?? 'the source run'}`;
    this.root.append(
      h('header', { class: 'sw-header' }, [
        h('h1', { class: 'sw-title', text: `Patch Sweep · step ${r.step}` }),
        h('div', { class: 'sw-sub', text: `${r.puzzle} · ${r.checkpoint}` }),
        h('div', { class: 'sw-facts' }, [
          h('span', {
            class: 'sw-baseline',
            text: `baseline accuracy ${pct(r.baseline)} of ${r.labelled} labelled cells`,
          }),
          h('span', {
            text: `${rows} updates × ${cols} cells = ${rows * cols} patched runs (${what}) in ${r.seconds.toFixed(1)} s · ${r.backend}`,
          }),
        ]),
        h('div', { class: 'sw-extremes' }, [
          h('span', { class: 'sw-loss', text: `largest loss: ${delta[worst] < 0 ? at(worst) : 'none'}` }),
          h('span', { class: 'sw-gain', text: `largest recovery: ${delta[best] > 0 ? at(best) : 'none'}` }),
        ]),
      ]),
    );
    const legend = h('div', { class: 'sw-legend' });
    this.root.append(legend);
    drawLegend(legend, extent);
    const tip = h('div', { class: 'sw-tip', attrs: { role: 'status' } });
    const host = h('div', { class: 'sw-map' });
    this.root.append(host, tip);
    this.status = h('div', {
      class: 'sw-status',
      text: this.canSeek
        ? 'Click a cell to move the debugger to that update.'
        : 'No debug session: clicking a cell cannot seek.',
    });
    this.root.append(this.status);
    const colour = sweepColour(extent);
    new SweepHeatmap(host, r, colour, {
      hover: (row, col) => {
        if (row < 0) {
          tip.textContent = '';
          return;
        }
        const k = row * cols + col;
        tip.textContent = `${r.updateLabels[row]} · ${r.cellLabels[col]}: accuracy ${pct(r.accuracy[k] ?? NaN)}, ${points(delta[k])} vs baseline ${pct(r.baseline)}`;
      },
      click: (row) => {
        if (!this.canSeek) return;
        this.status!.textContent = `Moving the debugger to step ${r.step} › ${r.updateLabels[row]}…`;
        this.post({ type: 'seek', step: r.step, ordinal: r.updates[row] });
      },
    });
    const finite = delta.filter(Number.isFinite);
    this.post({
      type: 'rendered',
      rows,
      cols,
      minDelta: finite.length ? Math.min(...finite) : 0,
      maxDelta: finite.length ? Math.max(...finite) : 0,
    });
  }
}
