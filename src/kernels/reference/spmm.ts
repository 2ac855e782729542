/** Sparse (CSR) × dense products: the reference versions. */
import type { FloatArray } from '../../tensor/tensor.js';
import type { CsrMatrix } from '../kernels.js';

/** out[rows, n] (+)= A · B */
export function spmmReference(
  a: CsrMatrix,
  b: FloatArray,
  n: number,
  out: FloatArray,
  accumulate: boolean,
): void {
  if (!accumulate) out.fill(0, 0, a.rows * n);
  const { rowPtr, colIdx, values } = a;
  for (let r = 0; r < a.rows; r++) {
    const o = r * n;
    for (let q = rowPtr[r]!; q < rowPtr[r + 1]!; q++) {
      const v = values[q]!;
      const bb = colIdx[q]! * n;
      for (let j = 0; j < n; j++) out[o + j]! += v * b[bb + j]!;
    }
  }
}

/** out[cols, n] (+)= Aᵀ · B */
export function spmmTransposedReference(
  a: CsrMatrix,
  b: FloatArray,
  n: number,
  out: FloatArray,
  accumulate: boolean,
): void {
  if (!accumulate) out.fill(0, 0, a.cols * n);
  const { rowPtr, colIdx, values } = a;
  for (let r = 0; r < a.rows; r++) {
    const bb = r * n;
    for (let q = rowPtr[r]!; q < rowPtr[r + 1]!; q++) {
      const v = values[q]!;
      const o = colIdx[q]! * n;
      for (let j = 0; j < n; j++) out[o + j]! += v * b[bb + j]!;
    }
  }
}
