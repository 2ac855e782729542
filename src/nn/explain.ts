/**
 * Reading attention: where one node's attention goes in a layer, per head, and how far it is
 * from uniform.
 *
 *   d  = number of in-neighbours of i in the layer's graph (its self-loop included)
 *   H  = −Σ_j α_ij log α_ij                                  entropy, nats, in [0, log d]
 *   KL = KL(α_i ‖ uniform) = Σ_j α_ij log(d · α_ij) = log d − H   in [0, log d]
 *
 * KL = 0: the head averages its neighbours as a GCN would; KL = log d: it looks at one.
 */
import type { LayerAttention } from './models/gat.js';

export interface RankedNeighbour {
  readonly node: number;
  readonly weight: number;
}

export interface HeadAttention {
  /** From 1. */
  readonly head: number;
  readonly entropy: number;
  /** KL divergence from the uniform distribution over the in-neighbours. */
  readonly kl: number;
  /** Every in-neighbour, largest weight first (ties: smaller node id first). */
  readonly ranked: readonly RankedNeighbour[];
}

export interface NodeAttention {
  /** From 1, as given. */
  readonly layer: number;
  /** In-neighbours of the node in this layer's graph, self-loop included. */
  readonly degree: number;
  /** log(degree): the entropy of uniform attention, the largest possible KL. */
  readonly maxEntropy: number;
  readonly klMean: number;
  readonly entropyMean: number;
  readonly heads: readonly HeadAttention[];
}

/** The attention target `node` pays in one layer (`layer` only labels the result). */
export function explainNodeAttention(
  attention: LayerAttention,
  node: number,
  layer = 1,
): NodeAttention {
  const { src, dst } = attention.edgeIndex;
  const numHeads = attention.alpha.shape[1]!;
  const alpha = attention.alpha.data; // [E', H]
  const edges: number[] = [];
  for (let e = 0; e < dst.length; e++) if (dst[e] === node) edges.push(e);
  const degree = edges.length;
  const heads: HeadAttention[] = [];
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
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    layer,
    degree,
    maxEntropy: degree === 0 ? 0 : Math.log(degree),
    klMean: mean(heads.map((h) => h.kl)),
    entropyMean: mean(heads.map((h) => h.entropy)),
    heads,
  };
}

/**
 * Every edge's weight in one head, or the mean over heads with 'mean' (a mean of
 * distributions over each node's in-edges is still one). [E']
 */
export function edgeAttentionWeights(
  attention: LayerAttention,
  head: number | 'mean',
): Float64Array {
  const numHeads = attention.alpha.shape[1]!;
  if (head !== 'mean' && !(Number.isInteger(head) && head >= 0 && head < numHeads)) {
    throw new RangeError(
      `edgeAttentionWeights: head must be 'mean' or an integer in [0, ${numHeads}), found ${head}`,
    );
  }
  const alpha = attention.alpha.data; // [E', H]
  const numEdges = attention.edgeIndex.src.length;
  const out = new Float64Array(numEdges);
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
