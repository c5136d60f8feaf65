// The timeline app: holds the state the host told us (trace info, debug position) and what we
// fetched (heatmaps, step summaries, trajectory), and turns it into pixels. Rendering never waits
// for data: a render pass paints what is cached, declares what it is missing to the fetch queue,
// and data arriving later schedules another pass (one per animation frame at most). That keeps a
// cursor move (keyboard, play, debugger step) to a few putImageData calls on cached values.
import {
  DEFAULT_VIEW,
  NO_SESSION_NOTICE,
  isViewState,
  type HostToWebviewMessage,
  type CloudMessage,
  type Divergence,
  type Provenance,
  type InitMessage,
  type Position,
  type RunName,
  type StepSummary,
  type TraceInfo,
  type TrajectoryMessage,
  type ViewState,
} from '../src/protocol/timeline';
import { HostConnection, type VsCodeApi } from './host';
import { paintAnswer, paintAnswerB } from './model/answer';
import { absMaxOf, minPositiveOf, paintValues, type ColorDomain } from './model/colors';
import { clampCursor, isNavKey, moveCursor, nextForPlay, type Bounds, type Cursor } from './model/cursor';
import {
  STRIP_BANDS,
  describeDivergence,
  divergenceAt,
  firstDivergence,
  normRange,
  type Lane,
} from './model/divergence';
import { adoptedBranch, fanPaths, fanTrunk } from './model/fan';
import { describeProvenance } from './model/provenance';
import { seriesIndex, sparklineSpecs, type SparklineSpec } from './model/series';
import { Sparklines, type SparklineData } from './view/sparklines';
import { diffValues, gridValues } from './model/grid';
import { HeatmapStore, cellKey, domainKey, type CellAddress, type ViewKey } from './model/heatmapStore';
import { columnOf, columnsFor, describeColumn, updatesPerStep, type Column } from './model/layout';
import { FetchQueue } from './model/fetchQueue';
import { Player, delay, type CancellationToken } from './model/player';
import { AnswerView } from './view/answerView';
import { PatchBar } from './view/patchBar';
import { DetailView } from './view/detail';
import { h } from './view/dom';
import { QHaltChart } from './view/qHaltChart';
import { DriftChart } from './view/driftChart';
import { readTheme, type ThemeColors } from './view/theme';
import { TimelineGrid, type RowView } from './view/timelineGrid';
import { Toolbar } from './view/toolbar';
import { TrajectoryChart } from './view/trajectoryChart';

type CellState =
  | { kind: 'data'; sig: string; get: () => { values: Float32Array; absMax: number; minPositive: number } }
  | { kind: 'missing'; keys: { key: string; addr: CellAddress; run: RunName }[] }
  | { kind: 'error'; message: string }
  | { kind: 'note'; message: string }
  | { kind: 'unreached' };

const KEY_SEEK_DEBOUNCE_MS = 150;
/** Threshold of the first-divergence mark (the default of the first-divergence breakpoint). */
const DIVERGENCE_THRESHOLD = 1e-3;
const STRIP_DOMAIN_KEY = 'divergence|norm';
const MAX_IN_FLIGHT = 6;

export class App {
  private readonly host: HostConnection;
  private info: TraceInfo | null = null;
  private notice = NO_SESSION_NOTICE;
  private ended = false;
  private view: ViewState = { ...DEFAULT_VIEW };
  private columns: Column[] = [];
  private cursor: Cursor | null = null;
  private position: Position | null = null;
  private reachedStep = 0;
  private readonly breakpointSteps = new Set<number>();
  private summaries: (StepSummary | undefined)[] = [];
  private readonly summaryErrors = new Map<number, string>();
  private divergences: (Divergence | undefined)[] = [];
  private readonly divergenceErrors = new Map<number, string>();
  private stripImage: ImageData | null = null;
  /** z-lens cells where z already decodes to y's final value and y does not yet, by heatmap key. */
  private readonly ahead = new Map<string, Int32Array>();
  /** Per-cell provenance of the episode, fetched on the first hover over an answer cell. */
  private provenance: Provenance | null = null;
  private provenanceState: 'none' | 'loading' | 'error' = 'none';
  private provenanceError = '';
  /** Sparklines: the Watch view's expressions and those added here, with each one's series. */
  private sparkSpecs: SparklineSpec[] = [];
  private readonly series = new Map<string, { key: string; data: SparklineData }>();
  private seriesVersion = 0;
  private readonly sparks = new Sparklines(
    (expression) => this.host.post({ type: 'action', action: 'removeSparkline', expression }),
    (i) => this.seekIndex(i),
  );
  private cloud: CloudMessage | null = null;
  /** The adopted branch of the cloud (from the stop that adopted it); undefined = not known. */
  private adopted: number | undefined;
  private trajectory: TrajectoryMessage | null = null;
  private trajectoryKey = '';
  private trajectoryError = '';
  private readonly store = new HeatmapStore();
  private readonly queue = new FetchQueue(MAX_IN_FLIGHT);
  private generation = 0;
  private theme: ThemeColors;
  private themeVersion = 0;
  private lastSentSeek: { step: number; ordinal: number; layer?: number } | null = null;
  private seekTimer: ReturnType<typeof setTimeout> | undefined;
  private frame = 0;
  /** Layout waits for the first render after configure: a hidden panel has no width to fit. */
  private needsLayout = false;
  private revealPending = false;
  private renders = 0;
  /** Since the last init: the first painted frame and the first pass with nothing left to fetch are still to be measured. */
  private measureFirstFrame = false;
  private measureComplete = false;
  private errorText = '';
  private dataWaiters: (() => void)[] = [];
  private readonly player: Player;
  private cellImage: ImageData | null = null;
  private detailImage: ImageData | null = null;

  // DOM
  private readonly title = h('h1', { class: 'tl-title' });
  private readonly meta = h('div', { class: 'tl-meta' });
  private readonly status = h('div', { class: 'tl-status', attrs: { role: 'status', 'aria-live': 'polite' } });
  private readonly errorLine = h('div', { class: 'tl-error', attrs: { role: 'alert' } });
  private readonly noticeEl = h('div', { class: 'tl-notice' });
  private readonly main = h('div', { class: 'tl-main' });
  private readonly toolbar: Toolbar;
  private readonly grid: TimelineGrid;
  private readonly detail = new DetailView();
  private readonly patchBar = new PatchBar((m) => this.host.post(m));
  private readonly answer = new AnswerView((cell) => this.patchBar.pick(cell));
  private readonly qHalt: QHaltChart;
  private readonly drift = new DriftChart();
  private readonly traj: TrajectoryChart;
  private readonly trajCaption = h('figcaption', {
    class: 'tl-caption',
    text: 'latent trajectory (PCA of the mean state after each update)',
  });

  constructor(
    private readonly root: HTMLElement,
    api: VsCodeApi,
  ) {
    this.host = new HostConnection(api, (m) => this.handle(m));
    const saved = this.host.savedView();
    if (isViewState(saved)) this.view = saved;
    this.theme = readTheme();
    this.toolbar = new Toolbar(
      (v) => this.setView(v),
      () => this.player.toggle(),
      (action) => this.host.post({ type: 'action', action }),
    );
    this.grid = new TimelineGrid(
      (step, col) => this.clickCell(step, col),
      () => this.scheduleRender(),
      (step, col, lane, answerCell) => this.describeAt(step, col, lane, answerCell),
    );
    this.qHalt = new QHaltChart((step) => this.clickCell(step, this.columns.length - 1));
    this.traj = new TrajectoryChart((step, ordinal) => this.clickCell(step, columnOf(this.columns, ordinal)));
    this.player = new Player(
      (t) => this.playTick(t),
      (reason, e) => {
        this.toolbar.setPlaying(false);
        if (reason === 'error') this.showError(`playback stopped: ${(e as Error)?.message ?? String(e)}`);
        if (reason === 'end') this.toolbar.setNote(this.playEndNote());
        this.seekToCursor();
      },
    );
    const side = h('aside', { class: 'tl-side' }, [this.detail.root, this.answer.root, this.patchBar.root]);
    const charts = h('div', { class: 'tl-charts' }, [
      h('figure', { class: 'tl-qhalt-fig' }, [
        h('figcaption', { class: 'tl-caption', text: 'q_halt per step (ACT halting head)' }),
        this.qHalt.root as unknown as Node,
        h('figcaption', { class: 'tl-caption', text: 'drift per step, log scale (‖Δz‖, ‖Δy‖)' }),
        this.drift.root as unknown as Node,
      ]),
      h('figure', { class: 'tl-traj-fig' }, [this.trajCaption, this.traj.root as unknown as Node]),
      h('figure', { class: 'tl-watch-fig' }, [
        h('figcaption', {
          class: 'tl-caption',
          text: 'watch expressions over recursion time (every update of the steps run: the Watch view’s, and “Add sparkline…”)',
        }),
        this.sparks.root,
      ]),
    ]);
    this.main.append(this.grid.root, side, charts);
    root.append(
      h('header', { class: 'tl-header' }, [this.title, this.meta, this.status, this.errorLine]),
      this.toolbar.root,
      this.noticeEl,
      this.main,
    );
    this.toolbar.write(this.view, null);
    document.addEventListener('keydown', (e) => this.onKey(e));
    // Deferred to the next frame: relayout resizes the rows, which must not happen inside the observer callback.
    new ResizeObserver(() =>
      requestAnimationFrame(() => {
        if (this.grid.relayout()) this.invalidate();
        this.scheduleRender();
      }),
    ).observe(this.grid.scroller);
    // VS Code swaps theme variables and body classes in place; repaint with the new colours.
    const themeObserver = new MutationObserver(() => this.refreshTheme());
    themeObserver.observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });
    themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['class', 'style'] });
    this.renderNotice();
  }

  /** Tells the host we are listening; it answers with `init`. */
  start(): void {
    this.host.ready();
  }

  receive(data: unknown): void {
    this.host.receive(data);
  }
  reportError(message: string): void {
    this.host.reportError(message);
  }

  // ------------------------------------------------------------ messages
  private handle(m: HostToWebviewMessage): void {
    switch (m.type) {
      case 'init':
        this.init(m);
        break;
      case 'position':
        if (this.info && m.sessionId === this.info.sessionId) this.onPosition(m.position);
        break;
      case 'sessionEnded':
        if (this.info && m.sessionId === this.info.sessionId) {
          this.ended = true;
          this.notice = m.notice;
          this.player.pause();
          this.host.cancelAll('the debug session ended');
          this.queue.clear();
          this.scheduleRender();
        }
        break;
      case 'watch':
        if (this.info && m.sessionId === this.info.sessionId) {
          this.sparkSpecs = sparklineSpecs(m.watch, m.added);
          this.seriesVersion++;
          this.scheduleRender();
        }
        break;
      case 'cloud':
        if (this.info && m.sessionId === this.info.sessionId) {
          if (this.cloud?.forkId !== m.forkId) this.adopted = undefined;
          this.cloud = m;
          this.traj.invalidate();
          this.scheduleRender();
        }
        break;
      case 'error':
        this.showError(m.message);
        break;
      case 'theme':
        this.refreshTheme();
        break;
      default:
        break; // responses are routed to their requests by HostConnection
    }
  }

  private init(m: InitMessage): void {
    this.generation++;
    this.player.pause();
    this.host.cancelAll('the debug session changed');
    this.queue.clear();
    this.store.clear();
    this.ahead.clear();
    this.summaries = [];
    this.summaryErrors.clear();
    this.divergences = [];
    this.divergenceErrors.clear();
    this.breakpointSteps.clear();
    this.trajectory = null;
    this.cloud = null;
    this.adopted = undefined;
    this.provenance = null;
    this.provenanceState = 'none';
    this.sparkSpecs = [];
    this.series.clear();
    this.seriesVersion++;
    this.sparks.invalidate();
    this.trajectoryKey = '';
    this.trajectoryError = '';
    this.lastSentSeek = null;
    this.errorText = '';
    this.info = m.traceInfo;
    this.notice = m.notice;
    this.ended = false;
    if (m.view) this.view = m.view;
    this.position = m.position;
    if (!this.info) {
      this.cursor = null;
      this.reachedStep = 0;
      this.renderNotice();
      return;
    }
    performance.clearMarks('trm-timeline-init');
    performance.mark('trm-timeline-init');
    this.measureFirstFrame = true;
    this.measureComplete = true;
    if (this.view.channel >= this.info.hiddenSize) this.view = { ...this.view, channel: 0 };
    this.reachedStep = Math.min(this.info.maxSteps, Math.max(1, m.position?.step ?? 1));
    this.configureColumns();
    this.cursor = m.position
      ? { step: m.position.step, col: Math.max(0, columnOf(this.columns, m.position.ordinal, m.position.layer)) }
      : { step: 1, col: 0 };
    if (m.position && /breakpoint/i.test(m.position.reason)) this.breakpointSteps.add(m.position.step);
    this.revealPending = true;
    this.refreshTheme();
    this.renderNotice();
    this.scheduleRender();
  }

  private onPosition(p: Position): void {
    this.position = p;
    const adopted = adoptedBranch(p.reason);
    // Adopting a branch changes the walked trace: its provenance is another one.
    if (adopted !== undefined) {
      this.provenance = null;
      this.provenanceState = 'none';
    }
    if (adopted !== undefined && this.cloud) {
      this.adopted = adopted;
      this.traj.invalidate();
    }
    this.reachedStep = Math.max(this.reachedStep, Math.min(this.info!.maxSteps, p.step));
    if (/breakpoint/i.test(p.reason)) this.breakpointSteps.add(p.step);
    const s = this.lastSentSeek;
    const ours = s !== null && s.step === p.step && s.ordinal === p.ordinal && (s.layer ?? 0) === (p.layer ?? 0);
    if (ours)
      this.lastSentSeek = null; // our own seek echoed back: the cursor is already there
    else {
      this.player.pause(); // the user stepped in VS Code: follow, stop playing
      this.cursor = { step: p.step, col: Math.max(0, columnOf(this.columns, p.ordinal, p.layer)) };
      this.revealPending = true;
    }
    this.scheduleRender();
  }

  private setView(v: ViewState): void {
    const granularityChanged = v.granularity !== this.view.granularity;
    const col = this.cursor ? this.columns[this.cursor.col] : undefined;
    this.view = this.info && v.channel >= this.info.hiddenSize ? { ...v, channel: this.info.hiddenSize - 1 } : v;
    this.host.saveView(this.view);
    if (this.info && granularityChanged) {
      this.configureColumns();
      if (this.cursor && col)
        this.cursor = { step: this.cursor.step, col: Math.max(0, columnOf(this.columns, col.ordinal, col.layer)) };
    }
    this.invalidate();
    this.scheduleRender();
  }

  private configureColumns(): void {
    const info = this.info!;
    this.columns = columnsFor(info, this.view.granularity);
    this.grid.configure(info.gridHeight, info.gridWidth, this.columns, info.maxSteps, this.comparing());
    this.detail.configure(
      info.gridHeight,
      info.gridWidth,
      info.taskKind === 'sudoku' && info.gridWidth === 9 && info.gridHeight === 9 ? 3 : 0,
    );
    this.needsLayout = true;
    this.cellImage = new ImageData(info.gridWidth, info.gridHeight);
    this.detailImage = new ImageData(info.gridWidth, info.gridHeight);
    const lanes = this.grid.lanes;
    this.stripImage = lanes.compare ? new ImageData(info.gridWidth, STRIP_BANDS * lanes.band) : null;
    this.invalidate();
  }

  /** True in a comparison session: run B's lane and the divergence strip are drawn. */
  private comparing(): boolean {
    return this.info?.compare !== undefined;
  }

  private refreshTheme(): void {
    this.theme = readTheme();
    this.themeVersion++;
    this.invalidate();
    this.scheduleRender();
  }

  private invalidate(): void {
    this.grid.invalidate();
    this.answer.invalidate();
    this.qHalt.invalidate();
    this.drift.invalidate();
    this.traj.invalidate();
  }

  private showError(message: string): void {
    this.errorText = message;
    this.errorLine.textContent = message;
  }

  // ------------------------------------------------------------ navigation
  private bounds(): Bounds {
    return { columns: this.columns.length, lastStep: this.reachedStep };
  }

  private onKey(e: KeyboardEvent): void {
    if (!this.info || !this.cursor) return;
    const t = e.target instanceof Element ? e.target : null;
    if (t && (t.closest('select, input, textarea') || (e.key === ' ' && t.closest('button')))) return;
    if (e.key === ' ') {
      e.preventDefault();
      this.player.toggle();
      this.toolbar.setPlaying(this.player.playing);
      return;
    }
    if (!isNavKey(e.key)) return;
    e.preventDefault();
    this.player.pause();
    this.moveTo(moveCursor(this.cursor, e.key, this.bounds()));
    clearTimeout(this.seekTimer);
    this.seekTimer = setTimeout(() => this.seekToCursor(), KEY_SEEK_DEBOUNCE_MS); // VS Code follows once the cursor rests
  }

  private moveTo(c: Cursor): void {
    this.cursor = c;
    this.revealPending = true;
    this.scheduleRender();
  }

  private clickCell(step: number, col: number): void {
    if (!this.info || col < 0 || step < 1 || step > this.info.maxSteps) return;
    this.player.pause();
    this.cursor = { step, col };
    this.grid.root.focus({ preventScroll: true });
    this.seekToCursor();
    this.scheduleRender();
  }

  private seekToCursor(): void {
    clearTimeout(this.seekTimer);
    if (!this.info || !this.cursor || this.ended) return;
    const col = this.columns[this.cursor.col];
    const p = this.position;
    if (
      p &&
      p.step === this.cursor.step &&
      p.ordinal === col.ordinal &&
      (col.layer === undefined || col.layer === p.layer)
    )
      return;
    const seek = {
      step: this.cursor.step,
      ordinal: col.ordinal,
      ...(col.layer !== undefined ? { layer: col.layer } : {}),
    };
    this.lastSentSeek = seek;
    this.host.post({ type: 'seek', ...seek });
  }

  /** Why Play stopped where it did, in words. */
  private playEndNote(): string {
    const info = this.info;
    if (!info) return '';
    const last = this.reachedStep;
    if (last >= info.maxSteps)
      return `Play stopped: the end of the episode (step ${last} of N_sup = ${info.maxSteps}).`;
    if (this.ended) return `Play stopped: step ${last} is the last step the session ran before it ended.`;
    return `Play stopped: step ${last} is the last step run so far. Step on in the debugger (F10, F5) to run more.`;
  }

  private async playTick(token: CancellationToken): Promise<boolean> {
    this.toolbar.setPlaying(true);
    this.toolbar.setNote('');
    if (!this.cursor) return false;
    const next = nextForPlay(this.cursor, this.bounds());
    if (!next) return false;
    // Wait (bounded) for the next frame's data so playback shows every update instead of gaps.
    const deadline = Date.now() + 3000;
    while (!token.cancelled && Date.now() < deadline && this.cellState(next.step, next.col).kind === 'missing') {
      this.scheduleRender();
      await Promise.race([new Promise<void>((r) => this.dataWaiters.push(r)), delay(250, token)]);
    }
    if (token.cancelled) return false;
    this.moveTo(next);
    return true;
  }

  // ------------------------------------------------------------ data
  private viewKey(): ViewKey {
    return { tensor: this.view.tensor, view: this.view.view, channel: this.view.channel };
  }

  private addr(step: number, col: number): CellAddress {
    const c = this.columns[col];
    return c.layer === undefined ? { step, ordinal: c.ordinal } : { step, ordinal: c.ordinal, layer: c.layer };
  }

  /** Cache key of a cell: run A's keys are unchanged, run B's are prefixed. */
  private keyOf(vk: ViewKey, addr: CellAddress, run: RunName): string {
    return run === 'B' ? `B|${cellKey(vk, addr)}` : cellKey(vk, addr);
  }

  /** What a cell shows right now, from the cache only (run B: the comparison run's lane). */
  private cellState(step: number, col: number, run: RunName = 'A'): CellState {
    if (step > this.reachedStep) return { kind: 'unreached' };
    if (run === 'B' && this.view.granularity === 'layer')
      return { kind: 'note', message: 'run B is compared per update: switch to update granularity' };
    if (run === 'B' && this.view.view === 'zlens') return { kind: 'note', message: 'the z-lens is drawn for run A' };
    const vk = this.viewKey();
    const addr = this.addr(step, col);
    const key = this.keyOf(vk, addr, run);
    const e = this.store.peek(key);
    const err = this.store.error(key);
    if (err) return { kind: 'error', message: err };
    // The change of an update is already a difference: "vs previous" would be a change of changes.
    if (!this.diffing()) {
      return e ? { kind: 'data', sig: `${e.id}`, get: () => e } : { kind: 'missing', keys: [{ key, addr, run }] };
    }
    const prevStep = col > 0 ? step : step - 1;
    if (prevStep < 1) return { kind: 'note', message: 'no previous update: this is the first update of step 1' };
    const prevAddr = this.addr(prevStep, col > 0 ? col - 1 : this.columns.length - 1);
    const prevKey = this.keyOf(vk, prevAddr, run);
    const pe = this.store.peek(prevKey);
    const perr = this.store.error(prevKey);
    if (perr) return { kind: 'error', message: perr };
    if (!e || !pe) {
      const keys = [];
      if (!e) keys.push({ key, addr, run });
      if (!pe) keys.push({ key: prevKey, addr: prevAddr, run });
      return { kind: 'missing', keys };
    }
    // Computed only when painted: a cell whose signature is unchanged is never recomputed.
    return {
      kind: 'data',
      sig: `${e.id}-${pe.id}`,
      get: () => {
        const d = diffValues(e.values, pe.values);
        return { values: d, absMax: absMaxOf(d), minPositive: minPositiveOf(d) };
      },
    };
  }

  private diffing(): boolean {
    // The change and the z-lens are read as they are (a change of changes, or of margins, says little).
    return this.view.diff === 'previous' && this.view.view !== 'delta' && this.view.view !== 'zlens';
  }

  private domainFor(absMax: number, minPositive = Infinity): ColorDomain {
    const diff = this.diffing();
    const kind = this.view.view === 'delta' ? 'log' : this.view.view === 'norm' && !diff ? 'sequential' : 'diverging';
    return this.store.domain(domainKey(this.viewKey(), diff), kind, absMax, minPositive);
  }

  private rampFor(d: ColorDomain): Uint8ClampedArray {
    return d.kind === 'diverging'
      ? this.theme.diverging
      : d.kind === 'log'
        ? this.theme.logRamp
        : this.theme.sequential;
  }

  private fetchHeatmap(key: string, addr: CellAddress, run: RunName): () => Promise<unknown> {
    const gen = this.generation;
    const vk = this.viewKey();
    return () =>
      this.host
        .requestHeatmap({
          step: addr.step,
          ordinal: addr.ordinal,
          ...(addr.layer !== undefined ? { layer: addr.layer } : {}),
          tensor: vk.tensor,
          view: vk.view,
          ...(vk.view === 'channel' ? { channel: vk.channel } : {}),
          ...(run === 'B' ? { run } : {}),
        })
        .then(
          (m) => {
            if (gen !== this.generation || !this.info) return;
            const g = gridValues(m.values, this.info);
            if (typeof g === 'string') this.store.putError(key, g);
            else {
              this.store.put(key, g);
              if (m.ahead) this.ahead.set(key, m.ahead);
            }
            this.dataArrived();
          },
          (e: Error) => {
            if (gen !== this.generation) return;
            this.store.putError(key, e.message);
            this.dataArrived();
          },
        );
  }

  private fetchSummary(step: number): () => Promise<unknown> {
    const gen = this.generation;
    return () =>
      this.host.requestStepSummary({ step }).then(
        (m) => {
          if (gen !== this.generation) return;
          if (m.summary.preds.length !== this.info?.seqLen) {
            this.summaryErrors.set(
              step,
              `step summary has ${m.summary.preds.length} predictions, expected S = ${this.info?.seqLen}`,
            );
          } else this.summaries[step] = m.summary;
          this.dataArrived();
        },
        (e: Error) => {
          if (gen === this.generation) {
            this.summaryErrors.set(step, e.message);
            this.dataArrived();
          }
        },
      );
  }

  private fetchDivergence(step: number): () => Promise<unknown> {
    const gen = this.generation;
    return () =>
      this.host.requestDivergence({ step }).then(
        (m) => {
          if (gen !== this.generation) return;
          const U = this.columns.length === 0 ? 0 : this.columns[this.columns.length - 1].ordinal + 1;
          if (m.divergence.zNorm.length !== U)
            this.divergenceErrors.set(step, `divergence has ${m.divergence.zNorm.length} updates, expected ${U}`);
          else {
            this.divergences[step] = m.divergence;
            const r = normRange(m.divergence);
            this.store.domain(STRIP_DOMAIN_KEY, 'log', r.max, r.minPositive);
          }
          this.dataArrived();
        },
        (e: Error) => {
          if (gen === this.generation) {
            this.divergenceErrors.set(step, e.message);
            this.dataArrived();
          }
        },
      );
  }

  private fetchTrajectory(key: string, tensor: ViewState['tensor'], steps: number): () => Promise<unknown> {
    const gen = this.generation;
    return () =>
      this.host.requestTrajectory({ tensor, steps }).then(
        (m) => {
          if (gen !== this.generation) return;
          this.trajectory = m;
          this.trajectoryKey = key;
          this.trajectoryError = '';
          this.dataArrived();
        },
        (e: Error) => {
          if (gen === this.generation) {
            this.trajectoryError = e.message;
            this.trajectoryKey = key;
            this.dataArrived();
          }
        },
      );
  }

  private dataArrived(): void {
    const w = this.dataWaiters;
    this.dataWaiters = [];
    for (const r of w) r();
    this.scheduleRender();
  }

  // ------------------------------------------------------------ rendering
  private scheduleRender(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private renderNotice(): void {
    const none = this.info === null;
    this.noticeEl.hidden = !none && !this.ended;
    this.noticeEl.textContent = none
      ? this.notice
      : this.ended
        ? `${this.notice} (read-only: showing what was loaded)`
        : '';
    this.main.hidden = none;
    this.toolbar.root.hidden = none;
    this.root.classList.toggle('tl-empty', none);
    if (none) {
      this.title.textContent = 'TRM recursion timeline';
      this.meta.textContent = '';
      this.status.textContent = '';
    }
  }

  private render(): void {
    performance.mark('trm-timeline-render-start');
    try {
      this.renderNotice();
      if (!this.info || !this.cursor) return;
      this.renderChrome();
      if (this.needsLayout) {
        this.needsLayout = false;
        if (this.grid.relayout()) this.grid.invalidate();
      }
      if (this.revealPending) {
        this.revealPending = false;
        this.grid.reveal(this.cursor.step);
      }
      const rows = this.grid.syncRows();
      const domainVersion = this.store.domainVersion;
      for (const r of rows) this.paintRow(r);
      if (this.store.domainVersion !== domainVersion) {
        this.grid.invalidate();
        this.scheduleRender();
      }
      this.cursor = clampCursor(this.cursor, { columns: this.columns.length, lastStep: this.info.maxSteps });
      this.grid.placeCursor(this.cursor.step, this.cursor.col);
      const p = this.position;
      this.grid.placeStopped(p ? p.step : null, p ? columnOf(this.columns, p.ordinal, p.layer) : -1);
      this.paintDetail();
      this.paintSide();
      this.paintSparks();
      this.requestMissing(rows);
      this.measureMilestones();
    } catch (e) {
      this.reportError(`render failed: ${(e as Error).stack ?? String(e)}`);
    } finally {
      performance.measure('trm-timeline-render', 'trm-timeline-render-start');
      if (++this.renders % 500 === 0) {
        performance.clearMeasures('trm-timeline-render');
        performance.clearMarks('trm-timeline-render-start');
      }
    }
  }

  /**
   * performance.measure entries for benchmarks (printed by the Chromium test, never asserted):
   * `trm-timeline-first-frame` = init → first painted pass; `trm-timeline-complete` = init → first
   * pass with every visible cell, summary and the trajectory loaded (nothing pending or in flight).
   */
  private measureMilestones(): void {
    if (this.measureFirstFrame) {
      this.measureFirstFrame = false;
      performance.measure('trm-timeline-first-frame', 'trm-timeline-init');
    }
    if (this.measureComplete && this.queue.pendingCount === 0 && this.queue.inFlightCount === 0) {
      this.measureComplete = false;
      performance.measure('trm-timeline-complete', 'trm-timeline-init');
    }
  }

  private renderChrome(): void {
    const info = this.info!;
    const cur = this.cursor!;
    this.toolbar.write(this.view, info.hiddenSize);
    this.toolbar.setEnabled(true);
    this.toolbar.setPlaying(this.player.playing);
    // Short lines; the full checkpoint path and the skipped backends are in the tooltip.
    this.title.textContent = `TRM recursion timeline · ${info.origin ?? `puzzle ${info.puzzleId}`} (${info.taskKind}, ${info.gridHeight}×${info.gridWidth})`;
    this.meta.textContent =
      `model ${info.modelName ?? shortName(info.checkpoint)} · T = H_cycles ${info.hCycles} × (n = L_cycles ${info.lCycles} + 1) updates × ` +
      `L_layers ${info.lLayers} · N_sup ≤ ${info.maxSteps} · D = ${info.hiddenSize} · ${info.backend}` +
      (info.patches ? ` · patched: ${info.patches}` : '') +
      (info.compare !== undefined
        ? ` · comparing with run B = ${shortName(info.compare)} (lanes A, B, then ‖zA − zB‖, ‖yA − yB‖, cells A ≠ B)`
        : '');
    this.meta.title = [
      `checkpoint: ${info.checkpoint}`,
      `backend: ${info.backend}`,
      ...(info.backendSkipped ?? []).map((r) => `skipped: ${r}`),
      ...(info.compare !== undefined ? [`run B: ${info.compare}`] : []),
    ].join('\n');
    const col = this.columns[cur.col];
    const p = this.position;
    // The reason only when it says more than where (a breakpoint's story, not "Moved to <where>").
    const why = p ? p.reason.split('\n')[0] : '';
    const stopped = p
      ? `stopped at ${p.description}${why && why !== p.description && !why.endsWith(p.description) ? ` (${why})` : ''}`
      : 'not stopped yet';
    this.status.textContent =
      `${stopped} · cursor: step ${cur.step} › ${col ? describeColumn(col) : '?'} · reached step ${this.reachedStep}` +
      (this.ended ? ' · session ended' : '');
    this.errorLine.textContent = this.errorText;
    this.errorLine.hidden = this.errorText === '';
  }

  private paintRow(r: RowView): void {
    const info = this.info!;
    const t = this.theme;
    const g = this.grid.geometry!;
    const s = this.summaries[r.step];
    const first = this.grid.lanes.compare ? this.firstDivergence() : undefined;
    const partsHere = !!first && first.step === r.step;
    const aheadCols = this.aheadColumns(r.step);
    const labelSig = `${r.step <= this.reachedStep}|${s ? `${s.qHalt}|${s.halted}|${s.wouldHalt}` : ''}|${this.breakpointSteps.has(r.step)}|${partsHere}|${aheadCols.join(',')}`;
    if (r.labelDrawn !== labelSig) {
      r.labelDrawn = labelSig;
      r.el.classList.toggle('unreached', r.step > this.reachedStep);
      r.label.replaceChildren(
        h('span', { class: 'n', text: `step ${r.step}` }),
        ...(s
          ? [
              h('span', {
                class: `q${s.wouldHalt ? ' halt' : ''}`,
                text: `q ${s.qHalt.toFixed(1)}`,
                title: `q_halt = ${s.qHalt}`,
              }),
            ]
          : []),
        ...(s?.halted ? [h('span', { class: 'halted', text: '⚑', title: 'the session halted here' })] : []),
        ...(this.breakpointSteps.has(r.step)
          ? [h('span', { class: 'bp', text: '●', title: 'stopped on a breakpoint in this step' })]
          : []),
        ...(aheadCols.length
          ? [
              h('span', {
                class: 'ahead',
                text: `z↑${aheadCols.length}`,
                title: `z-lens: in ${aheadCols.length} update${aheadCols.length === 1 ? '' : 's'} of this step z already decodes values that y adopts later (${aheadCols.map((c) => this.columns[c].label).join(', ')})`,
              }),
            ]
          : []),
        ...(partsHere
          ? [
              h('span', {
                class: 'parts',
                text: 'A≠B',
                title: `runs A and B first part in this step (max |A − B| > ${DIVERGENCE_THRESHOLD}), at update ${first.ordinal + 1}`,
              }),
            ]
          : []),
      );
    }
    const img = this.cellImage!;
    const dKey = domainKey(this.viewKey(), this.diffing());
    const lanes = this.grid.lanes;
    const runs: RunName[] = lanes.compare ? ['A', 'B'] : ['A'];
    const nCols = this.columns.length;
    for (const run of runs) {
      const top = run === 'A' ? lanes.aTop : lanes.bTop;
      const slot = run === 'A' ? 0 : nCols;
      for (let col = 0; col < nCols; col++) {
        const st = this.cellState(r.step, col, run);
        const base = `${this.themeVersion}|${this.view.diff}`;
        let sig: string;
        if (st.kind === 'data') {
          sig = `d|${st.sig}|${dKey}|${this.store.domainVersion}|${base}`;
          if (r.drawn[slot + col] === sig) continue;
          const { values, absMax, minPositive } = st.get();
          const d = this.domainFor(absMax, minPositive);
          paintValues(values, 0, values.length, d, this.rampFor(d), t.nonFinite, img.data);
          this.paintAhead(r.step, col, img.data);
          r.ctx.putImageData(img, col * g.pitch, top);
        } else {
          sig = `${st.kind}|${base}`;
          if (r.drawn[slot + col] === sig) continue;
          r.ctx.clearRect(col * g.pitch, top, g.gridW, g.gridH);
          const fill = st.kind === 'error' ? t.wrong : t.placeholder;
          r.ctx.fillStyle = `rgba(${fill[0]}, ${fill[1]}, ${fill[2]}, ${st.kind === 'unreached' ? 0.25 : st.kind === 'error' ? 0.6 : 0.55})`;
          r.ctx.fillRect(col * g.pitch, top, g.gridW, g.gridH);
        }
        r.drawn[slot + col] = sig;
      }
    }
    if (lanes.compare) this.paintStrip(r);
    const dv = lanes.compare ? this.divergences[r.step] : undefined;
    const ansSig = `${s ? 'a' : r.step > this.reachedStep ? 'u' : 'm'}|${dv?.predsB ? 'b' : '-'}|${this.view.diff}|${this.themeVersion}`;
    if (r.answerDrawn !== ansSig) {
      r.answerDrawn = ansSig;
      r.actx.clearRect(0, 0, info.gridWidth, lanes.height);
      if (s) {
        paintAnswer(info.taskKind, s, this.view.diff, t, img.data);
        r.actx.putImageData(img, 0, 0);
      } else {
        r.actx.fillStyle = `rgba(${t.placeholder[0]}, ${t.placeholder[1]}, ${t.placeholder[2]}, ${r.step > this.reachedStep ? 0.25 : 0.55})`;
        r.actx.fillRect(0, 0, info.gridWidth, info.gridHeight);
      }
      if (lanes.compare) {
        if (dv?.predsB && dv.predsB.length === info.seqLen) {
          paintAnswerB(info.taskKind, dv.predsB, s?.preds, t, img.data);
          r.actx.putImageData(img, 0, lanes.bTop);
        } else {
          r.actx.fillStyle = `rgba(${t.placeholder[0]}, ${t.placeholder[1]}, ${t.placeholder[2]}, ${r.step > this.reachedStep ? 0.25 : 0.55})`;
          r.actx.fillRect(0, lanes.bTop, info.gridWidth, info.gridHeight);
        }
      }
    }
  }

  /** z-lens: the cells of (step, col) where z is ahead of y, in the `changed` colour. */
  private paintAhead(step: number, col: number, out: Uint8ClampedArray): void {
    if (this.view.view !== 'zlens') return;
    const cells = this.ahead.get(cellKey(this.viewKey(), this.addr(step, col)));
    if (!cells) return;
    for (let i = 0; i < cells.length; i++) out.set(this.theme.changed, cells[i] * 4);
  }

  /** z-lens: the updates of a step (columns) where z already decodes a value that y adopts later. */
  private aheadColumns(step: number): number[] {
    if (this.view.view !== 'zlens') return [];
    const vk = this.viewKey();
    const out: number[] = [];
    for (let col = 0; col < this.columns.length; col++) {
      const a = this.ahead.get(cellKey(vk, this.addr(step, col)));
      if (a && a.length > 0) out.push(col);
    }
    return out;
  }

  /** The first update where runs A and B part, once every step before it is loaded. */
  private firstDivergence(): { step: number; ordinal: number } | null | undefined {
    return firstDivergence(this.divergences, this.reachedStep, DIVERGENCE_THRESHOLD);
  }

  /**
   * The divergence strip under run B's lane, one column per update: ‖zA − zB‖ and ‖yA − yB‖ on a
   * log colour scale, the cells whose decoded answer differs (more opaque = more cells), and a mark
   * under the first update where the runs part.
   */
  private paintStrip(r: RowView): void {
    const info = this.info!;
    const t = this.theme;
    const g = this.grid.geometry!;
    const lanes = this.grid.lanes;
    const nCols = this.columns.length;
    const d = this.divergences[r.step];
    const err = this.divergenceErrors.get(r.step);
    const first = this.firstDivergence();
    const domain = this.store.domain(STRIP_DOMAIN_KEY, 'log');
    const img = this.stripImage!;
    const w = info.gridWidth;
    const band = lanes.band;
    const h = STRIP_BANDS * band;
    for (let col = 0; col < nCols; col++) {
      const ordinal = this.columns[col].ordinal;
      const isFirst = !!first && first.step === r.step && first.ordinal === ordinal;
      const state = r.step > this.reachedStep ? 'u' : d ? 'd' : err ? 'e' : 'm';
      const sig = `${state}|${isFirst}|${this.store.domainVersion}|${this.themeVersion}`;
      if (r.drawn[2 * nCols + col] === sig) continue;
      r.drawn[2 * nCols + col] = sig;
      const x = col * g.pitch;
      r.ctx.clearRect(x, lanes.stripTop, w, h);
      if (!d) {
        const fill = state === 'e' ? t.wrong : t.placeholder;
        r.ctx.fillStyle = `rgba(${fill[0]}, ${fill[1]}, ${fill[2]}, ${state === 'u' ? 0.25 : 0.55})`;
        r.ctx.fillRect(x, lanes.stripTop, w, h);
        continue;
      }
      const u = divergenceAt(d, ordinal)!;
      const px = img.data;
      px.fill(0);
      const one = new Uint8ClampedArray(4);
      const put = (b: number, rgba: ArrayLike<number>): void => {
        for (let yy = b * band; yy < (b + 1) * band; yy++)
          for (let xx = 0; xx < w; xx++) px.set(rgba, (yy * w + xx) * 4);
      };
      paintValues([u.zNorm], 0, 1, domain, t.logRamp, t.nonFinite, one);
      put(0, one);
      paintValues([u.yNorm], 0, 1, domain, t.logRamp, t.nonFinite, one);
      put(1, one);
      if (u.cellsDiffer > 0) {
        const a = Math.round(255 * Math.min(1, 0.4 + (0.6 * u.cellsDiffer) / info.seqLen));
        put(2, [t.wrong[0], t.wrong[1], t.wrong[2], a]);
      } else if (u.cellsDiffer < 0) put(2, [t.placeholder[0], t.placeholder[1], t.placeholder[2], 140]);
      if (isFirst) put(3, t.breakpoint);
      r.ctx.putImageData(img, x, lanes.stripTop);
    }
  }

  /** The tooltip of what is under the pointer: run B's cells, the strip, the answer thumbnails. */
  private describeAt(step: number, col: number, lane: Lane, answerCell: number | null): string {
    if (!this.info) return '';
    const c = col >= 0 ? this.columns[col] : undefined;
    const where = c ? `step ${step} › ${describeColumn(c)}` : `after step ${step}`;
    if (lane === 'strip' && c) {
      const d = this.divergences[step];
      if (!d) return this.divergenceErrors.get(step) ?? `${where}: runs A and B, loading…`;
      const first = this.firstDivergence();
      const isFirst = !!first && first.step === step && first.ordinal === c.ordinal;
      return `${where} · A vs B (${d.label})\n${describeDivergence(divergenceAt(d, c.ordinal)!, isFirst, DIVERGENCE_THRESHOLD)}`;
    }
    if (answerCell !== null) return this.describeAnswerCell(step, answerCell, lane);
    if (col < 0)
      return lane === 'B' ? `run B's decoded answer after step ${step}` : `decoded answer y (z_H) after step ${step}`;
    if (lane === 'B') return `run B (${this.info.compare ?? ''}) · ${where}`;
    if (this.view.view === 'zlens' && c) {
      const a = this.ahead.get(cellKey(this.viewKey(), this.addr(step, col)));
      const w = this.info.gridWidth;
      const names = a ? Array.from(a.slice(0, 12), (i) => `r${Math.floor(i / w) + 1}c${(i % w) + 1}`) : [];
      return `${this.comparing() ? 'run A · ' : ''}${where} · z-lens: ${
        a === undefined
          ? 'loading…'
          : a.length === 0
            ? 'z is ahead of y on no cell'
            : `z already decodes the value y adopts later on ${a.length} cell${a.length === 1 ? '' : 's'}: ${names.join(', ')}${a.length > 12 ? ', …' : ''}`
      }`;
    }
    return this.comparing() ? `run A · ${where}` : '';
  }

  /** Hover text of one answer cell: its value after the step, then its provenance over the episode. */
  private describeAnswerCell(step: number, cell: number, lane: Lane): string {
    const info = this.info!;
    const label = `r${Math.floor(cell / info.gridWidth) + 1}c${(cell % info.gridWidth) + 1}`;
    if (lane === 'B') return `run B's answer after step ${step}, cell ${label}`;
    const head = `decoded answer y (z_H) after step ${step}, cell ${label}`;
    if (this.provenance) return `${head}\n${describeProvenance(this.provenance, cell, info)}`;
    if (this.provenanceState === 'error') return `${head}\nprovenance: ${this.provenanceError}`;
    if (this.provenanceState === 'none' && !this.ended) this.fetchProvenance();
    return `${head}\nprovenance: loading… (computed over the whole episode once)`;
  }

  private fetchProvenance(): void {
    const gen = this.generation;
    this.provenanceState = 'loading';
    this.host.requestProvenance().then(
      (m) => {
        if (gen !== this.generation) return;
        this.provenance = m.provenance;
        this.provenanceState = 'none';
        this.grid.refreshHover();
      },
      (e: Error) => {
        if (gen !== this.generation) return;
        this.provenanceState = 'error';
        this.provenanceError = e.message;
        this.grid.refreshHover();
      },
    );
  }

  private paintDetail(): void {
    const cur = this.cursor!;
    const col = this.columns[cur.col];
    const tensorName = this.view.tensor === 'z' ? 'z (z_L)' : 'y (z_H)';
    const sym = this.view.tensor === 'z' ? 'z' : 'y';
    const viewName =
      this.view.view === 'delta'
        ? `change ‖Δ${sym}‖`
        : this.view.view === 'norm'
          ? '‖·‖'
          : this.view.view === 'channel'
            ? `channel ${this.view.channel}`
            : 'PCA 1';
    const diff = this.diffing();
    const caption = `${tensorName} · ${viewName}${diff ? ' · Δ previous update' : ''} · step ${cur.step} › ${describeColumn(col)}`;
    const st = this.cellState(cur.step, cur.col);
    const data = st.kind === 'data' ? st.get() : null;
    const d = this.domainFor(data ? data.absMax : 0, data ? data.minPositive : Infinity);
    this.detail.drawLegend(
      d,
      this.rampFor(d),
      this.view.view === 'delta'
        ? `how far this update moved each cell's ${sym}: ‖Δ${sym}‖ (log scale, same for every frame)`
        : this.view.view === 'zlens'
          ? "z-lens: z decoded through lm_head, margin per cell: + decodes to y's final value, − to another; purple: z ahead of y"
          : `${tensorName} ${viewName}${diff ? ' Δ' : ''} (same scale for every frame)`,
    );
    if (data) {
      paintValues(data.values, 0, data.values.length, d, this.rampFor(d), this.theme.nonFinite, this.detailImage!.data);
      this.paintAhead(cur.step, cur.col, this.detailImage!.data);
      this.detail.show(this.detailImage, caption);
    } else {
      const msg =
        st.kind === 'data'
          ? ''
          : st.kind === 'missing'
            ? this.ended
              ? 'not loaded before the session ended'
              : 'loading…'
            : st.kind === 'unreached'
              ? 'not run yet: step forward (F10) or click to seek here'
              : st.message;
      this.detail.show(null, caption, msg);
    }
  }

  private paintSide(): void {
    const info = this.info!;
    const cur = this.cursor!;
    const s = this.summaries[cur.step];
    const msg =
      cur.step > this.reachedStep
        ? 'not run yet'
        : (this.summaryErrors.get(cur.step) ?? (this.ended ? 'not loaded' : 'loading…'));
    this.answer.show(info, s ?? null, cur.step, this.view.diff, this.theme, msg);
    const at = this.columns[cur.col];
    this.patchBar.update(
      info,
      !this.ended && !this.player.playing,
      at ? `step ${cur.step} › cycle ${at.cycle} › ${at.kind === 'y' ? 'y' : `z ${at.zIndex}`}` : `step ${cur.step}`,
    );
    this.qHalt.draw(info.maxSteps, this.summaries.slice(0, this.reachedStep + 1), this.breakpointSteps, cur.step);
    this.drift.draw(info.maxSteps, this.summaries.slice(0, this.reachedStep + 1), cur.step);
    const col = this.columns[cur.col];
    const yOrdinal = (o: number): boolean => o % (info.lCycles + 1) === info.lCycles;
    // After a cloud fork (of the tensor shown) the plot is the cloud's: trunk and fan in one projection.
    const cloud = this.cloud && this.cloud.tensor === this.view.tensor ? this.cloud : null;
    const paths = cloud ? fanPaths(cloud, this.adopted) : [];
    const adopted = this.adopted !== undefined && this.adopted >= 0 ? `, blue = adopted branch ${this.adopted}` : '';
    this.trajCaption.textContent = cloud
      ? `latent trajectory with the cloud forked at ${cloud.description}: ${paths.filter((p) => p.pts.length > 1).length} of ${cloud.branches.length} branch paths drawn (PCA of trunk and branches; bold = picked by ${cloud.select}${cloud.selected >= 0 ? `: branch ${cloud.selected}` : ''}${adopted})`
      : this.cloud
        ? `latent trajectory (PCA of the mean state after each update) · the cloud's fan is drawn for ${this.cloud.tensor}: show state ${this.cloud.tensor}`
        : 'latent trajectory (PCA of the mean state after each update)';
    this.traj.draw(
      cloud ? fanTrunk(cloud) : this.trajectory,
      yOrdinal,
      { step: cur.step, ordinal: col.ordinal },
      this.theme.negative,
      this.theme.positive,
      this.trajectoryError || (this.ended ? 'not loaded' : 'loading…'),
      cloud ? { sig: `${cloud.forkId}|${this.adopted ?? ''}`, paths } : null,
    );
  }

  private paintSparks(): void {
    const info = this.info!;
    const cur = this.cursor!;
    const U = updatesPerStep(info);
    const total = this.reachedStep * U;
    this.sparks.draw(
      this.sparkSpecs,
      (sp) => this.series.get(sp.expression)?.data ?? { kind: 'loading' },
      seriesIndex(cur.step, this.columns[cur.col].ordinal, U),
      total,
      `${this.seriesVersion}|${this.sparkSpecs.map((x) => x.expression).join('\u0000')}`,
    );
  }

  /** A click on a sparkline: the cursor moves to that update and the session follows. */
  private seekIndex(i: number): void {
    if (!this.info) return;
    const U = updatesPerStep(this.info);
    this.clickCell(Math.floor(i / U) + 1, columnOf(this.columns, i % U));
  }

  private fetchSeries(expression: string, key: string, steps: number): () => Promise<unknown> {
    const gen = this.generation;
    return () =>
      this.host.requestSeries({ expression, steps }).then(
        (m) => {
          if (gen !== this.generation) return;
          this.series.set(expression, { key, data: { kind: 'data', values: m.values, valueType: m.valueType } });
          this.seriesVersion++;
          this.dataArrived();
        },
        (e: Error) => {
          if (gen !== this.generation) return;
          this.series.set(expression, { key, data: { kind: 'error', message: e.message } });
          this.seriesVersion++;
          this.dataArrived();
        },
      );
  }

  /** Declares what this frame lacks: cursor first, then its row, then other visible rows by distance. */
  private requestMissing(rows: RowView[]): void {
    this.queue.beginPass();
    if (!this.ended && this.info) {
      const cur = this.cursor!;
      const wantCell = (step: number, col: number, prio: number): void => {
        const st = this.cellState(step, col);
        if (st.kind === 'missing')
          for (const k of st.keys) this.queue.want(k.key, prio, this.fetchHeatmap(k.key, k.addr, k.run));
        if (!this.comparing()) return;
        const b = this.cellState(step, col, 'B');
        if (b.kind !== 'missing') return;
        for (const k of b.keys) this.queue.want(k.key, prio + 0.1, this.fetchHeatmap(k.key, k.addr, k.run));
      };
      const wantDivergence = (step: number, prio: number): void => {
        if (!this.comparing() || step > this.reachedStep) return;
        if (this.divergences[step] || this.divergenceErrors.has(step)) return;
        this.queue.want(`divergence|${step}`, prio, this.fetchDivergence(step));
      };
      const wantSummary = (step: number, prio: number): void => {
        if (step > this.reachedStep || this.summaries[step] || this.summaryErrors.has(step)) return;
        this.queue.want(`summary|${step}`, prio, this.fetchSummary(step));
      };
      wantCell(cur.step, cur.col, 0);
      wantSummary(cur.step, 0.5);
      if (this.player.playing) {
        const next = nextForPlay(cur, this.bounds());
        if (next) wantCell(next.step, next.col, 0.2);
      }
      for (let col = 0; col < this.columns.length; col++) wantCell(cur.step, col, 1 + Math.abs(col - cur.col) / 1000);
      for (const r of rows) {
        wantSummary(r.step, 1.5 + Math.abs(r.step - cur.step));
        for (let col = 0; col < this.columns.length; col++)
          wantCell(r.step, col, 2 + Math.abs(r.step - cur.step) + col / 1000);
      }
      // q_halt curve: every reached step, even rows scrolled out of view (summaries are small).
      for (let step = 1; step <= this.reachedStep; step++) wantSummary(step, 50 + step);
      // The first divergence needs every step before it: all reached steps, near the cursor first.
      wantDivergence(cur.step, 0.7);
      for (let step = 1; step <= this.reachedStep; step++) wantDivergence(step, 20 + Math.abs(step - cur.step));
      // Sparklines: each expression over the steps run so far (again when more steps are run).
      for (const sp of this.sparkSpecs) {
        const key = `${sp.expression}|${this.reachedStep}`;
        if (this.series.get(sp.expression)?.key === key || this.reachedStep < 1) continue;
        this.queue.want(`series|${key}`, 4, this.fetchSeries(sp.expression, key, this.reachedStep));
      }
      const tk = `${this.view.tensor}|${this.reachedStep}`;
      if (this.trajectoryKey !== tk && this.reachedStep >= 1) {
        this.queue.want(`trajectory|${tk}`, 3, this.fetchTrajectory(tk, this.view.tensor, this.reachedStep));
      }
    }
    this.queue.endPass();
  }
}

/** The last two parts of a path ("run-a/step_1000"), for a header line. */
function shortName(file: string): string {
  return file
    .split(/[\\/]+/)
    .slice(-2)
    .join('/');
}
