// Small SIMD helpers shared by the kernels. `madd` becomes one fused multiply-add in the
// relaxed-SIMD build and a separate multiply and add in the plain SIMD build.

/** a·b + c, per lane. */
// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Sum of the four lanes. */
// @ts-ignore: decorator
@inline
export function hsum(v: v128): f32 {
  return (
    f32x4.extract_lane(v, 0) +
    f32x4.extract_lane(v, 1) +
    (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3))
  );
}

/**
 * LeakyReLU of each lane: z where z > 0, slope·z elsewhere, as max(z, slope·z) — two
 * instructions instead of a compare and a three-instruction select. Valid for slope ≤ 1 only:
 * the hosts hand larger slopes to the reference kernels. A NaN z stays NaN (pmax keeps its
 * first operand when the comparison fails).
 */
// @ts-ignore: decorator
@inline
export function leakyRelu(z: v128, slope: v128): v128 {
  return f32x4.pmax(z, f32x4.mul(z, slope));
}

/** Per lane: 1 where z > 0, slope elsewhere. */
// @ts-ignore: decorator
@inline
export function leakyReluSlope(z: v128, slope: v128): v128 {
  return v128.bitselect(f32x4.splat(1), slope, f32x4.gt(z, f32x4.splat(0)));
}

/** dst[0..len) += w · src[0..len), f32 pointers, any length. */
// @ts-ignore: decorator
@inline
export function axpy(dst: usize, src: usize, w: f32, len: i32): void {
  const wv = f32x4.splat(w);
  let c = 0;
  for (; c + 4 <= len; c += 4) {
    const o = <usize>c << 2;
    v128.store(dst + o, madd(wv, v128.load(src + o), v128.load(dst + o)));
  }
  for (; c < len; c++) {
    const o = <usize>c << 2;
    store<f32>(dst + o, load<f32>(dst + o) + w * load<f32>(src + o));
  }
}

/** <a, b> over len f32 values. */
// @ts-ignore: decorator
@inline
export function dot(a: usize, b: usize, len: i32): f32 {
  let acc = f32x4.splat(0);
  let c = 0;
  for (; c + 4 <= len; c += 4) {
    const o = <usize>c << 2;
    acc = madd(v128.load(a + o), v128.load(b + o), acc);
  }
  let s = hsum(acc);
  for (; c < len; c++) {
    const o = <usize>c << 2;
    s += load<f32>(a + o) * load<f32>(b + o);
  }
  return s;
}

/** Copies len f32 values. */
// @ts-ignore: decorator
@inline
export function copyRow(dst: usize, src: usize, len: i32): void {
  let c = 0;
  for (; c + 4 <= len; c += 4) {
    const o = <usize>c << 2;
    v128.store(dst + o, v128.load(src + o));
  }
  for (; c < len; c++) {
    const o = <usize>c << 2;
    store<f32>(dst + o, load<f32>(src + o));
  }
}

// exp(x) = 2^n · exp(r), n = round(x / ln 2), |r| ≤ ln 2 / 2; exp(r) by a degree-6
// polynomial (Cephes expf coefficients), about 1 ulp. ln 2 is split in two so that n·ln 2
// is subtracted without rounding error. Lanes below −87.3 underflow to 0.
const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;

/** e^x per lane, for x ≤ 88 (softmax arguments are ≤ 0); NaN stays NaN. */
// @ts-ignore: decorator
@inline
export function exp4(x: v128): v128 {
  // pmin/pmax are single instructions (min/max with NaN checks are not); a NaN x goes
  // through pmax(-87.3, NaN) = -87.3 and is restored by the final select.
  const clamped = f32x4.pmin(f32x4.pmax(f32x4.splat(-87.3), x), f32x4.splat(88));
  // Round x·log2(e) to an integer n by adding 1.5·2^23: n sits in the low mantissa bits.
  const magic = f32x4.splat(12582912);
  const t = madd(clamped, f32x4.splat(LOG2E), magic);
  const n = f32x4.sub(t, magic);
  let r = f32x4.sub(clamped, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.9875691500e-4);
  p = madd(p, r, f32x4.splat(1.3981999507e-3));
  p = madd(p, r, f32x4.splat(8.3334519073e-3));
  p = madd(p, r, f32x4.splat(4.1665795894e-2));
  p = madd(p, r, f32x4.splat(1.6666665459e-1));
  p = madd(p, r, f32x4.splat(5.0000001201e-1));
  const y = f32x4.add(madd(p, f32x4.mul(r, r), r), f32x4.splat(1));
  // 2^n: (n + 127) << 23, with n = bits(t) − bits(magic).
  const scale = i32x4.shl(i32x4.add(i32x4.sub(t, magic), i32x4.splat(127)), 23);
  const result = f32x4.mul(y, scale);
  const underflow = f32x4.lt(x, f32x4.splat(-87.3));
  const nan = f32x4.ne(x, x);
  return v128.bitselect(x, v128.bitselect(f32x4.splat(0), result, underflow), nan);
}

/** Scalar e^x through exp4, so that scalar and vector lanes round alike. */
// @ts-ignore: decorator
@inline
export function exp1(x: f32): f32 {
  return f32x4.extract_lane(exp4(f32x4.splat(x)), 0);
}

// V8 lowers a float `select` to a branch, which random data mispredicts; these go through
// one SIMD lane instead and stay branchless.

/** LeakyReLU of a scalar (slope ≤ 1). */
// @ts-ignore: decorator
@inline
export function leakyRelu1(z: f32, slope: f32): f32 {
  return f32x4.extract_lane(leakyRelu(f32x4.splat(z), f32x4.splat(slope)), 0);
}

/** 1 where z > 0, slope elsewhere. */
// @ts-ignore: decorator
@inline
export function leakyReluSlope1(z: f32, slope: f32): f32 {
  return f32x4.extract_lane(leakyReluSlope(f32x4.splat(z), f32x4.splat(slope)), 0);
}

/** e when e > m, else m (as `if (e > m) m = e`: a NaN e is ignored). */
// @ts-ignore: decorator
@inline
export function max1(m: f32, e: f32): f32 {
  return f32x4.extract_lane(f32x4.pmax(f32x4.splat(m), f32x4.splat(e)), 0);
}
