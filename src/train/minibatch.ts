/**
 * Mini-batch node classification with neighbour sampling (PyG's `NeighborLoader`, GraphSAGE's
 * sampler), for graphs whose full-batch activations do not fit.
 *
 * Each epoch: the training nodes are shuffled (seeded) and cut into batches of seeds; for
 * each batch the sampler draws `fanouts[h]` in-neighbours per node at hop h (see
 * graph/neighbor-sampler.ts), the two-layer model runs on that subgraph only, the loss is the
 * cross-entropy over the seeds, and one Adam step follows. After the epoch the model is
 * evaluated — full-batch without recording (the default, exact) or by sampled inference
 * (the same sampler over the val/test nodes, for graphs where even inference does not fit) —
 * and the same early stopping as the full-batch trainer picks the weights that are restored.
 *
 * Every random draw is seeded from `config.seed`: the model's dropout, the shuffle and the
 * sampling each have their own generator, so a run is reproducible bit for bit.
 */
import { crossEntropy } from '../autograd/ops/loss.js';
import { backward, noGrad } from '../autograd/variable.js';
import type { NodeClassificationDataset } from '../data/graph.js';
import { NeighborSampler, sliceNodeFeatures, sliceNodeValues } from '../graph/neighbor-sampler.js';
import { GATModel } from '../nn/models/gat.js';
import { Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { argmax, maskedCrossEntropy, predictionAccuracy } from './metrics.js';
import {
  type Evaluation,
  type RunResult,
  TrainConfigError,
  type TrainHooks,
  evaluateModel,
  rowsOf,
  runEpochs,
  setUpTraining,
} from './node-classification.js';
import type { TrainConfig } from './recipes.js';

/** The trainer's model has two attention layers, so two hops are sampled. */
const NUM_LAYERS = 2;

export interface MiniBatchOptions {
  /**
   * In-neighbours sampled per node at each hop, nearest the seeds first (PyG's
   * `num_neighbors`); −1 takes all. One entry per layer.
   */
  fanouts: readonly number[];
  /** Seed (training) nodes per batch. */
  batchSize: number;
  /**
   * Evaluate with one full-graph forward pass (exact; default true), or with sampled
   * inference over the split nodes (`evalFanouts`, `evalBatchSize`) when that does not fit.
   */
  evalFullBatch?: boolean;
  /** Fan-outs of sampled inference; default `fanouts` ([-1, -1] is exact). */
  evalFanouts?: readonly number[];
  /** Seeds per batch of sampled inference; default max(batchSize, 512). */
  evalBatchSize?: number;
}

export interface SampledInferenceOptions {
  fanouts: readonly number[];
  batchSize: number;
  /** Seeds the sampling; the same seed gives the same subgraphs, so epochs compare fairly. */
  seed: number;
  /** Nodes to predict; default every node in the train, val or test mask. */
  nodes?: Int32Array;
}

function checkFanouts(fn: string, name: string, fanouts: readonly number[]): void {
  if (!Array.isArray(fanouts) || fanouts.length !== NUM_LAYERS) {
    throw new TrainConfigError(
      `${fn}: ${name} must have ${NUM_LAYERS} entries (one per layer), found ${
        Array.isArray(fanouts) ? `${fanouts.length}` : typeof fanouts
      }`,
    );
  }
  fanouts.forEach((f, h) => {
    if (!(f === -1 || (Number.isInteger(f) && f >= 1))) {
      throw new TrainConfigError(
        `${fn}: ${name}[${h}] must be a positive integer or -1 (all), found ${f}`,
      );
    }
  });
}

function checkBatchSize(fn: string, name: string, size: number): void {
  if (!Number.isInteger(size) || size < 1) {
    throw new TrainConfigError(`${fn}: ${name} must be a positive integer, found ${size}`);
  }
}

/**
 * Logits of `nodes` from sampled subgraphs, batch by batch, without recording; returned as
 * [N, classes] with zero rows for nodes not predicted. Eval mode; the model's training mode
 * is restored afterwards.
 */
export function predictSampled(
  model: GATModel,
  dataset: NodeClassificationDataset,
  sampler: NeighborSampler,
  options: SampledInferenceOptions,
): Tensor {
  const fn = 'predictSampled';
  checkFanouts(fn, 'fanouts', options.fanouts);
  checkBatchSize(fn, 'batchSize', options.batchSize);
  if (sampler.numNodes !== dataset.numNodes) {
    throw new TrainConfigError(
      `${fn}: the sampler has ${sampler.numNodes} nodes, expected ${dataset.numNodes} (dataset.numNodes)`,
    );
  }
  const nodes =
    options.nodes ??
    rowsOf(dataset.trainMask.map((t, i) => t | dataset.valMask[i]! | dataset.testMask[i]!));
  const k = dataset.numClasses;
  const rng = new Random(options.seed);
  const logits = Tensor.zeros([dataset.numNodes, k], model.config.dtype); // [N, K]
  const wasTraining = model.training;
  model.eval();
  try {
    noGrad(() => {
      for (let b = 0; b < nodes.length; b += options.batchSize) {
        const seeds = nodes.subarray(b, Math.min(b + options.batchSize, nodes.length));
        const sub = sampler.sample(seeds, options.fanouts, rng);
        const out = model.forward(sliceNodeFeatures(dataset.features, sub.nodes), sub.edgeIndex);
        for (let s = 0; s < seeds.length; s++) {
          logits.data.set(out.value.data.subarray(s * k, (s + 1) * k), seeds[s]! * k);
        }
      }
    });
  } finally {
    model.train(wasTraining);
  }
  return logits;
}

/** Accuracies and val loss as `evaluateModel`, from sampled inference over the split nodes. */
export function evaluateSampled(
  model: GATModel,
  dataset: NodeClassificationDataset,
  sampler: NeighborSampler,
  options: SampledInferenceOptions,
): Evaluation {
  const logits = predictSampled(model, dataset, sampler, options);
  const pred = argmax(logits);
  return {
    trainAcc: predictionAccuracy(pred, dataset.labels, dataset.trainMask),
    valAcc: predictionAccuracy(pred, dataset.labels, dataset.valMask),
    testAcc: predictionAccuracy(pred, dataset.labels, dataset.testMask),
    valLoss: maskedCrossEntropy(logits, dataset.labels, dataset.valMask),
    pred,
    logits,
  };
}

/**
 * Trains one two-layer model with `config` by neighbour-sampled mini-batches and returns it
 * with the best weights, in the full-batch trainer's `RunResult` shape. An epoch is one pass
 * over the training nodes (⌈train / batchSize⌉ optimiser steps); `trainLoss` is the mean
 * over the epoch's seeds.
 */
export function trainMiniBatch(
  dataset: NodeClassificationDataset,
  config: TrainConfig,
  options: MiniBatchOptions,
  hooks: TrainHooks = {},
  run = 0,
): RunResult {
  const fn = `trainMiniBatch (${dataset.name})`;
  checkFanouts(fn, 'options.fanouts', options.fanouts);
  checkBatchSize(fn, 'options.batchSize', options.batchSize);
  const evalFullBatch = options.evalFullBatch ?? true;
  const evalFanouts = options.evalFanouts ?? options.fanouts;
  const evalBatchSize = options.evalBatchSize ?? Math.max(options.batchSize, 512);
  if (!evalFullBatch) {
    checkFanouts(fn, 'options.evalFanouts', evalFanouts);
    checkBatchSize(fn, 'options.evalBatchSize', evalBatchSize);
  }
  const setup = setUpTraining('trainMiniBatch', dataset, config);
  const { trainRows, model, optimizer } = setup;
  const n = dataset.numNodes;
  const sampler = new NeighborSampler(dataset.edgeIndex, n);
  // Separate streams, so changing the batch size does not shift the model's dropout masks.
  const streams = new Random(config.seed).fork();
  const shuffleRng = streams.fork();
  const sampleRng = streams.fork();
  const evalSeed = streams.nextUint32();
  const evaluate = (): Evaluation =>
    evalFullBatch
      ? evaluateModel(model, dataset, { validate: false })
      : evaluateSampled(model, dataset, sampler, {
          fanouts: evalFanouts,
          batchSize: evalBatchSize,
          seed: evalSeed,
        });

  const seeds = new Int32Array(trainRows.length);
  /** One epoch of mini-batch steps over the shuffled training nodes; the mean loss. */
  const epochStep = (): number => {
    model.train();
    const order = shuffleRng.permutation(trainRows.length);
    for (let s = 0; s < order.length; s++) seeds[s] = trainRows[order[s]!]!;
    let lossSum = 0;
    for (let b = 0; b < seeds.length; b += options.batchSize) {
      const batch = seeds.subarray(b, Math.min(b + options.batchSize, seeds.length));
      const sub = sampler.sample(batch, options.fanouts, sampleRng);
      const seedRows = new Int32Array(batch.length);
      for (let s = 0; s < batch.length; s++) seedRows[s] = s;
      optimizer.zeroGrad();
      // setUpTraining scanned the features once; a slice of them needs no second scan.
      const logits = model.forward(sliceNodeFeatures(dataset.features, sub.nodes), sub.edgeIndex, {
        validate: false,
      });
      const loss = crossEntropy(logits, sliceNodeValues(dataset.labels, sub.nodes), seedRows);
      backward(loss);
      optimizer.step();
      lossSum += loss.value.data[0]! * batch.length;
    }
    return lossSum / seeds.length;
  };
  return runEpochs(setup, config, hooks, run, epochStep, evaluate);
}
