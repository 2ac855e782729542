// Dropout on sparse rows with compaction (nn/functional/dropout-csr.ts): stored value q is
// dropped when the dropout hash of q is below the threshold (the same bits as the dense
// dropout kernel, element index q), the kept ones are scaled and written, with their
// columns, one after another; row offsets follow. Hashes are computed four at a time, then
// entries are compacted without a branch (a branch on a random keep/drop is mispredicted
// half the time).
import {
  dropoutBlockKey,
  dropoutBlockVectors,
  dropoutHash4,
  dropoutHash4Any,
  mix1,
} from './hash';

/**
 * Rows 0..rows of (ptr, idx, val), entries ptr[0]..ptr[rows] (global indices, so the hash
 * of entry q is that of element q); writes outPtr [rows + 1] (from 0), outIdx and outVal
 * (kept entries only, each buffer sized for all). `keep` is scratch for one flag per entry.
 * Returns the number kept.
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
  // Flags: all ones where kept (the hash is at or above the threshold), else zero.
  const lo = i32x4.splat(seedLo);
  const hi = i32x4.splat(seedHi);
  const th = i32x4.splat(threshold);
  // As in the dense kernel: blocks of 65536 indices, two vectors at a time, ge_u (pminud,
  // pcmpeqd) rather than a negated lt_u; the constants shared by every loop.
  const lanes = i32x4(0, 1, 2, 3);
  const four = i32x4.splat(4);
  const eight = i32x4.splat(8);
  let q = 0;
  while (q + 4 <= count) {
    const start = <u32>(first + q);
    let index = i32x4.add(i32x4.splat(start), lanes);
    const vectors = dropoutBlockVectors(start);
    if (vectors == 0) {
      v128.store(keep + (<usize>q << 2), i32x4.ge_u(dropoutHash4Any(index, lo, hi), th));
      q += 4;
      continue;
    }
    const end = min(q + (vectors << 2), count - 3);
    const key = dropoutBlockKey(seedLo, start);
    for (; q + 4 < end; q += 8) {
      const h0 = dropoutHash4(index, key, hi);
      const h1 = dropoutHash4(i32x4.add(index, four), key, hi);
      const o = <usize>q << 2;
      v128.store(keep + o, i32x4.ge_u(h0, th));
      v128.store(keep + o + 16, i32x4.ge_u(h1, th));
      index = i32x4.add(index, eight);
    }
    if (q < end) {
      v128.store(keep + (<usize>q << 2), i32x4.ge_u(dropoutHash4(index, key, hi), th));
      q += 4;
    }
  }
  for (; q < count; q++) {
    const h = mix1(mix1((<u32>(first + q)) ^ seedLo) + seedHi);
    store<i32>(keep + (<usize>q << 2), h < threshold ? 0 : -1);
  }
  store<i32>(outPtr, 0);
  let k = 0;
  q = 0;
  for (let r = 0; r < rows; r++) {
    const end = load<i32>(ptr + (<usize>(r + 1) << 2)) - first;
    for (; q < end; q++) {
      const o = <usize>q << 2;
      const at = <usize>k << 2;
      store<i32>(outIdx + at, load<i32>(idx + o));
      store<f32>(outVal + at, load<f32>(val + o) * scale);
      k -= load<i32>(keep + o); // the flag is −1 where kept
    }
    store<i32>(outPtr + (<usize>(r + 1) << 2), k);
  }
  return k;
}
