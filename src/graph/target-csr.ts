/**
 * Groups a graph's edges by target (a CSR over targets), as the fused attention kernels walk
 * them. A counting sort: stable, O(E + N), so edges of one target keep their input order.
 */
import type { TargetCsr } from '../kernels/kernels.js';
import type { EdgeIndex } from './edge-index.js';

export interface SortedEdges {
  readonly graph: TargetCsr;
  /** slot → position of that edge in the input edge list. [E] */
  readonly edgeOfSlot: Int32Array;
}

export function sortByTarget(edges: EdgeIndex, numSrc: number, numDst: number): SortedEdges {
  const E = edges.src.length;
  const ptr = new Int32Array(numDst + 1);
  for (let e = 0; e < E; e++) ptr[edges.dst[e]! + 1]!++;
  for (let i = 0; i < numDst; i++) ptr[i + 1]! += ptr[i]!;
  const fill = ptr.slice(0, numDst);
  const src = new Int32Array(E);
  const edgeOfSlot = new Int32Array(E);
  for (let e = 0; e < E; e++) {
    const slot = fill[edges.dst[e]!]!++;
    src[slot] = edges.src[e]!;
    edgeOfSlot[slot] = e;
  }
  return { graph: { numSrc, numDst, ptr, src }, edgeOfSlot };
}
