// The launch script and README of an export: the exact torchrun command for pretrain.py (the official
// README's flags: `--nproc-per-node N --rdzv_backend=c10d --rdzv_endpoint=localhost:0 --nnodes=1` on
// one node; torchrun's static rendezvous with --node_rank/--master_addr/--master_port on several), run
// in the export folder with `--config-path` pointing at its config/, and a README that walks the whole
// path and lists every value with its official name.

import type { EpochPlan } from './epochPlan';
import { officialOverrides, shellWord } from './hydraFiles';
import type { ExportNote, OfficialConfig } from './officialConfig';

export interface LaunchInfo {
  config: OfficialConfig;
  plan: EpochPlan;
  notes: ExportNote[];
  /** GPUs per node and nodes the script defaults to (environment variables override them). */
  gpusPerNode: number;
  nodes: number;
  /** What was exported, for the README's title. */
  preset?: string;
  source: string;
  datasetName: string;
  trainExamples: number;
  testExamples: number | null;
  /** Rows of the settings table: TRM Lens name, official field, value. */
  settings: { trmLens: string; official: string; value: string }[];
}

/** The torchrun arguments before the script, for a node count (single node: the official README's form). */
export function torchrunArgs(nproc: string, nodes: 'single' | 'multi'): string[] {
  return nodes === 'single'
    ? ['--nproc-per-node', nproc, '--rdzv_backend=c10d', '--rdzv_endpoint=localhost:0', '--nnodes=1']
    : [
        '--nproc-per-node',
        nproc,
        '--nnodes=$NNODES',
        '--node_rank=$NODE_RANK',
        '--master_addr=$MASTER_ADDR',
        '--master_port=$MASTER_PORT',
      ];
}

export function launchScript(info: LaunchInfo): string {
  const c = info.config;
  return `#!/usr/bin/env bash
# Trains this export with the official TinyRecursiveModels trainer (pretrain.py) under torchrun.
# Written by TRM Lens (trm export-official); see README.md beside it.
#
#   TRM_REPO=/path/to/TinyRecursiveModels bash launch.sh [hydra overrides, e.g. lr=3e-4]
#
# One node:      NPROC_PER_NODE=<GPUs> (default ${info.gpusPerNode})
# Several nodes: on every node, with the same export folder (shared or copied to the same path):
#   NNODES=2 NODE_RANK=<0..NNODES-1> MASTER_ADDR=<host of node 0> [MASTER_PORT=29500] NPROC_PER_NODE=<GPUs> bash launch.sh
#   Node 0 holds global rank 0, which alone writes ${c.checkpoint_path}/step_N.
# DRY_RUN=1 prints the command instead of running it. WANDB_MODE defaults to offline (set it to
# online after \`wandb login\`); pretrain.py writes all_config.yaml next to the checkpoints only when
# Weights & Biases is on or offline.
set -euo pipefail

HERE="$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)"
TRM_REPO="\${TRM_REPO:-}"
NPROC_PER_NODE="\${NPROC_PER_NODE:-${info.gpusPerNode}}"
NNODES="\${NNODES:-${info.nodes}}"
GLOBAL_BATCH_SIZE=${c.global_batch_size}

if [ -z "$TRM_REPO" ] || [ ! -f "$TRM_REPO/pretrain.py" ]; then
  echo "launch.sh: set TRM_REPO to a clone of SamsungSAILMontreal/TinyRecursiveModels (the folder with pretrain.py); got '\${TRM_REPO}'" >&2
  exit 2
fi
case "$NPROC_PER_NODE$NNODES" in *[!0-9]*|'') echo "launch.sh: NPROC_PER_NODE and NNODES must be positive integers" >&2; exit 2;; esac
WORLD_SIZE=$((NPROC_PER_NODE * NNODES))
if [ "$WORLD_SIZE" -lt 1 ] || [ $((GLOBAL_BATCH_SIZE % WORLD_SIZE)) -ne 0 ]; then
  echo "launch.sh: global_batch_size $GLOBAL_BATCH_SIZE must divide evenly over $WORLD_SIZE GPUs ($NNODES node(s) x $NPROC_PER_NODE); choose another GPU count or export with another batch size" >&2
  exit 2
fi

if [ "$NNODES" -eq 1 ]; then
  RDZV=(--rdzv_backend=c10d --rdzv_endpoint=localhost:0 --nnodes=1)
else
  : "\${NODE_RANK:?launch.sh: set NODE_RANK (0..$((NNODES - 1))) on every node}"
  : "\${MASTER_ADDR:?launch.sh: set MASTER_ADDR to the host name of node 0}"
  RDZV=(--nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" --master_port="\${MASTER_PORT:-29500}")
fi

export WANDB_MODE="\${WANDB_MODE:-offline}"
cd "$HERE"
CMD=(torchrun --nproc-per-node "$NPROC_PER_NODE" "\${RDZV[@]}" "$TRM_REPO/pretrain.py"
  --config-path="$HERE/config" --config-name=cfg_pretrain "$@")
if [ -n "\${DRY_RUN:-}" ]; then
  printf '%q ' "\${CMD[@]}"
  echo
  exit 0
fi
exec "\${CMD[@]}"
`;
}

const table = (head: string[], rows: string[][]): string =>
  [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map((x) => x.replace(/\|/g, '\\|')).join(' | ')} |`),
  ].join('\n');

export function exportReadme(info: LaunchInfo): string {
  const c = info.config;
  const p = info.plan;
  const ckpt = c.checkpoint_path ?? 'checkpoints';
  const single = ['torchrun', ...torchrunArgs(String(info.gpusPerNode), 'single'), '"$TRM_REPO/pretrain.py"'].join(' ');
  const overrides = officialOverrides(c);
  return `# Official-trainer export: ${info.preset ?? 'custom config'} on ${info.datasetName}

Written by TRM Lens (\`trm export-official\` / **TRM: Export Run for the Official Trainer…**) from
${info.source}. It trains the same model with the official PyTorch trainer
(SamsungSAILMontreal/TinyRecursiveModels \`pretrain.py\`) on one or many GPUs.

| path | what |
| --- | --- |
| \`data/\` | the dataset in the official layout (train/ ${info.trainExamples} examples, test/ ${info.testExamples ?? 'none'}), byte for byte as TRM Lens reads it |
| \`config/cfg_pretrain.yaml\` | every \`PretrainConfig\` field (the official config/cfg_pretrain.yaml names) |
| \`config/arch/trm.yaml\` | the model (the official config/arch/trm.yaml names, every value written out) |
| \`launch.sh\` | the torchrun command |
| \`${ckpt}/\` | where pretrain.py writes \`step_N\` after every evaluation (\`all_config.yaml\` is already there, as pretrain.py writes it) |
| \`trm-lens-export.json\` | the TRM Lens recipe, the epoch plan and the differences below, for tools |

## 1. Get the official trainer (once, on the GPU machine)

Clone SamsungSAILMontreal/TinyRecursiveModels and install its requirements as its README says
(PyTorch for your CUDA, \`pip install -r requirements.txt\`, \`adam-atan2\`).

## 2. Train

One node with ${info.gpusPerNode} GPU${info.gpusPerNode === 1 ? '' : 's'}:

\`\`\`bash
TRM_REPO=/path/to/TinyRecursiveModels NPROC_PER_NODE=${info.gpusPerNode} bash launch.sh
\`\`\`

which runs, in this folder:

\`\`\`bash
${single} \\
  --config-path="$PWD/config" --config-name=cfg_pretrain
\`\`\`

Several nodes (the export folder at the same path on each, e.g. a shared file system; run on every
node, \`NODE_RANK\` 0 on the node that should hold the checkpoints):

\`\`\`bash
TRM_REPO=/path/to/TinyRecursiveModels NNODES=2 NODE_RANK=0 MASTER_ADDR=<node 0> MASTER_PORT=29500 NPROC_PER_NODE=4 bash launch.sh
\`\`\`

\`global_batch_size\` (${c.global_batch_size}) is split evenly over all GPUs, so it must be divisible by
nodes x GPUs (launch.sh checks). Hydra overrides go after the script: \`bash launch.sh lr=3e-4\`.
\`DRY_RUN=1 bash launch.sh\` prints the command. Weights & Biases runs offline unless \`WANDB_MODE\` says otherwise.

Evaluation: after every ${p.evalIntervalEpochs === null ? `run (once, at the end)` : `${p.evalIntervalEpochs} epochs (${p.exact ? '' : 'about '}${p.stepsPerIteration} steps)`} on the whole
test split${c.evaluators.length ? ` plus ${c.evaluators.map((e) => e.name).join(', ')}` : ''} (\`eval_interval\`, \`min_eval_interval: ${c.min_eval_interval}\`,
\`evaluators\`), then a checkpoint \`${ckpt}/step_N\` (\`checkpoint_every_eval: True\`), ${p.iterations} in all.

## 3. Follow it from VS Code

Open this folder's machine in VS Code (Remote-SSH, a Dev Container, or any synced or mounted copy of
\`${ckpt}/\`), run **TRM: Follow Checkpoint Folder…** on \`${ckpt}\` with \`data\` as the evaluation
set: every new \`step_N\` is evaluated on a small slice of the test split as soon as it is complete,
the curves of accuracy, halting and q-halt accuracy grow on the dashboard, the best checkpoint is
marked, and any checkpoint opens in the recursion debugger. Or on the command line:

\`\`\`bash
trm follow ${shellWord(ckpt)} --data data --limit 64
\`\`\`

## Every value

${table(
  ['TRM Lens', 'official', 'value'],
  info.settings.map((s) => [s.trmLens, `\`${s.official}\``, s.value]),
)}

## What the official trainer does differently

${table(
  ['TRM Lens setting', 'TRM Lens value', 'official', 'effect'],
  info.notes.map((n) => [n.setting, n.trmLens, n.official, n.effect]),
)}

## The same run with the official config folder

Instead of \`--config-path\`, the official repository's own \`config/\` with command-line overrides
(run in this folder):

\`\`\`bash
torchrun ${torchrunArgs(String(info.gpusPerNode), 'single').join(' ')} "$TRM_REPO/pretrain.py" \\
${overrides.map((o) => `  ${o}`).join(' \\\n')}
\`\`\`
`;
}
