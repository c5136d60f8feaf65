// Watch expressions over recursion time: the expressions VS Code's Watch view evaluates at a stop
// (evaluate requests with context 'watch' — the extension API gives no access to the Watch list, the
// adapter sees it) and trm/series, which evaluates one expression of the trace expression language
// (conditions.ts, traceExpressions.ts) after every update of steps 1..steps, for the timeline's
// sparklines. Numbers are drawn as they are, booleans as 0/1; a grid must be indexed by a cell.
import { ExpressionError, checkTypes, evaluate, isGrid, parseExpression } from './conditions';
import { prepare } from './traceExpressions';
import type { TrmRuntime } from './runtime';
import type { TrmSeries } from '../protocol/debugger';

/** The Watch view's expressions, as the adapter sees them evaluated. */
export class WatchTracker {
  private current = new Set<string>();
  list: string[] = [];

  /** A watch evaluation at this stop; true when the list grew (announce it). */
  seen(expression: string): boolean {
    this.current.add(expression);
    if (this.list.includes(expression)) return false;
    this.list = [...this.list, expression];
    return true;
  }

  /**
   * A new stop: the list becomes what the Watch view evaluated at the previous stop (an expression
   * removed from the Watch view is not evaluated again); true when it changed.
   */
  stopped(): boolean {
    const next = this.list.filter((e) => this.current.has(e));
    this.current = new Set();
    if (next.length === this.list.length) return false;
    this.list = next;
    return true;
  }
}

/** trm/series {expression, steps}: the expression after every update of steps 1..steps (call inside exclusive). */
export async function seriesBody(runtime: TrmRuntime, expression: string, steps: number): Promise<TrmSeries> {
  let expr;
  let type;
  try {
    expr = parseExpression(expression);
    type = checkTypes(expr, runtime.typeScope());
  } catch (e) {
    // The column where the expression goes wrong, when the parser knows it and has not said it.
    if (e instanceof ExpressionError && e.column !== undefined && !/column \d/.test(e.message))
      throw new ExpressionError(`${e.message} (at column ${e.column} of '${expression}')`, e.column);
    throw e;
  }
  if (type === 'grid')
    throw new ExpressionError(
      `'${expression}' is a grid (one value per cell): index a cell to draw it over time, e.g. conf(y)[r4c7]`,
    );
  const values: (number | null)[] = [];
  for (let step = 1; step <= steps; step++)
    for (let ordinal = 0; ordinal < runtime.U; ordinal++) {
      const pos = { step, ordinal };
      const v = evaluate(expr, await prepare(expr, runtime.typeScope(), await runtime.valuesAt(pos)));
      const x = typeof v === 'boolean' ? (v ? 1 : 0) : isGrid(v) ? NaN : v;
      values.push(Number.isFinite(x) ? x : null);
    }
  return { expression, type, steps, values };
}
