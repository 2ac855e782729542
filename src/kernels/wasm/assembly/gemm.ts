// Dense float32 GEMM, C = op(A)·op(B) (+ C): GotoBLAS-style blocking.
//
// B is packed into panels of NR columns (kc × NR, contiguous), A into panels of MR rows
// (kc × MR); a register-tiled MR × NR micro-kernel then streams both panels. KC × NR of B
// (8 KiB) stays in L1 while the A block (MC × KC, 128 KiB) sits in L2. Packing also turns
// every transpose variant into the same micro-kernel, and pads ragged edges with zeros.
// Products with m, n or k at most 16 go to skinny.ts instead, whose kernels skip the packing
// of A and the ragged tiles that would dominate them.
import { madd } from './simd';
import { gemmSkinny, storeTransposed4 } from './skinny';

const MR: i32 = 4;
const NR: i32 = 8;
export const KC: i32 = 256;
export const MC: i32 = 128; // multiple of MR
export const NC: i32 = 512; // multiple of NR

/** Bytes of scratch the caller must provide for the packed A and B blocks. */
export function gemmPackABytes(): i32 {
  return MC * KC * 4;
}
export function gemmPackBBytes(): i32 {
  return KC * NC * 4;
}

const tile = memory.data(MR * NR * 4, 16);

/**
 * Packs op(A)[i0 .. i0+mc, p0 .. p0+kc) into panels: panel q holds rows q·MR .. q·MR+MR as
 * dst[q·kc·MR + p·MR + r]. Rows past mc are zero.
 */
function packA(
  transA: bool,
  a: usize,
  lda: i32,
  i0: i32,
  mc: i32,
  p0: i32,
  kc: i32,
  dst: usize,
): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    const panel = dst + ((<usize>ir * <usize>kc) << 2);
    if (transA) {
      // A stored [k, m]: the MR values of one p are adjacent.
      for (let p = 0; p < kc; p++) {
        const col = a + ((<usize>(p0 + p) * <usize>lda + <usize>(i0 + ir)) << 2);
        const o = panel + ((<usize>p * MR) << 2);
        if (mr == MR) {
          v128.store(o, v128.load(col));
        } else {
          for (let r = 0; r < MR; r++) {
            store<f32>(o + (<usize>r << 2), r < mr ? load<f32>(col + (<usize>r << 2)) : 0);
          }
        }
      }
    } else if (mr == MR) {
      const row0 = a + ((<usize>(i0 + ir) * <usize>lda + <usize>p0) << 2);
      const ld = <usize>lda << 2;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const q = row0 + (<usize>p << 2);
        storeTransposed4(
          v128.load(q),
          v128.load(q + ld),
          v128.load(q + 2 * ld),
          v128.load(q + 3 * ld),
          panel + ((<usize>p * MR) << 2),
          MR << 2,
        );
      }
      for (; p < kc; p++) {
        for (let r = 0; r < MR; r++) {
          store<f32>(
            panel + ((<usize>(p * MR + r)) << 2),
            load<f32>(row0 + <usize>r * ld + (<usize>p << 2)),
          );
        }
      }
    } else {
      for (let r = 0; r < MR; r++) {
        const row = a + ((<usize>(i0 + ir + r) * <usize>lda + <usize>p0) << 2);
        for (let p = 0; p < kc; p++) {
          store<f32>(
            panel + ((<usize>(p * MR + r)) << 2),
            r < mr ? load<f32>(row + (<usize>p << 2)) : 0,
          );
        }
      }
    }
  }
}

/**
 * Packs op(B)[p0 .. p0+kc, j0 .. j0+nc) into panels of NR columns:
 * dst[q·kc·NR + p·NR + c]. Columns past nc are zero.
 */
function packB(
  transB: bool,
  b: usize,
  ldb: i32,
  p0: i32,
  kc: i32,
  j0: i32,
  nc: i32,
  dst: usize,
): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const panel = dst + ((<usize>jr * <usize>kc) << 2);
    if (!transB) {
      for (let p = 0; p < kc; p++) {
        const row = b + ((<usize>(p0 + p) * <usize>ldb + <usize>(j0 + jr)) << 2);
        const o = panel + ((<usize>p * NR) << 2);
        if (nr == NR) {
          v128.store(o, v128.load(row));
          v128.store(o, v128.load(row, 16), 16);
        } else {
          for (let c = 0; c < NR; c++) {
            store<f32>(o + (<usize>c << 2), c < nr ? load<f32>(row + (<usize>c << 2)) : 0);
          }
        }
      }
    } else if (nr == NR) {
      // B stored [n, k]: transpose 4×4 blocks of two groups of four columns.
      const ld = <usize>ldb << 2;
      for (let half = 0; half < 2; half++) {
        const col0 = b + ((<usize>(j0 + jr + half * 4) * <usize>ldb + <usize>p0) << 2);
        const out0 = panel + (<usize>half << 4);
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          const q = col0 + (<usize>p << 2);
          storeTransposed4(
            v128.load(q),
            v128.load(q + ld),
            v128.load(q + 2 * ld),
            v128.load(q + 3 * ld),
            out0 + ((<usize>p * NR) << 2),
            NR << 2,
          );
        }
        for (; p < kc; p++) {
          for (let c = 0; c < 4; c++) {
            store<f32>(
              out0 + ((<usize>(p * NR + c)) << 2),
              load<f32>(col0 + <usize>c * ld + (<usize>p << 2)),
            );
          }
        }
      }
    } else {
      for (let c = 0; c < NR; c++) {
        const col = b + ((<usize>(j0 + jr + c) * <usize>ldb + <usize>p0) << 2);
        for (let p = 0; p < kc; p++) {
          store<f32>(
            panel + ((<usize>(p * NR + c)) << 2),
            c < nr ? load<f32>(col + (<usize>p << 2)) : 0,
          );
        }
      }
    }
  }
}

/**
 * C[MR × NR tile] += Apanel · Bpanel over kc, or = when `overwrite` (the first block of k of
 * a product that does not accumulate: C is then neither zeroed first nor read); only the
 * mr × nr corner is written back.
 */
// @ts-ignore: decorator
@inline
function microKernel(
  kc: i32,
  ap: usize,
  bp: usize,
  c: usize,
  ldc: usize,
  mr: i32,
  nr: i32,
  overwrite: bool,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    ap += MR << 2;
    bp += NR << 2;
  }
  if (mr == MR && nr == NR && overwrite) {
    let q = c;
    v128.store(q, c00);
    v128.store(q, c01, 16);
    q += ldc;
    v128.store(q, c10);
    v128.store(q, c11, 16);
    q += ldc;
    v128.store(q, c20);
    v128.store(q, c21, 16);
    q += ldc;
    v128.store(q, c30);
    v128.store(q, c31, 16);
  } else if (mr == MR && nr == NR) {
    let q = c;
    v128.store(q, f32x4.add(v128.load(q), c00));
    v128.store(q, f32x4.add(v128.load(q, 16), c01), 16);
    q += ldc;
    v128.store(q, f32x4.add(v128.load(q), c10));
    v128.store(q, f32x4.add(v128.load(q, 16), c11), 16);
    q += ldc;
    v128.store(q, f32x4.add(v128.load(q), c20));
    v128.store(q, f32x4.add(v128.load(q, 16), c21), 16);
    q += ldc;
    v128.store(q, f32x4.add(v128.load(q), c30));
    v128.store(q, f32x4.add(v128.load(q, 16), c31), 16);
  } else {
    v128.store(tile, c00);
    v128.store(tile, c01, 16);
    v128.store(tile, c10, 32);
    v128.store(tile, c11, 48);
    v128.store(tile, c20, 64);
    v128.store(tile, c21, 80);
    v128.store(tile, c30, 96);
    v128.store(tile, c31, 112);
    for (let r = 0; r < mr; r++) {
      const row = c + <usize>r * ldc;
      for (let j = 0; j < nr; j++) {
        const o = row + (<usize>j << 2);
        const t = load<f32>(tile + ((<usize>(r * NR + j)) << 2));
        store<f32>(o, overwrite ? t : load<f32>(o) + t);
      }
    }
  }
}

/**
 * C[m, n] (+)= op(A) · op(B). A(i, p) is a[i·lda + p], or a[p·lda + i] when transA;
 * B(p, j) is b[p·ldb + j], or b[j·ldb + p] when transB. C is dense with row stride n.
 */
export function gemm(
  transA: bool,
  transB: bool,
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  lda: i32,
  b: usize,
  ldb: i32,
  c: usize,
  accumulate: bool,
  packABuf: usize,
  packBBuf: usize,
): void {
  // One dimension at most 16: the skinny kernels (packed B only, no tiles).
  if (gemmSkinny(transA, transB, m, n, k, a, lda, b, ldb, c, accumulate, packBBuf, KC * NC * 4)) {
    return;
  }
  // The first block of k overwrites C unless accumulating; with no k at all, C is zero.
  if (!accumulate && k == 0) memory.fill(c, 0, (<usize>m * <usize>n) << 2);
  const ldc = <usize>n << 2;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const overwrite = !accumulate && pc == 0;
      packB(transB, b, ldb, pc, kc, jc, nc, packBBuf);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(transA, a, lda, ic, mc, pc, kc, packABuf);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bp = packBBuf + ((<usize>jr * <usize>kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            microKernel(
              kc,
              packABuf + ((<usize>ir * <usize>kc) << 2),
              bp,
              c + <usize>(ic + ir) * ldc + ((<usize>(jc + jr)) << 2),
              ldc,
              mr,
              nr,
              overwrite,
            );
          }
        }
      }
    }
  }
}
