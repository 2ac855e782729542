/**
 * Edge-list clean-up shared by every loader: drop self-loops, optionally add reverse edges,
 * sort by (source, target) and remove duplicates — what PyG's `remove_self_loops` followed
 * by `coalesce` does. Two counting-sort passes (by target, then stably by source), so it is
 * O(E + N) in time and memory and fine for tens of millions of edges.
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
  let count = 0;
  for (let e = 0; e < m; e++) if (!removeSelfLoops || src[e] !== dst[e]) count++;
  const total = undirected ? 2 * count : count;
  const a = new Int32Array(total); // sources
  const b = new Int32Array(total); // targets
  let k = 0;
  for (let e = 0; e < m; e++) {
    const s = src[e]!;
    const d = dst[e]!;
    if (removeSelfLoops && s === d) continue;
    a[k] = s;
    b[k] = d;
    k++;
    if (undirected) {
      a[k] = d;
      b[k] = s;
      k++;
    }
  }
  // LSD radix: stable counting sort by target, then by source.
  const [a1, b1] = countingSort(b, a, b, numNodes);
  const [s2, d2] = countingSort(a1, a1, b1, numNodes);
  // Dedupe in place.
  let out = 0;
  for (let e = 0; e < total; e++) {
    if (out > 0 && s2[out - 1] === s2[e] && d2[out - 1] === d2[e]) continue;
    s2[out] = s2[e]!;
    d2[out] = d2[e]!;
    out++;
  }
  return {
    src: out === total ? s2 : s2.slice(0, out),
    dst: out === total ? d2 : d2.slice(0, out),
  };
}

/** Stable reorder of (a, b) by `key` (one of them), keys in [0, n). */
function countingSort(
  key: Int32Array,
  a: Int32Array,
  b: Int32Array,
  n: number,
): [Int32Array, Int32Array] {
  const counts = new Int32Array(n + 1);
  for (let e = 0; e < key.length; e++) counts[key[e]! + 1]!++;
  for (let i = 0; i < n; i++) counts[i + 1]! += counts[i]!;
  const outA = new Int32Array(key.length);
  const outB = new Int32Array(key.length);
  for (let e = 0; e < key.length; e++) {
    const p = counts[key[e]!]!++;
    outA[p] = a[e]!;
    outB[p] = b[e]!;
  }
  return [outA, outB];
}

/** Index of the first id outside [0, numNodes), or -1. */
export function firstOutOfRange(ids: Int32Array, numNodes: number): number {
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    if (v < 0 || v >= numNodes) return i;
  }
  return -1;
}
