export {
  applyUpdates,
  chain,
  isInPlace,
  type GradientTransformation,
  type InPlaceTransformation,
  type UpdateResult,
  type Updates,
} from './transform.js';
export {
  addDecayedWeights,
  clipByGlobalNorm,
  momentum,
  scaleByAdam,
  scaleByLearningRate,
  type AdamOptions,
  type AdamState,
  type ClipOptions,
  type ClipState,
  type MomentumOptions,
  type MomentumState,
  type ScaleByLearningRateState,
} from './transforms.js';
export { type FusedAdamState } from './fused-adam.js';
export {
  adam,
  adamComposed,
  adamw,
  sgd,
  type AdamWeightDecayOptions,
  type SgdOptions,
} from './optimizers.js';
export {
  ReduceLROnPlateau,
  resolveLearningRate,
  type LearningRate,
  type LearningRateSource,
  type PlateauOptions,
  type Schedule,
} from './learning-rate.js';
export { Optimizer } from './optimizer.js';
