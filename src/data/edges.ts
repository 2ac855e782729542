/**
 * Edge-list clean-up shared by every loader: drop self-loops, optionally add reverse edges,
 * sort by (source, target) and remove duplicates — what PyG's `remove_self_loops` followed
 * by `coalesce` does. A counting sort by source, then a sort of each row's targets, so it is
 * O(N + E log(max degree)) in time, O(N + E) in memory, and fine for tens of millions of edges.
 */
import type { EdgeIndex } from './graph.js';

export interface CoalesceOptions {
  /** Drop edges i → i. Default true. */
  readonly removeSelfLoops?: boolean;
  /** Add j → i for every i → j before sorting (duplicates then merge). Default false. */
  readonly undirected?: boolean;
}

/**
 * Sorted, duplicate-free edges j → i. `src` and `dst` must already hold ids in
 * [0, numNodes); callers validate ids (with a message that names their input) first.
 */
export function coalesceEdges(
  src: Int32Array,
  dst: Int32Array,
  numNodes: number,
  options: CoalesceOptions = {},
): EdgeIndex {
  const removeSelfLoops = options.removeSelfLoops ?? true;
  const undirected = options.undirected ?? false;
  const m = src.length;
  // Bucket targets by source (counting sort: one scatter pass)...
  const ptr = new Int32Array(numNodes + 1);
  for (let e = 0; e < m; e++) {
    const s = src[e]!;
    const d = dst[e]!;
    if (removeSelfLoops && s === d) continue;
    ptr[s + 1]!++;
    if (undirected) ptr[d + 1]!++;
  }
  for (let i = 0; i < numNodes; i++) ptr[i + 1]! += ptr[i]!;
  const total = ptr[numNodes]!;
  const cols = new Int32Array(total);
  const next = ptr.slice(0, numNodes);
  for (let e = 0; e < m; e++) {
    const s = src[e]!;
    const d = dst[e]!;
    if (removeSelfLoops && s === d) continue;
    cols[next[s]!++] = d;
    if (undirected) cols[next[d]!++] = s;
  }
  // ...then sort each (short) row and drop repeats, compacting in place.
  const outSrc = new Int32Array(total);
  let out = 0;
  for (let i = 0; i < numNodes; i++) {
    const start = ptr[i]!;
    const end = ptr[i + 1]!;
    sortRange(cols, start, end);
    for (let p = start; p < end; p++) {
      const d = cols[p]!;
      if (p > start && d === cols[p - 1]) continue;
      outSrc[out] = i;
      cols[out++] = d;
    }
  }
  return {
    src: out === total ? outSrc : outSrc.slice(0, out),
    dst: out === total ? cols : cols.slice(0, out),
  };
}

/** Sorts a[start..end) ascending: insertion sort for short rows, the built-in otherwise. */
export function sortRange(a: Int32Array, start: number, end: number): void {
  if (end - start > 32) {
    a.subarray(start, end).sort();
    return;
  }
  for (let p = start + 1; p < end; p++) {
    const v = a[p]!;
    let q = p - 1;
    while (q >= start && a[q]! > v) {
      a[q + 1] = a[q]!;
      q--;
    }
    a[q + 1] = v;
  }
}

/** Index of the first id outside [0, numNodes), or -1. */
export function firstOutOfRange(ids: Int32Array, numNodes: number): number {
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    if (v < 0 || v >= numNodes) return i;
  }
  return -1;
}
