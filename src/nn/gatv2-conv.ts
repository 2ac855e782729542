/**
 * GATv2Conv — "How Attentive are Graph Attention Networks?" (Brody, Alon & Yahav, ICLR 2022).
 *
 *   x^l_j = W_l x_j + b_l,   x^r_i = W_r x_i + b_r            (W_r = W_l with shareWeights)
 *   α_ij  = softmax_j( aᵀ LeakyReLU(x^l_j + x^r_i + W_e e_ji) )   over j ∈ N(i) (∪ {i})
 *   x'_i  = ‖_h Σ_j α^h_ij x^l_j   (or the mean over heads)   + W_res x_i + bias
 *
 * Unlike GAT, the nonlinearity sits between W and a, so which neighbour a node ranks first
 * depends on the node itself: dynamic attention.
 *
 * Options (PyG's names in camelCase, PyG's defaults):
 *   inChannels      number, or [src, dst] for bipartite input
 *   outChannels     C, channels per head
 *   heads = 1       H
 *   concat = true   concatenate heads (H·C outputs) or average them (C outputs)
 *   negativeSlope = 0.2
 *   dropout = 0     on the normalised attention, in training mode
 *   addSelfLoops = true   remove existing loops, add one per node
 *   edgeDim = null  width of edge features (enables W_e)
 *   fillValue = 'mean'    edge features of added loops: 'mean' | 'add' | 'max' | 'min' | 'mul' | number
 *   bias = true     output bias and the biases of W_l, W_r
 *   shareWeights = false
 *   residual = false      adds x_dst W_resᵀ (no bias)
 *
 * Shapes: x [N, F] or ([N_src, F_src], [N_dst, F_dst]); edgeIndex [2, E];
 * edgeAttr [E, edgeDim]; output [N_dst, H·C] or [N_dst, C]; attention [E', H].
 *
 * Parameters carry PyG's state_dict names: lin_l.weight, lin_l.bias, lin_r.weight, lin_r.bias,
 * att [1, H, C], lin_edge.weight, res.weight, bias.
 */
import type { Variable } from '../autograd/variable.js';
import type { EdgeIndexInput } from '../graph/edge-index.js';
import { Tensor } from '../tensor/tensor.js';
import { linearMany } from '../autograd/ops/linear.js';
import { type AttentionCall, AttentionConv } from './attention-conv.js';
import {
  type AttentionLayerOptions,
  type ForwardOptions,
  type ResolvedOptions,
  resolveOptions,
} from './attention-options.js';
import { gatv2Attention } from './functional/gatv2-attention.js';
import { glorot } from './init.js';
import { type LayerInputs, isSparseInput } from './layer-input.js';
import { Linear } from './linear.js';
import type { AttentionOutput } from './prepared-graph.js';

export interface GATv2ConvOptions extends AttentionLayerOptions {
  shareWeights?: boolean;
}

export type { AttentionOutput };

export class GATv2Conv extends AttentionConv {
  readonly options: ResolvedOptions & { readonly shareWeights: boolean };
  readonly linL: Linear;
  readonly linR: Linear;
  readonly att: Variable; // [1, H, C]
  readonly linEdge: Linear | null;

  constructor(options: GATv2ConvOptions) {
    super(options);
    const o = resolveOptions('GATv2Conv', options);
    const shareWeights = options.shareWeights ?? false;
    if (shareWeights && o.inSrc !== o.inDst) {
      throw new RangeError(
        `GATv2Conv: shareWeights needs equal source and target widths, found inChannels [${o.inSrc}, ${o.inDst}]`,
      );
    }
    this.options = { ...o, shareWeights };
    const init = this.rng.fork();
    const { heads: H, outChannels: C, dtype } = o;
    const lin = { bias: o.bias, dtype };
    this.linL = this.registerModule('lin_l', new Linear(o.inSrc, H * C, init, lin));
    this.linR = shareWeights
      ? this.linL
      : this.registerModule('lin_r', new Linear(o.inDst, H * C, init, lin));
    this.att = this.registerParameter('att', glorot(Tensor.zeros([1, H, C], dtype), init));
    this.linEdge =
      o.edgeDim === null
        ? null
        : this.registerModule(
            'lin_edge',
            new Linear(o.edgeDim, H * C, init, { bias: false, dtype }),
          );
    this.registerOutputStage(o, init);
  }

  forwardWithAttention(
    x: LayerInputs,
    edgeIndex: EdgeIndexInput,
    options: ForwardOptions = {},
  ): AttentionOutput {
    const o = this.options;
    const call = this.begin('GATv2Conv', x, edgeIndex, options);
    const [xl, xr] = this.project(call); // [N_src, H·C], [N_dst, H·C]
    const edge =
      call.edgeFeatures === null || this.linEdge === null
        ? null
        : this.linEdge.forward(call.edgeFeatures); // [E', H·C]
    const { out, alpha } = gatv2Attention(call.prepared.graph, xl, xr, edge, this.att, {
      heads: o.heads,
      channels: o.outChannels,
      negativeSlope: o.negativeSlope,
      dropScale: this.attentionDropout(call, xl.value.dtype),
      bias: this.fusedBias(),
    });
    return this.finish(call, out, alpha);
  }

  /** x^l = lin_l(x_src) and x^r = lin_r(x_dst); one sparse input goes through both at once. */
  private project(call: AttentionCall): [Variable, Variable] {
    if (!call.bipartite && this.options.shareWeights) {
      const xl = this.linL.forward(call.xSrc);
      return [xl, xl];
    }
    if (!call.bipartite && isSparseInput(call.xSrc)) {
      const [xl, xr] = linearMany(call.xSrc, [this.linL, this.linR]);
      return [xl!, xr!];
    }
    return [this.linL.forward(call.xSrc), this.linR.forward(call.xDst)];
  }
}
