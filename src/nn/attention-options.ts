/** Options shared by GATConv and GATv2Conv: PyG's defaults, checked with clear errors. */
import type { Variable } from '../autograd/variable.js';
import type { Random } from '../tensor/random.js';
import type { DType, Tensor } from '../tensor/tensor.js';
import { FILL_VALUES, type FillValue } from './functional/self-loop-attr.js';

export interface AttentionLayerOptions {
  inChannels: number | readonly [number, number];
  outChannels: number;
  heads?: number;
  concat?: boolean;
  negativeSlope?: number;
  dropout?: number;
  addSelfLoops?: boolean;
  edgeDim?: number | null;
  fillValue?: FillValue;
  bias?: boolean;
  residual?: boolean;
  /** Seed of the layer's generator (initialisation, then attention dropout). */
  seed?: number;
  /** Parameter precision; float64 is for gradient checks. */
  dtype?: DType;
}

export interface ForwardOptions {
  /** [E, edgeDim] edge features, in the order of the edge index. */
  edgeAttr?: Variable | Tensor | null;
  /** Generator for attention dropout in this call (default: the layer's own). */
  rng?: Random;
  /**
   * Scan the features for NaN and infinity (default true). Shapes are always checked; a
   * model that validated its input once passes false for the layers inside it.
   */
  validate?: boolean;
}

export interface ResolvedOptions {
  readonly inSrc: number;
  readonly inDst: number;
  readonly bipartiteChannels: boolean;
  readonly outChannels: number;
  readonly heads: number;
  readonly concat: boolean;
  readonly negativeSlope: number;
  readonly dropout: number;
  readonly addSelfLoops: boolean;
  readonly edgeDim: number | null;
  readonly fillValue: FillValue;
  readonly bias: boolean;
  readonly residual: boolean;
  readonly dtype: DType;
  /** Output width: H·C with concat, else C. */
  readonly outWidth: number;
}

function positiveInt(layer: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new RangeError(`${layer}: ${name} must be a positive integer, found ${String(v)}`);
  }
  return v;
}

export function resolveOptions(layer: string, o: AttentionLayerOptions): ResolvedOptions {
  const pair = typeof o.inChannels !== 'number';
  const [inSrc, inDst] =
    typeof o.inChannels === 'number'
      ? [
          positiveInt(layer, 'inChannels', o.inChannels),
          positiveInt(layer, 'inChannels', o.inChannels),
        ]
      : [
          positiveInt(layer, 'inChannels[0]', o.inChannels[0]),
          positiveInt(layer, 'inChannels[1]', o.inChannels[1]),
        ];
  const outChannels = positiveInt(layer, 'outChannels', o.outChannels);
  const heads = positiveInt(layer, 'heads', o.heads ?? 1);
  const negativeSlope = o.negativeSlope ?? 0.2;
  if (!Number.isFinite(negativeSlope))
    throw new RangeError(`${layer}: negativeSlope must be finite, found ${negativeSlope}`);
  const dropout = o.dropout ?? 0;
  if (!(dropout >= 0 && dropout < 1))
    throw new RangeError(`${layer}: dropout must be in [0, 1), found ${dropout}`);
  const edgeDim = o.edgeDim ?? null;
  if (edgeDim !== null) positiveInt(layer, 'edgeDim', edgeDim);
  const fillValue = o.fillValue ?? 'mean';
  if (
    typeof fillValue === 'number' ? !Number.isFinite(fillValue) : !FILL_VALUES.includes(fillValue)
  ) {
    throw new RangeError(
      `${layer}: fillValue must be a finite number or one of ${FILL_VALUES.join(', ')}; found ${String(fillValue)}`,
    );
  }
  const concat = o.concat ?? true;
  return {
    inSrc,
    inDst,
    bipartiteChannels: pair,
    outChannels,
    heads,
    concat,
    negativeSlope,
    dropout,
    addSelfLoops: o.addSelfLoops ?? true,
    edgeDim,
    fillValue,
    bias: o.bias ?? true,
    residual: o.residual ?? false,
    dtype: o.dtype ?? 'float32',
    outWidth: concat ? heads * outChannels : outChannels,
  };
}
