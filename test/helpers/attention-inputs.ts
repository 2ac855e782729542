/**
 * Seeded inputs of the attention kernel tests: float32 arrays, target-grouped graphs and
 * dropout scales. Each suite keeps its own graph shape (hub position, degrees, duplicates),
 * so the options name them; the draws from `rng` are the same whatever the options.
 */
import type { GatAttentionArgs, Gatv2AttentionArgs, TargetCsr } from '../../src/kernels/kernels.js';
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

/** What the attention kernel tests vary in their inputs. */
export interface AttentionInputChoice {
  readonly heads: number;
  readonly channels: number;
  /** Edge features (GATv2: [E, H·C]; GAT: edge scores [E, H]). */
  readonly withEdge: boolean;
  /** Attention-dropout factors [E, H]. */
  readonly withDrop: boolean;
  /** LeakyReLU's negative slope; default 0.2. */
  readonly slope?: number;
  /** Dropout probability of the factors; default randomDropScale's. */
  readonly dropP?: number;
}

/** The kernels' argument types, with the float32 arrays these helpers draw. */
export type Gatv2Inputs = Gatv2AttentionArgs & {
  readonly xl: Float32Array;
  readonly xr: Float32Array;
  readonly edge: Float32Array | null;
  readonly att: Float32Array;
  readonly dropScale: Float32Array | null;
};
export type GatInputs = GatAttentionArgs & {
  readonly x: Float32Array;
  readonly scoreSrc: Float32Array;
  readonly scoreDst: Float32Array;
  readonly scoreEdge: Float32Array | null;
  readonly dropScale: Float32Array | null;
};

/** GATv2 kernel inputs on `graph`, drawn from `rng` in a fixed order (xl, xr, edge, att, drop). */
export function randomGatv2Args(
  graph: TargetCsr,
  c: AttentionInputChoice,
  rng: Random,
): Gatv2Inputs {
  const { heads: H, channels: C } = c;
  const HC = H * C;
  const E = graph.src.length;
  return {
    graph,
    heads: H,
    channels: C,
    xl: randomF32(graph.numSrc * HC, rng),
    xr: randomF32(graph.numDst * HC, rng),
    edge: c.withEdge ? randomF32(E * HC, rng) : null,
    att: randomF32(HC, rng),
    negativeSlope: c.slope ?? 0.2,
    dropScale: c.withDrop ? randomDropScale(E * H, rng, c.dropP) : null,
  };
}

/** GAT kernel inputs on `graph`, drawn in a fixed order (x, the three scores, drop). */
export function randomGatArgs(graph: TargetCsr, c: AttentionInputChoice, rng: Random): GatInputs {
  const { heads: H, channels: C } = c;
  const HC = H * C;
  const E = graph.src.length;
  return {
    graph,
    heads: H,
    channels: C,
    x: randomF32(graph.numSrc * HC, rng),
    scoreSrc: randomF32(graph.numSrc * H, rng, 2),
    scoreDst: randomF32(graph.numDst * H, rng, 2),
    scoreEdge: c.withEdge ? randomF32(E * H, rng, 2) : null,
    negativeSlope: c.slope ?? 0.2,
    dropScale: c.withDrop ? randomDropScale(E * H, rng, c.dropP) : null,
  };
}
