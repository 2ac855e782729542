/**
 * Where one node's attention goes in one layer, the same measure as `graphattn explain`
 * (src/cli/commands/explain.ts, `explainLayer`): per head, the in-neighbours ranked by
 * attention weight α_ij, and how far the head's distribution is from uniform:
 *
 *   d  = number of in-neighbours of i in the layer's graph (its self-loop included)
 *   H  = −Σ_j α_ij log α_ij                                  entropy, nats, in [0, log d]
 *   KL = KL(α_i ‖ uniform) = Σ_j α_ij log(d · α_ij) = log d − H   in [0, log d]
 *
 * KL = 0: the head averages its neighbours as a GCN would; KL = log d: it looks at one.
 */
import type { LayerAttention } from '../src/index.js';

export interface RankedNeighbour {
  readonly node: number;
  readonly weight: number;
}

export interface HeadRanking {
  /** From 1. */
  readonly head: number;
  readonly entropy: number;
  readonly kl: number;
  /** Every in-neighbour, largest weight first (ties: smaller node id first). */
  readonly ranked: readonly RankedNeighbour[];
}

export interface LayerRanking {
  /** From 1. */
  readonly layer: number;
  /** In-neighbours of the node in this layer's graph, self-loop included. */
  readonly degree: number;
  /** log(degree): the entropy of uniform attention, the largest possible KL. */
  readonly maxEntropy: number;
  readonly heads: readonly HeadRanking[];
}

/** The attention target `node` pays in one layer, per head. */
export function rankNodeAttention(
  attention: LayerAttention,
  layer: number,
  node: number,
): LayerRanking {
  const { src, dst } = attention.edgeIndex;
  const numHeads = attention.alpha.shape[1]!;
  const alpha = attention.alpha.data; // [E', H]
  const edges: number[] = [];
  for (let e = 0; e < dst.length; e++) if (dst[e] === node) edges.push(e);
  const degree = edges.length;
  const heads: HeadRanking[] = [];
  for (let h = 0; h < numHeads; h++) {
    let entropy = 0;
    const ranked = edges.map((e) => {
      const a = alpha[e * numHeads + h]!;
      if (a > 0) entropy -= a * Math.log(a);
      return { node: src[e]!, weight: a };
    });
    ranked.sort((a, b) => b.weight - a.weight || a.node - b.node);
    const kl = degree === 0 ? 0 : Math.max(0, Math.log(degree) - entropy);
    heads.push({ head: h + 1, entropy, kl, ranked });
  }
  return { layer, degree, maxEntropy: degree === 0 ? 0 : Math.log(degree), heads };
}

/**
 * The weight every edge gets in the chosen head, or the mean over heads when `head` is
 * 'mean' (the mean of distributions is still a distribution over each node's in-edges).
 */
export function edgeWeights(attention: LayerAttention, head: number | 'mean'): Float64Array {
  const numHeads = attention.alpha.shape[1]!;
  const alpha = attention.alpha.data; // [E', H]
  const numEdges = attention.edgeIndex.src.length;
  const out = new Float64Array(numEdges); // [E']
  for (let e = 0; e < numEdges; e++) {
    if (head === 'mean') {
      let s = 0;
      for (let h = 0; h < numHeads; h++) s += alpha[e * numHeads + h]!;
      out[e] = s / numHeads;
    } else {
      out[e] = alpha[e * numHeads + head]!;
    }
  }
  return out;
}
