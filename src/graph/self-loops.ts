/**
 * Self-loop handling as PyTorch Geometric's GAT layers do it: remove every existing loop,
 * then append one loop i → i for each node i < numLoops, after the remaining edges.
 */
import type { EdgeIndex } from './edge-index.js';

export interface SelfLoopResult {
  readonly edges: EdgeIndex;
  /**
   * For each output edge, the input edge it came from, or −1 for an added loop. [E']
   * Added loops are the last `numLoops` edges, loop k on node k.
   */
  readonly sourceEdge: Int32Array;
  readonly numLoops: number;
}

export function replaceSelfLoops(edges: EdgeIndex, numLoops: number): SelfLoopResult {
  const E = edges.src.length;
  let kept = 0;
  for (let e = 0; e < E; e++) if (edges.src[e] !== edges.dst[e]) kept++;
  const total = kept + numLoops;
  const src = new Int32Array(total);
  const dst = new Int32Array(total);
  const sourceEdge = new Int32Array(total);
  let k = 0;
  for (let e = 0; e < E; e++) {
    if (edges.src[e] === edges.dst[e]) continue;
    src[k] = edges.src[e]!;
    dst[k] = edges.dst[e]!;
    sourceEdge[k] = e;
    k++;
  }
  for (let i = 0; i < numLoops; i++, k++) {
    src[k] = i;
    dst[k] = i;
    sourceEdge[k] = -1;
  }
  return { edges: { src, dst }, sourceEdge, numLoops };
}
