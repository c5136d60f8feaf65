// A JSON syntax tree with the text offset of every value, from VS Code's own tolerant parser
// (jsonc-parser), plus the few lookups the dataset locator needs. The ESM build is imported on
// purpose: the package's UMD entry loads its parts with run-time `require` calls that a bundler
// cannot follow, so the bundled extension would fail to load it.

import { type Node, type ParseError, parseTree, printParseErrorCode } from 'jsonc-parser/lib/esm/main';

export type JsonNode = Node;

/** A half-open range of the document text: [offset, offset + length). */
export interface TextSpan {
  offset: number;
  length: number;
}

export interface JsonSyntaxError extends TextSpan {
  message: string;
}

export type ParsedJson = { ok: true; root: JsonNode } | { ok: false; errors: JsonSyntaxError[] };

/**
 * Parses strict JSON (no comments, no trailing commas, as ARC files are read by every tool).
 * Any syntax error makes the whole parse "not ok": mid-edit text is never interpreted.
 */
export function parseJson(text: string): ParsedJson {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length || !root) {
    return {
      ok: false,
      errors: errors.map((e) => ({ offset: e.offset, length: e.length, message: printParseErrorCode(e.error) })),
    };
  }
  return { ok: true, root };
}

/** The value node of `key` in an object node (the last one if the key repeats, as JSON.parse does). */
export function property(node: JsonNode | undefined, key: string): JsonNode | undefined {
  if (!node || node.type !== 'object' || !node.children) return undefined;
  let found: JsonNode | undefined;
  for (const p of node.children) {
    const [k, v] = p.children ?? [];
    if (k && k.value === key && v) found = v;
  }
  return found;
}

/** [key, value node] pairs of an object node, in text order. */
export function entries(node: JsonNode | undefined): [string, JsonNode][] {
  if (!node || node.type !== 'object' || !node.children) return [];
  const out: [string, JsonNode][] = [];
  for (const p of node.children) {
    const [k, v] = p.children ?? [];
    if (k && typeof k.value === 'string' && v) out.push([k.value, v]);
  }
  return out;
}

/** The property node (key + colon + value) that holds `value`, if its parent is a property. */
export function propertyOf(value: JsonNode): JsonNode | undefined {
  return value.parent?.type === 'property' ? value.parent : undefined;
}

export function span(node: JsonNode): TextSpan {
  return { offset: node.offset, length: node.length };
}

/** One character of a JSON string's decoded value and the raw text it came from (escapes included). */
export interface StringChar extends TextSpan {
  ch: string;
}

/**
 * Maps each character of a string node's value to its source text. Escapes (`\n`, `\u0041`) are one
 * character spanning several source characters, so cell ranges stay exact even with escapes.
 */
export function stringChars(text: string, node: JsonNode): StringChar[] {
  const out: StringChar[] = [];
  const end = node.offset + node.length - 1; // the closing quote
  let i = node.offset + 1;
  while (i < end) {
    if (text[i] === '\\') {
      const len = text[i + 1] === 'u' ? 6 : 2;
      out.push({ offset: i, length: len, ch: JSON.parse(`"${text.slice(i, i + len)}"`) as string });
      i += len;
    } else {
      out.push({ offset: i, length: 1, ch: text[i] });
      i += 1;
    }
  }
  return out;
}
