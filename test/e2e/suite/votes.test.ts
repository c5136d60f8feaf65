// In-editor: the ARC vote explorer. With the bundled (Sudoku) model selected, TRM: Explore ARC Votes…
// says once that it needs an ARC model and offers TRM: Select Model. Then a tiny ARC-shaped model
// built here (no mixing, identity embeddings: it answers each cell with its input colour, except that
// colour 5 comes out as 6) evaluates a real ARC task (arc-agi-1 evaluation bbb1b8b6, two 4x9 test
// inputs) in the evaluation browser; the Votes button of a test input runs 16 augmentations and opens
// the explorer, whose vote grid must show, per cell, the votes this test computes on its own from the
// model's rule and each variant's colour permutation (the dihedral part cancels under the inverse).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { saveSafetensorsCheckpoint } from '../../../src/engine/checkpoint';
import { ARCH_DEFAULTS, type TrmConfig } from '../../../src/engine/config';
import { inverseColours } from '../../../src/engine/data/augment';
import { arcVariantPlan } from '../../../src/engine/eval/arcVotes';
import type { HostTensor } from '../../../src/engine/hostTensor';
import { expectedWeightShapes } from '../../../src/engine/weights';
import type { EvalView } from '../../../src/protocol/evalBrowser';
import type { VotesDiagnostics } from '../../../src/extension/votes/register';
import { sharedDir, waitUntil } from '../support/shared';
import { driverAvailable, ui } from '../support/driver';

const EXTENSION_ID = 'trm-lens.trm-lens';
const TASK = 'bbb1b8b6';
const D = 12;
/** Colour 5 (token 7) is answered as colour 6 (token 8). */
const MODEL_RULE = (c: number): number => (c === 5 ? 6 : c);

const state = (): Thenable<VotesDiagnostics> =>
  vscode.commands.executeCommand<VotesDiagnostics>('trmLens.arcVotes.state');

/** The tiny ARC model: zero blocks (no mixing), one-hot embeddings, lm_head = identity but 7 → 8. */
function writeArcModel(file: string): void {
  const config: TrmConfig = {
    ...ARCH_DEFAULTS,
    seq_len: 900,
    vocab_size: 12,
    num_puzzle_identifiers: 1,
    hidden_size: D,
    num_heads: 2,
    expansion: 1,
    puzzle_emb_ndim: 0,
    puzzle_emb_len: 0,
    L_layers: 1,
    H_cycles: 1,
    L_cycles: 1,
    halt_max_steps: 2,
    mlp_t: true,
    pos_encodings: 'none',
    forward_dtype: 'float32',
  };
  const weights = new Map<string, HostTensor>();
  for (const [k, shape] of expectedWeightShapes(config))
    weights.set(k, { dtype: 'float32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
  const emb = weights.get('embed_tokens.embedding_weight')!.data as Float32Array;
  const head = weights.get('lm_head.weight')!.data as Float32Array;
  for (let v = 0; v < 12; v++) {
    emb[v * D + v] = 1;
    head[v * D + v] = 1;
  }
  head[8 * D + 7] = 1.5; // token 8's logit on an input of token 7 beats token 7's own
  saveSafetensorsCheckpoint(file, config, weights);
}

suite('ARC vote explorer', function () {
  this.timeout(300_000);
  let tmp = '';
  let checkpoint = '';
  let taskFile = '';
  let task: { train: unknown[]; test: { input: number[][]; output: number[][] }[] };

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    await ext.activate();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-e2e-votes-'));
    checkpoint = path.join(tmp, 'arc-tiny.safetensors');
    writeArcModel(checkpoint);
    taskFile = path.join(tmp, `${TASK}.json`);
    fs.copyFileSync(path.join(sharedDir(), 'datasets/arc-agi-1/evaluation', `${TASK}.json`), taskFile);
    task = JSON.parse(fs.readFileSync(taskFile, 'utf8')) as typeof task;
  });

  suiteTeardown(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('with a Sudoku model selected it says once that it needs an ARC model and offers TRM: Select Model', async () => {
    const before = (await state()).noModelNotices;
    const view = await vscode.commands.executeCommand('trmLens.exploreArcVotes', { file: taskFile, augmentations: 8 });
    assert.equal(view, undefined);
    assert.equal((await state()).noModelNotices, before + 1);
    if (driverAvailable()) {
      const texts = await ui<string[]>({ action: 'notifications', pattern: 'needs an ARC model' });
      assert.equal(texts.filter((t) => /needs an ARC model/.test(t)).length, 1, JSON.stringify(texts));
    }
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  test('the Votes button of an ARC test input in the evaluation browser opens the vote grid of 16 augmentations', async function () {
    if (!driverAvailable()) this.skip();
    const ev = await vscode.commands.executeCommand<EvalView | undefined>('trmLens.evaluateCheckpoint', {
      checkpoint,
      data: taskFile,
      batchSize: 4,
    });
    assert.ok(ev, 'the evaluation ran');
    assert.equal(ev.puzzles.length, task.train.length + task.test.length);
    const row = ev.puzzles.find((p) => p.id === `${TASK}/test/1`);
    assert.ok(row, JSON.stringify(ev.puzzles.map((p) => p.id)));
    await ui({ action: 'webviewClick', selector: `tr[data-index="${row.index}"] .eb-votes` });
    await ui({ action: 'waitFor', selector: '.quick-input-widget', text: 'augmentations per test input' });
    await ui({ action: 'press', key: '1' });
    await ui({ action: 'press', key: '6' });
    await ui({ action: 'waitFor', selector: '.quick-input-widget .monaco-list-row', text: '8 dihedral + 8 colour' });
    await ui({ action: 'press', key: 'Enter' });
    const header = await ui<string>(
      { action: 'webviewText', selector: 'h2', waitFor: `ARC votes: ${TASK}, test input 2` },
      180_000,
    );
    assert.match(header, /test input 2 of 2/);
    const s = await waitUntil('the explorer to be drawn', async () => {
      const x = await state();
      return x.panel.ready && x.panel.sent > 0 && x.panel.view?.input === 1 ? x : undefined;
    });
    assert.deepEqual(s.panel.webviewErrors, []);

    // The votes this test expects: each variant answers MODEL_RULE in its colours, mapped back.
    const q = task.test[1].input;
    const plan = arcVariantPlan(TASK, 16, 0);
    const answers = plan.map((v) => {
      const inv = inverseColours(v.colours);
      return q.map((r) => r.map((c) => inv[MODEL_RULE(v.colours[c])]));
    });
    const winner = q.map((r) => r.map(MODEL_RULE));
    const expected = winner.map((r, y) => r.map((c, x) => answers.filter((a) => a[y][x] === c).length));
    assert.ok(
      answers.filter((a) => JSON.stringify(a) === JSON.stringify(winner)).length >= 8,
      'the 8 dihedral variants agree',
    );
    const text = await ui<string>({ action: 'webviewText', selector: '.vote-grid' });
    const shown = text.split(/\s+/).filter(Boolean).map(Number);
    assert.deepEqual(shown, expected.flat(), `vote grid ${JSON.stringify(shown)}`);
    const split = expected.flat().filter((n) => n < 16).length;
    const legend = await ui<string>({ action: 'webviewText', selector: '.vote-grid + .legend' });
    assert.match(legend, new RegExp(`^${split} split cell`));
    const passText = await ui<string>({ action: 'webviewText', selector: '.pass' });
    const truthIsWinner = JSON.stringify(winner) === JSON.stringify(task.test[1].output);
    assert.match(passText, new RegExp(`pass@1 ${truthIsWinner ? '✓' : '✗'}`));
    // The accuracy curve draws its axis labels up to the 16 augmentations.
    assert.match(await ui<string>({ action: 'webviewText', selector: '.curve-card' }), /pass@1 .* pass@2/);
    const view = s.panel.view!;
    assert.equal(view.report.byAugmentations.length, 16);
    assert.equal(view.variants.length, 16);
    assert.equal(
      view.variants.filter((v) => !v.agrees).length,
      answers.filter((a) => JSON.stringify(a) !== JSON.stringify(winner)).length,
    );
    const keep = process.env.TRM_SCREENSHOTS_DIR;
    const shot = await ui<string>({ action: 'screenshot', name: 'votes' });
    if (keep) {
      fs.mkdirSync(keep, { recursive: true });
      fs.copyFileSync(shot, path.join(keep, 'votes.png'));
    }
    // The other test input, from the page's navigation.
    await ui({ action: 'webviewClick', selector: 'button[data-input="0"]' });
    await ui({ action: 'webviewText', selector: 'h2', waitFor: 'test input 1 of 2' });
  });
});
