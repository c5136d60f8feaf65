// A tiny, safe expression language for breakpoint conditions, watches, hovers and the REPL.
// Parsed by hand (no eval / Function): numbers, true/false, identifiers bound by the caller,
// + - * /, comparisons, && || !, parentheses. Values are numbers or booleans; mixing them is an
// error with a precise message, so a typo in a condition never silently means "never stop".

export type Value = number | boolean;

export type Expr =
  | { kind: 'num'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'var'; name: string; at: number }
  | { kind: 'not'; arg: Expr; at: number }
  | { kind: 'neg'; arg: Expr; at: number }
  | { kind: 'bin'; op: BinOp; left: Expr; right: Expr; at: number };

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

const OPERATORS = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '!', '(', ')', '+', '-', '*', '/'];

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
    return parsePrimary();
  };
  const parsePrimary = (): Expr => {
    const t = peek();
    if (t.type === 'num') {
      p++;
      return { kind: 'num', value: Number(t.text) };
    }
    if (t.type === 'id') {
      p++;
      if (t.text === 'true' || t.text === 'false') return { kind: 'bool', value: t.text === 'true' };
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
    default:
      break;
  }
  return out;
}

/** Looks a name up; return undefined for "unknown name" (the evaluator reports it). */
export type Resolver = (name: string) => Value | undefined;

function typeName(v: Value): string {
  return typeof v === 'boolean' ? 'true/false' : 'number';
}

export function evaluate(e: Expr, resolve: Resolver): Value {
  switch (e.kind) {
    case 'num':
    case 'bool':
      return e.value;
    case 'var': {
      const v = resolve(e.name);
      if (v === undefined) throw new ExpressionError(`unknown name '${e.name}' at column ${e.at + 1}`, e.at + 1);
      return v;
    }
    case 'not': {
      const v = evaluate(e.arg, resolve);
      if (typeof v !== 'boolean')
        throw new ExpressionError(`'!' at column ${e.at + 1} needs a true/false value, got a number`, e.at + 1);
      return !v;
    }
    case 'neg': {
      const v = evaluate(e.arg, resolve);
      if (typeof v !== 'number')
        throw new ExpressionError(`'-' at column ${e.at + 1} needs a number, got true/false`, e.at + 1);
      return -v;
    }
    case 'bin': {
      if (e.op === '&&' || e.op === '||') {
        const l = evaluate(e.left, resolve);
        if (typeof l !== 'boolean')
          throw new ExpressionError(
            `'${e.op}' at column ${e.at + 1} needs true/false on its left, got a number`,
            e.at + 1,
          );
        if (e.op === '&&' ? !l : l) return l;
        const r = evaluate(e.right, resolve);
        if (typeof r !== 'boolean')
          throw new ExpressionError(
            `'${e.op}' at column ${e.at + 1} needs true/false on its right, got a number`,
            e.at + 1,
          );
        return r;
      }
      const l = evaluate(e.left, resolve);
      const r = evaluate(e.right, resolve);
      if (e.op === '==' || e.op === '!=') {
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
  test(resolve: Resolver): boolean {
    const v = evaluate(this.expr, resolve);
    if (typeof v !== 'boolean')
      throw new ExpressionError(
        `condition '${this.source}' gives a number (${v}), not true/false: compare it, e.g. '${this.source} > 0'`,
      );
    return v;
  }
}
