// The bundled models' data and training recipes (used by `npm run train:demo` and bench:train).
// - `trm42` (the default model): the paper's recursion, T = H_cycles 3 cycles of n = L_cycles 6 z
//   updates and one y update, 2 layers, N_sup = halt_max_steps 16: 3 x (6 + 1) x 2 = 42 layer
//   applications per supervision step; a small hidden size so that it trains on a CPU.
// - `small` (the quick model): 1 layer, T = 2 cycles of n = 2 z updates, N_sup 8. Tests use it.

export const DEMO_DATA = { trainPuzzles: 8000, testPuzzles: 500, augment: 1, minGivens: 46, maxGivens: 54, seed: 2024 };

export const DEMO_RECIPE = {
  preset: 'sudoku-mlp-demo',
  arch: {
    hidden_size: 64,
    puzzle_emb_ndim: 64,
    puzzle_emb_len: 1,
    L_layers: 1,
    H_cycles: 2,
    L_cycles: 2,
    halt_max_steps: 8,
  },
  global_batch_size: 32,
  total_steps: 1400,
  lr: 2e-3,
  lr_warmup_steps: 50,
  lr_min_ratio: 0.1,
  weight_decay: 0.1,
  puzzle_emb_lr: 1e-2,
  puzzle_emb_weight_decay: 0.1,
  ema: true,
  ema_rate: 0.99,
  eval_interval: 250,
  eval_max_examples: 64,
  checkpoint_every: 50,
  log_every: 10,
  seed: 7,
};

export const TRM42_RECIPE = {
  preset: 'sudoku-mlp-demo',
  arch: {
    hidden_size: 64,
    puzzle_emb_ndim: 64,
    puzzle_emb_len: 1,
    L_layers: 2,
    H_cycles: 3,
    L_cycles: 6,
    halt_max_steps: 16,
  },
  global_batch_size: 32,
  total_steps: 1600,
  lr: 2e-3,
  lr_warmup_steps: 50,
  lr_min_ratio: 0.1,
  weight_decay: 0.1,
  puzzle_emb_lr: 1e-2,
  puzzle_emb_weight_decay: 0.1,
  ema: true,
  ema_rate: 0.99,
  eval_interval: 400,
  eval_max_examples: 64,
  checkpoint_every: 25,
  log_every: 5,
  seed: 11,
};

export const DEMO_RECIPES = { trm42: TRM42_RECIPE, small: DEMO_RECIPE } as const;
export type DemoRecipeName = keyof typeof DEMO_RECIPES;
