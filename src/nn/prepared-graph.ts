/**
 * What both attention layers do to the edge index before attending: validate it, replace
 * self-loops (PyG: remove all, add one per node i < min(N_src, N_dst)), and group edges by
 * target for the fused kernels. The result depends only on the edge index and the sizes,
 * so it is computed once per edge-index object and reused across epochs.
 */
import type { TargetCsr } from '../kernels/kernels.js';
import type { Variable } from '../autograd/variable.js';
import { type FloatArray, Tensor, allocate, dtypeOf } from '../tensor/tensor.js';
import { type EdgeIndex, type EdgeIndexInput, toEdgeIndex } from '../graph/edge-index.js';
import { replaceSelfLoops } from '../graph/self-loops.js';
import { sortByTarget } from '../graph/target-csr.js';

export interface PreparedGraph {
  readonly numSrc: number;
  readonly numDst: number;
  readonly addSelfLoops: boolean;
  /** The validated input edges. */
  readonly input: EdgeIndex;
  /** The edges attended over, in PyG's order (input non-loops, then added loops). [E'] */
  readonly edges: EdgeIndex;
  readonly graph: TargetCsr;
  /** slot → position in `edges`. [E'] */
  readonly edgeOfSlot: Int32Array;
  /** slot → input edge it came from, or −1 for an added loop. [E'] */
  readonly inputEdgeOfSlot: Int32Array;
  /** slot → its target node. [E'] */
  readonly dstOfSlot: Int32Array;
  /** [E] 1 where an input edge is a self-loop. */
  readonly inputIsLoop: Uint8Array;
}

export function prepareGraph(
  edgeIndex: EdgeIndexInput,
  numSrc: number,
  numDst: number,
  addSelfLoops: boolean,
): PreparedGraph {
  const input = toEdgeIndex(edgeIndex, numSrc, numDst);
  const E = input.src.length;
  const inputIsLoop = new Uint8Array(E);
  for (let e = 0; e < E; e++) if (input.src[e] === input.dst[e]) inputIsLoop[e] = 1;

  let edges = input;
  let inputEdgeOf: Int32Array | null = null; // position in `edges` → input edge (or −1)
  if (addSelfLoops) {
    const replaced = replaceSelfLoops(input, Math.min(numSrc, numDst));
    edges = replaced.edges;
    inputEdgeOf = replaced.sourceEdge;
  }
  const { graph, edgeOfSlot } = sortByTarget(edges, numSrc, numDst);
  const slots = edgeOfSlot.length;
  const inputEdgeOfSlot = new Int32Array(slots);
  const dstOfSlot = new Int32Array(slots);
  for (let p = 0; p < slots; p++) {
    const e = edgeOfSlot[p]!;
    inputEdgeOfSlot[p] = inputEdgeOf === null ? e : inputEdgeOf[e]!;
    dstOfSlot[p] = edges.dst[e]!;
  }
  return {
    numSrc,
    numDst,
    addSelfLoops,
    input,
    edges,
    graph,
    edgeOfSlot,
    inputEdgeOfSlot,
    dstOfSlot,
    inputIsLoop,
  };
}

/** Caches prepared graphs by edge-index object (edge indices are treated as immutable). */
export class PreparedGraphCache {
  private readonly cache = new WeakMap<object, PreparedGraph>();

  get(
    edgeIndex: EdgeIndexInput,
    numSrc: number,
    numDst: number,
    addSelfLoops: boolean,
  ): PreparedGraph {
    const hit = this.cache.get(edgeIndex);
    if (
      hit !== undefined &&
      hit.numSrc === numSrc &&
      hit.numDst === numDst &&
      hit.addSelfLoops === addSelfLoops
    ) {
      return hit;
    }
    const prepared = prepareGraph(edgeIndex, numSrc, numDst, addSelfLoops);
    this.cache.set(edgeIndex, prepared);
    return prepared;
  }
}

/** Reorders per-slot rows [E', H] into the PyG edge order of `prepared.edges`. */
export function slotsToEdgeOrder(
  prepared: PreparedGraph,
  perSlot: FloatArray,
  width: number,
): FloatArray {
  const out = allocate(dtypeOf(perSlot), perSlot.length);
  const { edgeOfSlot } = prepared;
  for (let p = 0; p < edgeOfSlot.length; p++) {
    const e = edgeOfSlot[p]!;
    for (let h = 0; h < width; h++) out[e * width + h] = perSlot[p * width + h]!;
  }
  return out;
}

/** A layer's output with its attention weights: α [E', H] for the edges `edgeIndex`. */
export interface AttentionOutput {
  readonly out: Variable;
  readonly edgeIndex: EdgeIndex;
  readonly alpha: Tensor;
}

/** Wraps a layer's output; α is put into edge order only if someone reads it. */
export function attentionOutput(
  out: Variable,
  prepared: PreparedGraph,
  alphaBySlot: Tensor,
): AttentionOutput {
  let alpha: Tensor | null = null;
  const heads = alphaBySlot.shape[1]!;
  return {
    out,
    edgeIndex: prepared.edges,
    get alpha(): Tensor {
      alpha ??= new Tensor(slotsToEdgeOrder(prepared, alphaBySlot.data, heads), alphaBySlot.shape);
      return alpha;
    },
  };
}
