// Dropout on sparse rows with compaction (nn/functional/dropout-csr.ts): stored value q is
// dropped when the dropout hash of q is below the threshold (the same bits as the dense
// dropout kernel, element index q), the kept ones are scaled and written, with their
// columns, one after another; row offsets follow. One pass over the entries, four at a
// time and without a branch on keep/drop (mispredicted half the time): the hashes' keep
// mask picks a byte shuffle that moves the kept lanes of the columns and of the scaled
// values to the front, stored at the count kept so far (the lanes past it are overwritten
// by the next group's). Each group records that count and its mask, from which the row
// offsets come in a second, short pass over the rows.
import {
  dropoutBlockKey,
  dropoutBlockVectors,
  dropoutHash4,
  dropoutHash4Any,
  mix1,
} from './hash';

/** For each 4-bit keep mask, the byte shuffle that moves the kept lanes to the front. */
const COMPACT = memory.data<u8>([
  128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
  0, 1, 2, 3, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
  4, 5, 6, 7, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
  0, 1, 2, 3, 4, 5, 6, 7, 128, 128, 128, 128, 128, 128, 128, 128,
  8, 9, 10, 11, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
  0, 1, 2, 3, 8, 9, 10, 11, 128, 128, 128, 128, 128, 128, 128, 128,
  4, 5, 6, 7, 8, 9, 10, 11, 128, 128, 128, 128, 128, 128, 128, 128,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 128, 128, 128, 128,
  12, 13, 14, 15, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
  0, 1, 2, 3, 12, 13, 14, 15, 128, 128, 128, 128, 128, 128, 128, 128,
  4, 5, 6, 7, 12, 13, 14, 15, 128, 128, 128, 128, 128, 128, 128, 128,
  0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15, 128, 128, 128, 128,
  8, 9, 10, 11, 12, 13, 14, 15, 128, 128, 128, 128, 128, 128, 128, 128,
  0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 128, 128, 128, 128,
  4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 128, 128, 128, 128,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
]);

// @ts-ignore: decorator
@inline
function shuffle(v: v128, s: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return i8x16.relaxed_swizzle(v, s); // pshufb alone
  return i8x16.swizzle(v, s);
}

/**
 * Compacts entries q..q + 3 (flags all ones where kept) to outIdx/outVal from k on; records
 * k and the keep mask as group q / 4's word in `groups`. Returns k + the number kept.
 */
// @ts-ignore: decorator
@inline
function compact4(
  flags: v128,
  q: i32,
  k: i32,
  scale: v128,
  idx: usize,
  val: usize,
  outIdx: usize,
  outVal: usize,
  groups: usize,
): i32 {
  const m = i32x4.bitmask(flags);
  const s = v128.load(COMPACT + (<usize>m << 4));
  const o = <usize>q << 2;
  const at = <usize>k << 2;
  v128.store(outIdx + at, shuffle(v128.load(idx + o), s));
  v128.store(outVal + at, shuffle(f32x4.mul(v128.load(val + o), scale), s));
  store<i32>(groups + <usize>q, (k << 4) | m); // word q / 4
  return k + popcnt(m);
}

/**
 * Rows 0..rows of (ptr, idx, val), entries ptr[0]..ptr[rows] (global indices, so the hash
 * of entry q is that of element q); writes outPtr [rows + 1] (from 0), outIdx and outVal
 * (kept entries first, each buffer sized for all: the rest is scratch). `keep` is scratch
 * for one word per entry (one per group of four is used). Returns the number kept.
 */
export function dropoutCsr(
  rows: i32,
  seedLo: u32,
  seedHi: u32,
  threshold: u32,
  scale: f32,
  ptr: usize,
  idx: usize,
  val: usize,
  outPtr: usize,
  outIdx: usize,
  outVal: usize,
  keep: usize,
): i32 {
  const first = load<i32>(ptr);
  const count = load<i32>(ptr + (<usize>rows << 2)) - first;
  store<i32>(outPtr, 0);
  if (count == 0) {
    for (let r = 1; r <= rows; r++) store<i32>(outPtr + (<usize>r << 2), 0);
    return 0;
  }
  // As in the dense kernel: blocks of 65536 indices, four vectors at a time, ge_u (pminud,
  // pcmpeqd) rather than a negated lt_u; the constants shared by every loop.
  const lo = i32x4.splat(seedLo);
  const hi = i32x4.splat(seedHi);
  const th = i32x4.splat(threshold);
  const sc = f32x4.splat(scale);
  const lanes = i32x4(0, 1, 2, 3);
  const four = i32x4.splat(4);
  const eight = i32x4.splat(8);
  const twelve = i32x4.splat(12);
  const sixteen = i32x4.splat(16);
  let k = 0;
  let q = 0;
  while (q + 4 <= count) {
    const start = <u32>(first + q);
    let index = i32x4.add(i32x4.splat(start), lanes);
    const vectors = dropoutBlockVectors(start);
    if (vectors == 0) {
      const f = i32x4.ge_u(dropoutHash4Any(index, lo, hi), th);
      k = compact4(f, q, k, sc, idx, val, outIdx, outVal, keep);
      q += 4;
      continue;
    }
    const end = min(q + (vectors << 2), count - 3);
    const key = dropoutBlockKey(seedLo, start);
    for (; q + 12 < end; q += 16) {
      const f0 = i32x4.ge_u(dropoutHash4(index, key, hi), th);
      const f1 = i32x4.ge_u(dropoutHash4(i32x4.add(index, four), key, hi), th);
      const f2 = i32x4.ge_u(dropoutHash4(i32x4.add(index, eight), key, hi), th);
      const f3 = i32x4.ge_u(dropoutHash4(i32x4.add(index, twelve), key, hi), th);
      k = compact4(f0, q, k, sc, idx, val, outIdx, outVal, keep);
      k = compact4(f1, q + 4, k, sc, idx, val, outIdx, outVal, keep);
      k = compact4(f2, q + 8, k, sc, idx, val, outIdx, outVal, keep);
      k = compact4(f3, q + 12, k, sc, idx, val, outIdx, outVal, keep);
      index = i32x4.add(index, sixteen);
    }
    for (; q < end; q += 4) {
      const f = i32x4.ge_u(dropoutHash4(index, key, hi), th);
      k = compact4(f, q, k, sc, idx, val, outIdx, outVal, keep);
      index = i32x4.add(index, four);
    }
  }
  // The last count % 4 entries one by one (nothing written past the buffers), then their
  // group's word.
  const kTail = k;
  let mTail = 0;
  for (; q < count; q++) {
    const h = mix1(mix1((<u32>(first + q)) ^ seedLo) + seedHi);
    const kept = <i32>(h >= threshold);
    const o = <usize>q << 2;
    const at = <usize>k << 2;
    store<i32>(outIdx + at, load<i32>(idx + o));
    store<f32>(outVal + at, load<f32>(val + o) * scale);
    mTail |= kept << (q & 3);
    k += kept;
  }
  store<i32>(keep + <usize>(count & ~3), (kTail << 4) | mTail);
  // Row r − 1 ends at entry e: kept before e = its group's count + its kept lanes below e.
  for (let r = 1; r <= rows; r++) {
    const e = load<i32>(ptr + (<usize>r << 2)) - first;
    const w = load<i32>(keep + <usize>(e & ~3));
    store<i32>(outPtr + (<usize>r << 2), (w >>> 4) + popcnt(w & ((1 << (e & 3)) - 1)));
  }
  return k;
}
