// The dropout hash, shared by the dense and the sparse dropout kernels.

// lowbias32 (C. Wellons): an invertible 32-bit mix. The dropout hash of element i is
// mix(mix(i ^ seedLo) + seedHi); reference/elementwise.ts computes the same bits.

// @ts-ignore: decorator
@inline
export function mix4(v: v128): v128 {
  return mix4Rest(v128.xor(v, i32x4.shr_u(v, 16)));
}

/** mix4 after its first step (x = v ^ v >> 16). */
// @ts-ignore: decorator
@inline
export function mix4Rest(x0: v128): v128 {
  let x = i32x4.mul(x0, i32x4.splat(0x7feb352d));
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

// Four lanes of consecutive indices i (all with the same high 16 bits h) save the first
// step of the inner mix: v = i ^ seedLo, v ^ v >> 16 = i ^ (seedLo ^ seedLo >> 16 ^ h), one
// xor with a key that is constant over 65536 indices. The kernels walk their indices in such
// blocks; a vector across a block boundary goes through `dropoutHash4Any`.

/** seedLo ^ seedLo >> 16 ^ the high 16 bits of `index`: the key of index's block. */
// @ts-ignore: decorator
@inline
export function dropoutBlockKey(seedLo: u32, index: u32): v128 {
  return i32x4.splat(seedLo ^ (seedLo >> 16) ^ (index >> 16));
}

/**
 * Whole vectors of 4 indices from `index` on that stay in its block of 65536 (0 when
 * index..index + 3 crosses into the next block).
 */
// @ts-ignore: decorator
@inline
export function dropoutBlockVectors(index: u32): i32 {
  return <i32>((<u64>(index | 0xffff) + 1 - <u64>index) >> 2);
}

/** Dropout hash of the four indices idx, all in the block of `key`. */
// @ts-ignore: decorator
@inline
export function dropoutHash4(idx: v128, key: v128, seedHi: v128): v128 {
  return mix4(i32x4.add(mix4Rest(v128.xor(idx, key)), seedHi));
}

/** Dropout hash of any four indices idx. */
// @ts-ignore: decorator
@inline
export function dropoutHash4Any(idx: v128, seedLo: v128, seedHi: v128): v128 {
  return mix4(i32x4.add(mix4(v128.xor(idx, seedLo)), seedHi));
}
