// `trm` command-line entry point: dispatches sub-commands and turns every failure into one clear
// message and a non-zero exit code (never a bare stack trace; TRM_DEBUG=1 shows stacks).

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
};

function mainUsage(): string {
  const lines = ['usage: trm <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(15)} ${c.summary}`);
  lines.push('', 'Run `trm <command> --help` for the options of a command.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
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
