// In-editor: dataset authoring with inline predictions. A Sudoku puzzle list and an ARC task (copied
// from the shared datasets into the test workspace) get CodeLens and after-line verdicts from the
// small Sudoku fixture model (copied into a temp dir and selected through trmLens.model); copying a
// prediction in makes the puzzle "✓ solved"; a wrong label cell gets a diagnostic (numbered from 1)
// on exactly that character; a valid answer is never offered to be overwritten, while an answer that
// breaks the Sudoku rules gets a quick fix with the bundled model's valid solution (undo restores it);
// an ARC task the Sudoku model cannot run says so once; invalid JSON mid-edit only waits.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AuthoringState } from '../../../src/extension/authoring/register';
import { sharedDir, waitUntil } from '../support/shared';
import { driverAvailable, ui } from '../support/driver';

const EXTENSION_ID = 'trm-lens.trm-lens';
// A puzzle for which the lightly trained fixture model predicts a digit in every cell (most get some blanks).
const Q1 = '98.76.5..7....4.3...2......6...4..9.2...97.6....6..2..3..4...2...6..93......3...1';
const Q2 = '200080300060070084030500209000105408000000000402706000301007040720040060004010003';
const SOL2 = '245981376169273584837564219976125438513498627482736951391657842728349165654812793';

const state = (): Thenable<AuthoringState> => vscode.commands.executeCommand<AuthoringState>('trmLens.authoring.state');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const until = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 180_000): Promise<T> =>
  waitUntil(what, probe, { timeoutMs, intervalMs: 200, describe: async () => ({ authoringState: await state() }) });

function workspaceDir(): string {
  const f = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  assert.ok(f, 'the e2e run opens a workspace folder');
  return f;
}

const docState = async (doc: vscode.TextDocument) =>
  (await state()).documents.find((d) => d.uri === doc.uri.toString());
const trmDiagnostics = (doc: vscode.TextDocument) =>
  vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'TRM');

suite('dataset authoring with inline predictions', () => {
  let modelDir: string;

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    await ext.activate();
    modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-e2e-model-'));
    // A trained model (the bundled small one): its predictions are complete digit grids and settle, so
    // they do not depend on the CPU's rounding (the lightly trained fixture's recursion is chaotic, and
    // it predicts blank cells).
    const small = path.join(ext.extensionPath, 'media/models/sudoku-small');
    for (const f of ['model.safetensors', 'config.json']) fs.copyFileSync(path.join(small, f), path.join(modelDir, f));
  });

  /** Back to the default model: TRM: Select Model writes the workspace settings, tests may write the user's. */
  const resetModel = async (): Promise<void> => {
    const cfg = vscode.workspace.getConfiguration('trmLens');
    await cfg.update('model', undefined, vscode.ConfigurationTarget.Workspace);
    await cfg.update('model', undefined, vscode.ConfigurationTarget.Global);
  };

  suiteTeardown(async () => {
    await resetModel();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('no model: the status bar and the verdicts say so plainly', async () => {
    await vscode.workspace
      .getConfiguration('trmLens')
      .update('model', path.join(modelDir, 'missing.safetensors'), vscode.ConfigurationTarget.Global);
    const file = path.join(workspaceDir(), 'none.puzzles.json');
    fs.writeFileSync(file, `{"kind": "sudoku", "puzzles": [\n  {"id": "a", "question": "${Q1}"}\n]}\n`);
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const st = await until('the no-model state', async () => {
      const s = await state();
      return s.model.state === 'none' && s.statusBar.includes('no model selected') ? s : undefined;
    });
    assert.match(
      (st.model as { reason: string }).reason,
      /missing\.safetensors\) does not exist; run "TRM: Select Model"/,
    );
    const d = await until('the no-model decoration', async () =>
      (await docState(doc))?.decorations.find((x) => x.text === 'TRM: no model selected'),
    );
    assert.equal(d.line, 1);
  });

  test('Sudoku list: CodeLens, verdicts, copy prediction, wrong cell diagnostic, quick fix + undo, invalid JSON waits', async () => {
    await vscode.commands.executeCommand('trmLens.selectModel', path.join(modelDir, 'model.safetensors'));
    const file = path.join(workspaceDir(), 'authoring.puzzles.json');
    fs.writeFileSync(
      file,
      `{"kind": "sudoku", "puzzles": [\n  {"id": "p1", "question": "${Q1}"},\n  {"id": "p2", "question": "${Q2}", "answer": "${SOL2}"}\n]}\n`,
    );
    const doc = await vscode.workspace.openTextDocument(file);
    const editor = await vscode.window.showTextDocument(doc);
    await until('the model to load', async () => ((await state()).model.state === 'ready' ? true : undefined));
    assert.match(
      (await state()).statusBar,
      // The prediction worker computes on the native path shipped in the .vsix.
      /TRM: trm-e2e-model-\w+ · onnxruntime \(CPU\)/,
    );

    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
    const titles = lenses.map((l) => `${l.range.start.line}:${l.command?.title}`);
    for (const line of [1, 2])
      for (const t of ['$(play) Predict', '$(debug-alt) Debug this puzzle'])
        assert.ok(titles.includes(`${line}:${t}`), `lens ${line}:${t} in ${titles.join(', ')}`);

    // Both puzzles get a verdict: p1 has no answer, p2's answer is a real solution the small model gets (partly) wrong.
    const judged = await until('verdicts for both puzzles', async () => {
      const s = await docState(doc);
      return s && s.puzzles.every((p) => p.status !== 'pending' && p.status !== 'idle') ? s : undefined;
    });
    const [p1, p2] = judged.puzzles;
    assert.equal(p1.status, 'unlabelled', JSON.stringify(p1));
    assert.match(
      p1.text,
      /^◇ predicted 9×9 \(no expected output\) · (halts at \d+|no halt in \d+ steps) \(q=\d\.\d\d\)$/,
    );
    assert.ok(
      judged.decorations.some((d) => d.line === 1 && d.text === p1.text),
      JSON.stringify(judged.decorations),
    );
    assert.ok(['correct', 'wrong'].includes(p2.status), JSON.stringify(p2));
    // A hover on one cell of p2's answer tells that cell's story over the supervision steps.
    const cellAt = doc.getText().indexOf(SOL2) + 40; // r5c5
    const storyHover = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      doc.uri,
      doc.positionAt(cellAt),
    );
    const storyMd = storyHover
      .flatMap((h) => h.contents)
      .map((c) => (typeof c === 'string' ? c : c.value))
      .join('\n')
      .replace(/\\(.)/g, '$1');
    assert.match(
      storyMd,
      /r5c5: (\d \(step \d+\)( → )?)+(; right from step \d+ on|; wrong at the last step \(expected 9\))(; last flip at step \d+)?/,
      storyMd,
    );
    const again = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
    // p1 has no answer yet: filling it in from the prediction makes sense.
    assert.ok(
      again.some((l) => l.range.start.line === 1 && l.command?.title === 'Fill in output from prediction'),
      `lenses: ${again.map((l) => `${l.range.start.line}:${l.command?.title}`).join(', ')}`,
    );
    if (p2.status === 'wrong') {
      assert.match(p2.text, /^✗ \d+ cells? wrong/);
      // p2's answer is a valid solution: the model is the one that is wrong, so nothing offers to
      // overwrite the answer, neither a CodeLens nor a quick fix on its diagnostics.
      assert.ok(!again.some((l) => l.range.start.line === 2 && l.command?.command === 'trmLens.copyPrediction'));
      const p2diags = trmDiagnostics(doc).filter((d) => d.range.start.line === 2);
      assert.equal(p2diags.length, p2.wrongCells.length);
      // Numbered from 1, as in the hover, the timeline and the Variables view.
      assert.match(p2diags[0].message, /^TRM predicts "\d" at r(\d)c(\d) \(row \1, column \2\); expected "\d" · p2$/);
      const fixes = await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        doc.uri,
        p2diags[0].range,
        vscode.CodeActionKind.QuickFix.value,
      );
      assert.deepEqual(
        fixes.filter((a) => /expected/.test(a.title)).map((a) => a.title),
        [],
        'no quick fix overwrites a valid answer',
      );
    }

    // Copy p1's prediction in as its answer: p1 becomes solved.
    assert.equal(await vscode.commands.executeCommand('trmLens.copyPrediction', doc.uri, 0), true);
    assert.match(
      doc.lineAt(1).text,
      /"answer": "[1-9]{81}"/,
      `the prediction was written as an answer string: ${doc.lineAt(1).text}`,
    );
    const solved = await until('p1 to be solved', async () => {
      const s = await docState(doc);
      return s?.version === doc.version && s.puzzles[0].status === 'correct' ? s.puzzles[0] : undefined;
    });
    assert.match(solved.text, /^✓ solved at step \d+, (halts at \d+|no halt in \d+ steps) \(q=\d\.\d\d\)$/);
    if (driverAvailable()) {
      const texts = await ui<string[]>({ action: 'decorations' });
      assert.ok(
        texts.some((t) => t.includes('✓ solved at step')),
        `decorations on screen: ${JSON.stringify(texts)}`,
      );
      await ui({ action: 'screenshot', name: 'authoring-solved' });
    }

    // Break one cell of the answer (row 4, column 4 = cell 40): a diagnostic on exactly that character.
    const answerAt = doc.lineAt(1).text.indexOf('"answer": "') + '"answer": "'.length;
    const cell = new vscode.Range(1, answerAt + 40, 1, answerAt + 41);
    const good = doc.getText(cell);
    const bad = good === '1' ? '2' : '1';
    await editor.edit((b) => b.replace(cell, bad));
    const diag = await until('a diagnostic at the broken cell', () =>
      trmDiagnostics(doc).find((d) => d.range.start.line === 1),
    );
    assert.ok(
      diag.range.isEqual(cell),
      `diagnostic at ${JSON.stringify(diag.range)}, expected ${JSON.stringify(cell)}`,
    );
    assert.equal(trmDiagnostics(doc).filter((d) => d.range.start.line === 1).length, 1);
    // Cell 40 is row 5, column 5 (counted from 1, as everywhere else in TRM Lens).
    assert.equal(diag.message, `TRM predicts "${good}" at r5c5 (row 5, column 5); expected "${bad}" · p1`);
    assert.match((await docState(doc))!.puzzles[0].text, /^✗ 1 cell wrong/);

    // Invalid JSON mid-edit: the state says invalid-json, verdicts stay, nothing fails; fixing it resumes.
    const runsBefore = (await state()).stats.runs;
    const end = doc.lineAt(2).range.end;
    await editor.edit((b) => b.insert(end, ' {"id": '));
    await until('the invalid JSON to be noticed', async () =>
      (await docState(doc))?.status === 'invalid-json' ? true : undefined,
    );
    await sleep(1000);
    const during = (await docState(doc))!;
    assert.equal(during.status, 'invalid-json');
    assert.equal(during.puzzles.length, 2, 'the last valid puzzles are kept');
    assert.equal((await state()).stats.runs, runsBefore, 'invalid JSON runs nothing');
    await vscode.commands.executeCommand('undo');
    await until('the document to be valid again', async () =>
      (await docState(doc))?.status === 'ok' ? true : undefined,
    );
    await doc.save();
  });

  test("quick fix with the bundled model: an answer that breaks the Sudoku rules is replaced by the model's valid solution; undo restores it", async function () {
    this.timeout(300_000);
    await resetModel();
    // The first puzzle of the sample's generated-moderate.csv, which the bundled model solves.
    const q = '......8.95967..1.3.1...54.7167359.4..38.4.7.5..9.7231698.5276347..4.39.1..3198.7.';
    const solution = '374216859596784123812935467167359248238641795459872316981527634725463981643198572';
    const broken = `5${solution.slice(1)}`; // r1c1 (blank in the question) 3 -> 5: row 1 now repeats 5
    const file = path.join(workspaceDir(), 'quickfix.puzzles.json');
    fs.writeFileSync(
      file,
      `{"kind": "sudoku", "puzzles": [\n  {"id": "m1", "question": "${q}", "answer": "${broken}"}\n]}\n`,
    );
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    await until('the bundled model', async () => {
      const m = (await state()).model as { state: string; checkpoint?: string };
      return m.state === 'ready' && m.checkpoint?.endsWith(path.join('models', 'sudoku', 'model.safetensors'))
        ? true
        : undefined;
    });
    const at = doc.lineAt(1).text.indexOf('"answer": "') + '"answer": "'.length;
    const cell = new vscode.Range(1, at, 1, at + 1);
    const diag = await until('the diagnostic on r1c1', () => trmDiagnostics(doc).find((d) => d.range.isEqual(cell)));
    assert.equal(diag.message, 'TRM predicts "3" at r1c1 (row 1, column 1); expected "5" · m1');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      doc.uri,
      cell,
      vscode.CodeActionKind.QuickFix.value,
    );
    const fix = actions.find((a) =>
      a.title.startsWith("Replace the expected answer of m1 with the model's valid solution"),
    );
    assert.ok(fix?.edit, `quick fix in ${actions.map((a) => a.title).join(', ')}`);
    assert.match(fix.title, /\(the expected answer breaks the rules: row 1 repeats 5/);
    assert.equal(await vscode.workspace.applyEdit(fix.edit), true);
    assert.equal(doc.getText(cell), '3');
    const solved = await until('m1 to be solved', async () => {
      const s = await docState(doc);
      return s?.version === doc.version && s.puzzles[0].status === 'correct' ? s.puzzles[0] : undefined;
    });
    assert.match(solved.text, /^✓ solved at step \d+/);
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(cell), '5', 'undo restores the broken answer');
    await until('the diagnostic to come back', () => trmDiagnostics(doc).find((d) => d.range.isEqual(cell)));
    await doc.save();
  });

  test("JSON schema: a malformed ARC grid gets VS Code's own squiggle with a precise message", async function () {
    this.timeout(120_000);
    const file = path.join(workspaceDir(), 'bad.arc.json');
    fs.writeFileSync(file, '{"train": [{"input": [[0, 12]], "output": [[1]]}], "test": []}\n');
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const d = await until(
      'the schema diagnostic',
      () => vscode.languages.getDiagnostics(doc.uri).find((x) => /ARC colours are integers 0-9/.test(x.message)),
      90_000,
    ).catch((e: Error) => {
      throw new Error(
        `${e.message}; diagnostics: ${JSON.stringify(vscode.languages.getDiagnostics(doc.uri).map((x) => [x.source, x.message]))}`,
      );
    });
    assert.equal(doc.getText(d.range), '12');
    const v = await until('the verdict', async () => (await docState(doc))?.puzzles[0]);
    assert.equal(v.text, '⚠ cannot predict: train[0].input cell [0][1] is 12; colours are integers 0-9');
  });

  test('a 4 MB ARC challenges file is located in the worker: its pairs, the sibling solutions, an edit, a hover', async function () {
    this.timeout(300_000);
    await vscode.commands.executeCommand('trmLens.selectModel', path.join(modelDir, 'model.safetensors'));
    const srcDir = path.join(sharedDir(), 'datasets/trm-kaggle-combined');
    const dir = path.join(workspaceDir(), 'arc-large-e2e');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'arc-agi_training2_challenges.json');
    fs.copyFileSync(path.join(srcDir, 'arc-agi_training2_challenges.json'), file);
    fs.copyFileSync(
      path.join(srcDir, 'arc-agi_training2_solutions.json'),
      path.join(dir, 'arc-agi_training2_solutions.json'),
    );
    try {
      const doc = await vscode.workspace.openTextDocument(file);
      assert.ok(doc.getText().length > 3_000_000);
      await vscode.window.showTextDocument(doc);
      const s = await until('the worker to locate the file', async () => {
        const d = await docState(doc);
        return d && d.status === 'ok' && d.version === doc.version && d.puzzles.length > 0 ? d : undefined;
      });
      assert.equal(s.kind, 'arc-challenges');
      assert.equal(s.puzzles.length, 4308);
      // The Sudoku model cannot run ARC grids: said once for the file.
      await until('the file-level note', async () => ((await docState(doc))?.decorations.length ? true : undefined));
      // An edit: one colour changed in the middle; the state follows the new version.
      const at = doc.getText().indexOf('"input": [[', Math.floor(doc.getText().length / 2)) + 11;
      const edit = new vscode.WorkspaceEdit();
      const old = doc.getText(new vscode.Range(doc.positionAt(at), doc.positionAt(at + 1)));
      assert.match(old, /^[0-9]$/);
      edit.replace(doc.uri, new vscode.Range(doc.positionAt(at), doc.positionAt(at + 1)), old === '9' ? '8' : '9');
      assert.ok(await vscode.workspace.applyEdit(edit));
      await until('the state of the edited version', async () => {
        const d = await docState(doc);
        return d && d.version === doc.version && d.puzzles.length === 4308 ? d : undefined;
      });
      // A hover reads the edited pair's grids (rebuilt from the worker's packed arrays) and its label
      // from the sibling solutions file.
      const hover = await vscode.commands.executeCommand<vscode.Hover[]>(
        'vscode.executeHoverProvider',
        doc.uri,
        doc.positionAt(at),
      );
      const md = hover
        .flatMap((h) => h.contents)
        .map((c) => (typeof c === 'string' ? c : c.value))
        .join('\n');
      assert.match(md, /\*\*TRM\*\* `[0-9a-f]{8}\/(train|test)\/\d+`/);
      assert.match(md, /!\[input \d+×\d+ · expected \d+×\d+\]\(data:image\/svg\+xml;base64,/);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('ARC task from the shared datasets: CodeLens per pair and a verdict on every pair', async () => {
    await vscode.commands.executeCommand('trmLens.selectModel', path.join(modelDir, 'model.safetensors'));
    // Selecting the model again reloads it and re-runs the still-open Sudoku files' visible puzzles:
    // count runs only once that work is done.
    await until('the reload to settle', async () => {
      const s = await state();
      return s.model.state === 'ready' && s.progress.running === 0 && s.progress.done === s.progress.total
        ? true
        : undefined;
    });
    await sleep(500);
    const runsBeforeArc = (await state()).stats.runs;
    const src = path.join(sharedDir(), 'datasets/arc-agi-1/training/0d3d703e.json');
    const dir = path.join(workspaceDir(), 'arc-e2e');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, '0d3d703e.json');
    fs.copyFileSync(src, file);
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const lenses = await until('CodeLens on the ARC task', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
      return l.length > 0 ? l : undefined;
    });
    // The Sudoku model cannot run ARC grids: the file says so once, with the way out, and offers
    // nothing that would lead to an error (no Predict, no Debug, no per-pair warnings).
    assert.deepEqual(
      lenses.map((l) => [l.command?.title, l.command?.command]),
      [['$(warning) No model for these puzzles: Select Model…', 'trmLens.selectModel']],
    );
    const s = await until('the file-level note', async () => {
      const d = await docState(doc);
      return d && d.puzzles.length === 5 && d.decorations.length > 0 ? d : undefined;
    });
    assert.equal(s.kind, 'arc-task');
    assert.deepEqual(
      s.puzzles.map((p) => p.id),
      ['0d3d703e/train/0', '0d3d703e/train/1', '0d3d703e/train/2', '0d3d703e/train/3', '0d3d703e/test/0'],
    );
    assert.deepEqual(
      s.decorations.map((d) => d.text),
      [
        'TRM: no model for ARC tasks here: the model trm-e2e-model/model.safetensors solves 9×9 Sudoku puzzles. Choose one with "TRM: Select Model".'.replace(
          'trm-e2e-model/model.safetensors',
          vscode.workspace.asRelativePath(path.join(modelDir, 'model.safetensors'), false),
        ),
      ],
    );
    assert.deepEqual(trmDiagnostics(doc), [], 'no warning per pair');
    assert.equal((await state()).stats.runs, runsBeforeArc, 'nothing was run on the ARC pairs');
    const hover = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      doc.uri,
      doc.positionAt(doc.getText().indexOf('"input": [[') + 12),
    );
    const md = hover
      .flatMap((h) => h.contents)
      .map((c) => (typeof c === 'string' ? c : c.value))
      .join('\n');
    assert.match(md, /\*\*TRM\*\* `0d3d703e\/train\/0`/);
    // One picture: the input beside the expected output (no prediction: no fitting model).
    assert.match(md, /!\[input 3×3 · expected 3×3\]\(data:image\/svg\+xml;base64,/);
  });
});
