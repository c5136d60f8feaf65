// Human-readable lines for the training output channel and the progress notification, from the
// trainer's events. Pure: no `vscode` import, unit-tested.
import type { TrainEvent, TrainRequest } from '../../engine/train/events';

const num = (x: number, digits = 4): string =>
  Number.isFinite(x)
    ? Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3)
      ? x.toExponential(2)
      : x.toFixed(digits)
    : String(x);
const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : String(x));

/** "1:02:03" / "4:05" for a duration in seconds. */
export function duration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '?';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0
    ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}`
    : `${m}:${String(r).padStart(2, '0')}`;
}

export function describeRequest(r: TrainRequest): string {
  const parts = [
    r.resume ? 'resume' : 'train',
    r.preset ? `preset ${r.preset}` : '',
    r.configPath ? `config ${r.configPath}` : '',
    `data ${r.data}`,
    `out ${r.out}`,
  ];
  for (const k of ['steps', 'batchSize', 'lr', 'evalEvery', 'checkpointEvery', 'seed', 'backend'] as const) {
    if (r[k] !== undefined) parts.push(`${k} ${String(r[k])}`);
  }
  return parts.filter(Boolean).join(' · ');
}

export function describeEvent(e: TrainEvent): string {
  switch (e.type) {
    case 'started':
      return (
        `${e.resumed ? 'resumed' : 'started'} ${e.preset ?? 'custom config'} on ${e.backend}: steps ${e.startStep}→${e.totalSteps}` +
        `${e.parameters !== undefined ? `, ${e.parameters.toLocaleString('en-US')} parameters` : ''} → ${e.runDir}`
      );
    case 'progress': {
      const m = e.metrics;
      return (
        `step ${e.step}/${e.totalSteps}  loss ${num(m.totalLoss)} (lm ${num(m.lmLoss)}, q_halt ${num(m.qHaltLoss)})  ` +
        `acc ${pct(m.accuracy)} exact ${pct(m.exactAccuracy)} q_halt ${pct(m.qHaltAccuracy)}  steps ${num(m.meanSteps, 2)}  ` +
        `lr ${num(e.lr)}  ${num(e.examplesPerSec, 1)} ex/s  ${duration(e.elapsedSec)}`
      );
    }
    case 'eval':
      return `eval @ step ${e.step}: ${
        Object.entries(e.metrics)
          .map(([k, v]) => `${k} ${num(v)}`)
          .join(', ') || '(no metrics)'
      }`;
    case 'checkpoint':
      return `checkpoint @ step ${e.step}: ${e.path}`;
    case 'finished':
      return e.reason === 'done' ? `finished at step ${e.step}` : `cancelled at step ${e.step} (checkpoint written)`;
    case 'error':
      return `error: ${e.message}`;
  }
}

/** Short text for the progress notification; time left = remaining steps × batch size / recent throughput. */
export function progressText(e: Extract<TrainEvent, { type: 'progress' }>, examplesPerStep?: number | null): string {
  const left =
    examplesPerStep && e.examplesPerSec > 0 ? ((e.totalSteps - e.step) * examplesPerStep) / e.examplesPerSec : NaN;
  return (
    `step ${e.step}/${e.totalSteps} · loss ${num(e.metrics.totalLoss, 3)} · acc ${pct(e.metrics.accuracy)}` +
    `${Number.isFinite(left) ? ` · ${duration(left)} left` : ''}`
  );
}
