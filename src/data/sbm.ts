/**
 * A seeded stochastic block model for scale benchmarks: classes are blocks, an edge joins
 * two nodes of the same class with probability `homophily` and two uniform nodes otherwise;
 * sparse features are drawn mostly from a block of columns owned by the node's class.
 *
 * Everything lives in typed arrays (no JS array grows with the graph), memory is
 * O(N·featuresPerNode + E), and 1M nodes / 10M edges take a few seconds.
 */
import type { CsrMatrix } from '../kernels/kernels.js';
import { Random } from '../tensor/random.js';
import { coalesceEdges, sortRange } from './edges.js';
import { DataError } from './errors.js';
import type { NodeClassificationDataset } from './graph.js';
import { randomSplit, type RandomSplitOptions } from './split.js';

export interface StochasticBlockModelOptions {
  readonly numNodes: number;
  /**
   * Directed edges to aim for (numEdges / 2 random pairs, each added both ways); self-loops
   * and duplicate pairs are dropped, so the result has slightly fewer. Default 10·numNodes.
   */
  readonly numEdges?: number;
  readonly numClasses?: number; // default 8
  /** Probability that an edge stays inside its source's class. Default 0.8. */
  readonly homophily?: number;
  readonly numFeatures?: number; // default 128
  /** Non-zeros drawn per node (duplicates merge). Default 16. */
  readonly featuresPerNode?: number;
  /** Probability a drawn feature column comes from the class's own block. Default 0.6. */
  readonly featureSignal?: number;
  /** Default { trainFraction: 0.1, valFraction: 0.1, seed } — the rest is test. */
  readonly split?: RandomSplitOptions;
  readonly seed?: number; // default 0
}

export function stochasticBlockModel(
  options: StochasticBlockModelOptions,
): NodeClassificationDataset {
  const n = options.numNodes;
  const numEdges = options.numEdges ?? 10 * n;
  const numClasses = options.numClasses ?? 8;
  const homophily = options.homophily ?? 0.8;
  const numFeatures = options.numFeatures ?? 128;
  const perNode = options.featuresPerNode ?? 16;
  const signal = options.featureSignal ?? 0.6;
  const seed = options.seed ?? 0;
  const check = (ok: boolean, what: string, value: number): void => {
    if (!ok) throw new DataError(`stochasticBlockModel: ${what}, found ${value}`);
  };
  check(
    Number.isInteger(n) && n >= 1 && n < 2 ** 31,
    'numNodes must be an integer in [1, 2^31)',
    n,
  );
  check(
    Number.isInteger(numEdges) && numEdges >= 0 && numEdges < 2 ** 31,
    'numEdges must be an integer in [0, 2^31)',
    numEdges,
  );
  check(
    Number.isInteger(numClasses) && numClasses >= 1 && numClasses <= n,
    'numClasses must be an integer in [1, numNodes]',
    numClasses,
  );
  check(homophily >= 0 && homophily <= 1, 'homophily must be in [0, 1]', homophily);
  check(
    Number.isInteger(numFeatures) && numFeatures >= numClasses,
    'numFeatures must be an integer ≥ numClasses',
    numFeatures,
  );
  check(
    Number.isInteger(perNode) && perNode >= 1 && perNode <= numFeatures,
    'featuresPerNode must be an integer in [1, numFeatures]',
    perNode,
  );
  check(signal >= 0 && signal <= 1, 'featureSignal must be in [0, 1]', signal);

  const rng = new Random(seed);

  // Labels, and the members of each class (counting sort) to draw same-class neighbours.
  const labels = new Int32Array(n);
  const classStart = new Int32Array(numClasses + 1);
  for (let i = 0; i < n; i++) {
    const c = rng.int(numClasses);
    labels[i] = c;
    classStart[c + 1]!++;
  }
  for (let c = 0; c < numClasses; c++) classStart[c + 1]! += classStart[c]!;
  const members = new Int32Array(n);
  const fill = classStart.slice(0, numClasses);
  for (let i = 0; i < n; i++) members[fill[labels[i]!]!++] = i;

  // Edges: numEdges / 2 pairs, made undirected by coalesceEdges.
  const pairs = Math.floor(numEdges / 2);
  const src = new Int32Array(pairs);
  const dst = new Int32Array(pairs);
  for (let e = 0; e < pairs; e++) {
    const s = rng.int(n);
    let t: number;
    if (rng.uniform() < homophily) {
      const c = labels[s]!;
      const lo = classStart[c]!;
      t = members[lo + rng.int(classStart[c + 1]! - lo)]!;
    } else {
      t = rng.int(n);
    }
    src[e] = s;
    dst[e] = t;
  }
  const edgeIndex = coalesceEdges(src, dst, n, { removeSelfLoops: true, undirected: true });

  return {
    name: `SBM(${n}, ${edgeIndex.src.length})`,
    numNodes: n,
    numFeatures,
    numClasses,
    features: blockFeatures(labels, numClasses, numFeatures, perNode, signal, rng),
    labels,
    edgeIndex,
    ...randomSplit(n, options.split ?? { trainFraction: 0.1, valFraction: 0.1, seed }),
  };
}

/** Row i: `perNode` columns (sorted, duplicates merged), each 1/len so the row sums to 1. */
function blockFeatures(
  labels: Int32Array,
  numClasses: number,
  numFeatures: number,
  perNode: number,
  signal: number,
  rng: Random,
): CsrMatrix {
  const n = labels.length;
  const block = Math.floor(numFeatures / numClasses);
  const rowPtr = new Int32Array(n + 1);
  const colIdx = new Int32Array(n * perNode);
  const row = new Int32Array(perNode);
  let p = 0;
  for (let i = 0; i < n; i++) {
    const base = labels[i]! * block;
    for (let k = 0; k < perNode; k++) {
      row[k] = rng.uniform() < signal ? base + rng.int(block) : rng.int(numFeatures);
    }
    sortRange(row, 0, perNode);
    for (let k = 0; k < perNode; k++) {
      if (k > 0 && row[k] === row[k - 1]) continue;
      colIdx[p++] = row[k]!;
    }
    rowPtr[i + 1] = p;
  }
  const values = new Float32Array(p);
  for (let i = 0; i < n; i++) {
    const len = rowPtr[i + 1]! - rowPtr[i]!;
    values.fill(1 / len, rowPtr[i], rowPtr[i + 1]);
  }
  return {
    rows: n,
    cols: numFeatures,
    rowPtr,
    colIdx: p === colIdx.length ? colIdx : colIdx.slice(0, p),
    values,
  };
}
