// Line and CSV helpers for the raw readers: LF or CRLF endings, 1-based line numbers for messages,
// and a small RFC 4180 field splitter that never trims (maze cells are spaces).

import { type ParseError, parseTree, printParseErrorCode } from 'jsonc-parser/lib/esm/main';

export interface TextLine {
  /** 1-based line number in the file. */
  line: number;
  /** The line without its line ending (a trailing "\r" of CRLF files is removed, nothing else). */
  text: string;
}

export function splitLines(text: string): TextLine[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // UTF-8 byte-order mark
  const parts = body.split('\n');
  if (parts.length && parts[parts.length - 1] === '') parts.pop();
  return parts.map((t, i) => ({ line: i + 1, text: t.endsWith('\r') ? t.slice(0, -1) : t }));
}

export class RawFormatError extends Error {}

/** Splits one CSV record (no embedded newlines). Quoted fields may contain commas and doubled quotes. */
export function splitCsvRecord(s: string, where: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (s[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        if (i >= s.length) throw new RawFormatError(`${where}: unterminated quoted field`);
        if (s[i] === '"') {
          if (s[i + 1] === '"') {
            v += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += s[i++];
      }
      out.push(v);
      if (i === s.length) return out;
      if (s[i] !== ',')
        throw new RawFormatError(
          `${where}: unexpected character ${JSON.stringify(s[i])} after a quoted field (column ${i + 1})`,
        );
      i++;
    } else {
      const j = s.indexOf(',', i);
      if (j < 0) {
        out.push(s.slice(i));
        return out;
      }
      out.push(s.slice(i, j));
      i = j + 1;
    }
  }
}

/**
 * A JSON.parse failure as "what (line L, column C)". V8 gives a position for most errors; for the
 * rest ("Unexpected token ..., <the whole text> is not valid JSON") the position comes from a
 * second, tolerant parse, and the echoed text is dropped (it can be megabytes).
 */
export function jsonErrorMessage(text: string, e: Error): string {
  const at = (pos: number): string => {
    const before = text.slice(0, pos);
    return `line ${before.split('\n').length}, column ${pos - before.lastIndexOf('\n')}`;
  };
  const m = /position (\d+)/.exec(e.message);
  if (m) return /line \d+/.test(e.message) ? e.message : `${e.message} (${at(Number(m[1]))})`;
  const errors: ParseError[] = [];
  parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const short = e.message
    .split('\n')[0]
    .replace(/, ".*$/, '')
    .slice(0, 120);
  if (!errors.length) return short;
  return `${short}: ${printParseErrorCode(errors[0].error)} (${at(errors[0].offset)})`;
}

/**
 * Keys of the top-level JSON object in document order. JSON.parse moves integer-like keys (ARC task
 * ids such as "13713586") to the front, while Python's json keeps file order, which the official
 * builder's shuffle depends on. Assumes `text` is valid JSON (parse it first).
 */
export function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) {
        keys.push(JSON.parse(text.slice(i, j + 1)) as string);
        expectKey = false;
      }
      i = j;
    } else if (ch === '{' || ch === '[') {
      depth++;
      if (depth === 1) expectKey = ch === '{';
    } else if (ch === '}' || ch === ']') {
      depth--;
    } else if (ch === ',' && depth === 1) {
      expectKey = true;
    }
  }
  return keys;
}
