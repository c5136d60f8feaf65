// The "followed run" page: a header (folder, evaluation set, status, Stop), three charts of the
// evaluations against the step (accuracy, halting, q-halt accuracy) with the best checkpoint marked,
// the checkpoint table (state of every file, metrics, Debug, and A/B to compare two), and the
// comparison of the chosen pair. Every message is validated; drawing is coalesced into one frame.
import {
  FOLLOW_PROTOCOL_VERSION,
  validateFollowToHost,
  validateHostToFollow,
  type FollowCheckpointView,
  type FollowToHostMessage,
  type FollowView,
  type HostToFollowMessage,
} from '../../../src/protocol/followDashboard';
import type { VsCodeApi } from '../../host';
import { h } from '../../view/dom';
import { fmtMetric, fmtPercent } from '../model/format';
import { FollowChart, type FollowChartSpec } from './followChart';

const CHARTS: FollowChartSpec[] = [
  {
    id: 'follow-accuracy',
    title: 'Accuracy',
    caption: 'exact: whole puzzles right; cells: answer cells right (after all N_sup steps, the official evaluation).',
    series: [
      { key: 'exact', label: 'exact', colour: 'c4' },
      { key: 'cells', label: 'cells', colour: 'c2' },
    ],
    format: fmtPercent,
    yMax: 1,
  },
  {
    id: 'follow-halting',
    title: 'Halting',
    caption: 'Mean supervision step at which q_halt first says stop (N_sup = halt_max_steps when never).',
    series: [{ key: 'meanSteps', label: 'mean steps', colour: 'c5' }],
    format: (v) => fmtMetric(v, 3),
    yMax: null,
  },
  {
    id: 'follow-qhalt',
    title: 'q-halt accuracy',
    caption: 'How often the halting head’s sign (q_halt > 0) matches whether the answer is exactly right.',
    series: [{ key: 'qHalt', label: 'q_halt', colour: 'c3' }],
    format: fmtPercent,
    yMax: 1,
  },
];

const STATE_TEXT: Record<FollowCheckpointView['state'], string> = {
  writing: 'being written',
  queued: 'queued',
  evaluating: 'evaluating…',
  evaluated: 'evaluated',
  failed: 'failed',
};

interface Saved {
  a?: number;
  b?: number;
}

export class FollowApp {
  private view: FollowView | null = null;
  private notice = '';
  private readonly charts: FollowChart[];
  private frame = 0;
  private pick: Saved;
  private readonly el = {
    title: h('h1', { class: 'db-title', text: 'TRM: Followed Run' }),
    status: h('span', { class: 'db-status' }),
    stop: h('button', { class: 'db-stop', text: 'Stop following' }),
    meta: h('div', { class: 'db-meta' }),
    message: h('div', { class: 'db-message' }),
    notice: h('div', { class: 'db-notice' }),
    main: h('main', { class: 'db-main' }),
    table: h('section', { class: 'db-card fd-wide fd-checkpoints' }),
    compare: h('section', { class: 'db-card fd-wide fd-compare' }),
  };

  constructor(
    root: HTMLElement,
    private readonly api: VsCodeApi,
  ) {
    this.pick = (api.getState() as Saved | undefined) ?? {};
    this.charts = CHARTS.map((spec) => new FollowChart(spec, () => this.schedule()));
    this.el.main.append(...this.charts.map((c) => c.root), this.el.table, this.el.compare);
    root.append(
      h('header', { class: 'db-header' }, [
        h('div', { class: 'db-titlerow' }, [this.el.title, this.el.status, this.el.stop]),
        this.el.meta,
        this.el.message,
      ]),
      this.el.notice,
      this.el.main,
    );
    this.el.stop.addEventListener('click', () => {
      if (this.view) this.post({ type: 'stop', followId: this.view.followId });
    });
    this.el.table.addEventListener('click', (e) => this.onTableClick(e));
    this.el.table.addEventListener('change', (e) => this.onPick(e));
    this.el.compare.addEventListener('click', (e) => {
      const b = (e.target as Element).closest<HTMLElement>('[data-debug-step]');
      if (!b || !this.view) return;
      this.post({
        type: 'debug',
        followId: this.view.followId,
        step: Number(b.dataset.debugStep),
        row: Number(b.dataset.row),
      });
    });
  }

  start(): void {
    this.render();
    this.post({ type: 'ready', protocolVersion: FOLLOW_PROTOCOL_VERSION });
  }

  receive(data: unknown): void {
    const problem = validateHostToFollow(data);
    if (problem) {
      this.reportError(`ignored an invalid message from the extension: ${problem}`);
      return;
    }
    const m = data as HostToFollowMessage;
    if (m.type === 'init') {
      this.view = m.view;
      this.notice = m.notice;
    } else if (m.type === 'view') this.view = m.view;
    this.schedule();
  }

  reportError(message: string): void {
    console.error(`[trm follow] ${message}`);
    try {
      this.api.postMessage({ type: 'webviewError', message: message.slice(0, 10_000) });
    } catch {
      /* host gone */
    }
  }

  private post(m: FollowToHostMessage): void {
    const problem = validateFollowToHost(m);
    if (problem) {
      this.reportError(`refusing to send an invalid message: ${problem}`);
      return;
    }
    this.api.postMessage(m);
  }

  private onTableClick(e: Event): void {
    const t = e.target as Element;
    const v = this.view;
    if (!v) return;
    const debug = t.closest<HTMLElement>('[data-debug-step]');
    if (debug) this.post({ type: 'debug', followId: v.followId, step: Number(debug.dataset.debugStep), row: null });
    const reveal = t.closest<HTMLElement>('[data-reveal-step]');
    if (reveal) {
      e.preventDefault();
      this.post({ type: 'reveal', followId: v.followId, step: Number(reveal.dataset.revealStep) });
    }
  }

  private onPick(e: Event): void {
    const input = e.target as HTMLInputElement;
    if (input.type !== 'radio' || !this.view) return;
    const step = Number(input.value);
    if (input.name === 'fd-a') this.pick.a = step;
    else if (input.name === 'fd-b') this.pick.b = step;
    this.api.setState(this.pick);
    const { a, b } = this.pick;
    if (a !== undefined && b !== undefined && a !== b)
      this.post({ type: 'compare', followId: this.view.followId, a, b });
    this.schedule();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      try {
        this.render();
      } catch (e) {
        this.reportError(`render failed: ${(e as Error).stack ?? String(e)}`);
      }
    });
  }

  private render(): void {
    const v = this.view;
    this.el.notice.hidden = !!v;
    this.el.notice.textContent = v ? '' : this.notice;
    this.el.main.hidden = !v;
    this.el.stop.hidden = !v || v.status === 'stopped';
    if (!v) {
      this.el.status.textContent = '';
      this.el.meta.textContent = '';
      this.el.message.textContent = '';
      return;
    }
    const counts = (s: FollowCheckpointView['state']): number => v.checkpoints.filter((c) => c.state === s).length;
    this.el.title.textContent = `Following ${v.dir}`;
    this.el.status.textContent =
      v.status === 'stopped' ? 'stopped' : v.status === 'waiting-for-folder' ? 'waiting for the folder' : 'watching';
    this.el.status.className = `db-status ${v.status === 'stopped' ? 'done' : 'running'}`;
    this.el.meta.textContent = [
      `evaluation set: ${v.evalSet} of ${v.data}`,
      v.backend ? `backend ${v.backend}` : '',
      `${counts('evaluated')} evaluated`,
      counts('writing') ? `${counts('writing')} being written` : '',
      counts('queued') ? `${counts('queued')} queued` : '',
      counts('failed') ? `${counts('failed')} failed` : '',
    ]
      .filter(Boolean)
      .join(' · ');
    this.el.message.textContent = v.message;
    for (const c of this.charts) c.draw(v.checkpoints, v.best, v.haltMaxSteps);
    this.renderTable(v);
    this.renderCompare(v);
  }

  private renderTable(v: FollowView): void {
    const rows = [...v.checkpoints].reverse();
    const radio = (name: string, step: number, checked: boolean, enabled: boolean): HTMLInputElement => {
      const r = h('input', {
        attrs: {
          type: 'radio',
          name,
          value: String(step),
          'aria-label': `${name === 'fd-a' ? 'A' : 'B'}: step ${step}`,
        },
      });
      r.checked = checked;
      r.disabled = !enabled;
      return r;
    };
    this.el.table.replaceChildren(
      h('div', { class: 'db-card-head' }, [
        h('h2', { class: 'db-card-title', text: 'Checkpoints' }),
        h('span', { class: 'db-caption', text: 'newest first; pick A and B to compare two' }),
      ]),
      rows.length === 0
        ? h('div', { class: 'db-empty', text: 'No step_N checkpoint in the folder yet.' })
        : h('table', { class: 'db-table fd-table' }, [
            h('thead', {}, [
              h(
                'tr',
                {},
                ['step', 'state', 'exact', 'cells', 'q-halt', 'mean steps', 'time', '', 'A', 'B'].map((t) =>
                  h('th', { text: t }),
                ),
              ),
            ]),
            h(
              'tbody',
              {},
              rows.map((c) => {
                const m = c.metrics;
                const best = c.step === v.best;
                const done = c.state === 'evaluated';
                return h(
                  'tr',
                  { class: `fd-row ${c.state}${best ? ' is-best' : ''}`, attrs: { 'data-step': String(c.step) } },
                  [
                    h('td', {}, [
                      h('a', { text: c.name, title: c.path, attrs: { href: '#', 'data-reveal-step': String(c.step) } }),
                      best ? h('span', { class: 'fd-star', text: ' ★ best' }) : '',
                    ]),
                    h('td', { class: `fd-state ${c.state}`, text: STATE_TEXT[c.state], title: c.detail }),
                    h('td', { text: m ? fmtPercent(m.exact) : '' }),
                    h('td', { text: m ? fmtPercent(m.cells) : '' }),
                    h('td', { text: m ? fmtPercent(m.qHalt) : '' }),
                    h('td', { text: m ? fmtMetric(m.meanSteps, 3) : '' }),
                    h('td', { text: c.seconds !== null ? `${c.seconds.toFixed(1)} s` : '' }),
                    h('td', {}, [
                      done
                        ? h('button', {
                            class: 'fd-debug',
                            text: 'Debug',
                            title: `Open step ${c.step} in the recursion debugger (first puzzle it gets wrong)`,
                            attrs: { 'data-debug-step': String(c.step) },
                          })
                        : c.state === 'failed'
                          ? h('span', { class: 'fd-error', text: c.detail })
                          : h('span', { class: 'db-caption', text: c.detail }),
                    ]),
                    h('td', {}, [radio('fd-a', c.step, this.pick.a === c.step, done)]),
                    h('td', {}, [radio('fd-b', c.step, this.pick.b === c.step, done)]),
                  ],
                );
              }),
            ),
          ]),
    );
  }

  private renderCompare(v: FollowView): void {
    const cmp = v.comparison;
    this.el.compare.hidden = !cmp;
    if (!cmp) return;
    const pct = (n: number): string => (cmp.puzzles ? `${n} (${((100 * n) / cmp.puzzles).toFixed(0)}%)` : String(n));
    this.el.compare.replaceChildren(
      h('div', { class: 'db-card-head' }, [
        h('h2', { class: 'db-card-title', text: `Compare step ${cmp.a} (A) with step ${cmp.b} (B)` }),
      ]),
      h('div', { class: 'fd-compare-counts' }, [
        `${cmp.puzzles} puzzles · both solve ${pct(cmp.bothSolved)} · only A ${pct(cmp.onlyA)} · only B ${pct(cmp.onlyB)} · neither ${pct(cmp.neither)} · halting B − A ${cmp.meanHaltStepDelta === null ? '–' : `${cmp.meanHaltStepDelta >= 0 ? '+' : ''}${cmp.meanHaltStepDelta.toFixed(2)}`} steps`,
      ]),
      cmp.differing.length === 0
        ? h('div', {
            class: 'db-empty',
            text: 'The two checkpoints agree on every puzzle (exactness and halting step).',
          })
        : h('table', { class: 'db-table' }, [
            h('thead', {}, [
              h(
                'tr',
                {},
                ['puzzle', 'A', 'B', 'A halts at', 'B halts at', '', ''].map((t) => h('th', { text: t })),
              ),
            ]),
            h(
              'tbody',
              {},
              cmp.differing.map((d) =>
                h('tr', {}, [
                  h('td', { text: `#${d.row}` }),
                  h('td', { text: d.exactA ? '✓' : '✗' }),
                  h('td', { text: d.exactB ? '✓' : '✗' }),
                  h('td', { text: String(d.haltA) }),
                  h('td', { text: String(d.haltB) }),
                  h('td', {}, [
                    h('button', {
                      text: 'Debug A',
                      attrs: { 'data-debug-step': String(cmp.a), 'data-row': String(d.row) },
                    }),
                  ]),
                  h('td', {}, [
                    h('button', {
                      text: 'Debug B',
                      attrs: { 'data-debug-step': String(cmp.b), 'data-row': String(d.row) },
                    }),
                  ]),
                ]),
              ),
            ),
          ]),
    );
  }
}
