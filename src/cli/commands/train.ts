// `trm train`: trains (or resumes) a TRM on a built dataset with the official recipe, printing a
// progress bar on stderr and one JSON line per event on stdout with --json. Ctrl-C stops after the
// current step and writes a checkpoint; a second Ctrl-C exits at once (the last checkpoint stays valid).

import * as path from 'node:path';
import type { TrainEvent, TrainRequest } from '../../engine/train/events';
import { runTraining } from '../../engine/train/trainer';
import { flag, int, parseArgs, ParsedArgs, str, usage, UsageError } from '../args';
import { BACKEND_NAMES, BACKEND_OPTION } from '../engineSetup';

const SPEC = {
  preset: { value: true, valueName: 'name', description: 'model + training preset (e.g. sudoku-mlp, sudoku-mlp-demo)' },
  config: {
    value: true,
    valueName: 'file.yaml|json',
    description: 'training config: `arch:` model fields + training fields (cfg_pretrain.yaml names)',
  },
  data: {
    value: true,
    valueName: 'dir',
    description: 'built dataset (train/ and test/ with dataset.json); optional with --resume',
  },
  out: {
    value: true,
    required: true,
    valueName: 'dir',
    description: 'run folder (checkpoints step_N/, latest.json, run.json)',
  },
  resume: { value: false, description: 'continue the run in --out from its latest checkpoint' },
  steps: { value: true, valueName: 'N', description: 'total optimiser steps (one ACT step of one batch each)' },
  'batch-size': { value: true, valueName: 'B', description: 'global batch size' },
  lr: { value: true, valueName: 'x', description: 'base learning rate' },
  'eval-every': {
    value: true,
    valueName: 'N',
    description: 'evaluate on the test split every N steps (0 = at the end)',
  },
  'checkpoint-every': {
    value: true,
    valueName: 'N',
    description: 'checkpoint every N steps (default: after every evaluation)',
  },
  seed: { value: true, valueName: 'N', description: 'random seed' },
  backend: BACKEND_OPTION,
  json: { value: false, description: 'print every event as a JSON line on stdout' },
  help: { value: false, description: 'show this help' },
};

function num(args: ParsedArgs, name: string): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive number (got ${JSON.stringify(v)})`);
  return n;
}

export function requestFromArgs(args: ParsedArgs): TrainRequest {
  const resume = flag(args, 'resume');
  const data = str(args, 'data');
  if (!data && !resume) throw new UsageError('missing required option --data <dir> (a built dataset)');
  if (!resume && !str(args, 'preset') && !str(args, 'config'))
    throw new UsageError('choose a model with --preset <name> or --config <file>');
  const backend = str(args, 'backend');
  if (backend !== undefined && !BACKEND_NAMES.includes(backend as never))
    throw new UsageError(`--backend must be one of ${BACKEND_NAMES.join(', ')} (got ${JSON.stringify(backend)})`);
  return {
    preset: str(args, 'preset'),
    configPath: str(args, 'config'),
    data: data ?? '',
    out: str(args, 'out')!,
    resume,
    steps: int(args, 'steps', 1),
    batchSize: int(args, 'batch-size', 1),
    lr: num(args, 'lr'),
    evalEvery: int(args, 'eval-every', 0),
    checkpointEvery: int(args, 'checkpoint-every', 0),
    seed: int(args, 'seed', 0),
    backend,
  };
}

function fmt(n: number, d = 3): string {
  return Number.isFinite(n) ? n.toFixed(d) : String(n);
}

function bar(step: number, total: number, width = 24): string {
  const f = Math.max(0, Math.min(1, step / Math.max(1, total)));
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(step).padStart(String(total).length)}/${total}`;
}

function eta(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '?';
  const m = Math.floor(sec / 60),
    s = Math.round(sec % 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}m${String(s).padStart(2, '0')}s`;
}

export async function runTrain(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(
      usage(
        'train --preset <name> --data <dir> --out <dir> [--resume] [options]',
        'Train a TRM with the official recipe (deep supervision, ACT, AdamATan2, SignSGD puzzle embeddings, EMA).',
        SPEC,
      ),
    );
    return 0;
  }
  const args = parseArgs(argv, SPEC, 'train');
  const request = requestFromArgs(args);
  const json = flag(args, 'json');
  const tty = process.stderr.isTTY;
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(
        '\ninterrupt: stopping after this step and writing a checkpoint (Ctrl-C again to quit now)\n',
      );
      controller.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onSigint);
  let lastLine = '';
  const print = (line: string, final: boolean): void => {
    if (tty) process.stderr.write(`\r${line.padEnd(lastLine.length)}${final ? '\n' : ''}`);
    else process.stderr.write(line + '\n');
    lastLine = final ? '' : line;
  };
  let perStep = 0;
  const onEvent = (e: TrainEvent): void => {
    if (json) process.stdout.write(JSON.stringify(e) + '\n');
    switch (e.type) {
      case 'started':
        perStep = e.examplesPerStep ?? 0;
        print(
          `${e.resumed ? 'resuming' : 'training'} ${e.preset ?? ''} in ${e.runDir} from step ${e.startStep}/${e.totalSteps}; ${e.parameters?.toLocaleString('en-US') ?? '?'} parameters; backend: ${e.backend}`,
          true,
        );
        break;
      case 'progress': {
        const m = e.metrics;
        // Accuracy metrics count halted examples only (pretrain.py); early windows may have none.
        const halted = m.haltedCount ?? 1;
        const left = e.examplesPerSec > 0 ? ((e.totalSteps - e.step) * perStep) / e.examplesPerSec : NaN;
        print(
          `${bar(e.step, e.totalSteps)} loss ${fmt(m.totalLoss)} (lm ${fmt(m.lmLoss)}, q ${fmt(m.qHaltLoss)}) ${halted > 0 ? `acc ${fmt(m.accuracy)} exact ${fmt(m.exactAccuracy)} steps ${fmt(m.meanSteps, 1)}` : 'acc/exact/steps n/a (no example halted yet)'} lr ${e.lr.toExponential(2)} ${fmt(e.examplesPerSec, 1)} ex/s elapsed ${eta(e.elapsedSec)} left ${eta(left)}`,
          !tty,
        );
        break;
      }
      case 'eval':
        print(
          `eval @ ${e.step}: ${Object.entries(e.metrics)
            .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : fmt(v, 4)}`)
            .join(', ')}`,
          true,
        );
        break;
      case 'checkpoint':
        if (!tty) print(`checkpoint @ ${e.step}: ${path.relative(process.cwd(), e.path) || e.path}`, true);
        break;
      case 'finished':
        print(`${e.reason === 'done' ? 'finished' : 'stopped'} at step ${e.step}`, true);
        break;
      case 'error':
        break; // main() prints the thrown error
    }
  };
  try {
    await runTraining(request, onEvent, controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
  return 0;
}
