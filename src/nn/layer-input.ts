/**
 * Node features as layers accept them — a dense variable or tensor [N, F], or sparse rows —
 * checked once at the layer's door: width against in-channels, and no NaN or infinity.
 */
import { type Variable, constant } from '../autograd/variable.js';
import type { CsrMatrix } from '../kernels/kernels.js';
import { Tensor, formatShape } from '../tensor/tensor.js';

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
  data: ArrayLike<number>,
  where: (i: number) => string,
): void {
  if (allFinite(data)) return;
  for (let i = 0; i < data.length; i++) {
    const value = data[i]!;
    if (!Number.isFinite(value)) {
      throw new RangeError(
        `${layer}: ${name} has ${value} at ${where(i)}; features must be finite numbers`,
      );
    }
  }
}

/**
 * Whether every value is finite, in one branch-free pass: v·0 is 0 for finite v and NaN for
 * NaN or ±∞, so the sum is NaN exactly when some value is not finite. Several partial sums
 * let the additions overlap.
 */
function allFinite(data: ArrayLike<number>): boolean {
  const n = data.length;
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    a += data[i]! * 0;
    b += data[i + 1]! * 0;
    c += data[i + 2]! * 0;
    d += data[i + 3]! * 0;
  }
  for (; i < n; i++) a += data[i]! * 0;
  return a + b + c + d === 0;
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
