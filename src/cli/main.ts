// `trm` command-line entry point: dispatches sub-commands and turns every failure into one clear
// message and a non-zero exit code (never a bare stack trace; TRM_DEBUG=1 shows stacks). The global
// `--limits key=value,...` option (any position) raises or lowers the resource limits for the run.

import {
  DEFAULT_LIMITS,
  LIMIT_DESCRIPTIONS,
  Limits,
  formatBytes,
  getLimits,
  parseLimits,
  setLimits,
} from '../engine/limits';
import { UsageError } from './args';

interface Command {
  summary: string;
  run(args: string[]): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  trace: {
    summary: 'run a checkpoint on inputs and write every recursion as NumPy files',
    run: async (a) => (await import('./commands/trace')).runTrace(a),
  },
  diff: {
    summary: 'run two checkpoints (or a checkpoint and a recorded run) in lock-step and print where they part',
    run: async (a) => (await import('./commands/diff')).runDiff(a),
  },
  sweep: {
    summary:
      'patch every update x cell of one supervision step in turn and show how much of the answer each patch loses or recovers',
    run: async (a) => (await import('./commands/sweep')).runSweep(a),
  },
  info: {
    summary: "show a checkpoint's configuration, parameter count and the compute backend",
    run: async (a) => (await import('./commands/info')).runInfo(a),
  },
  predict: {
    summary: 'solve a human-readable puzzle (Sudoku string, ARC task JSON) and print each supervision step',
    run: async (a) => (await import('./commands/predict')).runPredict(a),
  },
  train: {
    summary: 'train a TRM on a built dataset with the official recipe (resumable checkpoints)',
    run: async (a) => (await import('./commands/train')).runTrain(a),
  },
  eval: {
    summary: "evaluate a checkpoint on a built dataset's test split and write per-puzzle results",
    run: async (a) => (await import('./commands/eval')).runEval(a),
  },
  'export-official': {
    summary: 'write a folder the official PyTorch trainer runs under torchrun (dataset, hydra config, launch.sh)',
    run: async (a) => (await import('./commands/exportOfficial')).runExportOfficial(a),
  },
  follow: {
    summary: 'watch a folder where step_N checkpoints appear and evaluate each new one on a small set',
    run: async (a) => (await import('./commands/follow')).runFollow(a),
  },
  dataset: {
    summary: 'build, convert, generate and inspect puzzle datasets (official TRM layout)',
    run: async (a) => (await import('./commands/dataset')).runDatasetCommand(a),
  },
  cloud: {
    summary:
      'trajectory clouds over a dataset: N noisy forks per puzzle picked by the Q head, vote or oracle, vs the deterministic run',
    run: async (a) => (await import('./commands/cloud')).runCloudCommand(a),
  },
  probe: {
    summary:
      'puzzle-identifier probe: how much the answer relies on the puzzle-embedding row (swap it: blank, mean, random, another id)',
    run: async (a) => (await import('./commands/probe')).runProbe(a),
  },
  report: {
    summary: 'write a self-contained HTML report of a run or of a trm eval results file',
    run: async (a) => (await import('./commands/report')).runReport(a),
  },
  limits: {
    summary: 'show the resource limits in force (change them with --limits key=value,... or TRM_LIMITS)',
    run: (a) => Promise.resolve(showLimits(a)),
  },
};

const SIZE_LIMITS: ReadonlySet<string> = new Set(['memory', 'header', 'dapMessage']);

function showLimits(argv: string[]): number {
  if (argv.length) throw new UsageError(`limits takes no arguments (got ${argv.join(' ')})`);
  const active = getLimits();
  const show = (k: keyof Limits, v: number): string => (SIZE_LIMITS.has(k) ? formatBytes(v) : String(v));
  for (const k of Object.keys(DEFAULT_LIMITS) as (keyof Limits)[]) {
    const changed = active[k] !== DEFAULT_LIMITS[k] ? ` (default ${show(k, DEFAULT_LIMITS[k])})` : '';
    console.log(`${k.padEnd(24)} ${show(k, active[k]).padEnd(10)} ${LIMIT_DESCRIPTIONS[k]}${changed}`);
  }
  return 0;
}

/** Removes every `--limits <spec>` / `--limits=<spec>` from argv and applies them. */
function takeLimitsOption(argv: string[]): string[] {
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--limits' || a.startsWith('--limits=')) {
      const spec = a === '--limits' ? argv[++i] : a.slice('--limits='.length);
      if (spec === undefined || spec === '')
        throw new UsageError('--limits needs key=value[,key=value...] (run `trm limits` to see them)');
      try {
        setLimits(parseLimits(spec, '--limits'));
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    } else rest.push(a);
  }
  return rest;
}

function mainUsage(): string {
  const lines = ['usage: trm <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(15)} ${c.summary}`);
  lines.push(
    '',
    'Run `trm <command> --help` for the options of a command.',
    'Every command takes --limits key=value,... to change a resource limit (see `trm limits`).',
  );
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  let args: string[];
  try {
    args = takeLimitsOption(argv);
  } catch (e) {
    console.error(`trm: ${(e as Error).message}`);
    return 2;
  }
  const [name, ...rest] = args;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(mainUsage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`trm: unknown command "${name}"\n\n${mainUsage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    const err = e as Error;
    if (err instanceof UsageError) {
      console.error(`trm ${name}: ${err.message}\n(run \`trm ${name} --help\` for usage)`);
      return 2;
    }
    console.error(`trm ${name}: error: ${err?.message ?? String(e)}`);
    if (process.env.TRM_DEBUG) console.error(err?.stack);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      console.error(`trm: error: ${(e as Error).message}`);
      process.exitCode = 1;
    },
  );
}
