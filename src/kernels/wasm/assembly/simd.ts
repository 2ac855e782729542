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

/** LeakyReLU of each lane: z where z > 0, slope·z elsewhere (any slope). */
// @ts-ignore: decorator
@inline
export function leakyRelu(z: v128, slope: v128): v128 {
  return v128.bitselect(z, f32x4.mul(z, slope), f32x4.gt(z, f32x4.splat(0)));
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
