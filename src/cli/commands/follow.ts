// `trm follow <dir>`: watches a folder where a trainer writes step_N checkpoints (the official
// pretrain.py, a TRM Lens run, a synced copy) and evaluates each new one on a small slice of a built
// dataset's test split in a worker thread, newest first, one at a time; prints one line per
// evaluation with the best so far marked. Files still being written are waited for. --once evaluates
// what is there and exits; otherwise it runs until Ctrl-C.

import * as path from 'node:path';
import { FollowSession } from '../../engine/follow/followSession';
import type { FollowEntry, FollowState } from '../../engine/follow/types';
import { WorkerEvaluator } from '../../engine/follow/workerEvaluator';
import { flag, int, parseArgs, str, usage, UsageError } from '../args';
import { BACKEND_NAMES, BACKEND_OPTION } from '../engineSetup';

const SPEC = {
  data: {
    value: true,
    required: true,
    valueName: 'dir',
    description: 'built dataset whose test split is the evaluation set',
  },
  limit: { value: true, valueName: 'N', description: 'evaluate the first N test examples (default 64; 0 = all)' },
  config: {
    value: true,
    valueName: 'all_config.yaml',
    description: 'configuration (default: found beside each checkpoint)',
  },
  interval: { value: true, valueName: 'seconds', description: 'poll period (default 2)' },
  'batch-size': { value: true, valueName: 'B', description: 'examples per evaluation chunk (default 64)' },
  once: { value: false, description: 'evaluate the checkpoints present now, then exit' },
  json: { value: false, description: 'print every state change as a JSON line' },
  backend: BACKEND_OPTION,
  help: { value: false, description: 'show this help' },
};

const pct = (v: number | undefined): string => (v === undefined ? '?' : `${(v * 100).toFixed(1)}%`);

function line(e: FollowEntry, best: boolean): string {
  const m = e.outcome?.metrics ?? {};
  return `${e.name.padEnd(14)} exact ${pct(m.exact_accuracy).padStart(6)}  cells ${pct(m.accuracy).padStart(6)}  q-halt ${pct(m.q_halt_accuracy).padStart(6)}  mean steps ${(m.mean_steps ?? NaN).toFixed(2)}  (${m.count} puzzles, ${e.outcome?.seconds.toFixed(1)} s)${best ? '  ★ best so far' : ''}`;
}

export async function runFollow(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(
      usage(
        'follow <checkpoint folder> --data <dataset> [--limit N] [--once]',
        'Follow a training run: evaluate every new step_N checkpoint on a small evaluation set (accuracy, halting, q-halt accuracy).',
        SPEC,
      ),
    );
    return 0;
  }
  const args = parseArgs(argv, SPEC, 'follow');
  if (args.positionals.length !== 1) throw new UsageError('give exactly one checkpoint folder to follow');
  const dir = path.resolve(args.positionals[0]);
  const backend = str(args, 'backend');
  if (backend !== undefined && !BACKEND_NAMES.includes(backend as never))
    throw new UsageError(`--backend must be one of ${BACKEND_NAMES.join(', ')} (got ${JSON.stringify(backend)})`);
  const intervalText = str(args, 'interval');
  const interval = intervalText === undefined ? 2 : Number(intervalText);
  if (!Number.isFinite(interval) || interval < 0.05)
    throw new UsageError(`--interval must be a number of seconds >= 0.05 (got ${JSON.stringify(intervalText)})`);
  const job = {
    data: path.resolve(str(args, 'data')!),
    configPath: str(args, 'config') ? path.resolve(str(args, 'config')!) : undefined,
    limit: int(args, 'limit', 0) ?? 64,
    batchSize: int(args, 'batch-size', 1) ?? 64,
  };
  const json = flag(args, 'json');
  const once = flag(args, 'once');
  const evaluator = new WorkerEvaluator({
    workerFile: path.join(__dirname, 'followWorker.js'),
    backend,
    onBackend: (d) => {
      if (!reportedBackend) console.error(`backend: ${d}`);
      reportedBackend = true;
    },
  });
  let reportedBackend = false;
  const printed = new Map<string, string>();
  let lastBest: number | null = null;
  const report = (s: FollowState): void => {
    if (json) {
      process.stdout.write(
        JSON.stringify({
          ...s,
          entries: s.entries.map((e) => ({ ...e, outcome: e.outcome && { ...e.outcome, puzzles: undefined } })),
        }) + '\n',
      );
      return;
    }
    if (s.message && printed.get('') !== s.message) {
      console.error(s.message);
      printed.set('', s.message);
    }
    for (const e of s.entries) {
      const key = `${e.state}|${e.state === 'evaluated' ? '' : e.detail}`;
      if (printed.get(e.name) === key) continue;
      printed.set(e.name, key);
      if (e.state === 'evaluated') console.log(line(e, s.best === e.step));
      else if (e.state === 'failed') console.log(`${e.name.padEnd(14)} cannot evaluate: ${e.detail}`);
      else if (e.state === 'writing') console.error(`${e.name.padEnd(14)} waiting: ${e.detail}`);
    }
    if (s.best !== null && s.best !== lastBest && lastBest !== null && !json)
      console.error(`best so far: step ${s.best}`);
    lastBest = s.best;
  };
  const session = new FollowSession({
    dir,
    pollMs: interval * 1000,
    evaluate: (file) => evaluator.evaluate({ ...job, file }),
    onChange: report,
  });
  console.error(
    `following ${dir}: evaluating new checkpoints on ${job.limit ? `the first ${job.limit} examples of ` : ''}${job.data}'s test split`,
  );
  const stopped = new Promise<void>((resolve) => {
    const onSigint = (): void => {
      process.off('SIGINT', onSigint);
      resolve();
    };
    process.on('SIGINT', onSigint);
  });
  let waitingForFolder: string;
  try {
    if (once) {
      // Two looks at the folder tell stable files from growing ones; then finish the queue.
      session.poll();
      await new Promise((r) => setTimeout(r, interval * 1000));
      session.poll();
      await Promise.race([session.whenIdle(), stopped]);
      for (const e of session.state().entries)
        if (e.state === 'writing') console.error(`${e.name.padEnd(14)} skipped: still being written (${e.detail})`);
    } else {
      session.start();
      await stopped;
    }
  } finally {
    waitingForFolder = session.state().status === 'waiting-for-folder' ? session.state().message : '';
    session.stop();
    evaluator.dispose();
  }
  if (once && waitingForFolder) throw new Error(waitingForFolder);
  const s = session.state();
  if (s.best !== null && !json) console.log(`best: step ${s.best} (${s.entries.find((e) => e.step === s.best)?.file})`);
  return 0;
}
