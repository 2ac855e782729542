/**
 * DictionaryLookup, the synthetic problem of Brody, Alon & Yahav, "How Attentive are Graph
 * Attention Networks?" (ICLR 2022, §4.1): a complete bipartite graph from k key nodes to k
 * query nodes. Key i carries the attributes (key i, value π(i)); query i carries (key i)
 * only; query i must predict π(i), the value of the key with its own id. Each query has to
 * attend to a different key, which static attention (GAT: every query ranks keys the same
 * way) cannot do for all queries at once and dynamic attention (GATv2) can.
 *
 * As in the authors' code: queries are nodes 0..k-1 and keys k..2k-1; every example is one
 * permutation π; all k! permutations when k! ≤ maxExamples (32,000), else maxExamples
 * distinct random ones; train/test is a random split of the permutations (trainFraction
 * 0.8), or "unseen-pairs": a random set of allowed (key, value) pairs is drawn so that a
 * fraction ≈ trainFraction of the examples use only allowed pairs; those are train, the
 * rest test (every test example contains a pair never seen in training).
 *
 * Features are one-hot, [2k, 2k]: columns 0..k-1 encode the key id, columns k..2k-1 the
 * value (all zero for queries).
 */
import { Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { DataError } from './errors.js';
import type { EdgeIndex } from './graph.js';

export interface DictionaryLookupOptions {
  /** Number of keys (= queries = classes). */
  readonly k: number;
  /** Default 0.8. */
  readonly trainFraction?: number;
  /** Cap on the number of permutations. Default 32,000 (as the paper's code). */
  readonly maxExamples?: number;
  /** Default 'random'. */
  readonly split?: 'random' | 'unseen-pairs';
  readonly seed?: number;
}

export interface DictionaryLookupTask {
  readonly k: number;
  readonly numFeatures: number; // 2k
  readonly numClasses: number; // k
  /** The graph shared by every example: keys k..2k-1 → queries 0..k-1, k² edges. */
  readonly edgeIndex: EdgeIndex;
  readonly queryNodes: Int32Array; // [k] = 0..k-1
  /** Examples as permutations: π[i] = the value of key i = the target of query i. */
  readonly train: readonly Int32Array[];
  readonly test: readonly Int32Array[];
}

/** One example, or a batch of them as one disjoint-union graph. */
export interface DictionaryLookupBatch {
  readonly numGraphs: number;
  readonly features: Tensor; // [B·2k, 2k]
  readonly edgeIndex: EdgeIndex; // B·k² edges, graph b's nodes offset by b·2k
  readonly queryNodes: Int32Array; // [B·k]
  readonly targets: Int32Array; // [B·k], class of each query node
}

export function dictionaryLookup(options: DictionaryLookupOptions): DictionaryLookupTask {
  const { k } = options;
  const trainFraction = options.trainFraction ?? 0.8;
  const maxExamples = options.maxExamples ?? 32_000;
  if (!Number.isInteger(k) || k < 1) {
    throw new DataError(`dictionaryLookup: k must be a positive integer, found ${k}`);
  }
  if (!(trainFraction >= 0 && trainFraction <= 1)) {
    throw new DataError(
      `dictionaryLookup: trainFraction must be in [0, 1], found ${trainFraction}`,
    );
  }
  if (!Number.isInteger(maxExamples) || maxExamples < 1) {
    throw new DataError(
      `dictionaryLookup: maxExamples must be a positive integer, found ${maxExamples}`,
    );
  }
  const rng = new Random(options.seed ?? 0);
  const perms = factorialAtMost(k, maxExamples)
    ? allPermutations(k)
    : randomPermutations(k, maxExamples, rng);

  let train: Int32Array[];
  let test: Int32Array[];
  if ((options.split ?? 'random') === 'random') {
    rng.shuffle(perms);
    const numTrain = Math.round(trainFraction * perms.length);
    train = perms.slice(0, numTrain);
    test = perms.slice(numTrain);
  } else {
    // Allow a random set of (key, value) pairs of size ≈ trainFraction^(1/k) · k², so an
    // example (k pairs) is allowed with probability ≈ trainFraction.
    const numAllowed = Math.floor(trainFraction ** (1 / k) * k * k);
    const order = rng.permutation(k * k);
    const allowed = new Uint8Array(k * k);
    for (let p = 0; p < numAllowed; p++) allowed[order[p]!] = 1;
    train = [];
    test = [];
    for (const perm of perms) {
      let ok = true;
      for (let i = 0; i < k && ok; i++) ok = allowed[i * k + perm[i]!] === 1;
      (ok ? train : test).push(perm);
    }
    rng.shuffle(train);
  }

  return {
    k,
    numFeatures: 2 * k,
    numClasses: k,
    edgeIndex: bipartiteEdges(k, 0),
    queryNodes: Int32Array.from({ length: k }, (_, i) => i),
    train,
    test,
  };
}

/** Stacks examples into one graph of B·2k nodes (graph b's nodes are b·2k .. b·2k+2k-1). */
export function dictionaryLookupBatch(
  task: Pick<DictionaryLookupTask, 'k'>,
  perms: readonly Int32Array[],
): DictionaryLookupBatch {
  const { k } = task;
  const b = perms.length;
  const n = 2 * k;
  const features = Tensor.zeros([b * n, n]);
  const src = new Int32Array(b * k * k);
  const dst = new Int32Array(b * k * k);
  const queryNodes = new Int32Array(b * k);
  const targets = new Int32Array(b * k);
  perms.forEach((perm, g) => {
    if (perm.length !== k) {
      throw new DataError(
        `dictionaryLookupBatch: example ${g} has ${perm.length} values, expected k = ${k}`,
      );
    }
    const base = g * n;
    const edges = bipartiteEdges(k, base);
    src.set(edges.src, g * k * k);
    dst.set(edges.dst, g * k * k);
    for (let i = 0; i < k; i++) {
      const value = perm[i]!;
      // Query i (node i): key one-hot only.
      features.data[(base + i) * n + i] = 1;
      // Key i (node k + i): key one-hot and value one-hot.
      features.data[(base + k + i) * n + i] = 1;
      features.data[(base + k + i) * n + k + value] = 1;
      queryNodes[g * k + i] = base + i;
      targets[g * k + i] = value;
    }
  });
  return { numGraphs: b, features, edgeIndex: { src, dst }, queryNodes, targets };
}

/** Keys base+k .. base+2k-1 → queries base .. base+k-1, sorted by (source, target). */
function bipartiteEdges(k: number, base: number): EdgeIndex {
  const src = new Int32Array(k * k);
  const dst = new Int32Array(k * k);
  for (let key = 0; key < k; key++) {
    for (let q = 0; q < k; q++) {
      src[key * k + q] = base + k + key;
      dst[key * k + q] = base + q;
    }
  }
  return { src, dst };
}

function factorialAtMost(k: number, cap: number): boolean {
  let f = 1;
  for (let i = 2; i <= k; i++) {
    f *= i;
    if (f > cap) return false;
  }
  return true;
}

/** All permutations of 0..k-1 in lexicographic order. */
function allPermutations(k: number): Int32Array[] {
  const out: Int32Array[] = [];
  const p = Int32Array.from({ length: k }, (_, i) => i);
  for (;;) {
    out.push(p.slice());
    let i = k - 2;
    while (i >= 0 && p[i]! > p[i + 1]!) i--;
    if (i < 0) return out;
    let j = k - 1;
    while (p[j]! < p[i]!) j--;
    [p[i], p[j]] = [p[j]!, p[i]!];
    p.subarray(i + 1).reverse();
  }
}

/** `count` distinct random permutations (k! > count, so they exist). */
function randomPermutations(k: number, count: number, rng: Random): Int32Array[] {
  const seen = new Set<string>();
  const out: Int32Array[] = [];
  while (out.length < count) {
    const p = rng.permutation(k);
    const key = p.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}
