// Which charts the dashboard shows and what each series means, with the paper's names next to the
// official code's (q_halt = the ACT halting head; N_sup = halt_max_steps supervision steps).
import { fmtCount, fmtMetric, fmtPercent } from '../model/format';
import type { ChartSpec } from './lineChart';

export const CHARTS: ChartSpec[] = [
  {
    id: 'loss',
    title: 'Loss',
    logToggle: true,
    smoothToggle: true,
    format: (v) => fmtMetric(v),
    caption:
      'total = lm + ½·(q_halt [+ q_continue]); lm: stablemax/softmax cross-entropy on the answer cells, q_halt: BCE of the halting head against "the answer is exactly right".',
    series: [
      { key: 'totalLoss', label: 'total', colour: 'c1' },
      { key: 'lmLoss', label: 'lm', colour: 'c2' },
      { key: 'qHaltLoss', label: 'q_halt', colour: 'c3' },
    ],
  },
  {
    id: 'accuracy',
    title: 'Accuracy',
    domain: [0, 1],
    smoothToggle: true,
    format: fmtPercent,
    caption:
      'cell: answer cells right; exact: whole puzzles right; q_halt: halting head sign matches exactness (training batch, halted sequences).',
    series: [
      { key: 'accuracy', label: 'cell', colour: 'c2' },
      { key: 'exactAccuracy', label: 'exact', colour: 'c4' },
      { key: 'qHaltAccuracy', label: 'q_halt', colour: 'c3' },
    ],
  },
  {
    id: 'halting',
    title: 'Halting',
    zeroBased: true,
    smoothToggle: true,
    format: (v) => fmtMetric(v, 3),
    caption: 'Mean supervision steps before halting (ACT, at most N_sup = halt_max_steps).',
    series: [{ key: 'meanSteps', label: 'mean steps', colour: 'c5' }],
  },
  {
    id: 'lr',
    title: 'Learning rate',
    logToggle: true,
    zeroBased: true,
    format: (v) => fmtMetric(v),
    caption: 'Warm-up then cosine schedule (lr_warmup_steps, lr_min_ratio).',
    series: [{ key: 'lr', label: 'lr', colour: 'c6' }],
  },
  {
    id: 'throughput',
    title: 'Throughput',
    zeroBased: true,
    smoothToggle: true,
    format: (v) => (v === null || v === undefined ? fmtMetric(v) : `${fmtCount(Math.round(v))}/s`),
    caption: 'Training examples per second (each example is one ACT supervision step of one puzzle).',
    series: [{ key: 'examplesPerSec', label: 'examples', colour: 'c1' }],
  },
];
