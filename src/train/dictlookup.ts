/**
 * The DictionaryLookup experiment of Brody, Alon & Yahav, "How Attentive are Graph Attention
 * Networks?" (ICLR 2022, §4.1 and appendix A): k key nodes, each holding (key i, value π(i)),
 * all point to k query nodes, each holding (key i) only; query i must output π(i). Every
 * query has to attend to a different key. GAT's attention is static (every query ranks the
 * keys in the same order, DESIGN.md §1): with one head it does not fit the training set (it
 * may memorise part of it). With 8 heads it can fit it (each query still shifts every head's
 * scores by its own term before the LeakyReLU, which reshapes the weights of keys it ranks
 * alike), but it generalises poorly to unseen (key, value) pairs. GATv2's dynamic attention
 * solves the task.
 *
 * The model, as the authors' (their queries add a learned "empty value" embedding; here a
 * query's value row is simply absent):
 *
 *   h_v    = ReLU(E_key[key_v] + E_value[value_v])    one-hot features [N, 2k] · E [2k, d]
 *   h'     = one attention layer over keys → queries  (d/H channels per head, heads concatenated)
 *            GATv2: shared W (W_l = W_r), no bias, no self-loops; GAT: PyG defaults, with
 *            self-loops (a query also attends to itself), as the authors' code
 *   logits = dropout(h'_q, 0.5) W_outᵀ  for the query nodes only   [B·k, k], W_out without bias
 *   loss   = cross-entropy over the query nodes
 *
 * The authors apply that dropout (`F.dropout(x)`, p = 0.5) in evaluation too, which looks
 * unintended; here it is active in training only. Their reported training accuracy is the
 * running accuracy of the last epoch, in training mode: `runningTrainAcc` here, beside
 * `trainAcc`, measured after training in eval mode.
 *
 * Data come from `dictionaryLookup` (src/data): up to 32,000 permutations, split into
 * train/test by unseen (key, value) pairs, train fraction 0.8 (for k = 10: 3 of the 100 pairs
 * never occur in training, and every test example holds at least one). Each step stacks a
 * batch of examples into one disjoint-union graph, so one forward/backward covers the batch.
 *
 * Training: Adam with global-norm clipping at 1 and ReduceLROnPlateau (factor 0.5, patience
 * 10), as the authors'; they watch test accuracy, here the training accuracy (the test set
 * never drives a training decision). Early exit once the training accuracy has been 100 % for
 * a few epochs, or when it has stopped improving. The authors: d = 128, lr = 1e-3, batch 1024,
 * up to 50,000 epochs. Here: d = 128, lr = 3e-3, batch 256, at most 30 epochs by default.
 * Test accuracy hinges on the few held-out pairs and so on the seed; README has measured
 * figures and the command behind them.
 */
import { relu } from '../autograd/ops/activations.js';
import { gatherRows } from '../autograd/ops/gather-scatter.js';
import { dropout } from '../autograd/ops/dropout.js';
import { crossEntropy } from '../autograd/ops/loss.js';
import { matmul } from '../autograd/ops/matmul.js';
import { type Variable, backward, constant, noGrad } from '../autograd/variable.js';
import {
  type DictionaryLookupBatch,
  type DictionaryLookupTask,
  dictionaryLookup,
  dictionaryLookupBatch,
} from '../data/dictionary-lookup.js';
import type { EdgeIndex } from '../graph/edge-index.js';
import { GATConv } from '../nn/gat-conv.js';
import { GATv2Conv } from '../nn/gatv2-conv.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { Optimizer, ReduceLROnPlateau, adam, chain, clipByGlobalNorm } from '../optim/index.js';
import { Random } from '../tensor/random.js';
import { type DType, Tensor } from '../tensor/tensor.js';

export type DictionaryLookupModelKind = 'gat' | 'gatv2';

export interface DictionaryLookupOptions {
  model: DictionaryLookupModelKind;
  /** Number of keys (= queries = classes). */
  k: number;
  heads: number;
  /** Seeds the data (permutations, split), the initialisation and the batch order. Default 0. */
  seed?: number;
  /** Maximum number of epochs. Default 30. */
  epochs?: number;
  /** Initial Adam learning rate. Default 3e-3. */
  lr?: number;
  /** Examples (graphs) per step. Default 256. */
  batchSize?: number;
  /** Called after every epoch with the epoch's running training accuracy and the test accuracy. */
  onEpoch?(epoch: number, trainAcc: number, testAcc: number): void;
  /** Hidden width d (divided among the heads). Default 128, the paper's. */
  dim?: number;
  /** Fraction of the examples used for training (approximate for 'unseen-pairs'). Default 0.8. */
  trainFraction?: number;
  /** How examples are split. Default 'unseen-pairs' (the paper's). */
  split?: 'random' | 'unseen-pairs';
  /** Cap on the number of permutations. Default 32,000 (the paper's). */
  maxExamples?: number;
  /** Stop after this many consecutive epochs at 100 % training accuracy. Default 3. */
  perfectEpochs?: number;
  /** Stop after this many epochs without a gain of 0.1 point in training accuracy. Default 10. */
  patience?: number;
  /** Dropout on the attention layer's output while training. Default 0.5 (the authors'). */
  dropout?: number;
  /** Self-loops in the attention layer. Default: GAT true, GATv2 false (the authors'). */
  selfLoops?: boolean;
}

export interface DictionaryLookupResult {
  model: DictionaryLookupModelKind;
  k: number;
  heads: number;
  /** Accuracy over all training queries, evaluated after training. */
  trainAcc: number;
  /** Accuracy over all test queries, evaluated after training. */
  testAcc: number;
  /** Epochs run. */
  epochs: number;
  /** Wall time of data generation, training and evaluation. */
  ms: number;
  /** Examples (graphs) in each split. */
  numTrain?: number;
  numTest?: number;
  /** Mean training loss of the last epoch. */
  trainLoss?: number;
  /**
   * Training accuracy accumulated over the last epoch's steps, in training mode (dropout
   * active, weights changing): what the authors' code reports as train accuracy.
   */
  runningTrainAcc?: number;
}

export interface DictionaryLookupModelOptions {
  model: DictionaryLookupModelKind;
  k: number;
  heads: number;
  /** Hidden width d; must be divisible by heads. */
  dim: number;
  seed?: number;
  /**
   * Dropout on the attention layer's output while training. Default 0.5, the authors'
   * (`F.dropout(x)` after the GNN layer).
   */
  dropout?: number;
  /**
   * Whether the attention layer adds self-loops (a query then also attends to itself).
   * Default as the authors': true for GAT (PyG's default), false for GATv2.
   */
  selfLoops?: boolean;
  /** float64 for gradient checks. Default float32. */
  dtype?: DType;
}

/** Embeddings → one attention layer → linear readout of the query nodes. */
export class DictionaryLookupModel extends Module {
  readonly k: number;
  /** Rows 0..k-1 embed keys, rows k..2k-1 embed values. [2k, d] */
  readonly embedding: Variable;
  readonly conv: GATConv | GATv2Conv;
  readonly readout: Linear;
  readonly dropout: number;
  private readonly dtype: DType;
  private readonly rng: Random;

  constructor(options: DictionaryLookupModelOptions) {
    super();
    const { model, k, heads, dim } = options;
    if (!Number.isInteger(k) || k < 1) {
      throw new RangeError(`DictionaryLookupModel: k must be a positive integer, found ${k}`);
    }
    if (!Number.isInteger(heads) || heads < 1 || !Number.isInteger(dim) || dim % heads !== 0) {
      throw new RangeError(
        `DictionaryLookupModel: dim (${dim}) must be a multiple of heads (${heads})`,
      );
    }
    const p = options.dropout ?? 0.5;
    if (!(p >= 0 && p < 1)) {
      throw new RangeError(`DictionaryLookupModel: dropout must be in [0, 1), found ${p}`);
    }
    this.k = k;
    this.dropout = p;
    this.dtype = options.dtype ?? 'float32';
    const rng = new Random(options.seed ?? 0);
    // nn.Embedding's N(0, 1) initialisation.
    const table = Tensor.zeros([2 * k, dim], this.dtype);
    for (let i = 0; i < table.size; i++) table.data[i] = rng.normal();
    this.embedding = this.registerParameter('embedding', table);
    const layer = {
      inChannels: dim,
      outChannels: dim / heads,
      heads,
      seed: rng.nextUint32(),
      dtype: this.dtype,
    };
    const addSelfLoops = options.selfLoops ?? model === 'gat';
    this.conv = this.registerModule(
      'conv',
      model === 'gatv2'
        ? new GATv2Conv({ ...layer, bias: false, shareWeights: true, addSelfLoops })
        : new GATConv({ ...layer, addSelfLoops }),
    );
    this.readout = this.registerModule(
      'readout',
      new Linear(dim, k, rng.fork(), { bias: false, dtype: this.dtype }),
    );
    this.rng = rng.fork();
  }

  /** Logits of the batch's query nodes, in the order of `batch.queryNodes`. [B·k, k] */
  forward(batch: DictionaryLookupBatch): Variable {
    const features =
      batch.features.dtype === this.dtype ? batch.features : batch.features.to(this.dtype);
    const h = relu(matmul(constant(features), this.embedding)); // [B·2k, d]
    const attended = this.conv.forward(h, batch.edgeIndex); // [B·2k, d]
    const queries = gatherRows(attended, batch.queryNodes); // [B·k, d]
    return this.readout.forward(dropout(queries, this.dropout, this.rng, this.training)); // [B·k, k]
  }
}

/** Index of the largest entry of each row. */
function argmaxRows(logits: Tensor): Int32Array {
  const [n, c] = [logits.shape[0]!, logits.shape[1]!];
  const out = new Int32Array(n);
  const d = logits.data;
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (d[r * c + j]! > d[r * c + best]!) best = j;
    out[r] = best;
  }
  return out;
}

function countCorrect(logits: Tensor, targets: Int32Array): number {
  const pred = argmaxRows(logits);
  let correct = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === targets[i]) correct++;
  return correct;
}

/**
 * Builds disjoint-union batches. Batches of the same size share one edge-index object, so the
 * attention layer prepares (validates, sorts by target) each size's graph only once.
 */
class Batcher {
  private readonly edges = new Map<number, EdgeIndex>();

  constructor(private readonly task: DictionaryLookupTask) {}

  batch(perms: readonly Int32Array[]): DictionaryLookupBatch {
    const b = dictionaryLookupBatch(this.task, perms);
    const cached = this.edges.get(b.numGraphs);
    if (cached === undefined) {
      this.edges.set(b.numGraphs, b.edgeIndex);
      return b;
    }
    return { ...b, edgeIndex: cached };
  }
}

/** Query-node accuracy over `perms`, in eval mode without recording gradients. */
export function evaluateDictionaryLookup(
  model: DictionaryLookupModel,
  batcher: { batch(perms: readonly Int32Array[]): DictionaryLookupBatch },
  perms: readonly Int32Array[],
  batchSize: number,
): number {
  if (perms.length === 0) return Number.NaN;
  const wasTraining = model.training;
  model.eval();
  let correct = 0;
  let total = 0;
  noGrad(() => {
    for (let start = 0; start < perms.length; start += batchSize) {
      const batch = batcher.batch(perms.slice(start, start + batchSize));
      correct += countCorrect(model.forward(batch).value, batch.targets);
      total += batch.targets.length;
    }
  });
  model.train(wasTraining);
  return correct / total;
}

function positiveInteger(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) {
    throw new RangeError(`runDictionaryLookup: ${name} must be a positive integer, found ${v}`);
  }
  return v;
}

export function runDictionaryLookup(options: DictionaryLookupOptions): DictionaryLookupResult {
  const started = performance.now();
  const { model: kind, k, heads } = options;
  if (kind !== 'gat' && kind !== 'gatv2') {
    throw new RangeError(
      `runDictionaryLookup: model must be 'gat' or 'gatv2', found ${String(kind)}`,
    );
  }
  positiveInteger('k', k);
  positiveInteger('heads', heads);
  const seed = options.seed ?? 0;
  const maxEpochs = positiveInteger('epochs', options.epochs ?? 30);
  const batchSize = positiveInteger('batchSize', options.batchSize ?? 256);
  const dim = positiveInteger('dim', options.dim ?? 128);
  const perfectEpochs = positiveInteger('perfectEpochs', options.perfectEpochs ?? 3);
  const patience = positiveInteger('patience', options.patience ?? 10);
  const lr = options.lr ?? 3e-3;
  if (!(lr > 0) || !Number.isFinite(lr)) {
    throw new RangeError(`runDictionaryLookup: lr must be a positive number, found ${lr}`);
  }

  const task = dictionaryLookup({
    k,
    seed,
    trainFraction: options.trainFraction ?? 0.8,
    split: options.split ?? 'unseen-pairs',
    ...(options.maxExamples === undefined ? {} : { maxExamples: options.maxExamples }),
  });
  if (task.train.length === 0) {
    throw new RangeError(`runDictionaryLookup: the split left no training examples (k = ${k})`);
  }
  const rng = new Random(seed);
  const model = new DictionaryLookupModel({
    model: kind,
    k,
    heads,
    dim,
    seed: rng.nextUint32(),
    ...(options.dropout === undefined ? {} : { dropout: options.dropout }),
    ...(options.selfLoops === undefined ? {} : { selfLoops: options.selfLoops }),
  });
  const schedule = new ReduceLROnPlateau(lr, {
    mode: 'max',
    factor: 0.5,
    patience: 10,
    threshold: 1e-4,
    thresholdMode: 'abs',
  });
  const optimizer = new Optimizer(model.parameters(), chain(clipByGlobalNorm(1), adam(schedule)));
  const batcher = new Batcher(task);

  let epoch = 0;
  let perfectRun = 0;
  let best = -Infinity;
  let sinceBest = 0;
  let trainLoss = Number.NaN;
  let runningTrainAcc = Number.NaN;
  while (epoch < maxEpochs) {
    epoch++;
    model.train();
    const order = rng.permutation(task.train.length);
    let correct = 0;
    let total = 0;
    let lossSum = 0;
    for (let start = 0; start < order.length; start += batchSize) {
      const perms: Int32Array[] = [];
      for (let i = start; i < Math.min(start + batchSize, order.length); i++) {
        perms.push(task.train[order[i]!]!);
      }
      const batch = batcher.batch(perms);
      optimizer.zeroGrad();
      const logits = model.forward(batch);
      const loss = crossEntropy(logits, batch.targets);
      backward(loss);
      optimizer.step();
      correct += countCorrect(logits.value, batch.targets);
      total += batch.targets.length;
      lossSum += loss.value.data[0]! * batch.targets.length;
    }
    const trainAcc = correct / total;
    runningTrainAcc = trainAcc;
    trainLoss = lossSum / total;
    if (options.onEpoch !== undefined) {
      options.onEpoch(epoch, trainAcc, evaluateDictionaryLookup(model, batcher, task.test, 1024));
    }
    schedule.step(trainAcc);
    perfectRun = trainAcc === 1 ? perfectRun + 1 : 0;
    if (trainAcc > best + 1e-3) {
      best = trainAcc;
      sinceBest = 0;
    } else {
      sinceBest++;
    }
    if (perfectRun >= perfectEpochs || sinceBest >= patience) break;
  }

  return {
    model: kind,
    k,
    heads,
    trainAcc: evaluateDictionaryLookup(model, batcher, task.train, 1024),
    testAcc: evaluateDictionaryLookup(model, batcher, task.test, 1024),
    epochs: epoch,
    ms: performance.now() - started,
    numTrain: task.train.length,
    numTest: task.test.length,
    trainLoss,
    runningTrainAcc,
  };
}
