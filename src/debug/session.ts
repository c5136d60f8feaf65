// The `trm` debug session: translates DAP requests into TrmRuntime motions and queries, and the
// runtime's stops into DAP events (plus the custom trm/* events and requests of src/protocol/debugger.ts).
// No vscode import: it runs inline in the extension host, as a stdio adapter, and under
// DebugClient in tests. The engine is opened through an injectable function (default: the facade).

import {
  DebugSession,
  ErrorDestination,
  Event,
  InitializedEvent,
  OutputEvent,
  Response,
  StoppedEvent,
  TerminatedEvent,
  Thread,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { describeUpdate, updateAt } from '../engine/trace/types';
import { provenance } from '../engine/analysis/provenance';
import { meanState, stateView, trajectoryPca } from '../engine/trace/views';
import { CPU_FALLBACK_BACKEND, isGpuError } from '../engine/backend/gpuErrors';
import {
  TRM_EVENT_GPU_ERROR,
  TRM_EVENT_POSITION,
  TRM_EVENT_TRACE_INFO,
  TRM_REQUEST_HEATMAP,
  TRM_REQUEST_SEEK,
  TRM_REQUEST_STEP_SUMMARY,
  TRM_REQUEST_TRAJECTORY,
  TRM_REQUEST_DIVERGENCE,
  TRM_REQUEST_PROVENANCE,
  TRM_REQUEST_SERIES,
  TRM_EVENT_WATCH,
  TrmGpuError,
  TrmHeatmap,
  TrmHeatmapArgs,
  TrmPosition,
  TrmStepSummary,
  TrmTraceInfo,
  TrmTrajectory,
  TRM_REQUESTS,
  TrmRequestSpec,
  requestArgsProblem,
} from '../protocol/debugger';
import { LaunchConfigError, TrmLaunchArgs, describeHaltPolicy, validateLaunchArgs } from './launchConfig';
import type { DebugEngine } from './engineTypes';
import { Position, RunResult, Stop, TrmRuntime } from './runtime';
import { exceptionBreakpointFilters } from './haltingFilters';
import { CompareRun, DIVERGENCE_FILTER, parseCompareSpec } from './compareRun';
import { StaleReferenceError, VariableContext, VariableStore } from './variables';
import { cellLabel, renderGridDocument } from './gridText';
import { ExpressionError, evaluate, parseExpression } from './conditions';
import { AnalysisVariables } from './analysisVariables';
import { EXPRESSION_HELP, formatValue, prepare as prepareExpression } from './traceExpressions';
import { fmtPercent, fmtQ } from './runtime';
import { checkpointLine, modelName } from './displayNames';
import { argumentProblem, classifyMessage } from './requestChecks';
import { logAdapterError } from './adapterLog';
import { CloudController } from './cloudRequests';
import { CompareRequestError, divergenceBody, heatmapBBody } from './compareRequests';
import { provenanceBody, zLensHeatmap } from './lensRequests';
import { WatchTracker, seriesBody } from './watchSeries';
import { SweepController } from './sweepRequest';
import { TRM_PATCH_SWEEP } from '../protocol/debugger';
import { bundleLaunch, checkPuzzle, checkWeights, restoreBundle, saveBundle } from './bundleSession';
import { PatchController } from './patchRequests';
import {
  PATCH_HELP,
  PatchSyntaxError,
  isPatchStatement,
  parsePatchAssignment,
  parsePatchStatement,
} from './patchSyntax';
import { TRM_EVENT_PATCHES, TRM_REQUEST_PATCH, type TrmPatchArgs } from '../protocol/debugger';
import type { TraceBundle } from '../engine/bundle/bundle';
import {
  TRM_EVENT_CLOUD,
  TRM_REQUEST_CLOUD_ADOPT,
  TRM_REQUEST_CLOUD_FORK,
  TRM_REQUEST_BUNDLE_SAVE,
  cloudAdoptProblem,
  cloudForkProblem,
  type CloudAdoptArgs,
  type CloudForkArgs,
} from '../protocol/cloud';

export type EngineOpener = (args: TrmLaunchArgs) => Promise<DebugEngine>;

export interface TrmSessionOptions {
  /** The checkpoint of a launch that names none and finds none in its cwd (the standalone adapter's bundled demo model). */
  bundledCheckpoint?: string;
}

const THREAD_ID = 1;
const CONFIGURATION_DONE_TIMEOUT_MS = 5000;

/** Error ids of this adapter's error responses. */
const ERR = {
  launch: 3001,
  notStopped: 3002,
  stale: 3003,
  args: 3004,
  engine: 3005,
  evaluate: 3006,
  unknown: 3007,
  internal: 3008,
} as const;

interface FrameInfo {
  pos: Position;
  level: 'step' | 'cycle' | 'update' | 'layer';
}

export class TrmDebugSession extends DebugSession {
  private runtime: TrmRuntime | undefined;
  private cloud: CloudController | undefined;
  private patches: PatchController | undefined;
  private launchArgs: TrmLaunchArgs | undefined;
  private engine: DebugEngine | undefined;
  private x: Float32Array | undefined;
  private readonly store = new VariableStore();
  private readonly analysis = new AnalysisVariables();
  /** The Watch view's expressions, for the timeline's sparklines (src/debug/watchSeries.ts). */
  private readonly watch = new WatchTracker();
  private stopped = false;
  private lastStop: Stop | undefined;
  private frames = new Map<number, FrameInfo>();
  private sources = new Map<number, Position>();
  private nextHandle = 1;
  private configurationDone!: () => void;
  private readonly configured = new Promise<void>((resolve) => {
    this.configurationDone = resolve;
  });
  private disposed = false;
  /** The launch request being served, answered with an error if the client disconnects first. */
  private pendingLaunch: DebugProtocol.LaunchResponse | undefined;

  constructor(
    private readonly openEngine: EngineOpener,
    private readonly options: TrmSessionOptions = {},
  ) {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  // ---- message validation ---------------------------------------------------------------------

  /**
   * Every message from the client passes here (stdio, server and inline): something that is not a
   * request gets an output event, a request with a broken header an error response, never a throw.
   */
  override handleMessage(msg: DebugProtocol.ProtocolMessage): void {
    const c = classifyMessage(msg);
    if (c.kind === 'junk') {
      this.protocolError(`ignored a message that is not a DAP request: ${c.problem}`);
      return;
    }
    if (c.kind === 'bad-request') {
      if (c.header)
        this.fail(new Response({ ...c.header, type: 'request' }), ERR.args, `invalid request: ${c.problem}`);
      else this.protocolError(`ignored an invalid request: ${c.problem}`);
      return;
    }
    try {
      super.handleMessage(msg);
    } catch (e) {
      this.internalError(`handling a ${msg.type}`, e);
    }
  }

  /** Arguments are checked before any handler runs: a missing required field is an error response. */
  protected override dispatchRequest(request: DebugProtocol.Request): void {
    const problem = argumentProblem(request.command, request.arguments);
    if (problem) {
      this.fail(new Response(request), ERR.args, problem);
      return;
    }
    // pathFormat is optional and defaults to 'path' (the base class refuses it when left out).
    if (request.command === 'initialize' && (request.arguments as { pathFormat?: string }).pathFormat === undefined)
      (request.arguments as { pathFormat?: string }).pathFormat = 'path';
    super.dispatchRequest(request);
  }

  /** The base class answers a handler's exception with its stack trace; ours go to the log file. */
  protected override sendErrorResponse(
    response: DebugProtocol.Response,
    codeOrMessage: number | DebugProtocol.Message,
    format?: string,
    variables?: Record<string, unknown>,
    dest?: ErrorDestination,
  ): void {
    if (variables && ('_stack' in variables || '_exception' in variables)) {
      const log = logAdapterError(
        `internal error while handling '${response.command}'`,
        variables._stack ?? variables._exception,
      );
      this.fail(
        response,
        ERR.internal,
        `internal error in the trm debug adapter while handling '${response.command}': ${String(variables._exception)}${log ? ` (details in ${log})` : ''}`,
      );
      return;
    }
    super.sendErrorResponse(response, codeOrMessage, format, variables, dest);
  }

  /** A framing or message-level problem of the client's input, reported as output (there is no request to answer). */
  protocolError(message: string): void {
    this.output(`TRM debug adapter: ${message}`, 'stderr');
  }

  /** An unexpected exception: the stack goes to the log file, the client gets one line. */
  internalError(context: string, e: unknown): void {
    const log = logAdapterError(context, e);
    const message = e instanceof Error ? e.message : String(e);
    this.output(
      `TRM debug adapter: internal error ${context}: ${message}${log ? ` (details in ${log})` : ''}`,
      'stderr',
    );
  }

  // ---- helpers --------------------------------------------------------------------------------

  /**
   * An error response. `showUser` false for the routine ones (a request about a stop that is already
   * gone, or made while running): VS Code would otherwise pop up a notification for each.
   */
  private fail(response: DebugProtocol.Response, id: number, message: string, showUser = true): void {
    if (response.seq > 0) return; // already answered (a launch ended by disconnect)
    // Not sendErrorResponse's format string: our messages may contain braces ({"threshold": p}).
    response.success = false;
    response.message = message;
    response.body = { error: { id, format: message.replace(/[{}]/g, (b) => (b === '{' ? '(' : ')')), showUser } };
    this.sendResponse(response);
  }

  /** A GPU that cannot run the session is not the end of it: tells the client which backend to restart on. */
  private offerCpu(e: unknown): void {
    if (!isGpuError(e)) return;
    const body: TrmGpuError = {
      message: e instanceof Error ? e.message : String(e),
      fallbackBackend: CPU_FALLBACK_BACKEND,
    };
    this.sendEvent(new Event(TRM_EVENT_GPU_ERROR, body));
  }

  // 'stdout': plain text in the Debug Console ('console' is drawn in the warning colour).
  private output(text: string, category: 'console' | 'stdout' | 'stderr' | 'important' = 'stdout'): void {
    this.sendEvent(new OutputEvent(text.endsWith('\n') ? text : `${text}\n`, category));
  }

  private requireStopped(response: DebugProtocol.Response): TrmRuntime | undefined {
    if (!this.runtime) {
      this.fail(response, ERR.notStopped, 'no puzzle is loaded: launch a trm session first');
      return undefined;
    }
    if (!this.stopped) {
      this.fail(response, ERR.notStopped, 'the session is running; pause it or wait for a stop', false);
      return undefined;
    }
    return this.runtime;
  }

  private varContext(runtime: TrmRuntime): VariableContext {
    const e = runtime.engine;
    return {
      puzzle: e.puzzle,
      prefix: e.derived.puzzleEmbLen,
      hidden: e.config.hidden_size,
      x: this.x ?? new Float32Array(0),
      haltingNote: (env) =>
        env.stepOutputs
          ? `end of step ${env.pos.step}: the tracer's step outputs`
          : `q_head on the current y (${describeUpdate(env.ref)}); the halting decision is taken at the end of the step`,
    };
  }

  private toTrmPosition(runtime: TrmRuntime, pos: Position, reason: string): TrmPosition {
    const ref = updateAt(runtime.engine.config, pos.step, pos.ordinal);
    return {
      step: pos.step,
      cycle: ref.cycle,
      kind: ref.kind,
      index: ref.index,
      ordinal: pos.ordinal,
      ...(pos.layer !== undefined ? { layer: pos.layer } : {}),
      description: runtime.describe(pos),
      reason,
    };
  }

  /**
   * Leaves the stopped state. The handles of the stop stay valid until the next stop: while stepping
   * fast, VS Code still asks about the stop it is showing, and those requests are normal traffic.
   */
  private resume(): void {
    this.stopped = false;
  }

  /** Invalidates every handle of the previous stop (variables, frames, sources): a new stop begins. */
  private forgetHandles(): void {
    this.store.reset();
    this.analysis.reset();
    this.frames.clear();
    this.sources.clear();
  }

  private report(result: RunResult): void {
    if (this.disposed) return;
    const runtime = this.runtime!;
    if (result.kind === 'terminated') {
      this.output(result.text);
      this.sendEvent(new TerminatedEvent());
      return;
    }
    this.lastStop = result;
    this.forgetHandles();
    this.stopped = true;
    this.sendEvent(new Event(TRM_EVENT_POSITION, this.toTrmPosition(runtime, result.position, result.text)));
    if (this.watch.stopped()) this.sendEvent(new Event(TRM_EVENT_WATCH, { expressions: this.watch.list }));
    // Why a breakpoint stopped, where people look: the Call Stack header has only the short form.
    if (result.reason !== 'step' && result.reason !== 'goto' && result.reason !== 'entry') this.output(result.text);
    const ev = new StoppedEvent(result.reason, THREAD_ID) as DebugProtocol.StoppedEvent;
    // A patched run says so wherever it stops after its first patch.
    ev.body.description =
      this.patches?.active && this.patches.patchedAt(result.position) && !/patched/i.test(result.description)
        ? `${result.description} · patched`
        : result.description;
    ev.body.text = result.text;
    ev.body.allThreadsStopped = true;
    if (result.hitBreakpointIds) ev.body.hitBreakpointIds = result.hitBreakpointIds;
    this.sendEvent(ev);
  }

  /** Answers a motion request at once, then runs it and reports where it stopped. */
  private move(response: DebugProtocol.Response, motion: (r: TrmRuntime) => Promise<RunResult>): void {
    const runtime = this.requireStopped(response);
    if (!runtime) return;
    this.resume();
    this.sendResponse(response);
    motion(runtime).then(
      (r) => this.report(r),
      (e: unknown) => this.engineFailure(runtime, e),
    );
  }

  private engineFailure(runtime: TrmRuntime, e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    this.output(`TRM engine error: ${message}`, 'stderr');
    this.offerCpu(e);
    const pos = runtime.position;
    this.report({
      kind: 'stop',
      position: pos,
      reason: 'exception',
      description: 'Engine error',
      text: `Engine error: ${message}`,
      atEnd: false,
    });
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
      supportsFunctionBreakpoints: true,
      supportsConditionalBreakpoints: true,
      supportsStepBack: true,
      supportsDataBreakpoints: true,
      supportsExceptionFilterOptions: true,
      supportsExceptionInfoRequest: true,
      exceptionBreakpointFilters: [...exceptionBreakpointFilters(), DIVERGENCE_FILTER],
      supportsEvaluateForHovers: true,
      supportsTerminateRequest: true,
      supportsHitConditionalBreakpoints: false,
      supportsSetVariable: true,
      supportsSetExpression: true,
      supportsRestartRequest: false,
    };
    this.sendResponse(response);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configurationDone();
    this.sendResponse(response);
  }

  protected override async launchRequest(
    response: DebugProtocol.LaunchResponse,
    raw: DebugProtocol.LaunchRequestArguments,
  ): Promise<void> {
    if (this.disposed) {
      this.fail(response, ERR.launch, 'the session has ended (the client disconnected); nothing is launched');
      return;
    }
    this.pendingLaunch = response;
    try {
      await this.launch(response, raw);
    } finally {
      this.pendingLaunch = undefined;
    }
  }

  /** Ends a launch that the client abandoned (disconnect during start-up) with an answer. */
  private abandonLaunch(): void {
    const response = this.pendingLaunch;
    this.pendingLaunch = undefined;
    if (response)
      this.fail(response, ERR.launch, 'the session ended (the client disconnected) before the launch finished');
  }

  private async launch(
    response: DebugProtocol.LaunchResponse,
    raw: DebugProtocol.LaunchRequestArguments,
  ): Promise<void> {
    let args: TrmLaunchArgs;
    let engine: DebugEngine;
    let bundle: TraceBundle | undefined;
    let compare: CompareRun | undefined;
    try {
      const fromBundle = bundleLaunch(raw);
      bundle = fromBundle?.bundle;
      args = validateLaunchArgs(fromBundle?.raw ?? raw, { bundledCheckpoint: this.options.bundledCheckpoint });
      if (bundle) checkWeights(bundle, args.checkpoint);
      const compareSpec = parseCompareSpec(args.compare, args.cwd);
      engine = await this.openEngine(args);
      if (bundle || compareSpec) {
        try {
          if (bundle) checkPuzzle(bundle, engine);
          if (compareSpec) compare = await CompareRun.open(compareSpec, args, engine, this.openEngine);
        } catch (e) {
          engine.dispose();
          throw e;
        }
      }
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.fail(
        response,
        ERR.launch,
        e instanceof LaunchConfigError ? message : `cannot start the trm session: ${message}`,
      );
      this.offerCpu(e);
      return;
    }
    if (this.disposed) {
      compare?.dispose();
      engine.dispose(); // the launch was answered by disconnect
      return;
    }
    this.engine = engine;
    const c = engine.config;
    const maxSteps = args.steps ?? c.halt_max_steps;
    const runtime = new TrmRuntime(engine, maxSteps, args.haltPolicy);
    runtime.compare = compare;
    this.runtime = runtime;
    this.cloud = new CloudController(runtime, engine);
    this.patches = new PatchController(runtime, engine, this.cloud);
    this.launchArgs = args;
    try {
      this.x = await runtime.exclusive(() => engine.trace.x());
    } catch (e) {
      this.fail(response, ERR.engine, `cannot embed the puzzle: ${(e as Error).message}`);
      this.offerCpu(e);
      return;
    }
    for (const w of [...args.warnings, ...engine.warnings]) this.output(`warning: ${w}`, 'stderr');
    // Short lines a person reads at a glance: workspace-relative names; the full checkpoint path and
    // why other backends were skipped come once, last (TRM: Show Compute Backend has the details too).
    const skipped = engine.backendSkipped ?? [];
    this.output(
      `TRM Lens: ${engine.puzzle.origin} (${engine.puzzle.kind}) · model ${modelName(engine.checkpoint, args.cwd)}\n` +
        `  T = H_cycles ${c.H_cycles} × (n = L_cycles ${c.L_cycles} z updates + 1 y update) × L_layers ${c.L_layers} = ` +
        `${engine.derived.updatesPerStep * c.L_layers} layer applications per step · hidden ${c.hidden_size} · ` +
        `up to ${maxSteps} steps · halt policy: ${describeHaltPolicy(args.haltPolicy)}\n` +
        `  backend: ${engine.backend}${skipped.length ? ` (${skipped.length} faster one${skipped.length === 1 ? '' : 's'} not installed)` : ''}\n` +
        `  checkpoint: ${checkpointLine(engine.checkpoint)}` +
        (compare ? `\n  compare: run B = ${compare.label}, stepped in lock-step (Variables: "A vs B")` : ''),
    );

    // Breakpoint requests need the model's shape, so configuration starts once the model is loaded.
    this.sendEvent(new InitializedEvent());
    await Promise.race([this.configured, new Promise((r) => setTimeout(r, CONFIGURATION_DONE_TIMEOUT_MS).unref?.())]);
    if (this.disposed) return; // answered by disconnect
    this.pendingLaunch = undefined;
    this.sendResponse(response);
    if (args.puzzleEmbedding !== undefined && !bundle) {
      const patches = this.patches;
      try {
        await runtime.exclusive(async () =>
          patches.apply(
            await patches.resolve(
              { op: 'embedding', swap: args.puzzleEmbedding, step: 1, ordinal: -1 },
              { step: 1, ordinal: 0 },
            ),
          ),
        );
        this.output(`puzzle embedding: ${patches.describe(patches.list[0])} (launch attribute 'puzzleEmbedding')`);
        this.sendEvent(new Event(TRM_EVENT_PATCHES, patches.info()));
      } catch (e) {
        this.output(`cannot swap the puzzle embedding: ${(e as Error).message}`, 'stderr');
        this.sendEvent(new TerminatedEvent());
        return;
      }
    }
    this.sendEvent(new Event(TRM_EVENT_TRACE_INFO, this.traceInfo(runtime, args)));
    if (args.noDebug) {
      runtime.runToEnd().then(
        (text) => {
          this.output(text);
          this.sendEvent(new TerminatedEvent());
        },
        (e: unknown) => {
          this.output(`TRM engine error: ${(e as Error).message}`, 'stderr');
          this.sendEvent(new TerminatedEvent());
        },
      );
      return;
    }
    if (bundle) {
      restoreBundle(runtime, this.cloud, this.patches, bundle).then(
        (r) => {
          if (this.patches?.active) {
            this.sendEvent(new Event(TRM_EVENT_PATCHES, this.patches.info()));
            this.sendEvent(new Event(TRM_EVENT_TRACE_INFO, this.traceInfo(runtime, args)));
          }
          this.report(r);
        },
        (e: unknown) => this.engineFailure(runtime, e),
      );
      return;
    }
    runtime.start(args.stopOnEntry).then(
      (r) => this.report(r),
      (e: unknown) => this.engineFailure(runtime, e),
    );
  }

  private traceInfo(runtime: TrmRuntime, args: TrmLaunchArgs): TrmTraceInfo {
    const e = runtime.engine;
    const c = e.config;
    return {
      puzzleId: e.puzzle.id,
      taskKind: e.puzzle.kind,
      gridHeight: e.puzzle.gridHeight,
      gridWidth: e.puzzle.gridWidth,
      seqLen: c.seq_len,
      puzzleEmbLen: e.derived.puzzleEmbLen,
      hiddenSize: c.hidden_size,
      vocabSize: c.vocab_size,
      hCycles: c.H_cycles,
      lCycles: c.L_cycles,
      lLayers: c.L_layers,
      maxSteps: runtime.maxSteps,
      inputs: Array.from(e.puzzle.inputs),
      ...(e.puzzle.labels ? { labels: Array.from(e.puzzle.labels) } : {}),
      checkpoint: args.checkpoint,
      backend: e.backend,
      ...(runtime.compare ? { compare: runtime.compare.label } : {}),
      origin: e.puzzle.origin,
      modelName: modelName(e.checkpoint, args.cwd),
      backendSkipped: [...(e.backendSkipped ?? [])],
      ...(this.patches?.active ? { patches: this.patches.list.length } : {}),
    };
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.abandonLaunch();
    this.releaseEngine();
    this.sendResponse(response);
    this.shutdown();
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }

  /** VS Code disposes an inline adapter when the session ends. */
  override dispose(): void {
    this.releaseEngine();
    super.dispose();
  }

  /** Releases the engine; safe to call more than once. */
  private releaseEngine(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.configurationDone();
    this.runtime?.requestPause();
    const engine = this.engine;
    this.engine = undefined;
    // Let a computation in flight finish before freeing the tensors it may use.
    if (engine)
      void (this.runtime ? this.runtime.exclusive(async () => engine.dispose()) : Promise.resolve(engine.dispose()));
    const compare = this.runtime?.compare;
    if (compare) void this.runtime!.exclusive(async () => compare.dispose());
  }

  // ---- breakpoints ----------------------------------------------------------------------------

  protected override setBreakPointsRequest(
    response: DebugProtocol.SetBreakpointsResponse,
    args: DebugProtocol.SetBreakpointsArguments,
  ): void {
    response.body = {
      breakpoints: (args.breakpoints ?? []).map((b) => ({
        verified: false,
        line: b.line,
        message:
          "line breakpoints are not used by the trm debugger: add a function breakpoint such as 'step 3', 'cycle 2 update 6', 'y' or 'halt', or tick a halting filter",
      })),
    };
    this.sendResponse(response);
  }

  protected override setFunctionBreakPointsRequest(
    response: DebugProtocol.SetFunctionBreakpointsResponse,
    args: DebugProtocol.SetFunctionBreakpointsArguments,
  ): void {
    if (!this.runtime) {
      this.fail(response, ERR.notStopped, 'function breakpoints can be set once the model is loaded');
      return;
    }
    response.body = { breakpoints: this.runtime.setFunctionBreakpoints(args.breakpoints ?? []) };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(
    response: DebugProtocol.SetExceptionBreakpointsResponse,
    args: DebugProtocol.SetExceptionBreakpointsArguments,
  ): void {
    if (!this.runtime) {
      this.fail(response, ERR.notStopped, 'exception filters can be set once the model is loaded');
      return;
    }
    const filters = [...(args.filters ?? []).map((f) => ({ filterId: f })), ...(args.filterOptions ?? [])];
    response.body = { breakpoints: this.runtime.setExceptionFilters(filters) };
    this.sendResponse(response);
  }

  protected override dataBreakpointInfoRequest(
    response: DebugProtocol.DataBreakpointInfoResponse,
    args: DebugProtocol.DataBreakpointInfoArguments,
  ): void {
    const runtime = this.runtime;
    let cell: number | undefined;
    try {
      cell = runtime ? this.store.dataCell(args.variablesReference, args.name, runtime.engine.puzzle) : undefined;
    } catch (e) {
      if (e instanceof StaleReferenceError) {
        this.fail(response, ERR.stale, e.message, false);
        return;
      }
      throw e;
    }
    if (runtime && cell !== undefined) {
      const name = cellLabel(cell, runtime.engine.puzzle.gridWidth);
      response.body = {
        dataId: `y-cell:${cell}`,
        description: `stop when cell ${name} changes`,
        accessTypes: ['write'],
        canPersist: true,
      };
    } else {
      response.body = {
        dataId: null,
        description: `'${args.name}' is not a cell of the y answer grid: data breakpoints watch cells like r4c7 under y`,
      };
    }
    this.sendResponse(response);
  }

  protected override setDataBreakpointsRequest(
    response: DebugProtocol.SetDataBreakpointsResponse,
    args: DebugProtocol.SetDataBreakpointsArguments,
  ): void {
    if (!this.runtime) {
      this.fail(response, ERR.notStopped, 'data breakpoints can be set once the model is loaded');
      return;
    }
    response.body = { breakpoints: this.runtime.setDataBreakpoints(args.breakpoints ?? []) };
    this.sendResponse(response);
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    const stop = this.lastStop;
    if (!this.stopped || !stop || (stop.reason !== 'exception' && !stop.exception)) {
      this.fail(response, ERR.notStopped, 'not stopped on a halting filter or an engine error', false);
      return;
    }
    response.body = {
      exceptionId: stop.exception?.label ?? 'Engine error',
      description: stop.text,
      breakMode: 'always',
    };
    this.sendResponse(response);
  }

  // ---- execution --------------------------------------------------------------------------------

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const puzzle = this.runtime?.engine.puzzle;
    response.body = { threads: [new Thread(THREAD_ID, puzzle ? `puzzle ${puzzle.id}` : 'puzzle')] };
    this.sendResponse(response);
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    response.body = { allThreadsContinued: true };
    this.move(response, (r) => r.continue());
  }
  protected override nextRequest(response: DebugProtocol.NextResponse): void {
    this.move(response, (r) => r.next());
  }
  protected override stepInRequest(response: DebugProtocol.StepInResponse): void {
    this.move(response, (r) => r.stepIn());
  }
  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void {
    this.move(response, (r) => r.stepOut());
  }
  protected override stepBackRequest(response: DebugProtocol.StepBackResponse): void {
    this.move(response, (r) => r.stepBack());
  }
  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    this.move(response, (r) => r.reverseContinue());
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.runtime?.requestPause();
    this.sendResponse(response);
  }

  // ---- stack, scopes, variables ---------------------------------------------------------------

  protected override stackTraceRequest(
    response: DebugProtocol.StackTraceResponse,
    args: DebugProtocol.StackTraceArguments,
  ): void {
    // Asked while running (VS Code still catching up with a stop that is already gone): no frames,
    // quietly; the next stop brings its own.
    if (this.runtime && !this.stopped) {
      response.body = { stackFrames: [], totalFrames: 0 };
      this.sendResponse(response);
      return;
    }
    const runtime = this.requireStopped(response);
    if (!runtime) return;
    const pos = runtime.position;
    const ref = runtime.refOf(pos);
    const sourceRef = this.nextHandle++;
    this.sources.set(sourceRef, pos);
    const source: DebugProtocol.Source = {
      // Short: VS Code prints it beside every frame of the Call Stack.
      name: `step ${pos.step}.trm-grid`,
      sourceReference: sourceRef,
      origin: 'TRM recursion (read-only view of the current grid)',
    };
    const infos: { level: FrameInfo['level']; name: string; line: number }[] = [];
    // Short names (the Call Stack view is narrow): each frame names itself and its parent, so the
    // stack reads top-down as the full path: "z 6 (z_L) › layer 2", "cycle 3 › z 6 (z_L)", "step 1 › cycle 3", "step 1".
    const what = ref.kind === 'z' ? `z ${ref.index} (z_L)` : 'y (z_H)';
    if (pos.layer !== undefined) infos.push({ level: 'layer', name: `${what} › layer ${pos.layer}`, line: 2 });
    infos.push({ level: 'update', name: `cycle ${ref.cycle} › ${what}`, line: 2 });
    infos.push({ level: 'cycle', name: `step ${pos.step} › cycle ${ref.cycle}`, line: 2 });
    const branch = runtime.branchAt(pos);
    infos.push({ level: 'step', name: `step ${pos.step}${branch ? ` · ${branch}` : ''}`, line: 2 });
    const frames: DebugProtocol.StackFrame[] = infos.map((f) => {
      const id = this.nextHandle++;
      this.frames.set(id, { pos, level: f.level });
      return {
        id,
        name: f.name,
        source,
        // The client's numbering (linesStartAt1 / columnsStartAt1 of initialize), not ours.
        line: this.convertDebuggerLineToClient(f.line),
        column: this.convertDebuggerColumnToClient(1),
        presentationHint: f.level === 'step' ? 'label' : 'normal',
      };
    });
    const start = Math.max(0, args.startFrame ?? 0);
    const end = args.levels ? start + args.levels : frames.length;
    response.body = { stackFrames: frames.slice(start, end), totalFrames: frames.length };
    this.sendResponse(response);
  }

  protected override async scopesRequest(
    response: DebugProtocol.ScopesResponse,
    args: DebugProtocol.ScopesArguments,
  ): Promise<void> {
    const runtime = this.runtime;
    if (!runtime) {
      this.fail(response, ERR.notStopped, 'no puzzle is loaded: launch a trm session first');
      return;
    }
    const frame = this.frames.get(args.frameId);
    if (!frame) {
      // A frame of an earlier stop (fast stepping): normal traffic, answered with no scopes.
      response.body = { scopes: [] };
      this.sendResponse(response);
      return;
    }
    try {
      const env = await runtime.exclusive(() => runtime.envAt(frame.pos));
      const scopes = this.store.scopes(env);
      const cmp = runtime.compare;
      const patched = this.patches?.active === true;
      if (patched)
        scopes.push(this.store.listScope(`patches (${this.patches!.list.length})`, this.patches!.variables()));
      if (cmp) {
        const vars = await runtime.exclusive(() => cmp.variables(frame.pos.step, frame.pos.ordinal));
        scopes.push(this.store.listScope(patched ? 'A (patched) vs B' : 'A vs B — compare run', vars));
      }
      scopes.push(this.analysis.scope(frame.pos));
      response.body = { scopes };
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, ERR.engine, (e as Error).message);
    }
  }

  protected override variablesRequest(
    response: DebugProtocol.VariablesResponse,
    args: DebugProtocol.VariablesArguments,
  ): void {
    const runtime = this.runtime;
    if (!runtime) {
      this.fail(response, ERR.notStopped, 'no puzzle is loaded: launch a trm session first');
      return;
    }
    if (this.analysis.owns(args.variablesReference)) {
      void runtime
        .exclusive(() => this.analysis.variables(args.variablesReference, runtime))
        .then((variables) => {
          response.body = { variables };
          this.sendResponse(response);
        })
        .catch((e: Error) => {
          if (!/not valid at this stop/.test(e.message)) return this.fail(response, ERR.engine, e.message);
          // A reference of an earlier stop (expanded while stepping fast): no children.
          response.body = { variables: [] };
          this.sendResponse(response);
        });
      return;
    }
    try {
      // References stay valid until the next stop, so a request made while running still gets the
      // values of the stop VS Code shows.
      response.body = { variables: this.store.variables(args, this.varContext(runtime)) };
    } catch (e) {
      if (!(e instanceof StaleReferenceError)) {
        this.fail(response, ERR.engine, (e as Error).message);
        return;
      }
      // A reference of an earlier stop (the Variables view expanded while stepping fast): no children.
      response.body = { variables: [] };
    }
    this.sendResponse(response);
  }

  protected override async sourceRequest(
    response: DebugProtocol.SourceResponse,
    args: DebugProtocol.SourceArguments,
  ): Promise<void> {
    const runtime = this.runtime;
    const ref = args.source?.sourceReference ?? args.sourceReference;
    const pos = this.sources.get(ref);
    if (!runtime || pos === undefined) {
      this.fail(
        response,
        ERR.stale,
        `source ${ref} is not valid at this stop (sources are reset at every stop)`,
        runtime === undefined,
      );
      return;
    }
    try {
      const env = await runtime.exclusive(() => runtime.envAt(pos));
      // Each cell's story through this step (its y revisions; cheap: decodes of states the trace holds).
      const story = await runtime.exclusive(() => provenance(runtime.trace, pos.step));
      const p = runtime.engine.puzzle;
      const halting =
        `halting: q_halt = ${fmtQ(env.qHalt)}, q_continue = ${fmtQ(env.qContinue)}, p_halt = sigmoid(q_halt) = ${fmtPercent(env.haltProbability)} → ${env.qHalt > 0 ? 'would halt' : 'continue'}` +
        (env.correct !== undefined
          ? `; answer ${env.correct ? 'correct' : `wrong in ${env.wrongCells?.length} cells`} (${fmtPercent(env.accuracy ?? 0)} of cells right)`
          : '');
      const doc = renderGridDocument({
        title: `TRM Lens — ${p.origin}`,
        where: runtime.describe(pos),
        // The stop's reason, unless it only repeats where we are (a plain step).
        reason: this.lastStop && this.lastStop.text !== runtime.describe(pos) ? this.lastStop.text.split('\n')[0] : '',
        kind: p.kind,
        height: p.gridHeight,
        width: p.gridWidth,
        inputs: p.inputs,
        preds: env.preds,
        changed: new Set(env.changedCells),
        wrong: env.wrongCells ? new Set(env.wrongCells) : undefined,
        halting,
        provenance: story,
      });
      response.body = { content: doc.text, mimeType: 'text/plain' };
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, ERR.engine, (e as Error).message);
    }
  }

  protected override async evaluateRequest(
    response: DebugProtocol.EvaluateResponse,
    args: DebugProtocol.EvaluateArguments,
  ): Promise<void> {
    const runtime = this.requireStopped(response);
    if (!runtime) return;
    const frame = args.frameId !== undefined ? this.frames.get(args.frameId) : undefined;
    if (args.frameId !== undefined && !frame) {
      this.fail(response, ERR.stale, `frame ${args.frameId} belongs to an earlier stop`, false);
      return;
    }
    const pos = frame?.pos ?? runtime.position;
    if (args.context === 'watch' && this.watch.seen(args.expression))
      this.sendEvent(new Event(TRM_EVENT_WATCH, { expressions: this.watch.list }));
    if (args.context === 'repl' && isPatchStatement(args.expression)) {
      void this.patchStatement(response, runtime, args.expression);
      return;
    }
    try {
      const expr = parseExpression(args.expression);
      const value = await runtime.exclusive(async () =>
        evaluate(expr, await prepareExpression(expr, runtime.typeScope(), await runtime.valuesAt(pos))),
      );
      response.body = { ...formatValue(value, runtime.engine.puzzle.gridWidth), variablesReference: 0 };
      this.sendResponse(response);
    } catch (e) {
      if (e instanceof ExpressionError) {
        this.fail(response, ERR.evaluate, `${e.message} (${EXPRESSION_HELP})`);
      } else this.fail(response, ERR.engine, (e as Error).message);
    }
  }

  // ---- patching and ablation (src/debug/patchRequests.ts, patchSyntax.ts) ---------------------------

  /** setVariable on y / z values of the Variables view: a patch at the current stop. */
  protected override async setVariableRequest(
    response: DebugProtocol.SetVariableResponse,
    args: DebugProtocol.SetVariableArguments,
  ): Promise<void> {
    const runtime = this.requireStopped(response);
    if (!runtime) return;
    const ctx = this.varContext(runtime);
    let target;
    try {
      target = this.store.patchTarget(args.variablesReference, args.name, ctx);
    } catch (e) {
      return this.fail(response, ERR.stale, (e as Error).message, false);
    }
    if (!target)
      return this.fail(
        response,
        ERR.args,
        `'${args.name}' cannot be set: patches set values of y or z (a cell of y's grid, a row [i] r4c7 of 'y (state)' or 'z (state)', or one of its channels [j]); in the Debug Console: ${PATCH_HELP}`,
      );
    if (target.prefix)
      return this.fail(
        response,
        ERR.args,
        `'${args.name}' is a puzzle-prefix position, not a grid cell: swap the puzzle-embedding row instead (puzzle_emb = blank|mean|random|puzzle:<id>|B)`,
      );
    const w = ctx.puzzle.gridWidth;
    const value = args.value.trim();
    if (target.decoded && value !== 'zero' && value !== 'B')
      return this.fail(
        response,
        ERR.args,
        `${args.name} shows the decoded answer, which is not a state: set it to zero or B (copy y there from run B), or set values of y (state) › ${args.name}`,
      );
    const lhs =
      target.tensor +
      (target.cell !== undefined ? `[${cellLabel(target.cell, w)}]` : '') +
      (target.dim !== undefined ? `[${target.dim}]` : '');
    await this.patchFromText(
      response,
      runtime,
      () => parsePatchAssignment(lhs, value, (n) => runtime.cellIndex(n)),
      (info) => ({
        value: `${value} (patched: ${info.count} patch${info.count === 1 ? '' : 'es'})`,
      }),
    );
  }

  /** setExpression (Watch view "Set Value"): `y[r4c7]` := 0, `z.r4c7` := zero, `puzzle_emb` := blank, … */
  protected override async setExpressionRequest(
    response: DebugProtocol.SetExpressionResponse,
    args: DebugProtocol.SetExpressionArguments,
  ): Promise<void> {
    const runtime = this.requireStopped(response);
    if (!runtime) return;
    await this.patchFromText(
      response,
      runtime,
      () => parsePatchAssignment(args.expression, args.value, (n) => runtime.cellIndex(n)),
      (info) => ({ value: `${args.value.trim()} (patched: ${info.count} patch${info.count === 1 ? '' : 'es'})` }),
    );
  }

  /** A patch statement typed in the Debug Console (`y[r4c7] = 0`, `skip`, `freeze z`, …). */
  private async patchStatement(
    response: DebugProtocol.EvaluateResponse,
    runtime: TrmRuntime,
    text: string,
  ): Promise<void> {
    await this.patchFromText(
      response,
      runtime,
      () => parsePatchStatement(text, (n) => runtime.cellIndex(n)),
      (info) => ({
        result:
          info.count === 0
            ? 'no patches: the run is the unpatched one again'
            : `patched (${info.count}): ${info.patches.map((p) => p.description).join('; ')}`,
        variablesReference: 0,
      }),
    );
  }

  private async patchFromText(
    response: DebugProtocol.Response,
    runtime: TrmRuntime,
    parse: () => TrmPatchArgs,
    body: (info: ReturnType<PatchController['info']>) => unknown,
  ): Promise<void> {
    let args: TrmPatchArgs;
    try {
      args = parse();
    } catch (e) {
      const m = (e as Error).message;
      return this.fail(response, ERR.args, e instanceof PatchSyntaxError ? m : `invalid patch: ${m}`);
    }
    await this.patchAndStop(response, runtime, args, body);
  }

  /** trm/patch {op, tensor, cells, value | values | source: 'B' | swap, step?, ordinal?}. */
  private async patchRequest(response: DebugProtocol.Response, raw: unknown): Promise<void> {
    const args = this.requestArgs(response, TRM_REQUESTS.patch, raw);
    if (!args) return;
    const runtime = this.requireStopped(response);
    if (!runtime) return;
    await this.patchAndStop(response, runtime, args, (info) => info);
  }

  /**
   * Resolves and applies a patch (or clears them) at the stop, answers, then stops again at the
   * cursor on the patched run (VS Code refetches every view). Nothing changes when the patch is invalid.
   */
  private async patchAndStop(
    response: DebugProtocol.Response,
    runtime: TrmRuntime,
    args: TrmPatchArgs,
    body: (info: ReturnType<PatchController['info']>) => unknown,
  ): Promise<void> {
    const patches = this.patches;
    if (!patches) return this.fail(response, ERR.notStopped, 'no puzzle is loaded: launch a trm session first');
    const at = runtime.position;
    let added: string[] = [];
    try {
      await runtime.exclusive(async () => {
        if (args.op === 'clear') return patches.clear();
        const resolved = await patches.resolve(args, at);
        patches.apply(resolved);
        added = resolved.map((p) => patches.describe(p));
      });
    } catch (e) {
      return this.fail(response, ERR.args, `${TRM_REQUEST_PATCH}: ${(e as Error).message}`);
    }
    const info = patches.info();
    response.body = body(info);
    this.resume();
    this.sendResponse(response);
    this.sendEvent(new Event(TRM_EVENT_PATCHES, info));
    // The timeline reloads the run (its states changed) and shows "patched: N" in its header.
    if (this.launchArgs) this.sendEvent(new Event(TRM_EVENT_TRACE_INFO, this.traceInfo(runtime, this.launchArgs)));
    const what = args.op === 'clear' ? 'Removed every patch' : `Patched ${added.join('; ')}`;
    this.output(what);
    try {
      // The cursor, unless the patched run now ends before it (a patch at an earlier step): then the first patch.
      const first = info.patches[0];
      const target =
        (await runtime.exclusive(() => runtime.validatePosition(at))) && first
          ? { step: first.step, ordinal: Math.max(0, first.ordinal) }
          : at;
      const stop = await runtime.seek(target);
      this.report({
        ...stop,
        reason: 'step',
        description: args.op === 'clear' ? 'Patches removed' : `Patched (${info.count})`,
        text: `${what}. ${stop.text}`,
      });
    } catch (e) {
      this.engineFailure(runtime, e);
    }
  }

  // ---- custom requests (src/protocol/debugger.ts) --------------------------------------------------

  /** The request's arguments checked against its schema (src/protocol/debugger.ts), or a failed response. */
  private requestArgs<A>(
    response: DebugProtocol.Response,
    spec: TrmRequestSpec<A, unknown>,
    args: unknown,
  ): A | undefined {
    const problem = requestArgsProblem(spec, args);
    if (problem === undefined) return args as A;
    this.fail(response, ERR.args, problem);
    return undefined;
  }

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    switch (command) {
      case TRM_REQUEST_SEEK:
        void this.seek(response, args);
        return;
      case TRM_REQUEST_STEP_SUMMARY:
        void this.stepSummary(response, args);
        return;
      case TRM_REQUEST_HEATMAP:
        void this.heatmap(response, args);
        return;
      case TRM_REQUEST_TRAJECTORY:
        void this.trajectory(response, args);
        return;
      case TRM_REQUEST_DIVERGENCE:
        void this.divergence(response, args);
        return;
      case TRM_REQUEST_PROVENANCE:
        void this.provenanceRequest(response, args);
        return;
      case TRM_REQUEST_SERIES:
        void this.seriesRequest(response, args);
        return;
      case TRM_REQUEST_BUNDLE_SAVE:
        void this.bundleSave(response, args);
        return;
      case TRM_REQUEST_CLOUD_FORK:
      case TRM_REQUEST_CLOUD_ADOPT:
        void this.cloudRequest(command, response, args);
        return;
      case TRM_REQUEST_PATCH:
        void this.patchRequest(response, args);
        return;
      case TRM_PATCH_SWEEP.request.command:
        void this.patchSweep(response, args);
        return;
      default:
        this.fail(response, ERR.unknown, `unknown request '${command}'`);
    }
  }

  private readonly sweeps = new SweepController();

  /** trm/patchSweep {step?, cancel?} (src/debug/sweepRequest.ts): zero each update x cell of a step; progress events. */
  private async patchSweep(response: DebugProtocol.Response, raw: unknown): Promise<void> {
    // No arguments at all (a client may drop an empty object) = sweep the cursor's step.
    const args = this.requestArgs(response, TRM_PATCH_SWEEP.request, raw ?? {});
    if (!args) return;
    if (args.cancel) {
      response.body = { report: null, cancelled: this.sweeps.cancel() };
      this.sendResponse(response);
      return;
    }
    const runtime = this.requireStopped(response);
    if (!runtime || !this.engine) return;
    try {
      const report = await this.sweeps.run(this.engine, runtime, args.step ?? runtime.position.step, (done, total) =>
        this.sendEvent(new Event(TRM_PATCH_SWEEP.progress.event, { done, total })),
      );
      response.body = { report, cancelled: report === null };
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, ERR.engine, `${TRM_PATCH_SWEEP.request.command}: ${(e as Error).message}`);
    }
  }

  /** trm/bundleSave {file?, notes?, breakpoints?}: the current state as a trace bundle. */
  private async bundleSave(response: DebugProtocol.Response, args: unknown): Promise<void> {
    const runtime = this.requireStopped(response);
    if (!runtime || !this.cloud || !this.engine || !this.launchArgs) return;
    const a = (typeof args === 'object' && args !== null ? args : {}) as Record<string, unknown>;
    if (a.file !== undefined && typeof a.file !== 'string')
      return this.fail(response, ERR.args, `${TRM_REQUEST_BUNDLE_SAVE}: 'file' must be a path`);
    if (a.notes !== undefined && typeof a.notes !== 'string')
      return this.fail(response, ERR.args, `${TRM_REQUEST_BUNDLE_SAVE}: 'notes' must be a string`);
    try {
      if (!this.patches) return;
      response.body = saveBundle(this.launchArgs, this.engine, runtime, this.cloud, this.patches, {
        file: a.file as string | undefined,
        notes: a.notes as string | undefined,
        breakpoints: Array.isArray(a.breakpoints)
          ? (a.breakpoints as { name: string; condition?: string }[])
          : undefined,
      });
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, ERR.engine, `${TRM_REQUEST_BUNDLE_SAVE}: ${(e as Error).message}`);
    }
  }

  /** trm/cloudFork and trm/cloudAdopt (src/debug/cloudRequests.ts). */
  private async cloudRequest(command: string, response: DebugProtocol.Response, args: unknown): Promise<void> {
    const problem = command === TRM_REQUEST_CLOUD_FORK ? cloudForkProblem(args) : cloudAdoptProblem(args);
    if (problem) {
      this.fail(response, ERR.args, `${command}: ${problem}`);
      return;
    }
    const runtime = this.requireStopped(response);
    const cloud = this.cloud;
    if (!runtime || !cloud) return;
    try {
      if (command === TRM_REQUEST_CLOUD_FORK) {
        const view = await runtime.exclusive(() => cloud.fork(args as CloudForkArgs));
        response.body = view;
        this.sendResponse(response);
        this.sendEvent(new Event(TRM_EVENT_CLOUD, view));
        return;
      }
      const adopted = await runtime.exclusive(async () => cloud.adopt(args as CloudAdoptArgs));
      response.body = { name: adopted.name };
      this.sendResponse(response);
      this.resume();
      const stop = await runtime.seek(adopted.position);
      this.report({ ...stop, text: `Adopted ${adopted.name}: ${stop.text}`, description: `Adopted ${adopted.name}` });
    } catch (e) {
      if (response.seq > 0) this.engineFailure(runtime, e);
      else this.fail(response, ERR.engine, `${command}: ${(e as Error).message}`);
    }
  }

  private async seek(response: DebugProtocol.Response, raw: unknown): Promise<void> {
    const args = this.requestArgs(response, TRM_REQUESTS.seek, raw);
    if (!args) return;
    const runtime = this.requireStopped(response);
    if (!runtime) return;
    const pos: Position = {
      step: args.step,
      ordinal: args.ordinal,
      ...(args.layer !== undefined ? { layer: args.layer } : {}),
    };
    const problem = await runtime
      .exclusive(() => runtime.validatePosition(pos))
      .catch((e: unknown) => (e as Error).message);
    if (problem) {
      this.fail(response, ERR.args, `${TRM_REQUEST_SEEK}: ${problem}`);
      return;
    }
    this.resume();
    try {
      const stop = await runtime.seek(pos);
      response.body = this.toTrmPosition(runtime, stop.position, stop.text);
      this.sendResponse(response);
      this.report(stop);
    } catch (e) {
      this.stopped = true;
      this.fail(response, ERR.engine, `${TRM_REQUEST_SEEK}: ${(e as Error).message}`);
    }
  }

  private async stepSummary(response: DebugProtocol.Response, raw: unknown): Promise<void> {
    const args = this.requestArgs(response, TRM_REQUESTS.stepSummary, raw);
    if (!args) return;
    const runtime = this.requireStopped(response);
    if (!runtime) return;
    try {
      const body = await runtime.exclusive(async (): Promise<TrmStepSummary> => {
        const problem = await runtime.validatePosition({ step: args.step, ordinal: 0 });
        if (problem) throw new ExpressionError(problem);
        const o = await runtime.stepOutputs(args.step);
        return {
          step: o.step,
          preds: Array.from(o.preds),
          confidence: Array.from(o.confidence),
          qHalt: o.qHalt,
          qContinue: o.qContinue,
          haltProbability: o.haltProbability,
          wouldHalt: o.wouldHalt,
          halted: await runtime.haltsAfter(args.step),
          changedCells: [...o.changedCells],
          nonFinite: o.nonFinite,
          ...(o.correct !== undefined ? { correct: o.correct } : {}),
          ...(o.accuracy !== undefined ? { accuracy: o.accuracy } : {}),
          ...(o.wrongCells !== undefined ? { wrongCells: [...o.wrongCells] } : {}),
          ...driftOf((await runtime.summariesUpTo(args.step))[args.step - 1]),
        };
      });
      response.body = body;
      this.sendResponse(response);
    } catch (e) {
      this.fail(
        response,
        e instanceof ExpressionError ? ERR.args : ERR.engine,
        `${TRM_REQUEST_STEP_SUMMARY}: ${(e as Error).message}`,
      );
    }
  }

  private async heatmap(response: DebugProtocol.Response, raw: unknown): Promise<void> {
    const args = this.requestArgs(response, TRM_REQUESTS.heatmap, raw);
    if (!args) return;
    const runtime = this.requireStopped(response);
    if (!runtime) return;
    const D = runtime.engine.config.hidden_size;
    if (args.view === 'channel' && args.channel === undefined) {
      this.fail(response, ERR.args, `${TRM_REQUEST_HEATMAP}: the 'channel' view needs 'channel' (0..${D - 1})`);
      return;
    }
    if (args.channel !== undefined && args.channel >= D) {
      this.fail(
        response,
        ERR.args,
        `${TRM_REQUEST_HEATMAP}: channel ${args.channel} is out of range: hidden_size D = ${D} (0..${D - 1})`,
      );
      return;
    }
    if (args.run === 'B') {
      void this.heatmapB(response, runtime, args);
      return;
    }
    if (args.view === 'zlens') {
      void this.heatmapZLens(response, runtime, args);
      return;
    }
    try {
      const body = await runtime.exclusive(async (): Promise<TrmHeatmap> => {
        const pos: Position = {
          step: args.step,
          ordinal: args.ordinal,
          ...(args.layer !== undefined ? { layer: args.layer } : {}),
        };
        const problem = await runtime.validatePosition(pos);
        if (problem) throw new ExpressionError(problem);
        const env = await runtime.envAt(pos);
        const state = args.tensor === 'y' ? env.state.y : env.state.z;
        if (args.view === 'delta') {
          const before = await this.stateBefore(runtime, pos);
          const prev = args.tensor === 'y' ? before.y : before.z;
          const d = new Float32Array(state.length);
          for (let i = 0; i < d.length; i++) d[i] = state[i] - prev[i];
          const v = stateView(d, d.length / D, D, 'norm');
          return { values: Array.from(v.values), min: v.min, max: v.max };
        }
        const v = stateView(state, state.length / D, D, args.view as 'norm' | 'channel' | 'pca', args.channel);
        return { values: Array.from(v.values), min: v.min, max: v.max };
      });
      response.body = body;
      this.sendResponse(response);
    } catch (e) {
      this.fail(
        response,
        e instanceof ExpressionError ? ERR.args : ERR.engine,
        `${TRM_REQUEST_HEATMAP}: ${(e as Error).message}`,
      );
    }
  }

  /** trm/heatmap {run: 'B'}: the comparison run's heatmap (src/debug/compareRequests.ts). */
  private async heatmapB(response: DebugProtocol.Response, runtime: TrmRuntime, args: TrmHeatmapArgs): Promise<void> {
    try {
      response.body = await runtime.exclusive(async () => {
        const problem = await runtime.validatePosition({ step: args.step, ordinal: args.ordinal });
        if (problem) throw new CompareRequestError(problem);
        return heatmapBBody(runtime.compare, args, runtime.U, runtime.engine.config.hidden_size);
      });
      this.sendResponse(response);
    } catch (e) {
      this.fail(
        response,
        e instanceof CompareRequestError ? ERR.args : ERR.engine,
        `${TRM_REQUEST_HEATMAP} (run B): ${(e as Error).message}`,
      );
    }
  }

  /** trm/heatmap {view: 'zlens'}: z decoded through the output head (src/debug/lensRequests.ts). */
  private async heatmapZLens(
    response: DebugProtocol.Response,
    runtime: TrmRuntime,
    args: TrmHeatmapArgs,
  ): Promise<void> {
    try {
      response.body = await runtime.exclusive(async () => {
        const pos: Position = {
          step: args.step,
          ordinal: args.ordinal,
          ...(args.layer !== undefined ? { layer: args.layer } : {}),
        };
        const problem = await runtime.validatePosition(pos);
        if (problem) throw new ExpressionError(problem);
        return zLensHeatmap(runtime, pos);
      });
      this.sendResponse(response);
    } catch (e) {
      this.fail(
        response,
        e instanceof ExpressionError ? ERR.args : ERR.engine,
        `${TRM_REQUEST_HEATMAP} (z-lens): ${(e as Error).message}`,
      );
    }
  }

  /** trm/series {expression, steps}: an expression over every update (src/debug/watchSeries.ts). */
  private async seriesRequest(response: DebugProtocol.Response, raw: unknown): Promise<void> {
    const args = this.requestArgs(response, TRM_REQUESTS.series, raw);
    if (!args) return;
    const runtime = this.requireStopped(response);
    if (!runtime) return;
    try {
      response.body = await runtime.exclusive(async () => {
        const problem = await runtime.validatePosition({ step: args.steps, ordinal: 0 });
        if (problem) throw new ExpressionError(problem);
        return seriesBody(runtime, args.expression, args.steps);
      });
      this.sendResponse(response);
    } catch (e) {
      this.fail(
        response,
        e instanceof ExpressionError ? ERR.evaluate : ERR.engine,
        `${TRM_REQUEST_SERIES}: ${(e as Error).message}`,
      );
    }
  }

  /** trm/provenance: per-cell provenance over the episode (src/debug/lensRequests.ts). */
  private async provenanceRequest(response: DebugProtocol.Response, raw: unknown): Promise<void> {
    if (!this.requestArgs(response, TRM_REQUESTS.provenance, raw ?? {})) return;
    const runtime = this.requireStopped(response);
    if (!runtime) return;
    try {
      response.body = await runtime.exclusive(() => provenanceBody(runtime));
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, ERR.engine, `${TRM_REQUEST_PROVENANCE}: ${(e as Error).message}`);
    }
  }

  /** trm/divergence {step}: runs A and B after each update of a step (src/debug/compareRequests.ts). */
  private async divergence(response: DebugProtocol.Response, raw: unknown): Promise<void> {
    const args = this.requestArgs(response, TRM_REQUESTS.divergence, raw);
    if (!args) return;
    const runtime = this.requireStopped(response);
    if (!runtime) return;
    try {
      response.body = await runtime.exclusive(async () => {
        const problem = await runtime.validatePosition({ step: args.step, ordinal: 0 });
        if (problem) throw new CompareRequestError(problem);
        return divergenceBody(runtime.compare, args.step, runtime.U);
      });
      this.sendResponse(response);
    } catch (e) {
      this.fail(
        response,
        e instanceof CompareRequestError ? ERR.args : ERR.engine,
        `${TRM_REQUEST_DIVERGENCE}: ${(e as Error).message}`,
      );
    }
  }

  /**
   * The state just before `pos`: the previous layer inside an update, else the previous update (the
   * previous step's end, or the initial state H_init / L_init before step 1). Call inside exclusive().
   */
  private async stateBefore(runtime: TrmRuntime, pos: Position): Promise<{ y: Float32Array; z: Float32Array }> {
    if (pos.layer !== undefined && pos.layer > 1) return (await runtime.envAt({ ...pos, layer: pos.layer - 1 })).state;
    if (pos.ordinal > 0) return (await runtime.envAt({ step: pos.step, ordinal: pos.ordinal - 1 })).state;
    if (pos.step > 1) return (await runtime.envAt({ step: pos.step - 1, ordinal: runtime.U - 1 })).state;
    return runtime.trace.initialState();
  }

  private async trajectory(response: DebugProtocol.Response, raw: unknown): Promise<void> {
    const args = this.requestArgs(response, TRM_REQUESTS.trajectory, raw);
    if (!args) return;
    const runtime = this.requireStopped(response);
    if (!runtime) return;
    try {
      const body = await runtime.exclusive(async (): Promise<TrmTrajectory> => {
        const problem = await runtime.validatePosition({ step: args.steps, ordinal: 0 });
        if (problem) throw new ExpressionError(problem);
        const D = runtime.engine.config.hidden_size;
        const keys: { step: number; ordinal: number }[] = [];
        const points: Float64Array[] = [];
        for (let s = 1; s <= args.steps; s++) {
          for (let o = 0; o < runtime.U; o++) {
            const ref = updateAt(runtime.engine.config, s, o);
            const st = o === runtime.U - 1 ? await runtime.trace.stepState(s) : await runtime.trace.stateAfter(ref);
            const t = args.tensor === 'y' ? st.y : st.z;
            points.push(meanState(t, t.length / D, D));
            keys.push({ step: s, ordinal: o });
          }
        }
        const xy = trajectoryPca(points);
        return { points: keys.map((k, i) => ({ ...k, x: xy[i].x, y: xy[i].y })) };
      });
      response.body = body;
      this.sendResponse(response);
    } catch (e) {
      this.fail(
        response,
        e instanceof ExpressionError ? ERR.args : ERR.engine,
        `${TRM_REQUEST_TRAJECTORY}: ${(e as Error).message}`,
      );
    }
  }
}

/** Step-boundary drift for the timeline's log-scale chart (non-finite values are left out). */
function driftOf(s: { dz: number; dy: number } | undefined): { dz?: number; dy?: number } {
  if (!s) return {};
  return { ...(Number.isFinite(s.dz) ? { dz: s.dz } : {}), ...(Number.isFinite(s.dy) ? { dy: s.dy } : {}) };
}
