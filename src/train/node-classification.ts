/**
 * Full-batch node classification with a two-layer GAT/GATv2, as in both papers.
 *
 * Each epoch: model.train(); a forward pass over the whole graph with dropout drawn from the
 * model's own seeded generator (same seed → same run, bit for bit); cross-entropy over the
 * training rows; backward; one Adam step with L2 weight decay added to the gradient
 * (torch.optim.Adam(weight_decay=…), the GAT code's L2 loss term); then one eval-mode
 * forward without recording, which gives train/val/test accuracy and the val loss at once.
 * Early stopping (see early-stopping.ts) picks the epoch whose weights are restored at the
 * end; the reported accuracies are those of the restored model.
 */
import { StoragePool } from '../tensor/pool.js';
import { crossEntropy } from '../autograd/ops/loss.js';
import { backward, noGrad } from '../autograd/variable.js';
import type { NodeClassificationDataset } from '../data/graph.js';
import { GATModel } from '../nn/models/gat.js';
import { checkNodeInput } from '../nn/layer-input.js';
import { adam } from '../optim/optimizers.js';
import { Optimizer } from '../optim/optimizer.js';
import type { FloatArray, Tensor } from '../tensor/tensor.js';
import { createEarlyStopping } from './early-stopping.js';
import { argmax, maskedCrossEntropy, meanStd, predictionAccuracy } from './metrics.js';
import { DEFAULT_EARLY_STOPPING, type TrainConfig } from './recipes.js';

export interface EpochMetrics {
  /** From 1. */
  epoch: number;
  /** Cross-entropy over the training rows in training mode (with dropout). */
  trainLoss: number;
  /** Eval-mode accuracies and val loss after this epoch's update. */
  trainAcc: number;
  valLoss: number;
  valAcc: number;
  testAcc: number;
  /** Wall time of the epoch: training step and evaluation. */
  ms: number;
  /** Early stopping kept this epoch's weights (the best so far). */
  saved?: boolean;
}

export interface RunResult {
  seed: number;
  /** The epoch whose weights were restored. */
  bestEpoch: number;
  /** Epochs actually trained. */
  epochs: number;
  /** Accuracies and val loss of the restored model. */
  trainAcc: number;
  valAcc: number;
  valLoss: number;
  testAcc: number;
  msPerEpoch: number;
  /** The trained model with the best weights, in eval mode. */
  model: GATModel;
  history: EpochMetrics[];
}

export interface TrainHooks {
  /** Called after every epoch; `run` is the run index (0 for a single run). */
  onEpoch?(m: EpochMetrics, run: number): void;
  /** Polled before every epoch; true ends training early (best weights still restored). */
  shouldStop?(): boolean;
}

export interface Evaluation {
  trainAcc: number;
  valAcc: number;
  testAcc: number;
  /** Mean cross-entropy over the validation rows (NaN without validation rows). */
  valLoss: number;
  /** Argmax of the logits, one class per node. */
  pred: Int32Array;
  /** Eval-mode logits [N, classes]. */
  logits: Tensor;
}

export interface MultiRunSummary {
  runs: RunResult[];
  testAccMean: number;
  /** Sample standard deviation over runs. */
  testAccStd: number;
  valAccMean: number;
  epochsMean: number;
  /** Mean wall time per epoch over every epoch of every run. */
  msPerEpoch: number;
}

export class TrainConfigError extends Error {
  override name = 'TrainConfigError';
}

function checkConfig(
  caller: string,
  config: TrainConfig,
  dataset: NodeClassificationDataset,
): void {
  const problems: string[] = [];
  const positiveInt = (key: 'hidden' | 'heads' | 'outHeads' | 'epochs'): void => {
    const v = config[key];
    if (!Number.isInteger(v) || v < 1)
      problems.push(`${key} must be a positive integer, found ${v}`);
  };
  positiveInt('hidden');
  positiveInt('heads');
  positiveInt('outHeads');
  positiveInt('epochs');
  if (!Number.isInteger(config.patience) || config.patience < 0)
    problems.push(`patience must be a non-negative integer, found ${config.patience}`);
  if (config.model !== 'gat' && config.model !== 'gatv2')
    problems.push(`model must be 'gat' or 'gatv2', found '${String(config.model)}'`);
  for (const key of ['dropout', 'attentionDropout', 'valueDropout'] as const) {
    const v = config[key] ?? 0;
    if (!(v >= 0 && v < 1)) problems.push(`${key} must be in [0, 1), found ${v}`);
  }
  if (config.model === 'gatv2' && (config.valueDropout ?? 0) !== 0)
    problems.push(
      `valueDropout is for model 'gat' only, found ${config.valueDropout} with 'gatv2'`,
    );
  if (!(config.lr > 0 && Number.isFinite(config.lr)))
    problems.push(`lr must be a positive number, found ${config.lr}`);
  if (!(config.weightDecay >= 0 && Number.isFinite(config.weightDecay)))
    problems.push(`weightDecay must be a non-negative number, found ${config.weightDecay}`);
  if (!Number.isFinite(config.seed))
    problems.push(`seed must be a finite number, found ${config.seed}`);
  const n = dataset.numNodes;
  for (const key of ['trainMask', 'valMask', 'testMask'] as const) {
    if (dataset[key].length !== n)
      problems.push(`dataset.${key} has ${dataset[key].length} entries, expected ${n} (numNodes)`);
  }
  if (dataset.labels.length !== n)
    problems.push(`dataset.labels has ${dataset.labels.length} entries, expected ${n} (numNodes)`);
  if (problems.length > 0)
    throw new TrainConfigError(`${caller} (${dataset.name}): ${problems.join('; ')}`);
}

/** The indices where a mask is 1. */
export function rowsOf(mask: Uint8Array): Int32Array {
  let count = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === 1) count++;
  const rows = new Int32Array(count);
  for (let i = 0, k = 0; i < mask.length; i++) if (mask[i] === 1) rows[k++] = i;
  return rows;
}

/**
 * Eval-mode accuracies on the dataset's three splits from one forward pass without
 * recording. The model's training mode is restored afterwards.
 */
export function evaluateModel(
  model: GATModel,
  dataset: NodeClassificationDataset,
  options: { validate?: boolean } = {},
): Evaluation {
  const wasTraining = model.training;
  model.eval();
  const validate = options.validate ?? true;
  try {
    const logits = noGrad(() =>
      model.forward(dataset.features, dataset.edgeIndex, { validate }),
    ).value;
    const pred = argmax(logits);
    return {
      trainAcc: predictionAccuracy(pred, dataset.labels, dataset.trainMask),
      valAcc: predictionAccuracy(pred, dataset.labels, dataset.valMask),
      testAcc: predictionAccuracy(pred, dataset.labels, dataset.testMask),
      valLoss: maskedCrossEntropy(logits, dataset.labels, dataset.valMask),
      pred,
      logits,
    };
  } finally {
    model.train(wasTraining);
  }
}

export function copyValues(from: readonly { value: Tensor }[], to: readonly FloatArray[]): void {
  for (let i = 0; i < from.length; i++) to[i]!.set(from[i]!.value.data);
}

/** What every trainer starts from: checked inputs, the model, its optimiser, early stopping. */
export interface TrainingSetup {
  readonly trainRows: Int32Array;
  /** Without validation rows nothing can pick an epoch: train all epochs, keep the last. */
  readonly hasVal: boolean;
  readonly model: GATModel;
  readonly params: ReturnType<GATModel['parameters']>;
  readonly optimizer: Optimizer;
  /** Buffers for the best weights, one per parameter. */
  readonly best: FloatArray[];
  readonly stopper: ReturnType<typeof createEarlyStopping>;
}

/** Checks `config` and `dataset` (errors name `caller`) and builds the two-layer model. */
export function setUpTraining(
  caller: string,
  dataset: NodeClassificationDataset,
  config: TrainConfig,
): TrainingSetup {
  checkConfig(caller, config, dataset);
  // Features are scanned for NaN and infinity here, once: every epoch's forward skips it.
  checkNodeInput(caller, `${dataset.name} features`, dataset.features, dataset.numFeatures);
  const trainRows = rowsOf(dataset.trainMask);
  if (trainRows.length === 0) {
    throw new TrainConfigError(`${caller} (${dataset.name}): trainMask selects no node`);
  }
  const model = new GATModel({
    variant: config.model,
    inChannels: dataset.numFeatures,
    hiddenChannels: config.hidden,
    outChannels: dataset.numClasses,
    numLayers: 2,
    heads: config.heads,
    outHeads: config.outHeads,
    dropout: config.dropout,
    attentionDropout: config.attentionDropout,
    valueDropout: config.valueDropout ?? 0,
    seed: config.seed,
  });
  const params = model.parameters();
  return {
    trainRows,
    hasVal: dataset.valMask.some((v) => v === 1),
    model,
    params,
    optimizer: new Optimizer(params, adam(config.lr, { weightDecay: config.weightDecay })),
    best: params.map((p) => p.value.data.slice()),
    stopper: createEarlyStopping(
      config.earlyStopping ?? DEFAULT_EARLY_STOPPING,
      config.patience,
      config.epochs,
    ),
  };
}

/** Trains one model with `config` (its seed included) and returns it with the best weights. */
export function trainNodeClassifier(
  dataset: NodeClassificationDataset,
  config: TrainConfig,
  hooks: TrainHooks = {},
  run = 0,
): RunResult {
  const setup = setUpTraining('trainNodeClassifier', dataset, config);
  const { model, optimizer, trainRows } = setup;
  return runEpochs(
    setup,
    config,
    hooks,
    run,
    () => trainStep(model, optimizer, dataset, trainRows),
    () => evaluateModel(model, dataset, { validate: false }),
  );
}

/**
 * The epoch loop both trainers share: `step` trains one epoch and returns its mean training
 * loss, `evaluate` gives the eval-mode metrics that early stopping reads. Keeps the best
 * weights, restores them at the end and reports the restored model's metrics.
 */
export function runEpochs(
  setup: TrainingSetup,
  config: TrainConfig,
  hooks: TrainHooks,
  run: number,
  step: () => number,
  evaluate: () => Evaluation,
): RunResult {
  const { hasVal, model, params, optimizer, best, stopper } = setup;
  // Each epoch's activations, gradients and masks are recycled into the next (see
  // StoragePool): step and evaluate return numbers only, and what outlives them (weights,
  // optimizer state, gradients, the best weights below) is allocated outside the pools. One
  // pool each: a pool keeps only what its last run used, and the two need different arrays.
  const stepPool = new StoragePool();
  const evalPool = new StoragePool();
  const history: EpochMetrics[] = [];
  let bestEpoch = 0;
  let totalMs = 0;
  try {
    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      if (hooks.shouldStop?.() === true) break;
      const start = performance.now();
      const trainLoss = stepPool.run(step);
      const ev = evalPool.run(evaluate);
      const ms = performance.now() - start;
      totalMs += ms;
      const decision = hasVal
        ? stopper.update(epoch, ev.valLoss, ev.valAcc)
        : { save: true, stop: false };
      if (decision.save) {
        copyValues(params, best);
        bestEpoch = epoch;
      }
      const m: EpochMetrics = {
        epoch,
        trainLoss,
        trainAcc: ev.trainAcc,
        valLoss: ev.valLoss,
        valAcc: ev.valAcc,
        testAcc: ev.testAcc,
        ms,
        saved: decision.save,
      };
      history.push(m);
      hooks.onEpoch?.(m, run);
      if (decision.stop) break;
    }
  } finally {
    // Their arrays may live in the kernels' memory: give them back.
    stepPool.clear();
    evalPool.clear();
  }

  if (bestEpoch > 0) for (let i = 0; i < params.length; i++) params[i]!.value.data.set(best[i]!);
  optimizer.zeroGrad();
  model.eval();
  const final = evaluate();
  return {
    seed: config.seed,
    bestEpoch,
    epochs: history.length,
    trainAcc: final.trainAcc,
    valAcc: final.valAcc,
    valLoss: final.valLoss,
    testAcc: final.testAcc,
    msPerEpoch: history.length === 0 ? NaN : totalMs / history.length,
    model,
    history,
  };
}

/**
 * `runs` independent runs with seeds config.seed, config.seed + 1, ...; stops early (with the
 * runs finished so far) when `hooks.shouldStop` says so.
 */
export function trainRuns(
  dataset: NodeClassificationDataset,
  config: TrainConfig,
  runs: number,
  hooks: TrainHooks = {},
): MultiRunSummary {
  if (!Number.isInteger(runs) || runs < 1)
    throw new TrainConfigError(`trainRuns: runs must be a positive integer, found ${runs}`);
  const results: RunResult[] = [];
  for (let r = 0; r < runs; r++) {
    if (r > 0 && hooks.shouldStop?.() === true) break;
    results.push(trainNodeClassifier(dataset, { ...config, seed: config.seed + r }, hooks, r));
  }
  const test = meanStd(results.map((r) => r.testAcc));
  const totalEpochs = results.reduce((s, r) => s + r.epochs, 0);
  const totalMs = results.reduce((s, r) => s + (r.epochs === 0 ? 0 : r.msPerEpoch * r.epochs), 0);
  return {
    runs: results,
    testAccMean: test.mean,
    testAccStd: test.std,
    valAccMean: meanStd(results.map((r) => r.valAcc)).mean,
    epochsMean: meanStd(results.map((r) => r.epochs)).mean,
    msPerEpoch: totalEpochs === 0 ? NaN : totalMs / totalEpochs,
  };
}

/**
 * One optimisation step in training mode; returns the training loss. A function of its own
 * so that the step's autograd graph is unreachable once it returns, before evaluation
 * allocates (on large graphs the graph holds gigabytes).
 */
function trainStep(
  model: GATModel,
  optimizer: Optimizer,
  dataset: NodeClassificationDataset,
  trainRows: Int32Array,
): number {
  model.train();
  optimizer.zeroGrad();
  const loss = crossEntropy(
    model.forward(dataset.features, dataset.edgeIndex, { validate: false }),
    dataset.labels,
    trainRows,
  );
  backward(loss);
  optimizer.step();
  return loss.value.data[0]!;
}
