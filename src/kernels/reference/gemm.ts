/** Plain dense matrix product: the reference every faster GEMM is tested against. */
import type { GemmArgs } from '../kernels.js';

export function gemmReference({ transA, transB, m, n, k, a, b, out, accumulate }: GemmArgs): void {
  if (!accumulate) out.fill(0, 0, m * n);
  // A[i, p] and B[p, j] through strides, so every transpose variant is the same loop nest.
  const aRow = transA ? 1 : k;
  const aCol = transA ? m : 1;
  const bRow = transB ? 1 : n;
  const bCol = transB ? k : 1;
  for (let i = 0; i < m; i++) {
    const outRow = i * n;
    for (let p = 0; p < k; p++) {
      const av = a[i * aRow + p * aCol]!;
      if (av === 0) continue;
      const bBase = p * bRow;
      for (let j = 0; j < n; j++) out[outRow + j]! += av * b[bBase + j * bCol]!;
    }
  }
}
