/**
 * How the parallel kernels split a call: consecutive ranges of rows (GEMM, SpMM) or of
 * targets (attention), one per thread, balanced by the work each range holds.
 */

/** Boundaries [0, b1, ..., count] of `parts` ranges of (nearly) equal length. */
export function splitEvenly(count: number, parts: number): number[] {
  const bounds = [0];
  for (let p = 1; p <= parts; p++) bounds.push(Math.floor((count * p) / parts));
  return bounds;
}

/**
 * As splitEvenly, with every boundary but the last a multiple of `align` (ranges of whole
 * blocks of `align` items, the last block possibly short).
 */
export function splitAligned(count: number, parts: number, align: number): number[] {
  const blocks = Math.ceil(count / align);
  return splitEvenly(blocks, parts).map((b) => Math.min(count, b * align));
}

/**
 * Boundaries [0, b1, ..., count] of `parts` ranges of items 0..count whose CSR entries
 * (ptr[i] .. ptr[i+1]) are balanced: item i weighs `itemWeight` plus one per entry, so a
 * range's work is (its entries) + itemWeight · (its items). Ranges may be empty when there
 * are more parts than items; a hub item is never split.
 */
export function splitByEntries(
  count: number,
  ptr: Int32Array,
  parts: number,
  itemWeight: number,
): number[] {
  const first = ptr[0] ?? 0;
  const weightBefore = (i: number): number => ptr[i]! - first + itemWeight * i;
  const total = weightBefore(count);
  const bounds = [0];
  for (let p = 1; p < parts; p++) {
    const goal = (total * p) / parts;
    // Smallest i in [previous, count] with weightBefore(i) >= goal (weights are monotone).
    let lo = bounds[p - 1]!;
    let hi = count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (weightBefore(mid) < goal) lo = mid + 1;
      else hi = mid;
    }
    bounds.push(lo);
  }
  bounds.push(count);
  return bounds;
}
