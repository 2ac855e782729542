// The dropout hash, shared by the dense and the sparse dropout kernels.

// lowbias32 (C. Wellons): an invertible 32-bit mix. The dropout hash of element i is
// mix(mix(i ^ seedLo) + seedHi); reference/elementwise.ts computes the same bits.

// @ts-ignore: decorator
@inline
export function mix4(v: v128): v128 {
  let x = v128.xor(v, i32x4.shr_u(v, 16));
  x = i32x4.mul(x, i32x4.splat(0x7feb352d));
  x = v128.xor(x, i32x4.shr_u(x, 15));
  x = i32x4.mul(x, i32x4.splat(<i32>0x846ca68b));
  return v128.xor(x, i32x4.shr_u(x, 16));
}

// @ts-ignore: decorator
@inline
export function mix1(v: u32): u32 {
  let x = v ^ (v >> 16);
  x *= 0x7feb352d;
  x ^= x >> 15;
  x *= 0x846ca68b;
  return x ^ (x >> 16);
}

