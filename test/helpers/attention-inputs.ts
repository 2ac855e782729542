/**
 * Seeded inputs of the attention kernel tests: float32 arrays, target-grouped graphs and
 * dropout scales. Each suite keeps its own graph shape (hub position, degrees, duplicates),
 * so the options name them; the draws from `rng` are the same whatever the options.
 */
import type { TargetCsr } from '../../src/kernels/kernels.js';
import type { Random } from '../../src/tensor/random.js';

export function randomF32(length: number, rng: Random, scale = 1): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.uniformIn(-scale, scale);
  return out;
}

export interface RandomGraphShape {
  /** The target given `hubDegree` in-edges. */
  readonly hub: number;
  /** Share of the other targets without in-edges. */
  readonly empty: number;
  /** The others get 1 … maxDegree in-edges (before duplicates). */
  readonly maxDegree: number;
  /** Chance that an edge is followed by a copy of itself (duplicate edges add up). */
  readonly duplicates: number;
}

/** Edges j → i grouped by target: some targets without edges, duplicates, and a hub. */
export function randomTargetGraph(
  numSrc: number,
  numDst: number,
  rng: Random,
  hubDegree: number,
  shape: RandomGraphShape,
): TargetCsr {
  const ptr = new Int32Array(numDst + 1);
  const src: number[] = [];
  for (let i = 0; i < numDst; i++) {
    const degree =
      i === shape.hub
        ? hubDegree
        : rng.uniform() < shape.empty
          ? 0
          : 1 + Math.floor(rng.uniform() * shape.maxDegree);
    for (let d = 0; d < degree; d++) {
      const j = Math.floor(rng.uniform() * numSrc);
      src.push(j);
      if (rng.uniform() < shape.duplicates) src.push(j);
    }
    ptr[i + 1] = src.length;
  }
  return { numSrc, numDst, ptr, src: Int32Array.from(src) };
}

/** Attention-dropout factors: 0 with probability p, else 1/(1 − p). */
export function randomDropScale(length: number, rng: Random, p = 0.4): Float32Array {
  const scale = new Float32Array(length);
  for (let i = 0; i < length; i++) scale[i] = rng.uniform() < p ? 0 : 1 / (1 - p);
  return scale;
}

export const copyOrNull = (a: Float32Array | null): Float32Array | null =>
  a === null ? null : Float32Array.from(a);
