// The message protocol between the evaluation browser webview (webview/evalBrowser/**) and its host
// (src/extension/evalBrowser/**). The host sends the whole view of one evaluation (puzzle rows with
// their per-step correctness and q_halt, the summary, every halting policy's score); the page asks
// to open a puzzle in the debugger or the timeline at a step, or to export. Both sides validate every
// message. Self-contained (no imports): bundled into both sides, no DOM and no `vscode`.

export const EVAL_PROTOCOL_VERSION = 1;
export const EVAL_VIEW_TYPE = 'trmLens.evalBrowser';
export const NO_EVAL_NOTICE = 'No evaluation yet — run "TRM: Evaluate Checkpoint on Dataset…"';
export const MAX_EVAL_PUZZLES = 200_000;

export type EvalTheme = 'light' | 'dark' | 'highContrast' | 'highContrastLight';

export interface EvalPuzzleRow {
  index: number;
  id: string;
  name: string | null;
  exact: boolean;
  cellAccuracy: number;
  haltStep: number;
  firstCorrectStep: number;
  decisiveStep: number;
  /** sigmoid(q_halt) at the halting step. */
  haltProbability: number;
  settling: string;
  failureModes: string[];
  /** Per step: '1' right, '0' wrong (length N_sup). */
  correctSteps: string;
  qHalt: number[];
}

export interface EvalPolicyView {
  id: string;
  label: string;
  family: string;
  param: number | null;
  accuracy: number;
  meanSteps: number;
  /** Per puzzle row (same order as `puzzles`): '1' right under the policy. */
  correct: string;
}

export interface EvalView {
  evalId: number;
  checkpoint: string;
  data: string;
  backend: string;
  haltMaxSteps: number;
  seconds: number;
  resumed: number;
  computed: number;
  metrics: Record<string, number>;
  failureModes: string[];
  failureCounts: Record<string, number>;
  byHaltStep: { step: number; count: number; exact: number; correctAtHalt: number }[];
  confusion: { haltAndCorrect: number; haltAndWrong: number; continueAndCorrect: number; continueAndWrong: number };
  settling: Record<string, number>;
  puzzles: EvalPuzzleRow[];
  policies: EvalPolicyView[];
}

export type HostToEvalMessage =
  | { type: 'init'; protocolVersion: number; theme: EvalTheme; view: EvalView | null; notice: string }
  | { type: 'view'; view: EvalView }
  | { type: 'theme'; theme: EvalTheme };

export type EvalToHostMessage =
  | { type: 'ready'; protocolVersion: number }
  | { type: 'webviewError'; message: string }
  | { type: 'open'; evalId: number; index: number; step: number; where: 'debugger' | 'timeline' | 'votes' }
  | { type: 'export'; evalId: number; format: 'json' | 'csv' };

type Check = (v: unknown, at: string) => string | undefined;
const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v.slice(0, 60)) : String(v));
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const int: Check = (v, at) => (Number.isInteger(v) ? undefined : `${at}: expected an integer, got ${show(v)}`);
const num: Check = (v, at) => (typeof v === 'number' ? undefined : `${at}: expected a number, got ${show(v)}`);
const str: Check = (v, at) =>
  typeof v === 'string' && v.length <= 100_000 ? undefined : `${at}: expected a string, got ${show(v)}`;
const bool: Check = (v, at) => (typeof v === 'boolean' ? undefined : `${at}: expected a boolean, got ${show(v)}`);
const nullable =
  (c: Check): Check =>
  (v, at) =>
    v === null ? undefined : c(v, at);
const lit =
  (...xs: string[]): Check =>
  (v, at) =>
    xs.includes(v as string) ? undefined : `${at}: expected one of ${xs.join(', ')}, got ${show(v)}`;
const bits: Check = (v, at) =>
  typeof v === 'string' && /^[01]*$/.test(v) ? undefined : `${at}: expected a string of 0/1, got ${show(v)}`;
const arr =
  (c: Check, max = MAX_EVAL_PUZZLES): Check =>
  (v, at) => {
    if (!Array.isArray(v) || v.length > max) return `${at}: expected an array (≤ ${max}), got ${show(v)}`;
    for (let i = 0; i < v.length; i++) {
      const p = c(v[i], `${at}[${i}]`);
      if (p) return p;
    }
    return undefined;
  };
const dict =
  (c: Check): Check =>
  (v, at) => {
    if (!isObj(v)) return `${at}: expected an object, got ${show(v)}`;
    for (const [k, x] of Object.entries(v)) {
      const p = c(x, `${at}.${k}`);
      if (p) return p;
    }
    return undefined;
  };
const obj =
  (shape: Record<string, Check>): Check =>
  (v, at) => {
    if (!isObj(v)) return `${at}: expected an object, got ${show(v)}`;
    for (const [k, c] of Object.entries(shape)) {
      const p = c(v[k], `${at}.${k}`);
      if (p) return p;
    }
    return undefined;
  };

const theme = lit('light', 'dark', 'highContrast', 'highContrastLight');
const row = obj({
  index: int,
  id: str,
  name: nullable(str),
  exact: bool,
  cellAccuracy: num,
  haltStep: int,
  firstCorrectStep: int,
  decisiveStep: int,
  haltProbability: num,
  settling: str,
  failureModes: arr(str, 16),
  correctSteps: bits,
  qHalt: arr(num, 1024),
});
const policy = obj({
  id: str,
  label: str,
  family: str,
  param: nullable(num),
  accuracy: num,
  meanSteps: num,
  correct: bits,
});
const view = obj({
  evalId: int,
  checkpoint: str,
  data: str,
  backend: str,
  haltMaxSteps: int,
  seconds: num,
  resumed: int,
  computed: int,
  metrics: dict(num),
  failureModes: arr(str, 16),
  failureCounts: dict(int),
  byHaltStep: arr(obj({ step: int, count: int, exact: int, correctAtHalt: int }), 1024),
  confusion: obj({ haltAndCorrect: int, haltAndWrong: int, continueAndCorrect: int, continueAndWrong: int }),
  settling: dict(int),
  puzzles: arr(row),
  policies: arr(policy, 1000),
});

const hostSchemas: Record<string, Check> = {
  init: obj({ type: lit('init'), protocolVersion: int, theme, view: nullable(view), notice: str }),
  view: obj({ type: lit('view'), view }),
  theme: obj({ type: lit('theme'), theme }),
};
const pageSchemas: Record<string, Check> = {
  ready: obj({ type: lit('ready'), protocolVersion: int }),
  webviewError: obj({ type: lit('webviewError'), message: str }),
  open: obj({ type: lit('open'), evalId: int, index: int, step: int, where: lit('debugger', 'timeline', 'votes') }),
  export: obj({ type: lit('export'), evalId: int, format: lit('json', 'csv') }),
};

function validate(schemas: Record<string, Check>, dir: string, v: unknown): string | undefined {
  if (!isObj(v)) return `${dir} message: expected an object, got ${show(v)}`;
  const t = v.type;
  if (typeof t !== 'string' || !Object.prototype.hasOwnProperty.call(schemas, t))
    return `${dir} message: unknown type ${show(t)} (expected one of ${Object.keys(schemas).join(', ')})`;
  return schemas[t](v, t);
}

/** First problem of a host→page message, or undefined when valid. */
export function validateHostToEval(v: unknown): string | undefined {
  return validate(hostSchemas, 'host→evalBrowser', v);
}
/** First problem of a page→host message, or undefined when valid. */
export function validateEvalToHost(v: unknown): string | undefined {
  return validate(pageSchemas, 'evalBrowser→host', v);
}
