// The declarative contributions of dataset authoring: every jsonValidation schema and the grid
// grammar exist and parse, schema $refs resolve, the schemas describe real dataset files (checked
// with a small structural walk of the shared ARC task), and the grammar's cell patterns colour
// exactly the single digits of a grid row.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = process.cwd();
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

function refs(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => refs(x, out));
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') out.push(x);
      else refs(x, out);
    }
  return out;
}

test('jsonValidation schemas exist, parse, and every $ref resolves', () => {
  const entries = pkg.contributes.jsonValidation as { fileMatch: string[]; url: string }[];
  assert.deepEqual(entries.map((e) => path.basename(e.url)).sort(), [
    'arc-challenges.schema.json',
    'arc-solutions.schema.json',
    'arc-task.schema.json',
    'trm-puzzles.schema.json',
  ]);
  for (const e of entries) {
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, e.url), 'utf8'));
    for (const r of refs(schema)) {
      const m = /^#\/definitions\/(\w+)$/.exec(r);
      assert.ok(m && schema.definitions?.[m[1]], `${e.url}: unresolved $ref ${r}`);
    }
  }
  const arc = JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas/arc-task.schema.json'), 'utf8'));
  assert.deepEqual(arc.definitions.color.enum, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.match(arc.definitions.color.errorMessage, /integers 0-9/);
  const list = JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas/trm-puzzles.schema.json'), 'utf8'));
  const sudokuString = new RegExp(list.allOf[0].then.properties.puzzles.items.properties.question.oneOf[0].pattern);
  assert.ok(sudokuString.test('003020600900305001001806400008102900700000008006708200002609500800203009005010300'));
  assert.ok(
    sudokuString.test('..3.2.6..|9..3.5..1|..18.64..|..81.29..|7.......8|..67.82..|..26.95..|8..2.3..9|..5.1.3..'),
  );
  assert.ok(!sudokuString.test('12345'));
});

test('grid grammar: injected into JSON, colours single digits only', () => {
  const g = pkg.contributes.grammars.find((x: { scopeName: string }) => x.scopeName === 'trm.arc-grid.injection');
  assert.deepEqual(g.injectTo, ['source.json', 'source.json.comments']);
  const grammar = JSON.parse(fs.readFileSync(path.join(ROOT, g.path), 'utf8'));
  assert.match(
    grammar.injectionSelector,
    /^L:source\.json meta\.structure\.array\.json meta\.structure\.array\.json - string/,
  );
  const rules = pkg.contributes.configurationDefaults['editor.tokenColorCustomizations'].textMateRules as {
    scope: string;
  }[];
  const row = '[0, 1, 12, 9,3, 1.5, -2, 7]';
  const hits: string[] = [];
  grammar.patterns.forEach((p: { match: string; name: string }, digit: number) => {
    assert.ok(
      rules.some((r) => r.scope === p.name),
      `no colour for ${p.name}`,
    );
    for (const m of row.matchAll(new RegExp(p.match, 'g'))) hits.push(`${digit}@${m.index}`);
  });
  assert.deepEqual(hits.sort(), ['0@1', '1@4', '3@13', '7@25', '9@11']);
});
