/**
 * GATConv — "Graph Attention Networks" (Veličković et al., ICLR 2018).
 *
 *   x'_j = W x_j                         (W_src, W_dst for bipartite input; no bias)
 *   α_ij = softmax_j( LeakyReLU( a_srcᵀ x'_j + a_dstᵀ x'_i + a_edgeᵀ W_e e_ji ) )
 *   out_i = ‖_h Σ_j α^h_ij x'_j   (or the mean over heads)   + W_res x_i + bias
 *
 * valueDropout (default 0, not in PyG): in training mode the x'_j summed above are dropped
 * out, each entry with probability p, while the scores still read the whole x'_j. This is the
 * GAT authors' TensorFlow model, whose `attn_head` applies `in_drop` to its projected features
 * (`seq_fts`) as well as to its input; PyG's GATConv drops the input only. With it GAT
 * reaches the paper's accuracy on Cora and CiteSeer (see README, "Accuracy").
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
import { dropout } from '../autograd/ops/dropout.js';
import { headDot } from '../autograd/ops/heads.js';
import type { Variable } from '../autograd/variable.js';
import type { EdgeIndexInput } from '../graph/edge-index.js';
import { Tensor } from '../tensor/tensor.js';
import { AttentionConv } from './attention-conv.js';
import {
  type AttentionLayerOptions,
  type ForwardOptions,
  type ResolvedOptions,
  resolveOptions,
} from './attention-options.js';
import { gatAttention } from './functional/gat-attention.js';
import { glorot } from './init.js';
import type { LayerInputs } from './layer-input.js';
import { Linear } from './linear.js';
import type { AttentionOutput } from './prepared-graph.js';

export interface GATConvOptions extends AttentionLayerOptions {
  /**
   * Dropout on the projected source features x'_j where they are summed, not where they
   * are scored (the GAT authors' model; PyG has no such option). Training mode only; default 0.
   */
  valueDropout?: number;
}

export class GATConv extends AttentionConv {
  readonly options: ResolvedOptions;
  /** Dropout on the summed x'_j, in [0, 1). */
  readonly valueDropout: number;
  /** One map for both sides, or separate ones when inChannels is a pair. */
  readonly linSrc: Linear;
  readonly linDst: Linear;
  readonly attSrc: Variable; // [1, H, C]
  readonly attDst: Variable; // [1, H, C]
  readonly linEdge: Linear | null = null;
  readonly attEdge: Variable | null = null; // [1, H, C]

  constructor(options: GATConvOptions) {
    super(options);
    const o = resolveOptions('GATConv', options);
    this.options = o;
    const valueDropout = options.valueDropout ?? 0;
    if (!(valueDropout >= 0 && valueDropout < 1))
      throw new RangeError(`GATConv: valueDropout must be in [0, 1), found ${valueDropout}`);
    this.valueDropout = valueDropout;
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
    }
    this.registerOutputStage(o, init);
  }

  forwardWithAttention(
    x: LayerInputs,
    edgeIndex: EdgeIndexInput,
    options: ForwardOptions = {},
  ): AttentionOutput {
    const o = this.options;
    const H = o.heads;
    const call = this.begin('GATConv', x, edgeIndex, options);
    const hSrc = this.linSrc.forward(call.xSrc); // [N_src, H·C]
    const hDst = call.bipartite ? this.linDst.forward(call.xDst) : hSrc; // [N_dst, H·C]
    const scoreEdge =
      call.edgeFeatures === null || this.linEdge === null || this.attEdge === null
        ? null
        : headDot(this.linEdge.forward(call.edgeFeatures), this.attEdge, H); // [E', H]
    // Drawn before the attention dropout: one generator serves both, in this order.
    const values = dropout(hSrc, this.valueDropout, call.rng, this.training);
    const { out, alpha } = gatAttention(
      call.prepared.graph,
      values,
      headDot(hSrc, this.attSrc, H), // [N_src, H]
      headDot(hDst, this.attDst, H), // [N_dst, H]
      scoreEdge,
      {
        heads: H,
        channels: o.outChannels,
        negativeSlope: o.negativeSlope,
        dropScale: this.attentionDropout(call, hSrc.value.dtype),
        bias: this.fusedBias(),
      },
    );
    return this.finish(call, out, alpha);
  }
}
