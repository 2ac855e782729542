/**
 * Node features as layers accept them — a dense variable or tensor [N, F], or sparse rows —
 * checked once at the layer's door: width against in-channels, and no NaN or infinity.
 */
import { type Variable, constant } from '../autograd/variable.js';
import { kernels } from '../kernels/backend.js';
import type { CsrMatrix } from '../kernels/kernels.js';
import { type FloatArray, Tensor, formatShape } from '../tensor/tensor.js';

/** What a layer computes with: a dense [N, F] variable or sparse rows. */
export type LayerInput = Variable | CsrMatrix;

/** What a user may pass: also a plain tensor (treated as a constant). */
export type NodeFeaturesInput = LayerInput | Tensor;

export function isSparseInput(x: LayerInput): x is CsrMatrix {
  return 'rowPtr' in x;
}

export function inputRows(x: LayerInput): number {
  return isSparseInput(x) ? x.rows : x.shape[0]!;
}

/**
 * Validates node features for a layer. `name` is the argument as the user knows it
 * ('x', 'x[0]'); `width` the layer's in-channels for this side; `scanValues` false skips the
 * NaN/infinity scan (for inputs already checked).
 */
export function checkNodeInput(
  layer: string,
  name: string,
  x: NodeFeaturesInput,
  width: number,
  scanValues = true,
): LayerInput {
  const v = x instanceof Tensor ? constant(x) : x;
  if (isSparseInput(v)) {
    if (v.cols !== width) {
      throw new RangeError(
        `${layer}: ${name} has ${v.cols} feature columns, expected ${width} (in_channels)`,
      );
    }
    if (scanValues)
      checkFinite(layer, name, v.values, (q) => {
        let r = 0;
        while (v.rowPtr[r + 1]! <= q) r++;
        return `row ${r}, column ${v.colIdx[q]}`;
      });
    return v;
  }
  if (v.shape.length !== 2 || v.shape[1] !== width) {
    throw new RangeError(
      `${layer}: ${name} has shape ${formatShape(v.shape)}, expected [num_nodes, ${width}] (in_channels ${width})`,
    );
  }
  if (scanValues)
    checkFinite(layer, name, v.data, (i) => `row ${Math.floor(i / width)}, column ${i % width}`);
  return v;
}

function checkFinite(
  layer: string,
  name: string,
  data: FloatArray,
  where: (i: number) => string,
): void {
  // A kernel (SIMD in WebAssembly: ~5 µs for Cora's 49k stored values, where a JavaScript
  // loop took ~40) finds the first offender, if any.
  const i = kernels().firstNonFinite(data, data.length);
  if (i < 0) return;
  throw new RangeError(
    `${layer}: ${name} has ${data[i]} at ${where(i)}; features must be finite numbers`,
  );
}

/** One feature matrix, or a (source, target) pair for bipartite message passing. */
export type LayerInputs = NodeFeaturesInput | readonly [NodeFeaturesInput, NodeFeaturesInput];

function isPair(x: LayerInputs): x is readonly [NodeFeaturesInput, NodeFeaturesInput] {
  return Array.isArray(x);
}

/** Checks x or [xSrc, xDst]; a single matrix serves as both sides. */
export function checkLayerInputs(
  layer: string,
  x: LayerInputs,
  inSrc: number,
  inDst: number,
  scanValues = true,
): { xSrc: LayerInput; xDst: LayerInput; bipartite: boolean } {
  const entries = Array.isArray(x) ? x.length : 1;
  if (entries !== 1 && entries !== 2) {
    throw new RangeError(
      `${layer}: x must be one matrix or a pair [xSrc, xDst], found ${entries} entries`,
    );
  }
  if (isPair(x)) {
    return {
      xSrc: checkNodeInput(layer, 'x[0]', x[0], inSrc, scanValues),
      xDst: checkNodeInput(layer, 'x[1]', x[1], inDst, scanValues),
      bipartite: true,
    };
  }
  const v = checkNodeInput(layer, 'x', x, inSrc, scanValues);
  return { xSrc: v, xDst: v, bipartite: false };
}
