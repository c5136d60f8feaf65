// `trm report`: one self-contained HTML file (inline CSS, SVG and PNG data: URIs; no scripts, no
// network) of a run of one puzzle or of a `trm eval` results file, to open in any browser.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { evalReportHtml, validateEvalResults } from '../../engine/report/html';
import { runReportFromLaunch } from '../../debug/runReport';
import { parseArgs, str, int, usage, UsageError } from '../args';

const SPEC = {
  eval: { value: true, valueName: 'results.json', description: "a 'trm eval' results file: report the evaluation" },
  checkpoint: { value: true, valueName: 'file', description: 'checkpoint of a run report' },
  config: { value: true, valueName: 'file', description: 'config beside the checkpoint (default: found)' },
  dataset: { value: true, valueName: 'file', description: 'dataset file of the puzzle' },
  index: { value: true, valueName: 'k', description: 'which puzzle of the dataset (0-based, default 0)' },
  'puzzle-id': { value: true, valueName: 'id', description: 'which puzzle of the dataset, by id' },
  sudoku: { value: true, valueName: '81 chars', description: 'an inline Sudoku instead of a dataset' },
  solution: { value: true, valueName: '81 digits', description: 'its solution (marks right and wrong cells)' },
  steps: {
    value: true,
    valueName: 'K',
    description: 'supervision steps to show (default: to the halt, at most N_sup)',
  },
  'halt-policy': {
    value: true,
    valueName: 'first|all|p',
    description: "halting: 'first' q_halt > 0 (default), 'all' steps, or a probability",
  },
  backend: { value: true, valueName: 'name', description: 'compute backend (default: the fastest)' },
  title: { value: true, valueName: 'text', description: 'report title' },
  out: { value: true, required: true, valueName: 'file.html', description: 'the HTML file to write' },
  help: { value: false, description: 'show this help' },
};

export async function runReport(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(
      usage(
        'report (--eval results.json | --checkpoint <file> (--dataset <file> [--index k] | --sudoku <81 chars>)) --out report.html',
        'Write one self-contained HTML report of a run (timeline frames, q_halt and drift curves, answers) or of an evaluation.',
        SPEC,
      ),
    );
    return 0;
  }
  const args = parseArgs(argv, SPEC, 'report');
  const out = path.resolve(str(args, 'out')!);
  if (!out.endsWith('.html')) throw new UsageError(`--out ${out}: the report is an .html file`);
  const evalFile = str(args, 'eval');
  let html: string;
  if (evalFile) {
    if (str(args, 'checkpoint')) throw new UsageError('give --eval or --checkpoint, not both');
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(evalFile, 'utf8'));
    } catch (e) {
      throw new UsageError(`--eval ${evalFile}: ${(e as Error).message}`);
    }
    const r = validateEvalResults(parsed, evalFile);
    html = evalReportHtml(r, str(args, 'title') ?? `TRM evaluation: ${path.basename(evalFile)}`);
  } else {
    if (!str(args, 'checkpoint'))
      throw new UsageError('give --eval results.json, or --checkpoint with --dataset or --sudoku');
    const hp = str(args, 'halt-policy') ?? 'first';
    html = await runReportFromLaunch(
      {
        checkpoint: str(args, 'checkpoint'),
        ...(str(args, 'config') ? { config: str(args, 'config') } : {}),
        ...(str(args, 'dataset') ? { dataset: str(args, 'dataset') } : {}),
        ...(str(args, 'sudoku') ? { puzzle: str(args, 'sudoku') } : {}),
        ...(str(args, 'solution') ? { solution: str(args, 'solution') } : {}),
        ...(int(args, 'index') !== undefined ? { index: int(args, 'index') } : {}),
        ...(str(args, 'puzzle-id') ? { puzzleId: str(args, 'puzzle-id') } : {}),
        ...(str(args, 'backend') ? { backend: str(args, 'backend') } : {}),
        haltPolicy: hp === 'first' || hp === 'all' ? hp : { threshold: Number(hp) },
      },
      { steps: int(args, 'steps', 1), title: str(args, 'title') },
    );
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, html);
  console.log(`wrote ${out} (${(Buffer.byteLength(html) / 1024).toFixed(0)} kB)`);
  return 0;
}
