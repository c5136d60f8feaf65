// The training dashboard page: a header (run, status, progress bar, pace, Stop), small multiples of
// training curves (loss, accuracy, halting, learning rate, throughput), the evaluations table and the
// checkpoint list. Messages update the model; drawing is coalesced into one animation frame.
import { NOT_STARTED_PREFIX, type HostToDashboardMessage } from '../../../src/protocol/dashboard';
import type { VsCodeApi } from '../../host';
import { h } from '../../view/dom';
import { DashboardConnection } from '../host';
import { fmtCount, fmtDuration, fmtMetric } from '../model/format';
import { DashboardModel } from '../model/runModel';
import { CHARTS } from './charts';
import { LineChart } from './lineChart';

const STATUS_TEXT = {
  starting: 'starting…',
  running: 'training',
  stopping: 'stopping — writing a checkpoint…',
  done: 'finished',
  cancelled: 'stopped',
  failed: 'failed',
} as const;

export class DashboardApp {
  private readonly model = new DashboardModel();
  private readonly conn: DashboardConnection;
  private readonly charts: LineChart[];
  private readonly el: {
    title: HTMLElement;
    meta: HTMLElement;
    status: HTMLElement;
    bar: HTMLElement;
    barFill: HTMLElement;
    pace: HTMLElement;
    message: HTMLElement;
    stop: HTMLButtonElement;
    notice: HTMLElement;
    main: HTMLElement;
    evals: HTMLElement;
    checkpoints: HTMLElement;
  };
  private frame = 0;
  private drawnVersion = -1;

  constructor(root: HTMLElement, api: VsCodeApi) {
    this.conn = new DashboardConnection(api, (m) => this.onMessage(m));
    const request = (): void => this.schedule();
    this.charts = CHARTS.map((spec) => new LineChart(spec, this.model, request));
    const saved = this.conn.savedState() as
      { log?: Record<string, boolean>; smooth?: Record<string, boolean> } | undefined;
    this.charts.forEach((c, i) => {
      if (saved?.log?.[CHARTS[i].id]) c.logScale = true;
      if (saved?.smooth?.[CHARTS[i].id] === false) c.smoothed = false;
    });
    const stop = h('button', {
      class: 'db-stop',
      text: 'Stop',
      title: 'Stop after the current step; the trainer writes a checkpoint first',
    });
    stop.addEventListener('click', () => {
      const run = this.model.run;
      if (run) this.conn.post({ type: 'stop', runId: run.info.runId });
    });
    const barFill = h('div', { class: 'db-bar-fill' });
    this.el = {
      title: h('h1', { class: 'db-title', text: 'TRM Training' }),
      meta: h('div', { class: 'db-meta' }),
      status: h('span', { class: 'db-status' }),
      bar: h('div', { class: 'db-bar', attrs: { role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100' } }, [
        barFill,
      ]),
      barFill,
      pace: h('span', { class: 'db-pace' }),
      message: h('div', { class: 'db-message' }),
      stop,
      notice: h('div', { class: 'db-notice' }),
      main: h('main', { class: 'db-main' }),
      evals: h('section', { class: 'db-card db-evals' }),
      checkpoints: h('section', { class: 'db-card db-checkpoints' }),
    };
    this.el.main.append(...this.charts.map((c) => c.root), this.el.evals, this.el.checkpoints);
    root.append(
      h('header', { class: 'db-header' }, [
        h('div', { class: 'db-titlerow' }, [this.el.title, this.el.status, this.el.stop]),
        this.el.meta,
        this.el.bar,
        h('div', { class: 'db-statusrow' }, [this.el.pace]),
        this.el.message,
      ]),
      this.el.notice,
      this.el.main,
    );
    this.el.main.addEventListener('change', () => this.saveState());
    this.el.checkpoints.addEventListener('click', (e) => {
      const a = (e.target as Element).closest('[data-path]');
      if (a) {
        e.preventDefault();
        this.conn.post({ type: 'reveal', path: a.getAttribute('data-path') ?? '' });
      }
    });
  }

  start(): void {
    this.render();
    this.conn.ready();
  }

  receive(data: unknown): void {
    this.conn.receive(data);
  }
  reportError(message: string): void {
    this.conn.reportError(message);
  }

  private onMessage(m: HostToDashboardMessage): void {
    try {
      this.model.apply(m);
      this.schedule();
    } catch (e) {
      this.reportError(`cannot apply ${m.type}: ${(e as Error).stack ?? String(e)}`);
    }
  }

  private saveState(): void {
    const log: Record<string, boolean> = {};
    const smooth: Record<string, boolean> = {};
    this.charts.forEach((c, i) => {
      log[CHARTS[i].id] = c.logScale;
      smooth[CHARTS[i].id] = c.smoothed;
    });
    this.conn.saveState({ log, smooth });
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
    for (const c of this.charts) c.draw();
    if (this.drawnVersion === this.model.version) return;
    this.drawnVersion = this.model.version;
    const run = this.model.run;
    // The empty-state hint, or why the latest "Train Model" did not start (shown even above an earlier run).
    const notice = this.model.notice;
    this.el.notice.textContent = notice;
    this.el.notice.hidden = notice === '';
    this.el.notice.classList.toggle('db-notice-error', notice.startsWith(NOT_STARTED_PREFIX));
    this.el.notice.setAttribute('role', notice.startsWith(NOT_STARTED_PREFIX) ? 'alert' : 'status');
    this.el.main.hidden = !run;
    this.el.bar.hidden = !run;
    if (!run) {
      this.el.title.textContent = 'TRM Training';
      for (const e of [this.el.meta, this.el.status, this.el.pace, this.el.message]) e.textContent = '';
      this.el.stop.hidden = true;
      return;
    }
    const i = run.info;
    this.el.title.textContent = `Training ${i.preset ?? 'custom config'}${i.resumed ? ' (resumed)' : ''}`;
    this.el.meta.textContent = [
      `run folder ${i.runDirLabel ?? i.runDir}`,
      `dataset ${i.dataDirLabel ?? i.dataDir}`,
      i.backend ? `backend ${i.backend}` : 'backend: starting…',
      i.parameters !== null ? `${fmtCount(i.parameters)} parameters` : '',
      i.examplesPerStep !== null ? `batch ${i.examplesPerStep}` : '',
    ]
      .filter(Boolean)
      .join(' · ');
    this.el.meta.title = `run folder: ${i.runDir}\ndataset: ${i.dataDir}`;
    this.el.status.textContent = STATUS_TEXT[run.status];
    this.el.status.className = `db-status ${run.status}`;
    this.el.stop.hidden = this.model.isFinal;
    this.el.stop.disabled = run.status === 'stopping';
    const frac = this.model.fractionDone();
    this.el.barFill.style.width = `${((frac ?? 0) * 100).toFixed(2)}%`;
    this.el.bar.setAttribute('aria-valuenow', frac === null ? '0' : (frac * 100).toFixed(1));
    const p = this.model.latest;
    this.el.pace.textContent = [
      `step ${p?.step ?? i.startStep ?? 0} / ${i.totalSteps ?? '?'}${frac !== null ? ` (${(frac * 100).toFixed(1)}%)` : ''}`,
      p ? `${fmtMetric(p.examplesPerSec, 3)} examples/s` : '',
      p ? `elapsed ${fmtDuration(p.elapsedSec)}` : '',
      this.model.secondsLeft() !== null ? `about ${fmtDuration(this.model.secondsLeft())} left` : '',
      `${this.model.checkpoints.length} checkpoint${this.model.checkpoints.length === 1 ? '' : 's'}`,
    ]
      .filter(Boolean)
      .join(' · ');
    this.el.message.textContent = run.message;
    this.el.message.className = `db-message${run.status === 'failed' ? ' error' : ''}`;
    this.renderEvals();
    this.renderCheckpoints();
  }

  private renderEvals(): void {
    const evals = this.model.evals;
    const keys = [...new Set(evals.flatMap((e) => Object.keys(e.metrics)))];
    const rows = evals.slice(-8).reverse();
    this.el.evals.replaceChildren(
      h('div', { class: 'db-card-head' }, [h('h2', { class: 'db-card-title', text: 'Evaluations (test split)' })]),
      rows.length === 0
        ? h('div', {
            class: 'db-empty',
            text: 'No evaluation yet (every eval_interval steps and at the end of the run).',
          })
        : h('table', { class: 'db-table' }, [
            h('thead', {}, [h('tr', {}, [h('th', { text: 'step' }), ...keys.map((k) => h('th', { text: k }))])]),
            h(
              'tbody',
              {},
              rows.map((e) =>
                h('tr', {}, [
                  h('td', { text: String(e.step) }),
                  ...keys.map((k) => h('td', { text: fmtMetric(e.metrics[k]) })),
                ]),
              ),
            ),
          ]),
    );
  }

  private renderCheckpoints(): void {
    const list = this.model.checkpoints.slice(-8).reverse();
    this.el.checkpoints.replaceChildren(
      h('div', { class: 'db-card-head' }, [h('h2', { class: 'db-card-title', text: 'Checkpoints' })]),
      list.length === 0
        ? h('div', { class: 'db-empty', text: 'No checkpoint yet.' })
        : h(
            'ul',
            { class: 'db-ckpts' },
            list.map((c) =>
              h('li', {}, [
                h('span', { class: 'db-ckpt-step', text: `step ${c.step}` }),
                ' ',
                h('a', {
                  class: 'db-ckpt-path',
                  text: c.path,
                  title: 'Reveal this checkpoint',
                  attrs: { href: '#', 'data-path': c.path },
                }),
              ]),
            ),
          ),
    );
  }
}
