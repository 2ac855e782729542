// Skinny GEMM: C[m, n] (+)= op(A)·op(B) when one dimension is at most 16, where the packed,
// tiled kernel of gemm.ts spends its time packing A and writing ragged tiles one value at a
// time instead of multiplying.
//
// V8 issues about six instructions a cycle and wasm SIMD has no fused multiply-add without
// relaxed SIMD, so each vector multiply-add costs two instructions: what decides the speed
// is how few loads, address updates and loop checks come with them. So the loops are plain
// (V8 hoists every load of an unrolled body and spills) and walk pointers. V8 keeps 15 vector
// registers and loads every value of an iteration before its arithmetic, so accumulators,
// loaded values and a product must fit in them: 8 accumulators at most. Three kernels:
//
//   dot blocks (n ≤ 16, A not transposed): R rows × J columns of C as dot products over p,
//     four p at a time: A's rows and B's columns (packed four p by four) are loaded as
//     vectors, no splats and no lanes wasted on padding columns; the sums are reduced at
//     the end of the block. Columns of C in groups of 4, each over all rows;
//   k passes (k ≤ 16, A not transposed): up to 4 rows × 2 vectors of B stay in registers
//     while the rows of C run past (P splats, the multiply-adds and the stores per row); the
//     first group of 4 p writes C, the next add to it;
//   rows blocks (n ≤ 16 or k ≤ 16 with A transposed, and m ≤ 16): R rows × V vectors of C,
//     C[r, 4v .. 4v+4] += A(r, p) · B(p, 4v .. 4v+4), A(r, p) splatted from wherever it is
//     stored, B(p, ·) from rows of B (in place, or packed into rows padded to whole
//     vectors). Rows of C in groups of 4 (the last ones 3 + 3, 3 + 2, ...), each across all
//     columns, over p in chunks: whole for n ≤ 16 or k ≤ 16 (as far as the packed B fits);
//     for m ≤ 16 chunks whose rows of B stay in L1, blocks stored after each and added to
//     after the next.
//
// Vector loads never read past an operand: B is used in place only when it is not transposed
// and n is a multiple of 4, else packed with zeros past n (or past k); A's rows are read
// whole only where four values remain; C's last vector is read and written lane by lane.
import { madd } from './simd';

/** Largest dimension (m, n or k) the skinny kernels take. */
const SKINNY: i32 = 16;
/** Bytes of B (and A) per chunk of p when m ≤ 16: a chunk stays in L1 across the blocks. */
const CHUNK_BYTES: i32 = 16384;
/**
 * Bytes of C per chunk of rows when k ≤ 16, which its passes revisit: in L2. (Smaller chunks
 * cost more in calls than L1 saves: 16 KiB made Cora's G·W 5% slower, 4 KiB 25%.)
 */
const K_ROWS_BYTES: i32 = 262144;

/** 4×4 transpose of the rows r0..r3: returns the columns via `out` (4 stores of 16 bytes). */
// @ts-ignore: decorator
@inline
export function storeTransposed4(
  r0: v128,
  r1: v128,
  r2: v128,
  r3: v128,
  out: usize,
  stride: usize,
): void {
  const t0 = f32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = f32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t2 = f32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t3 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(out, f32x4.shuffle(t0, t2, 0, 1, 4, 5));
  v128.store(out + stride, f32x4.shuffle(t0, t2, 2, 3, 6, 7));
  v128.store(out + 2 * stride, f32x4.shuffle(t1, t3, 0, 1, 4, 5));
  v128.store(out + 3 * stride, f32x4.shuffle(t1, t3, 2, 3, 6, 7));
}

/** The first `lanes` (1..4) f32 at p, zeros in the other lanes; reads nothing past them. */
// @ts-ignore: decorator
@inline
function loadPart(p: usize, lanes: i32): v128 {
  if (lanes == 4) return v128.load(p);
  if (lanes == 2) return v128.load64_zero(p);
  if (lanes == 1) return v128.load32_zero(p);
  return v128.load32_lane(p, v128.load64_zero(p), 2, 8);
}

/** Stores the first `lanes` (1..4) lanes of v at p, nothing past them. */
// @ts-ignore: decorator
@inline
function storePart(p: usize, v: v128, lanes: i32): void {
  if (lanes == 4) {
    v128.store(p, v);
  } else if (lanes & 2) {
    v128.store64_lane(p, v, 0);
    if (lanes & 1) v128.store32_lane(p, v, 2, 8);
  } else {
    v128.store32_lane(p, v, 0);
  }
}

// @ts-ignore: decorator
@inline
function put(p: usize, v: v128, lanes: i32, accumulate: bool): void {
  storePart(p, accumulate ? f32x4.add(loadPart(p, lanes), v) : v, lanes);
}

/** Writes (or adds) V vectors to a row of C; the last has `lanes` valid lanes. */
// @ts-ignore: decorator
@inline
function putRow(
  V: i32,
  c: usize,
  lanes: i32,
  accumulate: bool,
  x0: v128,
  x1: v128,
  x2: v128,
  x3: v128,
): void {
  if (V == 1) {
    put(c, x0, lanes, accumulate);
  } else if (V == 2) {
    put(c, x0, 4, accumulate);
    put(c + 16, x1, lanes, accumulate);
  } else if (V == 3) {
    put(c, x0, 4, accumulate);
    put(c + 16, x1, 4, accumulate);
    put(c + 32, x2, lanes, accumulate);
  } else {
    put(c, x0, 4, accumulate);
    put(c + 16, x1, 4, accumulate);
    put(c + 32, x2, 4, accumulate);
    put(c + 48, x3, lanes, accumulate);
  }
}

/**
 * Packs op(B)[p0 .. p0+kc, 0 .. n) as kc rows of npad (n rounded up to 4) f32, zeros past n:
 * dst[p·npad + j]. B(p, j) is b[p·ldb + j], or b[j·ldb + p] when transB.
 */
function packRows(
  transB: bool,
  b: usize,
  ldb: i32,
  p0: i32,
  kc: i32,
  n: i32,
  npad: i32,
  dst: usize,
): void {
  const out = <usize>npad << 2;
  if (!transB) {
    for (let p = 0; p < kc; p++) {
      const src = b + ((<usize>(p0 + p) * <usize>ldb) << 2);
      const d = dst + <usize>p * out;
      let j = 0;
      for (; j + 4 <= n; j += 4) v128.store(d + (<usize>j << 2), v128.load(src + (<usize>j << 2)));
      if (j < n) v128.store(d + (<usize>j << 2), loadPart(src + (<usize>j << 2), n - j));
    }
    return;
  }
  const ld = <usize>ldb << 2;
  for (let j = 0; j < npad; j += 4) {
    const col = b + ((<usize>j * <usize>ldb + <usize>p0) << 2);
    const d = dst + (<usize>j << 2);
    if (j + 4 <= n) {
      // Columns j .. j+4 are rows of the stored B: transpose 4×4 blocks.
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const q = col + (<usize>p << 2);
        storeTransposed4(
          v128.load(q),
          v128.load(q + ld),
          v128.load(q + 2 * ld),
          v128.load(q + 3 * ld),
          d + <usize>p * out,
          out,
        );
      }
      for (; p < kc; p++) {
        const q = col + (<usize>p << 2);
        const o = d + <usize>p * out;
        store<f32>(o, load<f32>(q));
        store<f32>(o, load<f32>(q + ld), 4);
        store<f32>(o, load<f32>(q + 2 * ld), 8);
        store<f32>(o, load<f32>(q + 3 * ld), 12);
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const q = col + (<usize>p << 2);
        const o = d + <usize>p * out;
        for (let c = 0; c < 4; c++) {
          store<f32>(o + (<usize>c << 2), j + c < n ? load<f32>(q + <usize>c * ld) : 0);
        }
      }
    }
  }
}

/**
 * The rows block (R ≤ 4, V ≤ 4 and TA are constants at every call): for r < R,
 * C[r, 0 .. 4V) (+)= Σ_{p < kc} A(r, p) · B(p, 0 .. 4V). A(r, p) is the f32 at
 * a + r·lda4 + 4p, or at a + p·lda4 + 4r when TA (A transposed); B(p, ·) are the 4V f32 at
 * b + p·ldb4; row r of C starts at c + r·ldc and its last vector has `lanes` valid lanes.
 */
// @ts-ignore: decorator
@inline
function rowsBlock(
  R: i32,
  V: i32,
  TA: bool,
  kc: i32,
  a: usize,
  lda4: usize,
  b: usize,
  ldb4: usize,
  c: usize,
  ldc: usize,
  lanes: i32,
  accumulate: bool,
): void {
  const z = f32x4.splat(0);
  let c00 = z, c01 = z, c02 = z, c03 = z;
  let c10 = z, c11 = z, c12 = z, c13 = z;
  let c20 = z, c21 = z, c22 = z, c23 = z;
  let c30 = z, c31 = z, c32 = z, c33 = z;
  let b0 = z, b1 = z, b2 = z, b3 = z;
  let s = z;
  // A(r, p) is at x_r (not TA; each x_r steps by 4) or at x0 + 4r (TA; x0 steps by lda4).
  const aps: usize = TA ? lda4 : 4;
  let x0 = a;
  let x1 = TA ? a : a + lda4;
  let x2 = TA ? a : x1 + lda4;
  let x3 = TA ? a : x2 + lda4;
  let bp = b;
  const end = b + <usize>kc * ldb4;
  while (bp < end) {
    b0 = v128.load(bp);
    if (V > 1) b1 = v128.load(bp, 16);
    if (V > 2) b2 = v128.load(bp, 32);
    if (V > 3) b3 = v128.load(bp, 48);
    s = v128.load32_splat(x0);
    c00 = madd(s, b0, c00);
    if (V > 1) c01 = madd(s, b1, c01);
    if (V > 2) c02 = madd(s, b2, c02);
    if (V > 3) c03 = madd(s, b3, c03);
    if (R > 1) {
      s = TA ? v128.load32_splat(x0, 4) : v128.load32_splat(x1);
      c10 = madd(s, b0, c10);
      if (V > 1) c11 = madd(s, b1, c11);
      if (V > 2) c12 = madd(s, b2, c12);
      if (V > 3) c13 = madd(s, b3, c13);
    }
    if (R > 2) {
      s = TA ? v128.load32_splat(x0, 8) : v128.load32_splat(x2);
      c20 = madd(s, b0, c20);
      if (V > 1) c21 = madd(s, b1, c21);
      if (V > 2) c22 = madd(s, b2, c22);
      if (V > 3) c23 = madd(s, b3, c23);
    }
    if (R > 3) {
      s = TA ? v128.load32_splat(x0, 12) : v128.load32_splat(x3);
      c30 = madd(s, b0, c30);
      if (V > 1) c31 = madd(s, b1, c31);
      if (V > 2) c32 = madd(s, b2, c32);
      if (V > 3) c33 = madd(s, b3, c33);
    }
    x0 += aps;
    if (!TA) {
      if (R > 1) x1 += aps;
      if (R > 2) x2 += aps;
      if (R > 3) x3 += aps;
    }
    bp += ldb4;
  }
  putRow(V, c, lanes, accumulate, c00, c01, c02, c03);
  if (R > 1) putRow(V, c + ldc, lanes, accumulate, c10, c11, c12, c13);
  if (R > 2) putRow(V, c + 2 * ldc, lanes, accumulate, c20, c21, c22, c23);
  if (R > 3) putRow(V, c + 3 * ldc, lanes, accumulate, c30, c31, c32, c33);
}

/**
 * Rows i .. i+R of C (R and V constants, V ≥ 1): rows blocks of V vectors across C, then
 * blocks of one vector for the columns left. nv vectors per row of C, the last with `lanes`.
 */
// @ts-ignore: decorator
@inline
function rowGroup(
  R: i32,
  V: i32,
  transA: bool,
  kc: i32,
  a: usize,
  lda4: usize,
  b: usize,
  ldb4: usize,
  c: usize,
  ldc: usize,
  nv: i32,
  lanes: i32,
  acc: bool,
): void {
  let v = 0;
  for (; v + V <= nv; v += V) {
    const o = <usize>v << 4;
    const l = v + V == nv ? lanes : 4;
    if (transA) rowsBlock(R, V, true, kc, a, lda4, b + o, ldb4, c + o, ldc, l, acc);
    else rowsBlock(R, V, false, kc, a, lda4, b + o, ldb4, c + o, ldc, l, acc);
  }
  for (; v < nv; v++) {
    const o = <usize>v << 4;
    const l = v + 1 == nv ? lanes : 4;
    if (transA) rowsBlock(R, 1, true, kc, a, lda4, b + o, ldb4, c + o, ldc, l, acc);
    else rowsBlock(R, 1, false, kc, a, lda4, b + o, ldb4, c + o, ldc, l, acc);
  }
}

// One function per group height, so that each block is compiled once. V8 keeps 15 vector
// registers and loads every value of an iteration before its arithmetic: accumulators, B's
// vectors, A's splats and a product must fit, so 4 × 2 and 2 × 4 are the largest blocks.
function rowGroup4(
  transA: bool,
  kc: i32,
  a: usize,
  lda4: usize,
  b: usize,
  ldb4: usize,
  c: usize,
  ldc: usize,
  nv: i32,
  lanes: i32,
  acc: bool,
): void {
  rowGroup(4, 2, transA, kc, a, lda4, b, ldb4, c, ldc, nv, lanes, acc);
}
function rowGroup3(
  transA: bool,
  kc: i32,
  a: usize,
  lda4: usize,
  b: usize,
  ldb4: usize,
  c: usize,
  ldc: usize,
  nv: i32,
  lanes: i32,
  acc: bool,
): void {
  rowGroup(3, 2, transA, kc, a, lda4, b, ldb4, c, ldc, nv, lanes, acc);
}
function rowGroup2(
  transA: bool,
  kc: i32,
  a: usize,
  lda4: usize,
  b: usize,
  ldb4: usize,
  c: usize,
  ldc: usize,
  nv: i32,
  lanes: i32,
  acc: bool,
): void {
  rowGroup(2, 4, transA, kc, a, lda4, b, ldb4, c, ldc, nv, lanes, acc);
}
function rowGroup1(
  transA: bool,
  kc: i32,
  a: usize,
  lda4: usize,
  b: usize,
  ldb4: usize,
  c: usize,
  ldc: usize,
  nv: i32,
  lanes: i32,
  acc: bool,
): void {
  rowGroup(1, 4, transA, kc, a, lda4, b, ldb4, c, ldc, nv, lanes, acc);
}

/**
 * The rows walk: for each chunk of at most kcMax values of p, B's chunk (in place, or packed
 * into `scratch`), then every row of C in groups of 4 rows (the last ones as 3 + 3,
 * 3 + 2, 3, 2 or 1), each group across all columns.
 */
function skinnyRows(
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
  scratch: usize,
  scratchBytes: i32,
  chunk: i32,
): void {
  const nv = (n + 3) >> 2;
  const npad = nv << 2;
  const lanes = n - npad + 4;
  const ldc = <usize>n << 2;
  const direct = !transB && (n & 3) == 0;
  const ldp: usize = direct ? <usize>ldb << 2 : <usize>npad << 2;
  const lda4 = <usize>lda << 2;
  const ars: usize = transA ? 4 : lda4;
  const aps: usize = transA ? lda4 : 4;
  let kcMax = max(1, chunk);
  if (!direct) kcMax = max(1, min(kcMax, scratchBytes / (npad << 2)));
  for (let p0 = 0; p0 < k; p0 += kcMax) {
    const kc = min(kcMax, k - p0);
    let bp = b + <usize>p0 * ldp;
    if (!direct) {
      packRows(transB, b, ldb, p0, kc, n, npad, scratch);
      bp = scratch;
    }
    const acc = accumulate || p0 > 0;
    const a0 = a + <usize>p0 * aps;
    let i = 0;
    while (i < m) {
      const left = m - i;
      const ai = a0 + <usize>i * ars;
      const ci = c + <usize>i * ldc;
      if (left >= 4 && left != 5 && left != 6) {
        rowGroup4(transA, kc, ai, lda4, bp, ldp, ci, ldc, nv, lanes, acc);
        i += 4;
      } else if (left >= 3) {
        rowGroup3(transA, kc, ai, lda4, bp, ldp, ci, ldc, nv, lanes, acc);
        i += 3;
      } else if (left == 2) {
        rowGroup2(transA, kc, ai, lda4, bp, ldp, ci, ldc, nv, lanes, acc);
        i += 2;
      } else {
        rowGroup1(transA, kc, ai, lda4, bp, ldp, ci, ldc, nv, lanes, acc);
        i += 1;
      }
    }
  }
}

/**
 * One pass of skinnyK (P ≤ 4, V ≤ 2, ACC constants; lanes is 4 when V is 2):
 * C[i, 0 .. 4V) (+)= Σ_{q < P} A[i, q] · B(q, 0 .. 4V) for every row i < m. The P × V vectors
 * of B stay in registers while the rows of C run past, so a row costs P splats, its
 * multiply-adds and V stores (V loads more when ACC). Row i of A is at a + i·lda4, B(q, ·) at
 * b + q·ldb4; the last vector of C's rows has `lanes` lanes.
 */
// @ts-ignore: decorator
@inline
function kPass(
  P: i32,
  V: i32,
  ACC: bool,
  m: i32,
  a: usize,
  lda4: usize,
  b: usize,
  ldb4: usize,
  c: usize,
  ldc: usize,
  lanes: i32,
): void {
  const z = f32x4.splat(0);
  const w00 = v128.load(b);
  const w01 = V > 1 ? v128.load(b, 16) : z;
  const w10 = P > 1 ? v128.load(b + ldb4) : z;
  const w11 = P > 1 && V > 1 ? v128.load(b + ldb4, 16) : z;
  const w20 = P > 2 ? v128.load(b + 2 * ldb4) : z;
  const w21 = P > 2 && V > 1 ? v128.load(b + 2 * ldb4, 16) : z;
  const w30 = P > 3 ? v128.load(b + 3 * ldb4) : z;
  const w31 = P > 3 && V > 1 ? v128.load(b + 3 * ldb4, 16) : z;
  let x = a;
  let cp = c;
  const end = c + <usize>m * ldc;
  while (cp < end) {
    const s0 = v128.load32_splat(x);
    const s1 = P > 1 ? v128.load32_splat(x, 4) : z;
    const s2 = P > 2 ? v128.load32_splat(x, 8) : z;
    const s3 = P > 3 ? v128.load32_splat(x, 12) : z;
    let y0 = f32x4.mul(s0, w00);
    if (P > 1) y0 = madd(s1, w10, y0);
    if (P > 2) y0 = madd(s2, w20, y0);
    if (P > 3) y0 = madd(s3, w30, y0);
    if (V > 1) {
      let y1 = f32x4.mul(s0, w01);
      if (P > 1) y1 = madd(s1, w11, y1);
      if (P > 2) y1 = madd(s2, w21, y1);
      if (P > 3) y1 = madd(s3, w31, y1);
      if (ACC) {
        y0 = f32x4.add(v128.load(cp), y0);
        y1 = f32x4.add(v128.load(cp, 16), y1);
      }
      v128.store(cp, y0);
      v128.store(cp, y1, 16);
    } else {
      put(cp, y0, lanes, ACC);
    }
    x += lda4;
    cp += ldc;
  }
}

/** kPass over P rows of B (1 ≤ P ≤ 4 at run time). */
// @ts-ignore: decorator
@inline
function kPasses(
  V: i32,
  ACC: bool,
  P: i32,
  m: i32,
  a: usize,
  lda4: usize,
  b: usize,
  ldb4: usize,
  c: usize,
  ldc: usize,
  lanes: i32,
): void {
  if (P == 4) kPass(4, V, ACC, m, a, lda4, b, ldb4, c, ldc, lanes);
  else if (P == 3) kPass(3, V, ACC, m, a, lda4, b, ldb4, c, ldc, lanes);
  else if (P == 2) kPass(2, V, ACC, m, a, lda4, b, ldb4, c, ldc, lanes);
  else kPass(1, V, ACC, m, a, lda4, b, ldb4, c, ldc, lanes);
}

// One function per (V, ACC), so that each pass is compiled once.
function kPairWrite(
  P: i32,
  m: i32,
  a: usize,
  lda4: usize,
  b: usize,
  ldb4: usize,
  c: usize,
  ldc: usize,
): void {
  kPasses(2, false, P, m, a, lda4, b, ldb4, c, ldc, 4);
}
function kPairAdd(
  P: i32,
  m: i32,
  a: usize,
  lda4: usize,
  b: usize,
  ldb4: usize,
  c: usize,
  ldc: usize,
): void {
  kPasses(2, true, P, m, a, lda4, b, ldb4, c, ldc, 4);
}
function kOneWrite(
  P: i32,
  m: i32,
  a: usize,
  lda4: usize,
  b: usize,
  ldb4: usize,
  c: usize,
  ldc: usize,
  lanes: i32,
): void {
  kPasses(1, false, P, m, a, lda4, b, ldb4, c, ldc, lanes);
}
function kOneAdd(
  P: i32,
  m: i32,
  a: usize,
  lda4: usize,
  b: usize,
  ldb4: usize,
  c: usize,
  ldc: usize,
  lanes: i32,
): void {
  kPasses(1, true, P, m, a, lda4, b, ldb4, c, ldc, lanes);
}

/**
 * k ≤ 16, A not transposed: rows of C in chunks that stay in L2; in each, columns in pairs of
 * whole vectors (then single vectors, the last maybe partial), and p in groups of up to 4
 * (the first group writes C unless accumulating, the others add to it): each pass keeps its
 * rows of B in registers (kPass).
 */
function skinnyK(
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
  scratch: usize,
): void {
  const nv = (n + 3) >> 2;
  const npad = nv << 2;
  const lanes = n - npad + 4;
  const ldc = <usize>n << 2;
  const direct = !transB && (n & 3) == 0;
  const ldp: usize = direct ? <usize>ldb << 2 : <usize>npad << 2;
  let bp = b;
  if (!direct) {
    packRows(transB, b, ldb, 0, k, n, npad, scratch);
    bp = scratch;
  }
  const lda4 = <usize>lda << 2;
  const pairs = lanes == 4 ? nv >> 1 : (nv - 1) >> 1;
  const rows = max(4, K_ROWS_BYTES / (n << 2));
  for (let i0 = 0; i0 < m; i0 += rows) {
    const mc = min(rows, m - i0);
    const ai = a + <usize>i0 * lda4;
    const ci = c + <usize>i0 * ldc;
    for (let v = 0; v < nv; ) {
      const o = <usize>v << 4;
      const pair = v < pairs << 1;
      for (let p0 = 0; p0 < k; p0 += 4) {
        const P = min(4, k - p0);
        const ap = ai + (<usize>p0 << 2);
        const bq = bp + <usize>p0 * ldp + o;
        const cv = ci + o;
        const l = v + 1 == nv ? lanes : 4;
        if (accumulate || p0 > 0) {
          if (pair) kPairAdd(P, mc, ap, lda4, bq, ldp, cv, ldc);
          else kOneAdd(P, mc, ap, lda4, bq, ldp, cv, ldc, l);
        } else {
          if (pair) kPairWrite(P, mc, ap, lda4, bq, ldp, cv, ldc);
          else kOneWrite(P, mc, ap, lda4, bq, ldp, cv, ldc, l);
        }
      }
      v += pair ? 2 : 1;
    }
  }
}

/** [Σ lanes of x0, Σ x1, Σ x2, Σ x3]. */
// @ts-ignore: decorator
@inline
function sums4(x0: v128, x1: v128, x2: v128, x3: v128): v128 {
  const t0 = f32x4.add(f32x4.shuffle(x0, x1, 0, 4, 1, 5), f32x4.shuffle(x0, x1, 2, 6, 3, 7));
  const t1 = f32x4.add(f32x4.shuffle(x2, x3, 0, 4, 1, 5), f32x4.shuffle(x2, x3, 2, 6, 3, 7));
  return f32x4.add(f32x4.shuffle(t0, t1, 0, 1, 4, 5), f32x4.shuffle(t0, t1, 2, 3, 6, 7));
}

/**
 * The dot block (R ≤ 4 and J ≤ 4 constants): for r < R, j < J,
 * C[r, j] (+)= Σ_{p < kc} A[r, p] · B(p, j), A's rows at a + r·lda4 (contiguous in p), B
 * packed by packDot with its columns j at b + 16j and ldb4 bytes between groups of four p.
 */
// @ts-ignore: decorator
@inline
function dotBlock(
  R: i32,
  J: i32,
  kc: i32,
  a: usize,
  lda4: usize,
  b: usize,
  ldb4: usize,
  c: usize,
  ldc: usize,
  accumulate: bool,
): void {
  const z = f32x4.splat(0);
  let c00 = z, c01 = z, c02 = z, c03 = z;
  let c10 = z, c11 = z, c12 = z, c13 = z;
  let c20 = z, c21 = z, c22 = z, c23 = z;
  let c30 = z, c31 = z, c32 = z, c33 = z;
  let b0 = z, b1 = z, b2 = z, b3 = z;
  let x0 = a;
  let x1 = a + lda4;
  let x2 = x1 + lda4;
  let x3 = x2 + lda4;
  let s0 = z, s1 = z, s2 = z, s3 = z;
  let bp = b;
  const end = b + <usize>(kc >> 2) * ldb4;
  while (bp < end) {
    b0 = v128.load(bp);
    if (J > 1) b1 = v128.load(bp, 16);
    if (J > 2) b2 = v128.load(bp, 32);
    if (J > 3) b3 = v128.load(bp, 48);
    s0 = v128.load(x0);
    if (R > 1) s1 = v128.load(x1);
    if (R > 2) s2 = v128.load(x2);
    if (R > 3) s3 = v128.load(x3);
    c00 = madd(s0, b0, c00);
    if (J > 1) c01 = madd(s0, b1, c01);
    if (J > 2) c02 = madd(s0, b2, c02);
    if (J > 3) c03 = madd(s0, b3, c03);
    if (R > 1) {
      c10 = madd(s1, b0, c10);
      if (J > 1) c11 = madd(s1, b1, c11);
      if (J > 2) c12 = madd(s1, b2, c12);
      if (J > 3) c13 = madd(s1, b3, c13);
    }
    if (R > 2) {
      c20 = madd(s2, b0, c20);
      if (J > 1) c21 = madd(s2, b1, c21);
      if (J > 2) c22 = madd(s2, b2, c22);
      if (J > 3) c23 = madd(s2, b3, c23);
    }
    if (R > 3) {
      c30 = madd(s3, b0, c30);
      if (J > 1) c31 = madd(s3, b1, c31);
      if (J > 2) c32 = madd(s3, b2, c32);
      if (J > 3) c33 = madd(s3, b3, c33);
    }
    x0 += 16;
    if (R > 1) x1 += 16;
    if (R > 2) x2 += 16;
    if (R > 3) x3 += 16;
    bp += ldb4;
  }
  // The last partial group of p: A's rows read lane by lane (B is zero-padded there).
  const tail = kc & 3;
  if (tail != 0) {
    b0 = v128.load(bp);
    if (J > 1) b1 = v128.load(bp, 16);
    if (J > 2) b2 = v128.load(bp, 32);
    if (J > 3) b3 = v128.load(bp, 48);
    s0 = loadPart(x0, tail);
    if (R > 1) s1 = loadPart(x1, tail);
    if (R > 2) s2 = loadPart(x2, tail);
    if (R > 3) s3 = loadPart(x3, tail);
    c00 = madd(s0, b0, c00);
    if (J > 1) c01 = madd(s0, b1, c01);
    if (J > 2) c02 = madd(s0, b2, c02);
    if (J > 3) c03 = madd(s0, b3, c03);
    if (R > 1) {
      c10 = madd(s1, b0, c10);
      if (J > 1) c11 = madd(s1, b1, c11);
      if (J > 2) c12 = madd(s1, b2, c12);
      if (J > 3) c13 = madd(s1, b3, c13);
    }
    if (R > 2) {
      c20 = madd(s2, b0, c20);
      if (J > 1) c21 = madd(s2, b1, c21);
      if (J > 2) c22 = madd(s2, b2, c22);
      if (J > 3) c23 = madd(s2, b3, c23);
    }
    if (R > 3) {
      c30 = madd(s3, b0, c30);
      if (J > 1) c31 = madd(s3, b1, c31);
      if (J > 2) c32 = madd(s3, b2, c32);
      if (J > 3) c33 = madd(s3, b3, c33);
    }
  }
  put(c, sums4(c00, c01, c02, c03), J, accumulate);
  if (R > 1) put(c + ldc, sums4(c10, c11, c12, c13), J, accumulate);
  if (R > 2) put(c + 2 * ldc, sums4(c20, c21, c22, c23), J, accumulate);
  if (R > 3) put(c + 3 * ldc, sums4(c30, c31, c32, c33), J, accumulate);
}

/** Columns j .. j+J of every row of C by dot blocks of R rows, then single rows. */
// @ts-ignore: decorator
@inline
function dotColumns(
  R: i32,
  J: i32,
  m: i32,
  kc: i32,
  a: usize,
  lda4: usize,
  b: usize,
  ldb4: usize,
  c: usize,
  ldc: usize,
  acc: bool,
): void {
  let i = 0;
  for (; i + R <= m; i += R) {
    dotBlock(R, J, kc, a + <usize>i * lda4, lda4, b, ldb4, c + <usize>i * ldc, ldc, acc);
  }
  for (; i < m; i++) {
    dotBlock(1, J, kc, a + <usize>i * lda4, lda4, b, ldb4, c + <usize>i * ldc, ldc, acc);
  }
}

// One function per column group width (registers as for the rows blocks).
function dotColumns1(
  m: i32,
  kc: i32,
  a: usize,
  lda4: usize,
  b: usize,
  ldb4: usize,
  c: usize,
  ldc: usize,
  acc: bool,
): void {
  dotColumns(4, 1, m, kc, a, lda4, b, ldb4, c, ldc, acc);
}
function dotColumns2(
  m: i32,
  kc: i32,
  a: usize,
  lda4: usize,
  b: usize,
  ldb4: usize,
  c: usize,
  ldc: usize,
  acc: bool,
): void {
  dotColumns(4, 2, m, kc, a, lda4, b, ldb4, c, ldc, acc);
}
function dotColumns3(
  m: i32,
  kc: i32,
  a: usize,
  lda4: usize,
  b: usize,
  ldb4: usize,
  c: usize,
  ldc: usize,
  acc: bool,
): void {
  dotColumns(2, 3, m, kc, a, lda4, b, ldb4, c, ldc, acc);
}
function dotColumns4(
  m: i32,
  kc: i32,
  a: usize,
  lda4: usize,
  b: usize,
  ldb4: usize,
  c: usize,
  ldc: usize,
  acc: bool,
): void {
  dotColumns(2, 4, m, kc, a, lda4, b, ldb4, c, ldc, acc);
}

/**
 * Packs op(B)[p0 .. p0+kc, 0 .. n) for the dot blocks: group g (p0+4g .. p0+4g+4) holds
 * the column j as the vector at dst + (g·n + j)·16; p past kc is zero.
 */
function packDot(
  transB: bool,
  b: usize,
  ldb: i32,
  p0: i32,
  kc: i32,
  n: i32,
  dst: usize,
): void {
  const groups = (kc + 3) >> 2;
  const tail = kc & 3;
  for (let j = 0; j < n; j++) {
    const d = dst + (<usize>j << 4);
    const gs = <usize>n << 4;
    if (transB) {
      // Column j of op(B) is row j of the stored B.
      const src = b + ((<usize>j * <usize>ldb + <usize>p0) << 2);
      for (let g = 0; g < groups; g++) {
        const q = src + (<usize>g << 4);
        v128.store(d + <usize>g * gs, g < (kc >> 2) ? v128.load(q) : loadPart(q, tail));
      }
    } else {
      const src = b + ((<usize>p0 * <usize>ldb + <usize>j) << 2);
      const ld = <usize>ldb << 2;
      for (let p = 0; p < groups << 2; p++) {
        const o = d + <usize>(p >> 2) * gs + (<usize>(p & 3) << 2);
        store<f32>(o, p < kc ? load<f32>(src + <usize>p * ld) : 0);
      }
    }
  }
}

/**
 * n ≤ 16, A not transposed: columns of C in groups of four (the last of n − 4⌊n/4⌋), each
 * by dot blocks over all rows, p in chunks whose packed B fits `scratch`.
 */
function skinnyDot(
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
  scratch: usize,
  scratchBytes: i32,
): void {
  const ldc = <usize>n << 2;
  const lda4 = <usize>lda << 2;
  const gs = <usize>n << 4;
  const kcMax = max(4, (scratchBytes / (n << 4)) << 2);
  for (let p0 = 0; p0 < k; p0 += kcMax) {
    const kc = min(kcMax, k - p0);
    packDot(transB, b, ldb, p0, kc, n, scratch);
    const acc = accumulate || p0 > 0;
    const a0 = a + (<usize>p0 << 2);
    for (let j = 0; j < n; j += 4) {
      const bj = scratch + (<usize>j << 4);
      const cj = c + (<usize>j << 2);
      const w = min(4, n - j);
      if (w == 4) dotColumns4(m, kc, a0, lda4, bj, gs, cj, ldc, acc);
      else if (w == 3) dotColumns3(m, kc, a0, lda4, bj, gs, cj, ldc, acc);
      else if (w == 2) dotColumns2(m, kc, a0, lda4, bj, gs, cj, ldc, acc);
      else dotColumns1(m, kc, a0, lda4, bj, gs, cj, ldc, acc);
    }
  }
}

/**
 * C[m, n] (+)= op(A) · op(B) as gemm() defines it, when one of n, k or m is at most 16 and
 * B's packed rows fit `scratch`. Returns false, having done nothing, otherwise.
 */
export function gemmSkinny(
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
  scratch: usize,
  scratchBytes: i32,
): bool {
  if (m <= 0 || n <= 0 || k <= 0) return false;
  const npad = (n + 3) & ~3;
  // B packed one row at a time at least (in place needs no room).
  const fits = (!transB && (n & 3) == 0) || npad * 4 <= scratchBytes;
  if (k <= SKINNY && !transA && k * npad * 4 <= scratchBytes) {
    skinnyK(transB, m, n, k, a, lda, b, ldb, c, accumulate, scratch);
    return true;
  }
  if (n <= SKINNY && !transA) {
    skinnyDot(transB, m, n, k, a, lda, b, ldb, c, accumulate, scratch, scratchBytes);
    return true;
  }
  if ((n <= SKINNY || k <= SKINNY) && fits) {
    skinnyRows(transA, transB, m, n, k, a, lda, b, ldb, c, accumulate, scratch, scratchBytes, k);
    return true;
  }
  // With B transposed and A not, whole 4-row panels are the tiled kernel's best case and it
  // packs B no slower: the rows walk wins only on ragged m.
  if (m <= SKINNY && fits && !(transB && !transA && (m & 3) == 0)) {
    const chunk = max(16, CHUNK_BYTES / ((npad + m) << 2));
    const s = scratchBytes;
    skinnyRows(transA, transB, m, n, k, a, lda, b, ldb, c, accumulate, scratch, s, chunk);
    return true;
  }
  return false;
}
