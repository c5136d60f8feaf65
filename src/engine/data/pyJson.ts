// JSON text formatted like Python's `json.dump` defaults (", " and ": " separators, ASCII escapes,
// floats with a decimal point), so files we write look byte-for-byte like the official builders'.

/** Marks a number that Python holds as a float (written as `1.0`, not `1`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

export type PyJsonValue = null | boolean | number | string | PyFloat | PyJsonValue[] | { [key: string]: PyJsonValue };

export function pyJsonStringify(v: PyJsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot write ${v} as JSON`);
    return String(v);
  }
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  if (typeof v === 'string') return pyString(v);
  if (Array.isArray(v)) return `[${v.map(pyJsonStringify).join(', ')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${pyString(k)}: ${pyJsonStringify(x)}`)
    .join(', ')}}`;
}

function pyFloatRepr(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`cannot write ${x} as JSON`);
  // Python repr: shortest round-trip digits (as JS), exponent form below 1e-4 or from 1e16 on, with
  // at least two exponent digits ("1e-05", "1e+16"); integral floats keep ".0".
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-4 || a >= 1e16)) {
    const [m, e] = x.toExponential().split('e');
    const sign = e.startsWith('-') ? '-' : '+';
    return `${m}e${sign}${e.replace(/^[+-]/, '').padStart(2, '0')}`;
  }
  const s = String(x);
  return s.includes('.') ? s : `${s}.0`;
}

function pyString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i];
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}
