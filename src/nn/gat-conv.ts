/**
 * GATConv — "Graph Attention Networks" (Veličković et al., ICLR 2018).
 *
 *   x'_j = W x_j                         (W_src, W_dst for bipartite input; no bias)
 *   α_ij = softmax_j( LeakyReLU( a_srcᵀ x'_j + a_dstᵀ x'_i + a_edgeᵀ W_e e_ji ) )
 *   out_i = ‖_h Σ_j α^h_ij x'_j   (or the mean over heads)   + W_res x_i + bias
 *
 * The score splits into a source part and a target part and LeakyReLU is monotone, so every
 * target ranks its neighbours the same way: static attention (what GATv2 fixes). It also
 * means the scores are per node — [N, H] — and the kernel never touches [E, H, C].
 *
 * Options: as GATv2Conv (see gatv2-conv.ts) without shareWeights. PyG's defaults.
 *
 * Shapes: x [N, F] or ([N_src, F_src], [N_dst, F_dst]); edgeIndex [2, E];
 * edgeAttr [E, edgeDim]; output [N_dst, H·C] or [N_dst, C]; attention [E', H].
 *
 * Parameters carry PyG's state_dict names: lin.weight (or lin_src.weight, lin_dst.weight
 * when inChannels is a pair), att_src, att_dst [1, H, C], lin_edge.weight, att_edge, res.weight, bias.
 */
import { add, addRowVector } from '../autograd/ops/elementwise.js';
import { dropoutScale } from '../autograd/ops/dropout.js';
import { headDot, headMean } from '../autograd/ops/heads.js';
import type { Variable } from '../autograd/variable.js';
import type { EdgeIndexInput } from '../graph/edge-index.js';
import { Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import {
  type AttentionLayerOptions,
  type ForwardOptions,
  type ResolvedOptions,
  resolveOptions,
} from './attention-options.js';
import { edgeFeaturesBySlot } from './edge-features.js';
import { gatAttention } from './functional/gat-attention.js';
import { glorot } from './init.js';
import { type LayerInputs, checkLayerInputs, inputRows } from './layer-input.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import { type AttentionOutput, PreparedGraphCache, attentionOutput } from './prepared-graph.js';

export type GATConvOptions = AttentionLayerOptions;

export class GATConv extends Module {
  readonly options: ResolvedOptions;
  /** One map for both sides, or separate ones when inChannels is a pair. */
  readonly linSrc: Linear;
  readonly linDst: Linear;
  readonly attSrc: Variable; // [1, H, C]
  readonly attDst: Variable; // [1, H, C]
  readonly linEdge: Linear | null;
  readonly attEdge: Variable | null; // [1, H, C]
  readonly res: Linear | null;
  readonly bias: Variable | null;
  private readonly rng: Random;
  private readonly graphs = new PreparedGraphCache();

  constructor(options: GATConvOptions) {
    super();
    const o = resolveOptions('GATConv', options);
    this.options = o;
    this.rng = new Random(options.seed ?? 0);
    const init = this.rng.fork();
    const { heads: H, outChannels: C, dtype } = o;
    const noBias = { bias: false, dtype };
    if (o.bipartiteChannels) {
      this.linSrc = this.registerModule('lin_src', new Linear(o.inSrc, H * C, init, noBias));
      this.linDst = this.registerModule('lin_dst', new Linear(o.inDst, H * C, init, noBias));
    } else {
      this.linSrc = this.linDst = this.registerModule(
        'lin',
        new Linear(o.inSrc, H * C, init, noBias),
      );
    }
    this.attSrc = this.registerParameter('att_src', glorot(Tensor.zeros([1, H, C], dtype), init));
    this.attDst = this.registerParameter('att_dst', glorot(Tensor.zeros([1, H, C], dtype), init));
    if (o.edgeDim !== null) {
      this.linEdge = this.registerModule('lin_edge', new Linear(o.edgeDim, H * C, init, noBias));
      this.attEdge = this.registerParameter(
        'att_edge',
        glorot(Tensor.zeros([1, H, C], dtype), init),
      );
    } else {
      this.linEdge = null;
      this.attEdge = null;
    }
    this.res = o.residual
      ? this.registerModule('res', new Linear(o.inDst, o.outWidth, init, noBias))
      : null;
    this.bias = o.bias ? this.registerParameter('bias', Tensor.zeros([o.outWidth], dtype)) : null;
  }

  forward(x: LayerInputs, edgeIndex: EdgeIndexInput, options: ForwardOptions = {}): Variable {
    return this.forwardWithAttention(x, edgeIndex, options).out;
  }

  forwardWithAttention(
    x: LayerInputs,
    edgeIndex: EdgeIndexInput,
    options: ForwardOptions = {},
  ): AttentionOutput {
    const o = this.options;
    const { heads: H, outChannels: C } = o;
    const { xSrc, xDst, bipartite } = checkLayerInputs(
      'GATConv',
      x,
      o.inSrc,
      o.inDst,
      options.validate ?? true,
    );
    const prepared = this.graphs.get(edgeIndex, inputRows(xSrc), inputRows(xDst), o.addSelfLoops);

    const hSrc = this.linSrc.forward(xSrc); // [N_src, H·C]
    const hDst = bipartite ? this.linDst.forward(xDst) : hSrc; // [N_dst, H·C]
    const scoreSrc = headDot(hSrc, this.attSrc, H); // [N_src, H]
    const scoreDst = headDot(hDst, this.attDst, H); // [N_dst, H]
    const edgeFeatures = edgeFeaturesBySlot('GATConv', prepared, options.edgeAttr, o);
    const scoreEdge =
      edgeFeatures === null || this.linEdge === null || this.attEdge === null
        ? null
        : headDot(this.linEdge.forward(edgeFeatures), this.attEdge, H); // [E', H]
    const E = prepared.graph.src.length;
    const rng = options.rng ?? this.rng;
    const dropScale =
      this.training && o.dropout > 0 ? dropoutScale(E * H, o.dropout, rng, hSrc.value.dtype) : null;

    const { out: attended, alpha } = gatAttention(
      prepared.graph,
      hSrc,
      scoreSrc,
      scoreDst,
      scoreEdge,
      {
        heads: H,
        channels: C,
        negativeSlope: o.negativeSlope,
        dropScale,
      },
    );
    let out = o.concat ? attended : headMean(attended, H);
    if (this.res !== null) out = add(out, this.res.forward(xDst));
    if (this.bias !== null) out = addRowVector(out, this.bias);
    return attentionOutput(out, prepared, alpha);
  }
}
