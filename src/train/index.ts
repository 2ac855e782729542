// Browser-safe training API; checkpoint files on disk are in './checkpoint-node.js'.
export {
  DEFAULT_EARLY_STOPPING,
  paperRecipe,
  type EarlyStoppingRule,
  type TrainConfig,
} from './recipes.js';
export { accuracy, argmax, maskedCrossEntropy, meanStd, predictionAccuracy } from './metrics.js';
export {
  createEarlyStopping,
  type EarlyStopping,
  type StoppingDecision,
} from './early-stopping.js';
export {
  evaluateModel,
  trainNodeClassifier,
  trainRuns,
  TrainConfigError,
  type EpochMetrics,
  type Evaluation,
  type MultiRunSummary,
  type RunResult,
  type TrainHooks,
} from './node-classification.js';
export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_METADATA_KEY,
  CheckpointError,
  deserializeCheckpoint,
  serializeCheckpoint,
  type CheckpointExtra,
  type CheckpointMetadata,
} from './checkpoint.js';
export {
  evaluateSampled,
  predictSampled,
  trainMiniBatch,
  type MiniBatchOptions,
  type SampledInferenceOptions,
} from './minibatch.js';
export {
  runDictionaryLookup,
  type DictionaryLookupOptions as DictionaryLookupRunOptions,
  type DictionaryLookupResult,
} from './dictlookup.js';
