/**
 * GAT and GATv2 attention composed from primitive ops, the obvious way PyG computes them:
 * gather per edge → add → LeakyReLU → dot with a → segment softmax → weight → scatter-add.
 * It materialises [E, H, C] tensors and is slow; it exists as the reference the fused
 * kernels are tested against, and must never be used for real work.
 */
import { leakyRelu } from '../../autograd/ops/activations.js';
import { add, mul } from '../../autograd/ops/elementwise.js';
import { gatherRows, scatterAddRows } from '../../autograd/ops/gather-scatter.js';
import { mulHeads } from '../../autograd/ops/heads.js';
import { segmentSoftmax } from '../../autograd/ops/softmax.js';
import { headDot } from '../../autograd/ops/heads.js';
import { type Variable, constant } from '../../autograd/variable.js';
import type { EdgeIndex } from '../../graph/edge-index.js';
import { type FloatArray, Tensor } from '../../tensor/tensor.js';

export interface ComposedOptions {
  readonly heads: number;
  readonly numDst: number;
  readonly negativeSlope: number;
  /** [E, H] in edge order, or null. */
  readonly dropScale: FloatArray | null;
}

export interface ComposedResult {
  readonly out: Variable; // [numDst, H·C]
  readonly alpha: Variable; // [E, H], edge order
}

function attend(
  edges: EdgeIndex,
  scores: Variable,
  values: Variable,
  o: ComposedOptions,
): ComposedResult {
  const alpha = segmentSoftmax(scores, edges.dst, o.numDst);
  const dropped =
    o.dropScale === null
      ? alpha
      : mul(alpha, constant(new Tensor(o.dropScale, [edges.dst.length, o.heads])));
  const messages = mulHeads(dropped, values, o.heads); // [E, H·C]
  return { out: scatterAddRows(messages, edges.dst, o.numDst), alpha };
}

/** GATv2: e_ij = <a, LeakyReLU(x^l_j + x^r_i (+ edge_ij))>. `edge` [E, H·C] in edge order. */
export function gatv2AttentionComposed(
  edges: EdgeIndex,
  xl: Variable,
  xr: Variable,
  edge: Variable | null,
  att: Variable,
  o: ComposedOptions,
): ComposedResult {
  const xj = gatherRows(xl, edges.src); // [E, H·C]
  let z = add(xj, gatherRows(xr, edges.dst)); // [E, H·C]
  if (edge !== null) z = add(z, edge);
  const scores = headDot(leakyRelu(z, o.negativeSlope), att, o.heads); // [E, H]
  return attend(edges, scores, xj, o);
}

/** GAT: e_ij = LeakyReLU(s_j + t_i (+ edge score)), per-node scores [N, H]. */
export function gatAttentionComposed(
  edges: EdgeIndex,
  x: Variable,
  scoreSrc: Variable,
  scoreDst: Variable,
  scoreEdge: Variable | null,
  o: ComposedOptions,
): ComposedResult {
  let v = add(gatherRows(scoreSrc, edges.src), gatherRows(scoreDst, edges.dst)); // [E, H]
  if (scoreEdge !== null) v = add(v, scoreEdge);
  return attend(edges, leakyRelu(v, o.negativeSlope), gatherRows(x, edges.src), o);
}
