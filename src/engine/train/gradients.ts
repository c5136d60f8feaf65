// Registers TF.js gradient functions for training. tfjs-core's node bundle (its `main`) registers
// none; they live in the package's ES-module files, which a bundler loads as a second copy of the
// library sharing the global engine and registries. Whichever copy creates the engine decides the
// Tensor class, so the ES copy's op handler must be installed too (base_side_effects) or tensors
// created after it can fail in chained ops (`opHandler.cast`). Import this module, not the files.
// The second copy also sets the (identical) node platform again; that one warning is expected and
// is kept off the user's terminal, every other warning passes through.

const EXPECTED = 'Platform node has already been set.';
const warn = console.warn;
console.warn = (...args: unknown[]): void => {
  if (typeof args[0] === 'string' && args[0].startsWith(EXPECTED)) return;
  warn(...args);
};
try {
  require('@tensorflow/tfjs-core/dist/base_side_effects');
  require('@tensorflow/tfjs-core/dist/register_all_gradients');
} finally {
  console.warn = warn;
}
