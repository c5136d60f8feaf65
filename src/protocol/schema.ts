// A small schema builder: every protocol payload is declared once as a schema value, and both its
// TypeScript type (`Infer<typeof schema>`) and its runtime validator (the schema itself, a function
// that returns the first problem with its path, e.g. "heatmap.values: expected Float32Array") come
// from that one declaration — the way microsoft/vscode-hexeditor declares shared/protocol.ts, with
// validation added because webview and debug-adapter messages cross process and realm boundaries.
// No DOM and no `vscode` imports: bundled into the webviews, the extension and the debug adapter.

/** A check returns the first problem found (with its path) or undefined when the value is valid. */
export type Check = (v: unknown, path: string) => string | undefined;

/** A check that also carries the type it admits (phantom: nothing extra exists at run time). */
export interface Schema<T> extends Check {
  readonly __type?: () => T;
}
/** A field that may be absent (`{ k?: T }` in the inferred object type). */
export interface OptionalSchema<T> extends Schema<T | undefined> {
  readonly optional: true;
}
/** The TypeScript type a schema admits. */
export type Infer<S> = S extends Schema<infer T> ? T : never;

type Fields = Record<string, Schema<unknown>>;
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends { readonly optional: true } ? K : never }[keyof F];
type Flatten<T> = { [K in keyof T]: T[K] };
export type ObjectOf<F extends Fields> = Flatten<
  { [K in Exclude<keyof F, OptionalKeys<F>>]: Infer<F[K]> } & {
    [K in OptionalKeys<F>]?: Exclude<Infer<F[K]>, undefined>;
  }
>;

/** A short description of a value for error messages (never the whole value). */
export const show = (v: unknown): string => {
  if (v === undefined) return 'undefined (missing)';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  const tag = Object.prototype.toString.call(v).slice(8, -1);
  return tag === 'Object' ? 'an object' : tag === 'Array' ? 'an array' : `a ${tag}`;
};
export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const schema = <T>(c: Check): Schema<T> => c as Schema<T>;

export const checks = {
  int(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): Schema<number> {
    return schema((v, p) =>
      Number.isInteger(v) && (v as number) >= min && (v as number) <= max
        ? undefined
        : `${p}: expected an integer in [${min}, ${max}], got ${show(v)}`,
    );
  },
  /** Any number, NaN and ±Infinity included (a diverging state is data, not a protocol error). */
  num(): Schema<number> {
    return schema((v, p) => (typeof v === 'number' ? undefined : `${p}: expected a number, got ${show(v)}`));
  },
  /** A number, or null: JSON's spelling of NaN/±Infinity (the debug adapter's wire). */
  numOrNull(): Schema<number | null> {
    return schema((v, p) =>
      typeof v === 'number' || v === null
        ? undefined
        : `${p}: expected a number, got ${JSON.stringify(v) ?? 'nothing'}`,
    );
  },
  finite(min = -Infinity, max = Infinity): Schema<number> {
    return schema((v, p) =>
      typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max
        ? undefined
        : `${p}: expected a finite number in [${min}, ${max}], got ${show(v)}`,
    );
  },
  str(maxLen = 100_000): Schema<string> {
    return schema((v, p) =>
      typeof v === 'string' && v.length <= maxLen
        ? undefined
        : `${p}: expected a string (≤ ${maxLen} chars), got ${show(v)}`,
    );
  },
  bool(): Schema<boolean> {
    return schema((v, p) => (typeof v === 'boolean' ? undefined : `${p}: expected a boolean, got ${show(v)}`));
  },
  literal<T extends string | number>(...values: T[]): Schema<T> {
    return schema((v, p) =>
      values.includes(v as T)
        ? undefined
        : `${p}: expected one of ${values.map((x) => JSON.stringify(x)).join(', ')}, got ${show(v)}`,
    );
  },
  /** Tag test instead of instanceof: messages cross realms (iframes, extension host). */
  typed<K extends 'Float32Array' | 'Int32Array'>(
    kind: K,
    maxLen = 1 << 24,
  ): Schema<K extends 'Float32Array' ? Float32Array : Int32Array> {
    return schema((v, p) => {
      if (Object.prototype.toString.call(v) !== `[object ${kind}]`) return `${p}: expected ${kind}, got ${show(v)}`;
      return (v as ArrayLike<number>).length <= maxLen ? undefined : `${p}: ${kind} longer than ${maxLen}`;
    });
  },
  /**
   * A JSON number array (the debug adapter's wire for typed arrays): integers, or floats where null
   * stands for NaN/±Infinity (JSON cannot carry those).
   */
  numbers<K extends 'int' | 'float'>(
    kind: K,
    maxLen = 1 << 24,
  ): Schema<K extends 'int' ? number[] : (number | null)[]> {
    return schema((v, p) => {
      if (!Array.isArray(v)) return `${p}: expected an array of numbers, got ${v === undefined ? 'nothing' : typeof v}`;
      if (v.length > maxLen) return `${p}: ${v.length} entries, at most ${maxLen}`;
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (kind === 'int' ? !Number.isInteger(x) : !(typeof x === 'number' || x === null)) {
          return `${p}[${i}]: expected ${kind === 'int' ? 'an integer' : 'a number'}, got ${JSON.stringify(x) ?? String(x)}`;
        }
      }
      return undefined;
    });
  },
  array<T>(item: Schema<T>, maxLen = 1 << 20): Schema<T[]> {
    return schema((v, p) => {
      if (!Array.isArray(v)) return `${p}: expected an array, got ${show(v)}`;
      if (v.length > maxLen) return `${p}: ${v.length} entries, at most ${maxLen}`;
      for (let i = 0; i < v.length; i++) {
        const problem = item(v[i], `${p}[${i}]`);
        if (problem) return problem;
      }
      return undefined;
    });
  },
  optional<T>(c: Schema<T>): OptionalSchema<T> {
    const o = ((v: unknown, p: string) => (v === undefined ? undefined : c(v, p))) as Check;
    return Object.assign(o, { optional: true as const }) as OptionalSchema<T>;
  },
  nullable<T>(c: Schema<T>): Schema<T | null> {
    return schema((v, p) => (v === null ? undefined : c(v, p)));
  },
  /**
   * Exactly these keys (optional ones may be absent); unknown keys are an error so typos surface,
   * unless `allowExtra` (payloads from another component that may grow new fields).
   */
  object<F extends Fields>(
    fields: F,
    refine?: (o: Record<string, unknown>, p: string) => string | undefined,
    allowExtra = false,
  ): Schema<ObjectOf<F>> & { readonly fields: F } {
    const c: Check = (v, p) => {
      if (!isRecord(v)) return `${p}: expected an object, got ${show(v)}`;
      if (!allowExtra) for (const k of Object.keys(v)) if (!(k in fields)) return `${p}.${k}: unknown field`;
      for (const [k, check] of Object.entries(fields)) {
        const problem = check(v[k], `${p}.${k}`);
        if (problem) return problem;
      }
      return refine ? refine(v, p) : undefined;
    };
    return Object.assign(c, { fields }) as Schema<ObjectOf<F>> & { readonly fields: F };
  },
};

/** A type guard derived from a schema. */
export const guard =
  <T>(s: Schema<T>) =>
  (v: unknown): v is T =>
    s(v, 'value') === undefined;

/** First problem of a message checked against the schema of its `type`, or undefined when it is valid. */
export function validateBy(schemas: Record<string, Check>, direction: string, v: unknown): string | undefined {
  if (!isRecord(v)) return `${direction} message: expected an object, got ${show(v)}`;
  const type = v.type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(schemas, type)) {
    return `${direction} message: unknown type ${show(type)} (expected one of ${Object.keys(schemas).join(', ')})`;
  }
  return schemas[type](v, type);
}

/** The union of the message types of a `{ type: schema }` table. */
export type MessageOf<M extends Record<string, Schema<unknown>>> = { [K in keyof M]: Infer<M[K]> }[keyof M];

/** Length of an array-like field of a validated object (for refinements). */
export const lengthOf = (o: Record<string, unknown>, k: string): number => (o[k] as ArrayLike<number>).length;
