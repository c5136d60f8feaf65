// A tiny, safe, typed expression language over the trace, for breakpoint conditions, watches,
// hovers, the REPL and `trm eval --where`. Parsed by hand (no eval / Function): numbers,
// true/false, identifiers bound by the caller, + - * /, comparisons, && || !, parentheses, calls
// like drift(z) or first_correct(r4c7) and per-cell indexing like conf(y)[r4c7]. Values are numbers,
// booleans or per-cell grids; the caller declares the types of its names and functions, and
// checkTypes() rejects a mismatch before anything runs, with the column, so a typo in a condition
// never silently means "never stop".

/** Per-cell values of the answer grid (conf(y), entropy(z), …): index with [r4c7] or reduce with mean(…). */
export interface Grid {
  kind: 'grid';
  data: ArrayLike<number>;
}
export type Value = number | boolean | Grid;
export type ValueType = 'number' | 'boolean' | 'grid';

export type Expr =
  | { kind: 'num'; value: number; at?: number }
  | { kind: 'bool'; value: boolean; at?: number }
  | { kind: 'var'; name: string; at: number }
  | { kind: 'not'; arg: Expr; at: number }
  | { kind: 'neg'; arg: Expr; at: number }
  | { kind: 'bin'; op: BinOp; left: Expr; right: Expr; at: number }
  | { kind: 'call'; name: string; args: Expr[]; at: number }
  | { kind: 'index'; target: Expr; cell: string; at: number };

type BinOp = '&&' | '||' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/';

export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly column?: number,
  ) {
    super(message);
  }
}

interface Token {
  type: 'num' | 'id' | 'op' | 'end';
  text: string;
  at: number;
}

const OPERATORS = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '!', '(', ')', '[', ']', ',', '+', '-', '*', '/'];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const num = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i));
    if (num) {
      out.push({ type: 'num', text: num[0], at: i });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) {
      out.push({ type: 'id', text: id[0], at: i });
      i += id[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op) {
      out.push({ type: 'op', text: op, at: i });
      i += op.length;
      continue;
    }
    if (ch === '=') throw new ExpressionError(`unexpected '=' at column ${i + 1}: use '==' to compare`, i + 1);
    if (ch === '&' || ch === '|')
      throw new ExpressionError(`unexpected '${ch}' at column ${i + 1}: use '${ch}${ch}'`, i + 1);
    throw new ExpressionError(`unexpected character ${JSON.stringify(ch)} at column ${i + 1}`, i + 1);
  }
  out.push({ type: 'end', text: '', at: src.length });
  return out;
}

/** Precedence climbing: || < && < comparisons < + - < * / < unary. */
const LEVELS: BinOp[][] = [['||'], ['&&'], ['==', '!=', '<', '<=', '>', '>='], ['+', '-'], ['*', '/']];

/** Parses an expression; throws ExpressionError with the column of the problem. */
export function parseExpression(src: string): Expr {
  if (src.trim() === '') throw new ExpressionError('empty expression');
  const toks = tokenize(src);
  let p = 0;
  const peek = (): Token => toks[p];
  const describe = (t: Token): string =>
    t.type === 'end' ? 'the end of the expression' : `'${t.text}' at column ${t.at + 1}`;

  const parseLevel = (level: number): Expr => {
    if (level === LEVELS.length) return parseUnary();
    let left = parseLevel(level + 1);
    for (;;) {
      const t = peek();
      if (t.type !== 'op' || !LEVELS[level].includes(t.text as BinOp)) return left;
      p++;
      const right = parseLevel(level + 1);
      // Chained comparisons (1 < q_halt < 2) read naturally but mean something else: reject them.
      if (level === 2 && left.kind === 'bin' && LEVELS[2].includes(left.op)) {
        throw new ExpressionError(
          `chained comparison at column ${t.at + 1}: combine comparisons with && instead`,
          t.at + 1,
        );
      }
      left = { kind: 'bin', op: t.text as BinOp, left, right, at: t.at };
    }
  };
  const parseUnary = (): Expr => {
    const t = peek();
    if (t.type === 'op' && t.text === '!') {
      p++;
      return { kind: 'not', arg: parseUnary(), at: t.at };
    }
    if (t.type === 'op' && t.text === '-') {
      p++;
      return { kind: 'neg', arg: parseUnary(), at: t.at };
    }
    return parsePostfix(parsePrimary());
  };
  const expectOp = (text: string): Token => {
    const t = peek();
    if (t.type !== 'op' || t.text !== text)
      throw new ExpressionError(`expected '${text}' but found ${describe(t)}`, t.at + 1);
    p++;
    return t;
  };
  /** e[r4c7]: one cell of a per-cell grid. */
  const parsePostfix = (e: Expr): Expr => {
    for (;;) {
      const t = peek();
      if (t.type !== 'op' || t.text !== '[') return e;
      p++;
      const cell = peek();
      if (cell.type !== 'id')
        throw new ExpressionError(`expected a cell name like r4c7 inside '[' but found ${describe(cell)}`, cell.at + 1);
      p++;
      expectOp(']');
      e = { kind: 'index', target: e, cell: cell.text, at: cell.at };
    }
  };
  const parsePrimary = (): Expr => {
    const t = peek();
    if (t.type === 'num') {
      p++;
      return { kind: 'num', value: Number(t.text), at: t.at };
    }
    if (t.type === 'id') {
      p++;
      if (t.text === 'true' || t.text === 'false') return { kind: 'bool', value: t.text === 'true', at: t.at };
      const open = peek();
      if (open.type === 'op' && open.text === '(') {
        p++;
        const args: Expr[] = [];
        if (!(peek().type === 'op' && peek().text === ')')) {
          args.push(parseLevel(0));
          while (peek().type === 'op' && peek().text === ',') {
            p++;
            args.push(parseLevel(0));
          }
        }
        expectOp(')');
        return { kind: 'call', name: t.text, args, at: t.at };
      }
      return { kind: 'var', name: t.text, at: t.at };
    }
    if (t.type === 'op' && t.text === '(') {
      p++;
      const e = parseLevel(0);
      const close = peek();
      if (close.type !== 'op' || close.text !== ')')
        throw new ExpressionError(`expected ')' but found ${describe(close)}`, close.at + 1);
      p++;
      return e;
    }
    throw new ExpressionError(`expected a number, a name or '(' but found ${describe(t)}`, t.at + 1);
  };

  const e = parseLevel(0);
  const rest = peek();
  if (rest.type !== 'end') throw new ExpressionError(`unexpected ${describe(rest)}`, rest.at + 1);
  return e;
}

/** Every identifier the expression reads, in order of first use. */
export function variablesOf(e: Expr, out: string[] = []): string[] {
  switch (e.kind) {
    case 'var':
      if (!out.includes(e.name)) out.push(e.name);
      break;
    case 'not':
    case 'neg':
      variablesOf(e.arg, out);
      break;
    case 'bin':
      variablesOf(e.left, out);
      variablesOf(e.right, out);
      break;
    case 'index':
      variablesOf(e.target, out);
      break;
    case 'call':
      // Arguments name things (y, z, a cell), not values: not variables of the expression.
      for (const a of e.args) if (a.kind !== 'var') variablesOf(a, out);
      break;
    default:
      break;
  }
  return out;
}

/** Every call in the expression (outermost first). */
export function callsOf(e: Expr, out: Extract<Expr, { kind: 'call' }>[] = []): Extract<Expr, { kind: 'call' }>[] {
  switch (e.kind) {
    case 'call':
      out.push(e);
      for (const a of e.args) callsOf(a, out);
      break;
    case 'not':
    case 'neg':
      callsOf(e.arg, out);
      break;
    case 'bin':
      callsOf(e.left, out);
      callsOf(e.right, out);
      break;
    case 'index':
      callsOf(e.target, out);
      break;
    default:
      break;
  }
  return out;
}

/** An argument a function takes: a state name (y or z), a cell name (r4c7), a run (A or B), or a value. */
export type ArgKind = 'state' | 'cell' | 'run' | ValueType;

export interface FunctionSignature {
  args: readonly ArgKind[];
  result: ValueType;
  /** When set, any call is rejected with this message (e.g. a function this session cannot offer). */
  unavailable?: string;
}

/** What the caller offers: the types of its names, its functions and which names are cells. */
export interface TypeScope {
  nameType(name: string): ValueType | undefined;
  fn(name: string): FunctionSignature | undefined;
  isCell(name: string): boolean;
  /** Listed in "unknown name" messages. */
  knownNames?: string;
}

const gridHint = (src: string): string =>
  `${src} is a per-cell grid: pick a cell like ${src}[r4c7] or reduce it with mean(…), min(…) or max(…)`;

/** Source text of a (sub)expression, for messages. */
export function showExpr(e: Expr): string {
  switch (e.kind) {
    case 'num':
    case 'bool':
      return String(e.value);
    case 'var':
      return e.name;
    case 'not':
      return `!${showExpr(e.arg)}`;
    case 'neg':
      return `-${showExpr(e.arg)}`;
    case 'bin':
      return `${showExpr(e.left)} ${e.op} ${showExpr(e.right)}`;
    case 'call':
      return `${e.name}(${e.args.map(showExpr).join(', ')})`;
    case 'index':
      return `${showExpr(e.target)}[${e.cell}]`;
  }
}

/** Static type of an expression; throws ExpressionError (with the column) on any mismatch. */
export function checkTypes(e: Expr, scope: TypeScope): ValueType {
  const col = (at: number): number => at + 1;
  const need = (x: Expr, want: ValueType, what: string, at: number): void => {
    const got = checkTypes(x, scope);
    if (got === want) return;
    if (got === 'grid') throw new ExpressionError(`${what} at column ${col(at)}: ${gridHint(showExpr(x))}`, col(at));
    throw new ExpressionError(
      `${what} at column ${col(at)} needs ${want === 'boolean' ? 'true/false' : `a ${want}`}, got ${got === 'boolean' ? 'true/false' : `a ${got}`}`,
      col(at),
    );
  };
  switch (e.kind) {
    case 'num':
      return 'number';
    case 'bool':
      return 'boolean';
    case 'var': {
      const t = scope.nameType(e.name);
      if (t === undefined)
        throw new ExpressionError(
          `unknown name '${e.name}' at column ${col(e.at)}${scope.knownNames ? `; known names: ${scope.knownNames}` : ''}`,
          col(e.at),
        );
      return t;
    }
    case 'not':
      need(e.arg, 'boolean', "'!'", e.at);
      return 'boolean';
    case 'neg':
      need(e.arg, 'number', "'-'", e.at);
      return 'number';
    case 'bin': {
      if (e.op === '&&' || e.op === '||') {
        need(e.left, 'boolean', `'${e.op}'`, e.at);
        need(e.right, 'boolean', `'${e.op}'`, e.at);
        return 'boolean';
      }
      if (e.op === '==' || e.op === '!=') {
        const l = checkTypes(e.left, scope);
        const r = checkTypes(e.right, scope);
        if (l === 'grid' || r === 'grid')
          throw new ExpressionError(
            `'${e.op}' at column ${col(e.at)}: ${gridHint(showExpr(l === 'grid' ? e.left : e.right))}`,
            col(e.at),
          );
        if (l !== r)
          throw new ExpressionError(
            `'${e.op}' at column ${col(e.at)} compares a ${l === 'boolean' ? 'true/false' : l} with a ${r === 'boolean' ? 'true/false' : r}`,
            col(e.at),
          );
        return 'boolean';
      }
      need(e.left, 'number', `'${e.op}'`, e.at);
      need(e.right, 'number', `'${e.op}'`, e.at);
      return ['+', '-', '*', '/'].includes(e.op) ? 'number' : 'boolean';
    }
    case 'index': {
      const t = checkTypes(e.target, scope);
      if (t !== 'grid')
        throw new ExpressionError(
          `'[${e.cell}]' at column ${col(e.at)} indexes a per-cell grid such as conf(y), but ${showExpr(e.target)} is a ${t === 'boolean' ? 'true/false' : t}`,
          col(e.at),
        );
      if (!scope.isCell(e.cell))
        throw new ExpressionError(
          `'${e.cell}' at column ${col(e.at)} is not a cell of this puzzle's grid (cells look like r4c7)`,
          col(e.at),
        );
      return 'number';
    }
    case 'call': {
      const sig = scope.fn(e.name);
      if (!sig) throw new ExpressionError(`unknown function '${e.name}' at column ${col(e.at)}`, col(e.at));
      if (sig.unavailable) throw new ExpressionError(`${sig.unavailable} (column ${col(e.at)})`, col(e.at));
      if (e.args.length !== sig.args.length)
        throw new ExpressionError(
          `${e.name}(…) at column ${col(e.at)} takes ${sig.args.length} argument${sig.args.length === 1 ? '' : 's'}${sig.args.length ? ` (${sig.args.join(', ')})` : ''}, got ${e.args.length}`,
          col(e.at),
        );
      sig.args.forEach((kind, i) => {
        const a = e.args[i];
        const at = a.at ?? e.at;
        if (kind === 'state') {
          if (a.kind !== 'var' || (a.name !== 'y' && a.name !== 'z'))
            throw new ExpressionError(`${e.name}(…) at column ${col(at)} takes y or z, got '${showExpr(a)}'`, col(at));
        } else if (kind === 'run') {
          if (a.kind !== 'var' || (a.name !== 'A' && a.name !== 'B'))
            throw new ExpressionError(
              `${e.name}(…) at column ${col(at)} takes the run A or B, got '${showExpr(a)}'`,
              col(at),
            );
        } else if (kind === 'cell') {
          if (a.kind !== 'var' || !scope.isCell(a.name))
            throw new ExpressionError(
              `${e.name}(…) at column ${col(at)} takes a cell of the grid like r4c7, got '${showExpr(a)}'`,
              col(at),
            );
        } else need(a, kind, `${e.name}(…)`, at);
      });
      return sig.result;
    }
  }
}

/** Looks a name up; return undefined for "unknown name" (the evaluator reports it). */
export type Resolver = (name: string) => Value | undefined;

/** Names, calls and cells for the evaluator (a bare Resolver offers names only). */
export interface EvalEnv {
  name: Resolver;
  /** Value of a call (its arguments are names: y, z, r4c7); throws ExpressionError when it cannot. */
  call?: (e: Extract<Expr, { kind: 'call' }>) => Value;
  /** Cell index of a name like r4c7. */
  cell?(name: string): number | undefined;
}

function typeName(v: Value): string {
  return typeof v === 'boolean' ? 'true/false' : typeof v === 'number' ? 'number' : 'per-cell grid';
}

export function isGrid(v: Value): v is Grid {
  return typeof v === 'object';
}

export function evaluate(e: Expr, env: Resolver | EvalEnv): Value {
  const resolve = typeof env === 'function' ? env : env.name;
  const ev = (x: Expr): Value => evaluate(x, env);
  switch (e.kind) {
    case 'call': {
      const call = typeof env === 'function' ? undefined : env.call;
      if (!call) throw new ExpressionError(`function '${e.name}' is not available here (column ${e.at + 1})`, e.at + 1);
      return call(e);
    }
    case 'index': {
      const g = ev(e.target);
      if (!isGrid(g))
        throw new ExpressionError(
          `'[${e.cell}]' at column ${e.at + 1} indexes a per-cell grid, got a ${typeName(g)}`,
          e.at + 1,
        );
      const i = typeof env === 'function' ? undefined : env.cell?.(e.cell);
      if (i === undefined || i < 0 || i >= g.data.length)
        throw new ExpressionError(`'${e.cell}' at column ${e.at + 1} is not a cell of this puzzle's grid`, e.at + 1);
      return g.data[i];
    }
    case 'num':
    case 'bool':
      return e.value;
    case 'var': {
      const v = resolve(e.name);
      if (v === undefined) throw new ExpressionError(`unknown name '${e.name}' at column ${e.at + 1}`, e.at + 1);
      return v;
    }
    case 'not': {
      const v = ev(e.arg);
      if (typeof v !== 'boolean')
        throw new ExpressionError(`'!' at column ${e.at + 1} needs a true/false value, got a number`, e.at + 1);
      return !v;
    }
    case 'neg': {
      const v = ev(e.arg);
      if (typeof v !== 'number')
        throw new ExpressionError(`'-' at column ${e.at + 1} needs a number, got true/false`, e.at + 1);
      return -v;
    }
    case 'bin': {
      if (e.op === '&&' || e.op === '||') {
        const l = ev(e.left);
        if (typeof l !== 'boolean')
          throw new ExpressionError(
            `'${e.op}' at column ${e.at + 1} needs true/false on its left, got a number`,
            e.at + 1,
          );
        if (e.op === '&&' ? !l : l) return l;
        const r = ev(e.right);
        if (typeof r !== 'boolean')
          throw new ExpressionError(
            `'${e.op}' at column ${e.at + 1} needs true/false on its right, got a number`,
            e.at + 1,
          );
        return r;
      }
      const l = ev(e.left);
      const r = ev(e.right);
      if (e.op === '==' || e.op === '!=') {
        if (isGrid(l) || isGrid(r))
          throw new ExpressionError(`'${e.op}' at column ${e.at + 1} cannot compare a per-cell grid`, e.at + 1);
        if (typeof l !== typeof r)
          throw new ExpressionError(
            `'${e.op}' at column ${e.at + 1} compares a ${typeName(l)} with a ${typeName(r)}`,
            e.at + 1,
          );
        return e.op === '==' ? l === r : l !== r;
      }
      if (typeof l !== 'number' || typeof r !== 'number') {
        throw new ExpressionError(`'${e.op}' at column ${e.at + 1} needs numbers on both sides`, e.at + 1);
      }
      switch (e.op) {
        case '<':
          return l < r;
        case '<=':
          return l <= r;
        case '>':
          return l > r;
        case '>=':
          return l >= r;
        case '+':
          return l + r;
        case '-':
          return l - r;
        case '*':
          return l * r;
        case '/':
          return l / r;
      }
    }
  }
}

/** A parsed condition that must yield true/false. */
export class Condition {
  readonly expr: Expr;
  readonly names: string[];
  constructor(readonly source: string) {
    this.expr = parseExpression(source);
    this.names = variablesOf(this.expr);
  }
  test(resolve: Resolver | EvalEnv): boolean {
    const v = evaluate(this.expr, resolve);
    if (typeof v !== 'boolean')
      throw new ExpressionError(
        `condition '${this.source}' gives ${isGrid(v) ? 'a per-cell grid' : `a number (${v})`}, not true/false: compare it, e.g. '${this.source} > 0'`,
      );
    return v;
  }
}
