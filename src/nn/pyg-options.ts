/**
 * Constructor options as PyTorch Geometric spells them (`in_channels`, `share_weights`, ...)
 * → graphattn's. Used to rebuild a layer described by a PyG checkpoint or fixture; an
 * option graphattn does not support is an error, never silently dropped.
 */
import type { FillValue } from './functional/self-loop-attr.js';
import type { GATConvOptions } from './gat-conv.js';
import type { GATv2ConvOptions } from './gatv2-conv.js';

export type PyGLayerName = 'GATConv' | 'GATv2Conv';

export class UnsupportedOptionError extends Error {
  override name = 'UnsupportedOptionError';
}

const COMMON = [
  'in_channels',
  'out_channels',
  'heads',
  'concat',
  'negative_slope',
  'dropout',
  'add_self_loops',
  'edge_dim',
  'fill_value',
  'bias',
  'residual',
] as const;

function expect<T>(
  layer: string,
  name: string,
  v: unknown,
  ok: (v: unknown) => v is T,
  what: string,
): T {
  if (!ok(v))
    throw new UnsupportedOptionError(
      `${layer}: option ${name} must be ${what}, found ${JSON.stringify(v)}`,
    );
  return v;
}
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isChannels = (v: unknown): v is number | [number, number] =>
  isNumber(v) || (Array.isArray(v) && v.length === 2 && v.every(isNumber));
const isFill = (v: unknown): v is FillValue =>
  isNumber(v) || (typeof v === 'string' && ['mean', 'add', 'max', 'min', 'mul'].includes(v));

export function fromPyGOptions(layer: 'GATConv', options: Record<string, unknown>): GATConvOptions;
export function fromPyGOptions(
  layer: 'GATv2Conv',
  options: Record<string, unknown>,
): GATv2ConvOptions;
export function fromPyGOptions(
  layer: PyGLayerName,
  options: Record<string, unknown>,
): GATv2ConvOptions {
  const known = new Set<string>(layer === 'GATv2Conv' ? [...COMMON, 'share_weights'] : COMMON);
  for (const name of Object.keys(options)) {
    if (!known.has(name)) {
      throw new UnsupportedOptionError(
        `${layer}: option '${name}' is not supported (supported: ${[...known].join(', ')})`,
      );
    }
  }
  const o = options;
  const out: GATv2ConvOptions = {
    inChannels: expect(layer, 'in_channels', o.in_channels, isChannels, 'a number or [src, dst]'),
    outChannels: expect(layer, 'out_channels', o.out_channels, isNumber, 'a number'),
  };
  if (o.heads !== undefined) out.heads = expect(layer, 'heads', o.heads, isNumber, 'a number');
  if (o.concat !== undefined) out.concat = expect(layer, 'concat', o.concat, isBool, 'a boolean');
  if (o.negative_slope !== undefined)
    out.negativeSlope = expect(layer, 'negative_slope', o.negative_slope, isNumber, 'a number');
  if (o.dropout !== undefined)
    out.dropout = expect(layer, 'dropout', o.dropout, isNumber, 'a number');
  if (o.add_self_loops !== undefined)
    out.addSelfLoops = expect(layer, 'add_self_loops', o.add_self_loops, isBool, 'a boolean');
  if (o.edge_dim !== undefined && o.edge_dim !== null)
    out.edgeDim = expect(layer, 'edge_dim', o.edge_dim, isNumber, 'a number or null');
  if (o.fill_value !== undefined)
    out.fillValue = expect(
      layer,
      'fill_value',
      o.fill_value,
      isFill,
      "a number or 'mean' | 'add' | 'max' | 'min' | 'mul'",
    );
  if (o.bias !== undefined) out.bias = expect(layer, 'bias', o.bias, isBool, 'a boolean');
  if (o.residual !== undefined)
    out.residual = expect(layer, 'residual', o.residual, isBool, 'a boolean');
  if (o.share_weights !== undefined)
    out.shareWeights = expect(layer, 'share_weights', o.share_weights, isBool, 'a boolean');
  return out;
}
