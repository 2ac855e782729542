/** Seeded node splits for datasets that do not ship one. */
import { Random } from '../tensor/random.js';
import { DataError } from './errors.js';

export interface SplitMasks {
  readonly trainMask: Uint8Array; // [N]
  readonly valMask: Uint8Array; // [N]
  readonly testMask: Uint8Array; // [N]
}

export interface RandomSplitOptions {
  /** Fraction of nodes in train and val; the rest is test. Defaults 0.6 and 0.2. */
  readonly trainFraction?: number;
  readonly valFraction?: number;
  readonly seed?: number; // default 0
}

/**
 * A seeded random split of `numNodes` nodes: a permutation from `Random(seed)`, the first
 * round(trainFraction·N) nodes to train, the next round(valFraction·N) to val, the rest to test.
 */
export function randomSplit(numNodes: number, options: RandomSplitOptions = {}): SplitMasks {
  const trainFraction = options.trainFraction ?? 0.6;
  const valFraction = options.valFraction ?? 0.2;
  if (!(trainFraction >= 0 && valFraction >= 0 && trainFraction + valFraction <= 1 + 1e-12)) {
    throw new DataError(
      `randomSplit: expected trainFraction, valFraction ≥ 0 with a sum ≤ 1, found ${trainFraction} and ${valFraction}`,
    );
  }
  const perm = new Random(options.seed ?? 0).permutation(numNodes);
  const numTrain = Math.round(trainFraction * numNodes);
  const numVal = Math.min(numNodes - numTrain, Math.round(valFraction * numNodes));
  const masks = emptyMasks(numNodes);
  for (let k = 0; k < numNodes; k++) {
    const node = perm[k]!;
    if (k < numTrain) masks.trainMask[node] = 1;
    else if (k < numTrain + numVal) masks.valMask[node] = 1;
    else masks.testMask[node] = 1;
  }
  return masks;
}

/**
 * Per class: shuffle the class's nodes with `Random(seed)` (classes in increasing order,
 * one generator), the first `trainPerClass` go to train, the next `valPerClass` to val, the
 * rest to test. A class with fewer nodes fills train first, then val.
 */
export function stratifiedSplit(
  labels: Int32Array,
  numClasses: number,
  trainPerClass: number,
  valPerClass: number,
  seed = 0,
): SplitMasks {
  const rng = new Random(seed);
  const masks = emptyMasks(labels.length);
  for (let c = 0; c < numClasses; c++) {
    const members: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === c) members.push(i);
    rng.shuffle(members);
    members.forEach((node, k) => {
      if (k < trainPerClass) masks.trainMask[node] = 1;
      else if (k < trainPerClass + valPerClass) masks.valMask[node] = 1;
      else masks.testMask[node] = 1;
    });
  }
  return masks;
}

function emptyMasks(n: number): {
  trainMask: Uint8Array;
  valMask: Uint8Array;
  testMask: Uint8Array;
} {
  return { trainMask: new Uint8Array(n), valMask: new Uint8Array(n), testMask: new Uint8Array(n) };
}
