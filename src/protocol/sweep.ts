// A patch sweep's result as it travels: the debug adapter's `trm/patchSweep` response body, the
// `trm sweep --out` JSON file, and the "Patch Sweep" page's messages (webview/sweep <-> its host in
// src/extension/sweep). Declared once as schemas (schema.ts); types are inferred from them and both
// sides validate every message. No DOM, no `vscode`.

import { checks as c, validateBy, type Infer, type MessageOf } from './schema';

export const SWEEP_PROTOCOL_VERSION = 1;
export const SWEEP_VIEW_TYPE = 'trmLens.patchSweep';
/** The CLI's --out file format (bumped when a field changes meaning). */
export const SWEEP_FILE_FORMAT = 'trm-patch-sweep/1';

const MAX_ROWS = 4096;
const MAX_CELLS = 1 << 16;

/** One sweep: rows = patched updates of one step, columns = patched cells, values row-major. */
export const sweepReportSchema = c.object(
  {
    format: c.literal(SWEEP_FILE_FORMAT),
    checkpoint: c.str(4096),
    /** The puzzle in words ("sudoku/sample.csv · puzzle 1 (line 2)"). */
    puzzle: c.str(4096),
    step: c.int(1, 1 << 16),
    kind: c.literal('zero', 'copy'),
    /** For 'copy': the source checkpoint. */
    source: c.nullable(c.str(4096)),
    backend: c.str(1000),
    /** Ordinals (0-based) inside the step and their labels ("cycle 2 › z 3", "cycle 2 › y"). */
    updates: c.numbers('int', MAX_ROWS),
    updateLabels: c.array(c.str(100), MAX_ROWS),
    cells: c.numbers('int', MAX_CELLS),
    cellLabels: c.array(c.str(100), MAX_CELLS),
    /** Side of the square grid (9 for Sudoku), 0 when not square. */
    gridSide: c.int(0, 1 << 12),
    /** Labelled cells: accuracy is the fraction of these right. */
    labelled: c.int(0, MAX_CELLS),
    baseline: c.finite(0, 1),
    /** [updates x cells] accuracy after the step with that update patched at that cell. */
    accuracy: c.numbers('float', MAX_ROWS * MAX_CELLS),
    /** accuracy − baseline: > 0 recovered, < 0 lost. */
    delta: c.numbers('float', MAX_ROWS * MAX_CELLS),
    seconds: c.finite(0),
  },
  (o, p) => {
    const rows = (o.updates as number[]).length,
      cols = (o.cells as number[]).length;
    if ((o.updateLabels as string[]).length !== rows) return `${p}.updateLabels: ${rows} entries expected`;
    if ((o.cellLabels as string[]).length !== cols) return `${p}.cellLabels: ${cols} entries expected`;
    for (const k of ['accuracy', 'delta'])
      if ((o[k] as number[]).length !== rows * cols)
        return `${p}.${k}: ${rows} x ${cols} = ${rows * cols} entries expected`;
    return undefined;
  },
);
export type SweepReport = Infer<typeof sweepReportSchema>;

/** Checks a report (a DAP response body, a JSON file): the first problem, or undefined. */
export const sweepReportProblem = (v: unknown, where = 'sweep'): string | undefined => sweepReportSchema(v, where);

// ---------------------------------------------------------------- the Patch Sweep page

export type SweepTheme = 'light' | 'dark' | 'highContrast' | 'highContrastLight';
const themeCheck = c.literal<SweepTheme>('light', 'dark', 'highContrast', 'highContrastLight');

const hostSchemas = {
  init: c.object({
    type: c.literal('init'),
    protocolVersion: c.int(1),
    theme: themeCheck,
    report: sweepReportSchema,
    /** Whether a debug session can seek (clicking a cell moves the debugger to that update). */
    canSeek: c.bool(),
  }),
  theme: c.object({ type: c.literal('theme'), theme: themeCheck }),
  /** The result of a seek the page asked for (shown in its status line). */
  seekResult: c.object({ type: c.literal('seekResult'), text: c.str(2000), ok: c.bool() }),
};

const webviewSchemas = {
  ready: c.object({ type: c.literal('ready'), protocolVersion: c.int(1) }),
  /** Move the debugger to step › ordinal (the clicked row). */
  seek: c.object({ type: c.literal('seek'), step: c.int(1, 1 << 16), ordinal: c.int(0, MAX_ROWS) }),
  /** What the page shows, for tests and the log: rendered summary numbers. */
  rendered: c.object({
    type: c.literal('rendered'),
    rows: c.int(0),
    cols: c.int(0),
    minDelta: c.finite(-1, 1),
    maxDelta: c.finite(-1, 1),
  }),
  webviewError: c.object({ type: c.literal('webviewError'), message: c.str(10_000) }),
};

export type HostToSweepMessage = MessageOf<typeof hostSchemas>;
export type SweepToHostMessage = MessageOf<typeof webviewSchemas>;

export const validateHostToSweep = (v: unknown): string | undefined => validateBy(hostSchemas, 'host → sweep', v);
export const validateSweepToHost = (v: unknown): string | undefined => validateBy(webviewSchemas, 'sweep → host', v);

/** The engine's result (engine/intervene/sweepStep.ts StepSweep, structurally) as a report. */
export function toSweepReport(
  r: {
    step: number;
    kind: 'zero' | 'copy';
    updates: number[];
    rowLabels: string[];
    cells: number[];
    cellLabels: string[];
    gridSide: number;
    labelled: number;
    baseline: number;
    accuracy: ArrayLike<number>;
    delta: ArrayLike<number>;
    ms: number;
  },
  meta: { checkpoint: string; puzzle: string; source: string | null; backend: string },
): SweepReport {
  return {
    format: SWEEP_FILE_FORMAT,
    checkpoint: meta.checkpoint,
    puzzle: meta.puzzle,
    step: r.step,
    kind: r.kind,
    source: meta.source,
    backend: meta.backend,
    updates: [...r.updates],
    updateLabels: [...r.rowLabels],
    cells: [...r.cells],
    cellLabels: [...r.cellLabels],
    gridSide: r.gridSide,
    labelled: r.labelled,
    baseline: r.baseline,
    accuracy: Array.from(r.accuracy),
    delta: Array.from(r.delta),
    seconds: r.ms / 1000,
  };
}
