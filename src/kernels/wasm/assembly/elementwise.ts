// Element-wise kernels (float32, SIMD over four lanes): counter-based dropout, ELU and its
// backward, and the small helpers of the linear layer (transpose, bias rows, column sums).
import {
  dropoutBlockKey,
  dropoutBlockVectors,
  dropoutHash4,
  dropoutHash4Any,
  mix1,
} from './hash';
import { madd } from './simd';

// V8 (TurboFan) places a SIMD constant, and a splat of a parameter, next to its uses: one
// used in a single loop is rebuilt on every iteration (three instructions for a constant).
// The dropout and ELU kernels share their constants between an unrolled loop, a one-vector
// step and a tail, which puts them before the loops, in registers or spilled once.

/**
 * scale where the hash h is at or above the threshold (kept), +0 elsewhere. i32x4.ge_u is a
 * pminud and a pcmpeqd; lt_u, which has no SSE instruction either, took two more to negate.
 */
// @ts-ignore: decorator
@inline
function keepFactor(h: v128, threshold: v128, scale: v128): v128 {
  return v128.and(scale, i32x4.ge_u(h, threshold));
}

/**
 * out[i] = x[i] · (0 or scale) for i < length, with x = 0 (null) the factor itself. Element
 * i (global index offset + i) is dropped when its hash is below threshold (unsigned).
 */
export function dropout(
  length: i32,
  offset: u32,
  seedLo: u32,
  seedHi: u32,
  threshold: u32,
  scale: f32,
  x: usize,
  out: usize,
): void {
  const hi = i32x4.splat(seedHi);
  const th = i32x4.splat(threshold);
  const sc = f32x4.splat(scale);
  const lanes = i32x4(0, 1, 2, 3);
  const four = i32x4.splat(4);
  const eight = i32x4.splat(8);
  const twelve = i32x4.splat(12);
  const sixteen = i32x4.splat(16);
  let i = 0;
  while (i + 4 <= length) {
    const start = offset + <u32>i;
    let idx = i32x4.add(i32x4.splat(start), lanes);
    const vectors = dropoutBlockVectors(start);
    if (vectors == 0) {
      const f = keepFactor(dropoutHash4Any(idx, i32x4.splat(seedLo), hi), th, sc);
      const o = <usize>i << 2;
      v128.store(out + o, x == 0 ? f : f32x4.mul(v128.load(x + o), f));
      i += 4;
      continue;
    }
    // The vectors of this block of 65536 indices, four at a time (their hash chains overlap).
    const end = min(i + (vectors << 2), length - 3);
    const key = dropoutBlockKey(seedLo, start);
    if (x == 0) {
      for (; i + 12 < end; i += 16) {
        const o = <usize>i << 2;
        const f0 = keepFactor(dropoutHash4(idx, key, hi), th, sc);
        const f1 = keepFactor(dropoutHash4(i32x4.add(idx, four), key, hi), th, sc);
        const f2 = keepFactor(dropoutHash4(i32x4.add(idx, eight), key, hi), th, sc);
        const f3 = keepFactor(dropoutHash4(i32x4.add(idx, twelve), key, hi), th, sc);
        v128.store(out + o, f0);
        v128.store(out + o + 16, f1);
        v128.store(out + o + 32, f2);
        v128.store(out + o + 48, f3);
        idx = i32x4.add(idx, sixteen);
      }
      for (; i < end; i += 4) {
        v128.store(out + (<usize>i << 2), keepFactor(dropoutHash4(idx, key, hi), th, sc));
        idx = i32x4.add(idx, four);
      }
    } else {
      for (; i + 12 < end; i += 16) {
        const o = <usize>i << 2;
        const f0 = keepFactor(dropoutHash4(idx, key, hi), th, sc);
        const f1 = keepFactor(dropoutHash4(i32x4.add(idx, four), key, hi), th, sc);
        const f2 = keepFactor(dropoutHash4(i32x4.add(idx, eight), key, hi), th, sc);
        const f3 = keepFactor(dropoutHash4(i32x4.add(idx, twelve), key, hi), th, sc);
        v128.store(out + o, f32x4.mul(v128.load(x + o), f0));
        v128.store(out + o + 16, f32x4.mul(v128.load(x + o + 16), f1));
        v128.store(out + o + 32, f32x4.mul(v128.load(x + o + 32), f2));
        v128.store(out + o + 48, f32x4.mul(v128.load(x + o + 48), f3));
        idx = i32x4.add(idx, sixteen);
      }
      for (; i < end; i += 4) {
        const o = <usize>i << 2;
        const f = keepFactor(dropoutHash4(idx, key, hi), th, sc);
        v128.store(out + o, f32x4.mul(v128.load(x + o), f));
        idx = i32x4.add(idx, four);
      }
    }
  }
  for (; i < length; i++) {
    const h = mix1(mix1((offset + <u32>i) ^ seedLo) + seedHi);
    const f: f32 = h < threshold ? 0 : scale;
    const o = <usize>i << 2;
    store<f32>(out + o, x == 0 ? f : load<f32>(x + o) * f);
  }
}

// e^x − 1 and e^x for the ELU kernels, on x ≤ 0 only (lanes where x > 0 are clamped to 0
// and replaced). With x = n·ln 2 + r, |r| ≤ ln 2 / 2: e^x − 1 = 2^n·expm1(r) + (2^n − 1) and
// e^x = 2^n·(1 + expm1(r)), where expm1(r) = r + r²·P(r), P a degree-4 minimax fit (relative
// error 2e-8 with its float32 coefficients; the Taylor series took degree 7) evaluated as a
// shallow tree rather than by Horner, which shortens the dependency chain. n = round(x·log2 e)
// is one instruction (roundps), and 2^n is (n + 127 + 1.5·2^23) << 23: that float holds
// n + 127 in its low mantissa bits. About one ulp from float64 at most for alpha 1 and 0.5,
// two for others (as before).
const LOG2E: f32 = 1.44269504088896341;
const LN2: f32 = 0.6931471805599453;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.1219444e-4;
const P0: f32 = 0.5;
const P1: f32 = 0.16666506230831146;
const P2: f32 = 0.04166664183139801;
const P3: f32 = 0.008369825780391693;
const P4: f32 = 0.0013913997681811452;

/** expm1(r) for |r| ≤ ln 2 / 2: r + (r²·(P0 + P1·r) + r⁴·(P2 + P3·r + P4·r²)), r last. */
// @ts-ignore: decorator
@inline
function expm1Reduced(r: v128): v128 {
  const r2 = f32x4.mul(r, r);
  const a = madd(r, f32x4.splat(P1), f32x4.splat(P0));
  const b = madd(r2, f32x4.splat(P4), madd(r, f32x4.splat(P3), f32x4.splat(P2)));
  return f32x4.add(r, madd(r2, a, f32x4.mul(f32x4.mul(r2, r2), b)));
}

/** n = round(x·log2 e) per lane, as a float. */
// @ts-ignore: decorator
@inline
function expExponent(x: v128): v128 {
  return f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
}

/** 2^n for an integral float n in [−127, 127] (0 for −127). */
// @ts-ignore: decorator
@inline
function pow2(n: v128): v128 {
  return i32x4.shl(f32x4.add(n, f32x4.splat(12583039)), 23);
}

/**
 * alpha·(e^x − 1) for x in [−20, 0] (below −20 it rounds to −alpha), NaN kept. One ln 2
 * constant: n·ln 2 is exact for n ∈ {0, −1, −2}, and from n = −3 on the error is scaled
 * down with 2^n next to 2^n − 1.
 */
// @ts-ignore: decorator
@inline
function expm1x4(x: v128, alpha: v128): v128 {
  const n = expExponent(x);
  const scale = f32x4.mul(pow2(n), alpha); // alpha·2^n
  return madd(expm1Reduced(madd(n, f32x4.splat(-LN2), x)), scale, f32x4.sub(scale, alpha));
}

/**
 * alpha·e^x for x in [−88, 0], NaN kept: 0 from −88 on (n = −127). Every n counts at full
 * weight here, so ln 2 goes in two parts (n·LN2_HI is exact).
 */
// @ts-ignore: decorator
@inline
function expx4(x: v128, alpha: v128): v128 {
  const n = expExponent(x);
  const r = madd(n, f32x4.splat(-LN2_LO), madd(n, f32x4.splat(-LN2_HI), x));
  const scale = f32x4.mul(pow2(n), alpha);
  return madd(expm1Reduced(r), scale, scale);
}

/**
 * ELU of four lanes. alpha·expm1(min(x, 0)) is exactly 0 where x ≥ 0, so ELU is max(x, 0)
 * plus it; for alpha ≤ 1 (viaMax) also max(x, it), one instruction less, as then
 * alpha·(e^x − 1) ≥ x for x ≤ 0. A NaN x stays NaN either way.
 */
// @ts-ignore: decorator
@inline
function elu4(v: v128, a: v128, viaMax: bool): v128 {
  const zero = f32x4.splat(0);
  const y = expm1x4(f32x4.pmax(f32x4.pmin(v, zero), f32x4.splat(-20)), a);
  return viaMax ? f32x4.pmax(v, y) : f32x4.add(f32x4.pmax(v, zero), y);
}

/** out = x where x > 0, alpha·(e^x − 1) elsewhere. */
export function elu(length: i32, alpha: f32, x: usize, out: usize): void {
  const a = f32x4.splat(alpha);
  let i = 0;
  if (alpha <= 1) {
    // Two vectors at a time, so that their dependency chains overlap.
    for (; i + 8 <= length; i += 8) {
      const o = <usize>i << 2;
      const y0 = elu4(v128.load(x + o), a, true);
      const y1 = elu4(v128.load(x + o + 16), a, true);
      v128.store(out + o, y0);
      v128.store(out + o + 16, y1);
    }
    if (i + 4 <= length) {
      const o = <usize>i << 2;
      v128.store(out + o, elu4(v128.load(x + o), a, true));
      i += 4;
    }
    for (; i < length; i++) {
      const o = <usize>i << 2;
      const y = elu4(f32x4.splat(load<f32>(x + o)), a, true);
      store<f32>(out + o, f32x4.extract_lane(y, 0));
    }
    return;
  }
  // alpha > 1, rare: one vector at a time (a loop shaped like the one above would be
  // merged with it by the optimizer, with the choice of max moved into the loop).
  for (; i + 4 <= length; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, elu4(v128.load(x + o), a, false));
  }
  for (; i < length; i++) {
    const o = <usize>i << 2;
    const y = elu4(f32x4.splat(load<f32>(x + o)), a, false);
    store<f32>(out + o, f32x4.extract_lane(y, 0));
  }
}

/** ELU's derivative in four lanes: 1 where x > 0, alpha·e^x elsewhere. */
// @ts-ignore: decorator
@inline
function eluSlope4(v: v128, a: v128): v128 {
  const zero = f32x4.splat(0);
  const e = expx4(f32x4.pmax(f32x4.pmin(v, zero), f32x4.splat(-88)), a);
  return v128.bitselect(f32x4.splat(1), e, f32x4.gt(v, zero));
}

/** gradX = g where x > 0, g·alpha·e^x elsewhere (PyTorch's alpha at x = 0). */
export function eluBackward(length: i32, alpha: f32, x: usize, g: usize, gradX: usize): void {
  const a = f32x4.splat(alpha);
  let i = 0;
  for (; i + 8 <= length; i += 8) {
    const o = <usize>i << 2;
    const d0 = eluSlope4(v128.load(x + o), a);
    const d1 = eluSlope4(v128.load(x + o + 16), a);
    v128.store(gradX + o, f32x4.mul(v128.load(g + o), d0));
    v128.store(gradX + o + 16, f32x4.mul(v128.load(g + o + 16), d1));
  }
  if (i + 4 <= length) {
    const o = <usize>i << 2;
    v128.store(gradX + o, f32x4.mul(v128.load(g + o), eluSlope4(v128.load(x + o), a)));
    i += 4;
  }
  for (; i < length; i++) {
    const o = <usize>i << 2;
    const d = eluSlope4(f32x4.splat(load<f32>(x + o)), a);
    store<f32>(gradX + o, load<f32>(g + o) * f32x4.extract_lane(d, 0));
  }
}

/** gradX = g where x > 0, g·(y + alpha) elsewhere, with y = elu(x): no exponential. */
export function eluBackwardFromOutput(
  length: i32,
  alpha: f32,
  x: usize,
  y: usize,
  g: usize,
  gradX: usize,
): void {
  const a = f32x4.splat(alpha);
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 8 <= length; i += 8) {
    const o = <usize>i << 2;
    const d0 = v128.bitselect(one, f32x4.add(v128.load(y + o), a), f32x4.gt(v128.load(x + o), zero));
    const d1 = v128.bitselect(
      one,
      f32x4.add(v128.load(y + o + 16), a),
      f32x4.gt(v128.load(x + o + 16), zero),
    );
    v128.store(gradX + o, f32x4.mul(v128.load(g + o), d0));
    v128.store(gradX + o + 16, f32x4.mul(v128.load(g + o + 16), d1));
  }
  if (i + 4 <= length) {
    const o = <usize>i << 2;
    const d = v128.bitselect(one, f32x4.add(v128.load(y + o), a), f32x4.gt(v128.load(x + o), zero));
    v128.store(gradX + o, f32x4.mul(v128.load(g + o), d));
    i += 4;
  }
  for (; i < length; i++) {
    const o = <usize>i << 2;
    const yv = f32x4.splat(load<f32>(y + o) + alpha);
    const d = v128.bitselect(one, yv, f32x4.gt(f32x4.splat(load<f32>(x + o)), zero));
    store<f32>(gradX + o, load<f32>(g + o) * f32x4.extract_lane(d, 0));
  }
}

/** dst [cols, rows] = srcᵀ for src [rows, cols], in 16 × 16 tiles of 4 × 4 SIMD blocks. */
export function transpose(rows: i32, cols: i32, src: usize, dst: usize): void {
  const srcRow = <usize>cols << 2;
  const dstRow = <usize>rows << 2;
  for (let i0 = 0; i0 < rows; i0 += 16) {
    const i1 = min(i0 + 16, rows);
    for (let j0 = 0; j0 < cols; j0 += 16) {
      const j1 = min(j0 + 16, cols);
      let i = i0;
      for (; i + 4 <= i1; i += 4) {
        let j = j0;
        for (; j + 4 <= j1; j += 4) {
          const s = src + <usize>i * srcRow + (<usize>j << 2);
          const a = v128.load(s);
          const b = v128.load(s + srcRow);
          const c = v128.load(s + 2 * srcRow);
          const d = v128.load(s + 3 * srcRow);
          const ab01 = f32x4.shuffle(a, b, 0, 4, 1, 5);
          const ab23 = f32x4.shuffle(a, b, 2, 6, 3, 7);
          const cd01 = f32x4.shuffle(c, d, 0, 4, 1, 5);
          const cd23 = f32x4.shuffle(c, d, 2, 6, 3, 7);
          const t = dst + <usize>j * dstRow + (<usize>i << 2);
          v128.store(t, f32x4.shuffle(ab01, cd01, 0, 1, 4, 5));
          v128.store(t + dstRow, f32x4.shuffle(ab01, cd01, 2, 3, 6, 7));
          v128.store(t + 2 * dstRow, f32x4.shuffle(ab23, cd23, 0, 1, 4, 5));
          v128.store(t + 3 * dstRow, f32x4.shuffle(ab23, cd23, 2, 3, 6, 7));
        }
        for (; j < j1; j++) {
          for (let k = i; k < i + 4; k++) {
            store<f32>(dst + <usize>j * dstRow + (<usize>k << 2), load<f32>(src + <usize>k * srcRow + (<usize>j << 2)));
          }
        }
      }
      for (; i < i1; i++) {
        for (let j = j0; j < j1; j++) {
          store<f32>(dst + <usize>j * dstRow + (<usize>i << 2), load<f32>(src + <usize>i * srcRow + (<usize>j << 2)));
        }
      }
    }
  }
}

/** The 4 × 4 block at src (rows srcRow bytes apart), transposed to dst (rows dstRow apart). */
// @ts-ignore: decorator
@inline
function transposeBlock4(src: usize, srcRow: usize, dst: usize, dstRow: usize): void {
  const a = v128.load(src);
  const b = v128.load(src + srcRow);
  const c = v128.load(src + 2 * srcRow);
  const d = v128.load(src + 3 * srcRow);
  const ab01 = f32x4.shuffle(a, b, 0, 4, 1, 5);
  const ab23 = f32x4.shuffle(a, b, 2, 6, 3, 7);
  const cd01 = f32x4.shuffle(c, d, 0, 4, 1, 5);
  const cd23 = f32x4.shuffle(c, d, 2, 6, 3, 7);
  v128.store(dst, f32x4.shuffle(ab01, cd01, 0, 1, 4, 5));
  v128.store(dst + dstRow, f32x4.shuffle(ab01, cd01, 2, 3, 6, 7));
  v128.store(dst + 2 * dstRow, f32x4.shuffle(ab23, cd23, 0, 1, 4, 5));
  v128.store(dst + 3 * dstRow, f32x4.shuffle(ab23, cd23, 2, 3, 6, 7));
}

/** The 8 × 8 block at src, transposed to dst. */
// @ts-ignore: decorator
@inline
function transposeBlock8(src: usize, srcRow: usize, dst: usize, dstRow: usize): void {
  transposeBlock4(src, srcRow, dst, dstRow);
  transposeBlock4(src + 16, srcRow, dst + 4 * dstRow, dstRow);
  transposeBlock4(src + 4 * srcRow, srcRow, dst + 16, dstRow);
  transposeBlock4(src + 4 * srcRow + 16, srcRow, dst + 4 * dstRow + 16, dstRow);
}

/**
 * dst [cols, rows] = srcᵀ for src [rows, cols], in 8 × 8 blocks along strips 8 wide across
 * the shorter side, walking the longer one: for a linear layer's [64, 1433] weight and back,
 * 10–11 µs where `transpose`'s 16 × 16 tiles take 12–14.
 */
export function transposeStrips(rows: i32, cols: i32, src: usize, dst: usize): void {
  const srcRow = <usize>cols << 2;
  const dstRow = <usize>rows << 2;
  const rows8 = rows & ~7;
  const cols8 = cols & ~7;
  if (cols >= rows) {
    for (let i = 0; i < rows8; i += 8) {
      for (let j = 0; j < cols8; j += 8) {
        transposeBlock8(src + <usize>i * srcRow + (<usize>j << 2), srcRow, dst + <usize>j * dstRow + (<usize>i << 2), dstRow);
      }
    }
  } else {
    for (let j = 0; j < cols8; j += 8) {
      for (let i = 0; i < rows8; i += 8) {
        transposeBlock8(src + <usize>i * srcRow + (<usize>j << 2), srcRow, dst + <usize>j * dstRow + (<usize>i << 2), dstRow);
      }
    }
  }
  // The edges: columns past cols8 of the first rows8 rows, then every column of the rest.
  for (let i = 0; i < rows; i++) {
    for (let j = i < rows8 ? cols8 : 0; j < cols; j++) {
      store<f32>(dst + <usize>j * dstRow + (<usize>i << 2), load<f32>(src + <usize>i * srcRow + (<usize>j << 2)));
    }
  }
}

/**
 * dst = srcᵀ for src [rows, cols] (a linear layer's weight [O, F]) in panels: the columns
 * of dst (src's rows) 16 at a time, each panel [cols, 16] contiguous (the last [cols, rows
 * mod 16] when rows is not a multiple of 16), panel p at dst + 64·p·cols. The layout spmmPanels
 * reads: a row of a panel is one cache line, and a panel (92 KB for F = 1433) stays in L2
 * while every row of the sparse input passes over it.
 */
export function packPanels(rows: i32, cols: i32, src: usize, dst: usize): void {
  const srcRow = <usize>cols << 2;
  const cols8 = cols & ~7;
  for (let p0 = 0; p0 < rows; p0 += 16) {
    const width = min(16, rows - p0);
    const panel = dst + <usize>p0 * srcRow;
    const dstRow = <usize>width << 2;
    const width8 = width & ~7;
    for (let i = 0; i < width8; i += 8) {
      for (let j = 0; j < cols8; j += 8) {
        transposeBlock8(src + <usize>(p0 + i) * srcRow + (<usize>j << 2), srcRow, panel + <usize>j * dstRow + (<usize>i << 2), dstRow);
      }
    }
    // The edges: columns past cols8 of the first width8 rows, then every column of the rest.
    for (let i = 0; i < width; i++) {
      for (let j = i < width8 ? cols8 : 0; j < cols; j++) {
        store<f32>(panel + <usize>j * dstRow + (<usize>i << 2), load<f32>(src + <usize>(p0 + i) * srcRow + (<usize>j << 2)));
      }
    }
  }
}

/**
 * The index of the first NaN or ±∞ in x[0 .. length), or −1: x·0 is 0 for finite x and NaN
 * otherwise, so four lanes are tested with a multiply and a compare; only a block that holds
 * one is looked at lane by lane.
 */
export function firstNonFinite(length: i32, x: usize): i32 {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 16 <= length; i += 16) {
    const o = <usize>i << 2;
    const a = f32x4.mul(v128.load(x + o), zero);
    const b = f32x4.mul(v128.load(x + o, 16), zero);
    const c = f32x4.mul(v128.load(x + o, 32), zero);
    const d = f32x4.mul(v128.load(x + o, 48), zero);
    // NaN lanes make the sum NaN, so one compare covers the sixteen.
    const sum = f32x4.add(f32x4.add(a, b), f32x4.add(c, d));
    if (v128.any_true(f32x4.ne(sum, zero))) break;
  }
  for (; i < length; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v - v != 0) return i;
  }
  return -1;
}

/** target[i] += source[i] for i < length. */
export function addInto(length: i32, target: usize, source: usize): void {
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    const o = <usize>i << 2;
    v128.store(target + o, f32x4.add(v128.load(target + o), v128.load(source + o)));
  }
  for (; i < length; i++) {
    const o = <usize>i << 2;
    store<f32>(target + o, load<f32>(target + o) + load<f32>(source + o));
  }
}

/**
 * out [rows, n] = x + v on every row (out may be x). `tile` holds v four times over ([4, n]):
 * four rows are 4·n floats, a whole number of vectors for any n, so narrow rows (n = 7: 7
 * logits) go a vector at a time too instead of by single lanes.
 */
export function addRows(rows: i32, n: i32, x: usize, tile: usize, out: usize): void {
  const blockBytes = <usize>n << 4; // four rows
  const blocks = rows >> 2;
  for (let b = 0; b < blocks; b++) {
    const xb = x + <usize>b * blockBytes;
    const ob = out + <usize>b * blockBytes;
    for (let o: usize = 0; o < blockBytes; o += 16) {
      v128.store(ob + o, f32x4.add(v128.load(xb + o), v128.load(tile + o)));
    }
  }
  const done = <usize>(blocks << 2) * (<usize>n << 2);
  const tail = <usize>(rows & 3) * (<usize>n << 2); // under four rows: the tile's first bytes
  let o: usize = 0;
  for (; o + 16 <= tail; o += 16) {
    v128.store(out + done + o, f32x4.add(v128.load(x + done + o), v128.load(tile + o)));
  }
  for (; o < tail; o += 4) store<f32>(out + done + o, load<f32>(x + done + o) + load<f32>(tile + o));
}

/**
 * sums [n] += column sums of g [rows, n], each column summed over the rows in order. Columns
 * go 32, then 16, then 4 at a time, summed in registers over all the rows: a pass over the
 * rows reads whole cache lines (128 or 64 bytes of each row), so that each line of g is read
 * once, not once per vector of four columns (16 times for 64 columns: seconds on a
 * [1M, 64] gradient that does not fit in the caches).
 */
export function columnSums(rows: i32, n: i32, g: usize, sums: usize): void {
  const rowBytes = <usize>n << 2;
  let j = 0;
  for (; j + 32 <= n; j += 32) {
    const s = sums + (<usize>j << 2);
    let a0 = v128.load(s), a1 = v128.load(s, 16), a2 = v128.load(s, 32), a3 = v128.load(s, 48);
    let a4 = v128.load(s, 64), a5 = v128.load(s, 80), a6 = v128.load(s, 96), a7 = v128.load(s, 112);
    let row = g + (<usize>j << 2);
    for (let r = 0; r < rows; r++) {
      a0 = f32x4.add(a0, v128.load(row));
      a1 = f32x4.add(a1, v128.load(row, 16));
      a2 = f32x4.add(a2, v128.load(row, 32));
      a3 = f32x4.add(a3, v128.load(row, 48));
      a4 = f32x4.add(a4, v128.load(row, 64));
      a5 = f32x4.add(a5, v128.load(row, 80));
      a6 = f32x4.add(a6, v128.load(row, 96));
      a7 = f32x4.add(a7, v128.load(row, 112));
      row += rowBytes;
    }
    v128.store(s, a0);
    v128.store(s, a1, 16);
    v128.store(s, a2, 32);
    v128.store(s, a3, 48);
    v128.store(s, a4, 64);
    v128.store(s, a5, 80);
    v128.store(s, a6, 96);
    v128.store(s, a7, 112);
  }
  for (; j + 16 <= n; j += 16) {
    const s = sums + (<usize>j << 2);
    let a0 = v128.load(s), a1 = v128.load(s, 16), a2 = v128.load(s, 32), a3 = v128.load(s, 48);
    let row = g + (<usize>j << 2);
    for (let r = 0; r < rows; r++) {
      a0 = f32x4.add(a0, v128.load(row));
      a1 = f32x4.add(a1, v128.load(row, 16));
      a2 = f32x4.add(a2, v128.load(row, 32));
      a3 = f32x4.add(a3, v128.load(row, 48));
      row += rowBytes;
    }
    v128.store(s, a0);
    v128.store(s, a1, 16);
    v128.store(s, a2, 32);
    v128.store(s, a3, 48);
  }
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    let acc = v128.load(sums + o);
    for (let r = 0; r < rows; r++) acc = f32x4.add(acc, v128.load(g + <usize>r * rowBytes + o));
    v128.store(sums + o, acc);
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    let s = load<f32>(sums + o);
    for (let r = 0; r < rows; r++) s += load<f32>(g + <usize>r * rowBytes + o);
    store<f32>(sums + o, s);
  }
}

/**
 * One Adam step in float32 over `length` elements (torch.optim.Adam, L2 weight decay):
 * g ← g + wd·θ; m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; u = −lr·(m/bc1) / (√v/sbc2 + ε);
 * θ += u in place, or u written to `update` (non-zero pointer) with θ left alone.
 */
export function adamStep(
  length: i32,
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weightDecay: f32,
  bc1: f32,
  sbc2: f32,
  param: usize,
  grad: usize,
  m: usize,
  v: usize,
  update: usize,
): void {
  const wd = f32x4.splat(weightDecay);
  const b1 = f32x4.splat(beta1);
  const b2 = f32x4.splat(beta2);
  const c1 = f32x4.splat(<f32>1 - beta1);
  const c2 = f32x4.splat(<f32>1 - beta2);
  const ep = f32x4.splat(eps);
  const step = f32x4.splat(-lr / bc1);
  const inv2 = f32x4.splat(<f32>1 / sbc2);
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    const o = <usize>i << 2;
    const p = v128.load(param + o);
    const g = f32x4.add(v128.load(grad + o), f32x4.mul(wd, p));
    const mj = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(c1, g));
    const vj = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(c2, f32x4.mul(g, g)));
    v128.store(m + o, mj);
    v128.store(v + o, vj);
    const u = f32x4.div(f32x4.mul(step, mj), f32x4.add(f32x4.mul(f32x4.sqrt(vj), inv2), ep));
    if (update == 0) v128.store(param + o, f32x4.add(p, u));
    else v128.store(update + o, u);
  }
  for (; i < length; i++) {
    const o = <usize>i << 2;
    const p = load<f32>(param + o);
    const g = load<f32>(grad + o) + weightDecay * p;
    const mj = beta1 * load<f32>(m + o) + (<f32>1 - beta1) * g;
    const vj = beta2 * load<f32>(v + o) + (<f32>1 - beta2) * g * g;
    store<f32>(m + o, mj);
    store<f32>(v + o, vj);
    const u = ((-lr / bc1) * mj) / (Mathf.sqrt(vj) * (<f32>1 / sbc2) + eps);
    if (update == 0) store<f32>(param + o, p + u);
    else store<f32>(update + o, u);
  }
}
