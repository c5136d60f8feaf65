// Learning-rate schedule of pretrain.py (cosine_schedule_with_warmup_lr_lambda):
// linear warm-up, then cosine decay towards lr_min_ratio x base. `step` is the 1-based number of the
// update being made (the official counter is incremented before use).

export interface ScheduleParams {
  baseLr: number;
  warmupSteps: number;
  totalSteps: number;
  minRatio: number;
}

export function scheduledLr(step: number, p: ScheduleParams): number {
  if (step < p.warmupSteps) return (p.baseLr * step) / Math.max(1, p.warmupSteps);
  const progress = (step - p.warmupSteps) / Math.max(1, p.totalSteps - p.warmupSteps);
  const r = p.minRatio;
  return p.baseLr * (r + Math.max(0, (1 - r) * 0.5 * (1 + Math.cos(Math.PI * progress))));
}
