/**
 * A stack of graph attention layers for node classification, like PyG's `nn.models.GAT`
 * with a switch for GATv2. The recipe of both papers for Cora:
 *
 *   dropout(p) → conv1(F → hidden, heads, attention dropout) → ELU
 *   → dropout(p) → conv2(hidden·heads → classes, outHeads, concat = false)
 *
 * More layers repeat the middle block. Parameters are named conv1.*, conv2.*, ... with
 * each layer's PyG names (conv1.lin_l.weight, conv2.att, ...), as the PyG models that
 * graphattn's fixtures hold.
 */
import { elu } from '../../autograd/ops/activations.js';
import { dropout } from '../../autograd/ops/dropout.js';
import type { Variable } from '../../autograd/variable.js';
import type { EdgeIndexInput } from '../../graph/edge-index.js';
import { Random } from '../../tensor/random.js';
import type { DType, Tensor } from '../../tensor/tensor.js';
import type { EdgeIndex } from '../../graph/edge-index.js';
import { dropoutCsr } from '../functional/dropout-csr.js';
import { GATConv } from '../gat-conv.js';
import { GATv2Conv } from '../gatv2-conv.js';
import { type NodeFeaturesInput, checkNodeInput, isSparseInput } from '../layer-input.js';
import { Module } from '../module.js';

export type GATVariant = 'gat' | 'gatv2';

export interface GATModelConfig {
  /** 'gat' (Veličković et al.) or 'gatv2' (Brody et al.). */
  variant: GATVariant;
  inChannels: number;
  /** Channels per head in hidden layers. */
  hiddenChannels: number;
  /** Number of classes. */
  outChannels: number;
  /** Attention layers in the stack (≥ 1). */
  numLayers?: number;
  /** Heads of the hidden layers. */
  heads?: number;
  /** Heads of the output layer (averaged). */
  outHeads?: number;
  /** Feature dropout before every layer. */
  dropout?: number;
  /** Dropout on the attention coefficients of every layer. */
  attentionDropout?: number;
  /**
   * GAT only: dropout on the projected features where each layer sums them (GATConv's
   * valueDropout, the GAT authors' model). Default 0, as PyG's GAT.
   */
  valueDropout?: number;
  negativeSlope?: number;
  /** GATv2 only. */
  shareWeights?: boolean;
  residual?: boolean;
  seed?: number;
  dtype?: DType;
}

export type ResolvedGATModelConfig = Required<GATModelConfig>;

export function resolveModelConfig(c: GATModelConfig): ResolvedGATModelConfig {
  const r: ResolvedGATModelConfig = {
    variant: c.variant,
    inChannels: c.inChannels,
    hiddenChannels: c.hiddenChannels,
    outChannels: c.outChannels,
    numLayers: c.numLayers ?? 2,
    heads: c.heads ?? 8,
    outHeads: c.outHeads ?? 1,
    dropout: c.dropout ?? 0.6,
    attentionDropout: c.attentionDropout ?? c.dropout ?? 0.6,
    valueDropout: c.valueDropout ?? 0,
    negativeSlope: c.negativeSlope ?? 0.2,
    shareWeights: c.shareWeights ?? false,
    residual: c.residual ?? false,
    seed: c.seed ?? 0,
    dtype: c.dtype ?? 'float32',
  };
  if (r.variant !== 'gat' && r.variant !== 'gatv2') {
    throw new RangeError(
      `GATModel: variant must be 'gat' or 'gatv2', found '${String(r.variant)}'`,
    );
  }
  if (!Number.isInteger(r.numLayers) || r.numLayers < 1) {
    throw new RangeError(`GATModel: numLayers must be a positive integer, found ${r.numLayers}`);
  }
  for (const key of ['dropout', 'attentionDropout', 'valueDropout'] as const) {
    if (!(r[key] >= 0 && r[key] < 1))
      throw new RangeError(`GATModel: ${key} must be in [0, 1), found ${r[key]}`);
  }
  if (r.variant === 'gatv2' && r.valueDropout !== 0) {
    throw new RangeError(
      `GATModel: valueDropout is for variant 'gat' only (GATv2 scores and sums the same ` +
        `projected features), found ${r.valueDropout} with variant 'gatv2'`,
    );
  }
  return r;
}

/** Options of one `GATModel` forward pass. */
export interface GATModelForwardOptions {
  /** Dropout draws (feature and attention dropout). Default: the model's own generator. */
  rng?: Random;
  /**
   * Scan the features for NaN and infinity. Default true; a trainer that checked its dataset
   * once passes false on every epoch. Shapes are checked either way.
   */
  validate?: boolean;
}

/** The attention weights of every layer for one forward pass. */
export interface LayerAttention {
  readonly edgeIndex: EdgeIndex;
  readonly alpha: Tensor; // [E', H]
}

export class GATModel extends Module {
  readonly config: ResolvedGATModelConfig;
  readonly convs: readonly (GATConv | GATv2Conv)[];
  private readonly rng: Random;

  constructor(config: GATModelConfig) {
    super();
    const c = resolveModelConfig(config);
    this.config = c;
    this.rng = new Random(c.seed);
    const convs: (GATConv | GATv2Conv)[] = [];
    for (let l = 0; l < c.numLayers; l++) {
      const last = l === c.numLayers - 1;
      const options = {
        inChannels: l === 0 ? c.inChannels : c.hiddenChannels * c.heads,
        outChannels: last ? c.outChannels : c.hiddenChannels,
        heads: last ? c.outHeads : c.heads,
        concat: !last,
        dropout: c.attentionDropout,
        negativeSlope: c.negativeSlope,
        residual: c.residual,
        seed: this.rng.nextUint32(),
        dtype: c.dtype,
      };
      const conv =
        c.variant === 'gatv2'
          ? new GATv2Conv({ ...options, shareWeights: c.shareWeights })
          : new GATConv({ ...options, valueDropout: c.valueDropout });
      convs.push(this.registerModule(`conv${l + 1}`, conv));
    }
    this.convs = convs;
  }

  /** Logits [N, classes]. */
  forward(
    x: NodeFeaturesInput,
    edgeIndex: EdgeIndexInput,
    options: GATModelForwardOptions = {},
  ): Variable {
    return this.forwardWithAttention(x, edgeIndex, options).out;
  }

  forwardWithAttention(
    x: NodeFeaturesInput,
    edgeIndex: EdgeIndexInput,
    options: GATModelForwardOptions = {},
  ): { out: Variable; attention: LayerAttention[] } {
    const c = this.config;
    const rng = options.rng ?? this.rng;
    const attention: LayerAttention[] = [];
    // The width is always checked; the scan of every value only when asked (the default).
    let h = checkNodeInput('GATModel', 'x', x, c.inChannels, options.validate ?? true);
    let out: Variable | null = null;
    for (let l = 0; l < this.convs.length; l++) {
      h = isSparseInput(h)
        ? dropoutCsr(h, c.dropout, rng, this.training)
        : dropout(h, c.dropout, rng, this.training);
      // The input was checked above; hidden features come from our own ops.
      const r = this.convs[l]!.forwardWithAttention(h, edgeIndex, { rng, validate: false });
      // Getters: α is put into edge order only when someone reads it (not every epoch).
      attention.push({
        get edgeIndex(): EdgeIndex {
          return r.edgeIndex;
        },
        get alpha(): Tensor {
          return r.alpha;
        },
      });
      out = l === this.convs.length - 1 ? r.out : elu(r.out);
      h = out;
    }
    return { out: out!, attention };
  }
}
