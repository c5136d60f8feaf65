// The bundled demo model's data and training recipe (used by `npm run train:demo` and bench:train).
// Sized for a CPU budget of about 40 minutes on a shared 2-core machine: a 1-layer MLP-T of hidden 64
// with T = 2 cycles of n = 2 z updates and up to N_sup = 8 supervision steps.

export const DEMO_DATA = { trainPuzzles: 8000, testPuzzles: 500, augment: 1, minGivens: 46, maxGivens: 54, seed: 2024 };
export const DEMO_RECIPE = {
  preset: 'sudoku-mlp-demo',
  arch: { hidden_size: 64, puzzle_emb_ndim: 64, puzzle_emb_len: 1, L_layers: 1, H_cycles: 2, L_cycles: 2, halt_max_steps: 8 },
  global_batch_size: 32, total_steps: 1400, lr: 2e-3, lr_warmup_steps: 50, lr_min_ratio: 0.1, weight_decay: 0.1,
  puzzle_emb_lr: 1e-2, puzzle_emb_weight_decay: 0.1, ema: true, ema_rate: 0.99, eval_interval: 250, eval_max_examples: 64,
  checkpoint_every: 50, log_every: 10, seed: 7,
};

