// Prefetching the next target's scattered source rows.
//
// On graphs whose source arrays are far larger than the caches, a target's source rows (and,
// in a backward, the rows of their gradients) are scattered over main memory, and the
// attention kernels wait for them edge by edge: gathering a target's rows first overlaps the
// misses within that target, but the wait for them is still not overlapped with any work.
// WebAssembly has no prefetch instruction; the nearest thing is a plain load whose value is
// not needed soon. While target i is computed, loads of one word of every cache line of
// target i + 1's rows go out with it, so that by the time target i + 1 is reached its rows
// are on their way or in cache. Measured on 1M nodes / 10M edges (8 heads × 8): GATv2
// attention forward 1.69 → 1.04 s, backward 4.35 → 2.27 s.
//
// The loads' values are OR-ed into a static word (so that the engine keeps them); they change
// no result. The kernels call this once per target, and nothing stays live across their loops
// for it (a register held over a kernel's loop made V8 spill in the tight ones).

const LINE_BYTES: usize = 64;

/** Where the loads' OR goes (written by every thread alike; nothing reads it). */
const SINK = memory.data(16, 16);

/**
 * Loads one word of every 64-byte line of the rows base + src[p]·rowBytes, p in begin..end,
 * and returns their OR (to be stored, so that no load is dropped).
 */
// @ts-ignore: decorator
@inline
function touchRows(src: usize, begin: i32, end: i32, base: usize, rowBytes: usize): i32 {
  let sink = 0;
  for (let p = begin; p < end; p++) {
    const row = base + <usize>load<i32>(src + (<usize>p << 2)) * rowBytes;
    for (let o: usize = 0; o < rowBytes; o += LINE_BYTES) sink |= load<i32>(row + o);
    // A row that is not a multiple of a line may end in a line of its own.
    sink |= load<i32>(row + rowBytes - 4);
  }
  return sink;
}

/**
 * While target i of a chunk is computed: touches the rows of target i + 1's sources in `a`
 * (`aBytes` per row) and, when `b` ≠ 0, in `b` (`bBytes` per row). Only where the kernel
 * gathers rows (`capacity` > 0: source arrays too large for the caches), and at most
 * `capacity` edges of a target, so that a hub does not flood the loads in flight. `base` is
 * ptr[0] (edge slots are chunk-local).
 */
// @ts-ignore: decorator
@inline
export function touchNextSources(ptr: usize, src: usize, i: i32, numDst: i32, base: i32, capacity: i32, a: usize, aBytes: usize, b: usize, bBytes: usize): void {
  if (capacity <= 0 || i + 1 >= numDst) return;
  const begin = load<i32>(ptr + (<usize>(i + 1) << 2)) - base;
  const end = min(load<i32>(ptr + (<usize>(i + 2) << 2)) - base, begin + capacity);
  let sink = touchRows(src, begin, end, a, aBytes);
  if (b != 0) sink |= touchRows(src, begin, end, b, bBytes);
  store<i32>(SINK, sink);
}
