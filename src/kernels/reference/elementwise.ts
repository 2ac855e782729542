/** Element-wise kernels, reference versions: counter-based dropout and ELU. */
import type { FloatArray } from '../../tensor/tensor.js';
import type { CsrMatrix, DropoutMask } from '../kernels.js';

/** lowbias32 (C. Wellons): an invertible mix of a 32-bit integer. */
function mix32(v: number): number {
  let x = v ^ (v >>> 16);
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** The uint32 hash deciding element i of a dropout mask: mix(mix(i ^ seedLo) + seedHi). */
export function dropoutHash(seedLo: number, seedHi: number, i: number): number {
  return mix32((mix32(i ^ seedLo) + seedHi) | 0);
}

/** The mask for dropping with probability p, from two uint32 seeds. */
export function dropoutMask(p: number, seedLo: number, seedHi: number): DropoutMask {
  return {
    seedLo: seedLo >>> 0,
    seedHi: seedHi >>> 0,
    threshold: Math.min(Math.ceil(p * 4294967296), 4294967295),
    keepScale: 1 / (1 - p),
  };
}

export function dropoutReference(
  mask: DropoutMask,
  x: FloatArray | null,
  out: FloatArray,
  length: number,
): void {
  const { seedLo, seedHi, threshold } = mask;
  // In the output's precision, so that x · factor rounds once, as in float32 arithmetic.
  const keep = out instanceof Float32Array ? Math.fround(mask.keepScale) : mask.keepScale;
  for (let i = 0; i < length; i++) {
    const factor = dropoutHash(seedLo, seedHi, i) < threshold ? 0 : keep;
    out[i] = x === null ? factor : x[i]! * factor;
  }
}

export function dropoutCsrReference(
  mask: DropoutMask,
  a: CsrMatrix,
  outRowPtr: Int32Array,
  outColIdx: Int32Array,
  outValues: FloatArray,
): number {
  const { seedLo, seedHi, threshold } = mask;
  const keep = outValues instanceof Float32Array ? Math.fround(mask.keepScale) : mask.keepScale;
  const { rows, rowPtr, colIdx, values } = a;
  let k = 0;
  outRowPtr[0] = 0;
  for (let r = 0; r < rows; r++) {
    for (let q = rowPtr[r]!; q < rowPtr[r + 1]!; q++) {
      if (dropoutHash(seedLo, seedHi, q) < threshold) continue;
      outColIdx[k] = colIdx[q]!;
      outValues[k] = keep * values[q]!;
      k++;
    }
    outRowPtr[r + 1] = k;
  }
  return k;
}

export function eluReference(x: FloatArray, alpha: number, out: FloatArray, length: number): void {
  for (let i = 0; i < length; i++) {
    const v = x[i]!;
    out[i] = v > 0 ? v : alpha * Math.expm1(v);
  }
}

export function eluBackwardReference(
  x: FloatArray,
  gradOut: FloatArray,
  alpha: number,
  gradX: FloatArray,
  length: number,
): void {
  for (let i = 0; i < length; i++) {
    const v = x[i]!;
    gradX[i] = gradOut[i]! * (v > 0 ? 1 : alpha * Math.exp(v));
  }
}

export function eluBackwardFromOutputReference(
  x: FloatArray,
  y: FloatArray,
  gradOut: FloatArray,
  alpha: number,
  gradX: FloatArray,
  length: number,
): void {
  for (let i = 0; i < length; i++) {
    gradX[i] = gradOut[i]! * (x[i]! > 0 ? 1 : y[i]! + alpha);
  }
}

export function firstNonFiniteReference(x: FloatArray, length: number): number {
  for (let i = 0; i < length; i++) if (!Number.isFinite(x[i]!)) return i;
  return -1;
}
