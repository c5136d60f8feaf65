// Shape checks for whatever arrives over DAP, before a handler sees it: a message must be a request
// object, and each standard request must carry the arguments the protocol marks as required (with
// the types our handlers rely on). A client that sends `scopes` without arguments gets an error
// response naming the missing field, instead of a TypeError that ends the adapter.

type Check = ((args: Record<string, unknown>) => string | undefined) & { required?: boolean };

const isInt = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function need(field: string, kind: 'integer' | 'string' | 'object' | 'array'): Check {
  return required((a) => {
    const v = a[field];
    const ok =
      kind === 'integer'
        ? isInt(v)
        : kind === 'string'
          ? typeof v === 'string'
          : kind === 'object'
            ? isObj(v)
            : Array.isArray(v);
    return ok
      ? undefined
      : `'${field}' (${kind === 'integer' ? 'an integer' : `a${kind === 'array' || kind === 'object' ? 'n' : ''} ${kind}`}) is required`;
  });
}

function required(check: Check): Check {
  check.required = true;
  return check;
}

function optional(field: string, kind: 'integer' | 'string' | 'object' | 'array' | 'boolean'): Check {
  return (a) => {
    const v = a[field];
    if (v === undefined || v === null) return undefined;
    const ok =
      kind === 'integer'
        ? isInt(v)
        : kind === 'string'
          ? typeof v === 'string'
          : kind === 'boolean'
            ? typeof v === 'boolean'
            : kind === 'object'
              ? isObj(v)
              : Array.isArray(v);
    return ok
      ? undefined
      : `'${field}' must be ${kind === 'integer' ? 'an integer' : `a${kind === 'array' || kind === 'object' ? 'n' : ''} ${kind}`}`;
  };
}

/** Every element of the array `field` is an object (breakpoint lists). */
function objects(field: string): Check {
  return (a) => {
    const v = a[field];
    if (!Array.isArray(v)) return undefined;
    return v.every(isObj) ? undefined : `every element of '${field}' must be an object`;
  };
}

const thread = [need('threadId', 'integer')];

/** Required (and relied-upon optional) arguments of the standard requests, after the DAP specification. */
const CHECKS: Record<string, Check[]> = {
  initialize: [
    need('adapterID', 'string'),
    optional('linesStartAt1', 'boolean'),
    optional('columnsStartAt1', 'boolean'),
    optional('pathFormat', 'string'),
  ],
  launch: [],
  attach: [],
  disconnect: [],
  terminate: [],
  restart: [],
  configurationDone: [],
  continue: thread,
  next: thread,
  stepIn: thread,
  stepOut: thread,
  stepBack: thread,
  reverseContinue: thread,
  pause: thread,
  stackTrace: [...thread, optional('startFrame', 'integer'), optional('levels', 'integer')],
  scopes: [need('frameId', 'integer')],
  variables: [
    need('variablesReference', 'integer'),
    optional('start', 'integer'),
    optional('count', 'integer'),
    optional('filter', 'string'),
  ],
  source: [
    required((a) =>
      isInt(a.sourceReference) || (isObj(a.source) && isInt(a.source.sourceReference))
        ? undefined
        : "'sourceReference' (an integer) is required",
    ),
  ],
  evaluate: [need('expression', 'string'), optional('frameId', 'integer'), optional('context', 'string')],
  setBreakpoints: [
    need('source', 'object'),
    optional('breakpoints', 'array'),
    objects('breakpoints'),
    optional('lines', 'array'),
  ],
  setFunctionBreakpoints: [need('breakpoints', 'array'), objects('breakpoints')],
  setExceptionBreakpoints: [need('filters', 'array'), optional('filterOptions', 'array'), objects('filterOptions')],
  dataBreakpointInfo: [need('name', 'string'), optional('variablesReference', 'integer')],
  setDataBreakpoints: [need('breakpoints', 'array'), objects('breakpoints')],
  exceptionInfo: thread,
  setVariable: [need('variablesReference', 'integer'), need('name', 'string'), need('value', 'string')],
  setExpression: [need('expression', 'string'), need('value', 'string')],
  restartFrame: [need('frameId', 'integer')],
  goto: [...thread, need('targetId', 'integer')],
  stepInTargets: [need('frameId', 'integer')],
  gotoTargets: [need('source', 'object'), need('line', 'integer')],
  completions: [need('text', 'string'), need('column', 'integer')],
  breakpointLocations: [need('source', 'object'), need('line', 'integer')],
  readMemory: [need('memoryReference', 'string'), need('count', 'integer')],
  writeMemory: [need('memoryReference', 'string'), need('data', 'string')],
  disassemble: [need('memoryReference', 'string'), need('instructionCount', 'integer')],
  setInstructionBreakpoints: [need('breakpoints', 'array'), objects('breakpoints')],
};

/** Why a standard request's arguments are unusable, or undefined. Custom (trm/*) requests check their own. */
export function argumentProblem(command: string, args: unknown): string | undefined {
  const checks = CHECKS[command] ?? [];
  if (args === undefined || args === null) {
    // launch / attach take an object whose fields the session validates; the others name their first required field.
    if (command === 'launch' || command === 'attach') return `'${command}' needs its arguments (an object)`;
    for (const check of checks.filter((c) => c.required)) {
      const problem = check({});
      if (problem) return `${command}: ${problem}`;
    }
    return undefined;
  }
  if (!isObj(args)) {
    if (!CHECKS[command]) return undefined; // custom requests validate their own arguments
    return `the arguments of '${command}' must be an object (got ${Array.isArray(args) ? 'an array' : typeof args})`;
  }
  for (const check of checks) {
    const problem = check(args);
    if (problem) return `${command}: ${problem}`;
  }
  return undefined;
}

/** A well-formed request header: the fields needed to answer it at all. */
export interface RequestHeader {
  seq: number;
  command: string;
}

/**
 * Sorts an incoming message: a usable request or response, a request-like object whose header is
 * broken (answered with an error when its seq is known), or not a message at all.
 */
export function classifyMessage(
  msg: unknown,
):
  | { kind: 'ok' }
  | { kind: 'bad-request'; header?: RequestHeader; problem: string }
  | { kind: 'junk'; problem: string } {
  if (!isObj(msg))
    return {
      kind: 'junk',
      problem: `a DAP message must be a JSON object, got ${msg === null ? 'null' : Array.isArray(msg) ? 'an array' : typeof msg}`,
    };
  if (msg.type === 'response' || msg.type === 'event')
    return isInt(msg.seq) ? { kind: 'ok' } : { kind: 'junk', problem: `a ${msg.type} without an integer 'seq'` };
  const seqOk = isInt(msg.seq) && (msg.seq as number) >= 0;
  const header = seqOk
    ? { seq: msg.seq as number, command: typeof msg.command === 'string' ? msg.command : 'unknown' }
    : undefined;
  if (msg.type !== 'request')
    return header
      ? { kind: 'bad-request', header, problem: `'type' must be 'request' (got ${JSON.stringify(msg.type)})` }
      : { kind: 'junk', problem: `a message of type ${JSON.stringify(msg.type)}` };
  if (!seqOk) return { kind: 'junk', problem: "a request without a non-negative integer 'seq'" };
  if (typeof msg.command !== 'string' || msg.command === '')
    return { kind: 'bad-request', header, problem: "a request without a 'command'" };
  return { kind: 'ok' };
}
