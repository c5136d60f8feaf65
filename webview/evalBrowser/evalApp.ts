// The evaluation browser page: a header (checkpoint, dataset, accuracy, export), failure-mode groups
// with counts (a click filters the list), the summary (accuracy per halting step, the confusion of
// "q says halt" vs "answer correct"), the halting-policy lab (accuracy–compute curve, the puzzles one
// policy gets right and another wrong), and the puzzle table with filters and sorting; every puzzle
// opens in the debugger at its decisive step, or in the timeline. Every message is validated.
import {
  EVAL_PROTOCOL_VERSION,
  validateEvalToHost,
  validateHostToEval,
  type EvalPuzzleRow,
  type EvalToHostMessage,
  type EvalView,
  type HostToEvalMessage,
} from '../../src/protocol/evalBrowser';
import type { VsCodeApi } from '../host';
import { h } from '../view/dom';
import { drawHaltChart, drawPolicyChart } from './charts';

type SortKey = 'index' | 'cellAccuracy' | 'haltStep' | 'haltProbability' | 'firstCorrectStep';
const MAX_ROWS = 500;
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

export class EvalApp {
  private view: EvalView | null = null;
  private mode = 'all';
  private settling = 'all';
  private text = '';
  private sort: SortKey = 'index';
  private policyA = 'official';
  private policyB = 'q_halt';

  constructor(
    private readonly root: HTMLElement,
    private readonly vscode: VsCodeApi,
  ) {}

  start(): void {
    this.root.append(h('div', { class: 'eb-notice', text: 'Loading…' }));
    this.post({ type: 'ready', protocolVersion: EVAL_PROTOCOL_VERSION });
  }

  reportError(message: string): void {
    this.post({ type: 'webviewError', message: message.slice(0, 10_000) });
  }

  private post(m: EvalToHostMessage): void {
    const problem = validateEvalToHost(m);
    if (problem) throw new Error(problem);
    this.vscode.postMessage(m);
  }

  receive(raw: unknown): void {
    const problem = validateHostToEval(raw);
    if (problem) return this.reportError(`ignored an invalid message: ${problem}`);
    const m = raw as HostToEvalMessage;
    if (m.type === 'theme') {
      document.body.dataset.theme = m.theme;
      return;
    }
    if (m.type === 'init') {
      document.body.dataset.theme = m.theme;
      if (!m.view) {
        this.root.replaceChildren(h('div', { class: 'eb-notice', text: m.notice }));
        return;
      }
    }
    this.view = m.view;
    this.render();
  }

  private open(p: EvalPuzzleRow, step: number, where: 'debugger' | 'timeline' | 'votes'): void {
    if (this.view) this.post({ type: 'open', evalId: this.view.evalId, index: p.index, step, where });
  }

  private render(): void {
    const v = this.view;
    if (!v) return;
    const m = v.metrics;
    const header = h('div', { class: 'eb-header' }, [
      h('div', { class: 'eb-title', text: `${basename(v.checkpoint)} on ${basename(v.data)}` }),
      h('div', {
        class: 'eb-sub',
        text: `${v.puzzles.length} puzzles · N_sup = ${v.haltMaxSteps} · ${v.backend} · ${v.seconds.toFixed(1)} s${v.resumed ? ` · ${v.resumed} from the cache` : ''}`,
      }),
      h('div', { class: 'eb-metrics' }, [
        metric('exact (after N_sup)', pct(m.exact_accuracy)),
        metric('exact at q_halt stop', pct(m.exact_accuracy_at_halt)),
        metric('cells', pct(m.accuracy)),
        metric('q-halt accuracy', pct(m.q_halt_accuracy)),
        metric('mean halting step', m.mean_steps.toFixed(2)),
      ]),
      h('div', { class: 'eb-actions' }, [
        this.button('Export JSON', 'eb-export-json', () =>
          this.post({ type: 'export', evalId: v.evalId, format: 'json' }),
        ),
        this.button('Export CSV', 'eb-export-csv', () =>
          this.post({ type: 'export', evalId: v.evalId, format: 'csv' }),
        ),
      ]),
    ]);
    const groups = h('div', { class: 'eb-groups' }, [
      this.groupChip('all', v.puzzles.length),
      ...[...v.failureModes]
        .sort((a, b) => (v.failureCounts[b] ?? 0) - (v.failureCounts[a] ?? 0))
        .map((f) => this.groupChip(f, v.failureCounts[f] ?? 0)),
    ]);
    const haltChart = h('div', { class: 'eb-halt-chart' });
    const c = v.confusion;
    const confusion = h('table', { class: 'eb-confusion' }, [
      h('tr', {}, [h('th', { text: '' }), h('th', { text: 'answer correct' }), h('th', { text: 'answer wrong' })]),
      h('tr', {}, [
        h('th', { text: 'q says halt (q_halt ≥ 0)' }),
        h('td', { class: 'eb-good', text: String(c.haltAndCorrect) }),
        h('td', { class: 'eb-bad', text: String(c.haltAndWrong) }),
      ]),
      h('tr', {}, [
        h('th', { text: 'q says continue' }),
        h('td', { class: 'eb-bad', text: String(c.continueAndCorrect) }),
        h('td', { class: 'eb-good', text: String(c.continueAndWrong) }),
      ]),
    ]);
    const summary = card('Summary', 'eb-summary', [
      h('div', { class: 'eb-caption', text: 'Puzzles per halting step; inner bar: right at the halt.' }),
      haltChart,
      h('div', { class: 'eb-caption', text: 'After N_sup steps: does the Q head’s sign match the answer?' }),
      confusion,
    ]);
    const policyChart = h('div', { class: 'eb-policy-chart-box' });
    const wins = h('div', { class: 'eb-wins' });
    const lab = card('Halting-policy lab', 'eb-lab', [
      h('div', {
        class: 'eb-caption',
        text: 'Recorded steps re-scored under each halting policy (nothing recomputed). Click a point to compare it.',
      }),
      policyChart,
      h('div', { class: 'eb-compare' }, [
        this.policySelect('eb-policy-a', this.policyA, (id) => (this.policyA = id)),
        h('span', { text: ' right, ' }),
        this.policySelect('eb-policy-b', this.policyB, (id) => (this.policyB = id)),
        h('span', { text: ' wrong:' }),
      ]),
      wins,
    ]);
    const table = card('Puzzles', 'eb-puzzles', [this.filters(), this.puzzleTable()]);
    this.root.replaceChildren(header, groups, h('div', { class: 'eb-row' }, [summary, lab]), table);
    drawHaltChart(haltChart, v);
    drawPolicyChart(policyChart, v, (p) => {
      this.policyA = p.id;
      this.render();
    });
    this.fillWins(wins);
  }

  private button(label: string, cls: string, f: () => void): HTMLButtonElement {
    const b = h('button', { class: `eb-button ${cls}`, text: label });
    b.addEventListener('click', f);
    return b;
  }

  private groupChip(mode: string, count: number): HTMLElement {
    const chip = h(
      'button',
      {
        class: `eb-group${this.mode === mode ? ' eb-active' : ''}`,
        attrs: { 'data-mode': mode },
      },
      [h('span', { class: 'eb-group-name', text: mode }), h('span', { class: 'eb-count', text: String(count) })],
    );
    chip.addEventListener('click', () => {
      this.mode = mode;
      this.render();
    });
    return chip;
  }

  private policySelect(cls: string, value: string, set: (id: string) => void): HTMLSelectElement {
    const s = h('select', { class: cls });
    for (const p of this.view?.policies ?? []) {
      const o = h('option', { text: p.label, attrs: { value: p.id } });
      if (p.id === value) o.selected = true;
      s.append(o);
    }
    s.addEventListener('change', () => {
      set(s.value);
      this.render();
    });
    return s;
  }

  private fillWins(el: HTMLElement): void {
    const v = this.view as EvalView;
    const a = v.policies.find((p) => p.id === this.policyA);
    const b = v.policies.find((p) => p.id === this.policyB);
    if (!a || !b) return;
    const rows = v.puzzles.filter((_, i) => a.correct[i] === '1' && b.correct[i] === '0');
    el.append(
      h('div', {
        class: 'eb-caption',
        text: `${a.label}: ${pct(a.accuracy)} at ${a.meanSteps.toFixed(2)} steps · ${b.label}: ${pct(b.accuracy)} at ${b.meanSteps.toFixed(2)} steps · ${rows.length} puzzles right only under the first`,
      }),
    );
    const list = h('div', { class: 'eb-win-list' });
    for (const p of rows.slice(0, 50)) {
      const btn = this.button(`${p.id} ▸ debug @${p.decisiveStep}`, 'eb-win', () =>
        this.open(p, p.decisiveStep, 'debugger'),
      );
      btn.dataset.index = String(p.index);
      list.append(btn);
    }
    el.append(list);
  }

  private filters(): HTMLElement {
    const v = this.view as EvalView;
    const settle = h('select', { class: 'eb-settling' });
    for (const s of ['all', ...Object.keys(v.settling)]) {
      const o = h('option', { text: s === 'all' ? 'any settling' : `${s} (${v.settling[s]})`, attrs: { value: s } });
      if (s === this.settling) o.selected = true;
      settle.append(o);
    }
    settle.addEventListener('change', () => {
      this.settling = settle.value;
      this.render();
    });
    const sort = h('select', { class: 'eb-sort' });
    const keys: [SortKey, string][] = [
      ['index', 'sort: dataset order'],
      ['cellAccuracy', 'sort: cell accuracy ↑'],
      ['haltStep', 'sort: halting step ↓'],
      ['haltProbability', 'sort: halting probability ↑'],
      ['firstCorrectStep', 'sort: first right step ↓'],
    ];
    for (const [k, label] of keys) {
      const o = h('option', { text: label, attrs: { value: k } });
      if (k === this.sort) o.selected = true;
      sort.append(o);
    }
    sort.addEventListener('change', () => {
      this.sort = sort.value as SortKey;
      this.render();
    });
    const search = h('input', { class: 'eb-search', attrs: { type: 'search', placeholder: 'filter by id or name' } });
    search.value = this.text;
    search.addEventListener('change', () => {
      this.text = search.value;
      this.render();
    });
    return h('div', { class: 'eb-filters' }, [
      h('span', { class: 'eb-filter-mode', text: this.mode === 'all' ? 'all puzzles' : `failure mode: ${this.mode}` }),
      settle,
      sort,
      search,
    ]);
  }

  private rows(): EvalPuzzleRow[] {
    const v = this.view as EvalView;
    let rows = v.puzzles.filter(
      (p) =>
        (this.mode === 'all' || p.failureModes.includes(this.mode)) &&
        (this.settling === 'all' || p.settling === this.settling) &&
        (!this.text || `${p.id} ${p.name ?? ''}`.toLowerCase().includes(this.text.toLowerCase())),
    );
    const k = this.sort;
    const dir = k === 'haltStep' || k === 'firstCorrectStep' ? -1 : 1;
    if (k !== 'index') rows = [...rows].sort((a, b) => dir * (a[k] - b[k]) || a.index - b.index);
    return rows;
  }

  private puzzleTable(): HTMLElement {
    const rows = this.rows();
    const t = h('table', { class: 'eb-table' }, [
      h(
        'tr',
        {},
        [
          'puzzle',
          'exact',
          'cells',
          'halt step',
          'p(halt)',
          'first right',
          'steps (■ right, ▲ halt)',
          'settling',
          'failure modes',
          '',
        ].map((x) => h('th', { text: x })),
      ),
    ]);
    for (const p of rows.slice(0, MAX_ROWS)) {
      const strip = h('span', { class: 'eb-strip' });
      [...p.correctSteps].forEach((bit, i) => {
        const s = h('span', {
          class: `eb-cell ${bit === '1' ? 'eb-right' : 'eb-wrong'}${i + 1 === p.haltStep ? ' eb-halt' : ''}`,
          title: `step ${i + 1}: ${bit === '1' ? 'right' : 'wrong'}, q_halt ${p.qHalt[i].toFixed(2)}`,
        });
        s.addEventListener('click', () => this.open(p, i + 1, 'debugger'));
        strip.append(s);
      });
      const debug = this.button(`Debug @${p.decisiveStep}`, 'eb-debug', () => this.open(p, p.decisiveStep, 'debugger'));
      const timeline = this.button('Timeline', 'eb-timeline', () => this.open(p, p.decisiveStep, 'timeline'));
      // An ARC test input (id "<task>/test/<k>"): its votes under augmentations (the ARC vote explorer).
      const votes =
        p.name && /\/test\/\d+$/.test(p.id)
          ? this.button('Votes', 'eb-votes', () => this.open(p, p.decisiveStep, 'votes'))
          : undefined;
      const tr = h('tr', { attrs: { 'data-index': String(p.index) } }, [
        h('td', { text: p.name ? `${p.id} (${p.name})` : p.id }),
        h('td', { class: p.exact ? 'eb-good' : 'eb-bad', text: p.exact ? '✓' : '✗' }),
        h('td', { text: pct(p.cellAccuracy) }),
        h('td', { text: String(p.haltStep) }),
        h('td', { text: p.haltProbability.toFixed(2) }),
        h('td', { text: p.firstCorrectStep ? String(p.firstCorrectStep) : '—' }),
        h('td', {}, [strip]),
        h('td', { text: p.settling }),
        h('td', { class: 'eb-modes', text: p.failureModes.join(', ') || '—' }),
        h('td', {}, votes ? [debug, timeline, votes] : [debug, timeline]),
      ]);
      t.append(tr);
    }
    const more =
      rows.length > MAX_ROWS
        ? [h('div', { class: 'eb-caption', text: `showing ${MAX_ROWS} of ${rows.length}; filter to narrow` })]
        : [];
    return h('div', {}, [h('div', { class: 'eb-caption eb-row-count', text: `${rows.length} puzzles` }), t, ...more]);
  }
}

const basename = (p: string): string => p.split(/[\\/]/).filter(Boolean).pop() ?? p;
const metric = (label: string, value: string): HTMLElement =>
  h('div', { class: 'eb-metric' }, [
    h('div', { class: 'eb-metric-value', text: value }),
    h('div', { class: 'eb-metric-label', text: label }),
  ]);
const card = (title: string, cls: string, children: HTMLElement[]): HTMLElement =>
  h('div', { class: `db-card ${cls}` }, [h('div', { class: 'db-card-title', text: title }), ...children]);
