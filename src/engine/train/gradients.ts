// Registers TF.js gradient functions for training. tfjs-core's node bundle (its `main`) registers
// none; they live in the package's ES-module files, which a bundler loads as a second copy of the
// library sharing the global engine and registries. Whichever copy creates the engine decides the
// Tensor class, so the ES copy's op handler must be installed too (base_side_effects) or tensors
// created after it can fail in chained ops (`opHandler.cast`). Import this module, not the files.

import '@tensorflow/tfjs-core/dist/base_side_effects';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
