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
import { add, addRowVector } from '../autograd/ops/elementwise.js';
import { dropoutScale } from '../autograd/ops/dropout.js';
import { headMean } from '../autograd/ops/heads.js';
import type { Variable } from '../autograd/variable.js';
import type { EdgeIndexInput } from '../graph/edge-index.js';
import { Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import {
  type AttentionLayerOptions,
  type ForwardOptions,
  resolveOptions,
  type ResolvedOptions,
} from './attention-options.js';
import { edgeFeaturesBySlot } from './edge-features.js';
import { gatv2Attention } from './functional/gatv2-attention.js';
import { glorot } from './init.js';
import { type LayerInputs, checkLayerInputs, inputRows } from './layer-input.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import { type AttentionOutput, PreparedGraphCache, attentionOutput } from './prepared-graph.js';

export interface GATv2ConvOptions extends AttentionLayerOptions {
  shareWeights?: boolean;
}

export type { AttentionOutput };

export class GATv2Conv extends Module {
  readonly options: ResolvedOptions & { readonly shareWeights: boolean };
  readonly linL: Linear;
  readonly linR: Linear;
  readonly att: Variable; // [1, H, C]
  readonly linEdge: Linear | null;
  readonly res: Linear | null;
  readonly bias: Variable | null;
  private readonly rng: Random;
  private readonly graphs = new PreparedGraphCache();

  constructor(options: GATv2ConvOptions) {
    super();
    const o = resolveOptions('GATv2Conv', options);
    const shareWeights = options.shareWeights ?? false;
    if (shareWeights && o.inSrc !== o.inDst) {
      throw new RangeError(
        `GATv2Conv: shareWeights needs equal source and target widths, found inChannels [${o.inSrc}, ${o.inDst}]`,
      );
    }
    this.options = { ...o, shareWeights };
    this.rng = new Random(options.seed ?? 0);
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
    this.res = o.residual
      ? this.registerModule('res', new Linear(o.inDst, o.outWidth, init, { bias: false, dtype }))
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
      'GATv2Conv',
      x,
      o.inSrc,
      o.inDst,
      options.validate ?? true,
    );
    const numSrc = inputRows(xSrc);
    const numDst = inputRows(xDst);
    const prepared = this.graphs.get(edgeIndex, numSrc, numDst, o.addSelfLoops);

    const xl = this.linL.forward(xSrc); // [N_src, H·C]
    const xr = !bipartite && o.shareWeights ? xl : this.linR.forward(xDst); // [N_dst, H·C]
    const edgeFeatures = edgeFeaturesBySlot('GATv2Conv', prepared, options.edgeAttr, o); // [E', edgeDim]
    const edge =
      edgeFeatures === null || this.linEdge === null ? null : this.linEdge.forward(edgeFeatures);
    const E = prepared.graph.src.length;
    const rng = options.rng ?? this.rng;
    const dropScale =
      this.training && o.dropout > 0 ? dropoutScale(E * H, o.dropout, rng, xl.value.dtype) : null;

    const { out: attended, alpha } = gatv2Attention(prepared.graph, xl, xr, edge, this.att, {
      heads: H,
      channels: C,
      negativeSlope: o.negativeSlope,
      dropScale,
    });
    let out = o.concat ? attended : headMean(attended, H);
    if (this.res !== null) out = add(out, this.res.forward(xDst));
    if (this.bias !== null) out = addRowVector(out, this.bias);
    return attentionOutput(out, prepared, alpha);
  }
}
