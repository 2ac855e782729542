/**
 * What both attention layers do to the edge index before attending: validate it, replace
 * self-loops (PyG: remove all, add one loop i → i per node i < min(N_src, N_dst), after the
 * remaining edges), and group edges by target for the fused kernels.
 *
 * Only the target CSR (O(N + E') int32s) is built up front. The PyG-ordered edge list and
 * the slot maps (needed to return attention weights or to lay out edge features) are built
 * on first use. One preparation per edge-index object and sizes is shared by every layer
 * and kept while the edge index lives, so a deep model on a 20M-edge graph holds one.
 * Edge indices are treated as immutable: one changed in place after a forward pass is not
 * seen again.
 */
import type { Variable } from '../autograd/variable.js';
import type { TargetCsr } from '../kernels/kernels.js';
import { type EdgeIndex, type EdgeIndexInput, toEdgeIndex } from '../graph/edge-index.js';
import { replaceSelfLoops } from '../graph/self-loops.js';
import { type FloatArray, Tensor, allocate, allocateInt32, dtypeOf } from '../tensor/tensor.js';

export class PreparedGraph {
  readonly numSrc: number;
  readonly numDst: number;
  readonly addSelfLoops: boolean;
  /** The validated input edges. */
  readonly input: EdgeIndex;
  /** Loops added on nodes 0 .. numLoops−1. */
  readonly numLoops: number;
  /** Edges attended over, grouped by target: each target's kept input edges in input order, then its loop. */
  readonly graph: TargetCsr;
  private lazyEdges: EdgeIndex | null = null;
  private lazyEdgeOfSlot: Int32Array | null = null;
  private lazyInputEdgeOfSlot: Int32Array | null = null;
  private lazyDstOfSlot: Int32Array | null = null;
  private lazyInputIsLoop: Uint8Array | null = null;

  constructor(edgeIndex: EdgeIndexInput, numSrc: number, numDst: number, addSelfLoops: boolean) {
    this.numSrc = numSrc;
    this.numDst = numDst;
    this.addSelfLoops = addSelfLoops;
    this.input = toEdgeIndex(edgeIndex, numSrc, numDst);
    this.numLoops = addSelfLoops ? Math.min(numSrc, numDst) : 0;
    const { src: inSrc, dst: inDst } = this.input;
    const E = inSrc.length;
    // Through the tensor allocator, so parallel kernels can share these with their workers.
    const ptr = allocateInt32(numDst + 1);
    for (let e = 0; e < E; e++) {
      if (!addSelfLoops || inSrc[e] !== inDst[e]) ptr[inDst[e]! + 1]!++;
    }
    for (let i = 0; i < this.numLoops; i++) ptr[i + 1]!++;
    for (let i = 0; i < numDst; i++) ptr[i + 1]! += ptr[i]!;
    const src = allocateInt32(ptr[numDst]!);
    const fill = ptr.slice(0, numDst);
    for (let e = 0; e < E; e++) {
      const d = inDst[e]!;
      if (!addSelfLoops || inSrc[e] !== d) src[fill[d]!++] = inSrc[e]!;
    }
    for (let i = 0; i < this.numLoops; i++) src[fill[i]!++] = i;
    this.graph = { numSrc, numDst, ptr, src };
  }

  /** The edges attended over in PyG's order: kept input edges, then the added loops. [E'] */
  get edges(): EdgeIndex {
    this.lazyEdges ??= this.addSelfLoops
      ? replaceSelfLoops(this.input, this.numLoops).edges
      : this.input;
    return this.lazyEdges;
  }

  /** slot → input edge it came from, or −1 for an added loop. [E'] */
  get inputEdgeOfSlot(): Int32Array {
    if (this.lazyInputEdgeOfSlot === null) {
      const { ptr } = this.graph;
      const out = new Int32Array(this.graph.src.length).fill(-1); // loops stay −1
      const fill = ptr.slice(0, this.numDst);
      const { src: inSrc, dst: inDst } = this.input;
      for (let e = 0; e < inSrc.length; e++) {
        const d = inDst[e]!;
        if (!this.addSelfLoops || inSrc[e] !== d) out[fill[d]!++] = e;
      }
      this.lazyInputEdgeOfSlot = out;
    }
    return this.lazyInputEdgeOfSlot;
  }

  /** slot → position in `edges`. [E'] */
  get edgeOfSlot(): Int32Array {
    if (this.lazyEdgeOfSlot === null) {
      const fromInput = this.inputEdgeOfSlot;
      // Position of each input edge among the kept ones (PyG keeps their order).
      const { src: inSrc, dst: inDst } = this.input;
      const rank = new Int32Array(inSrc.length);
      let kept = 0;
      for (let e = 0; e < inSrc.length; e++) {
        rank[e] = kept;
        if (!this.addSelfLoops || inSrc[e] !== inDst[e]) kept++;
      }
      const out = new Int32Array(fromInput.length);
      const dstOfSlot = this.dstOfSlot;
      for (let p = 0; p < out.length; p++) {
        const e = fromInput[p]!;
        out[p] = e >= 0 ? rank[e]! : kept + dstOfSlot[p]!;
      }
      this.lazyEdgeOfSlot = out;
    }
    return this.lazyEdgeOfSlot;
  }

  /** slot → its target node. [E'] */
  get dstOfSlot(): Int32Array {
    if (this.lazyDstOfSlot === null) {
      const { ptr } = this.graph;
      const out = new Int32Array(this.graph.src.length);
      for (let i = 0; i < this.numDst; i++) out.fill(i, ptr[i], ptr[i + 1]);
      this.lazyDstOfSlot = out;
    }
    return this.lazyDstOfSlot;
  }

  /** [E] 1 where an input edge is a self-loop. */
  get inputIsLoop(): Uint8Array {
    if (this.lazyInputIsLoop === null) {
      const { src, dst } = this.input;
      const out = new Uint8Array(src.length);
      for (let e = 0; e < src.length; e++) if (src[e] === dst[e]) out[e] = 1;
      this.lazyInputIsLoop = out;
    }
    return this.lazyInputIsLoop;
  }
}

/** Shared by every layer: edge-index object → its preparations by sizes and loop option. */
const shared = new WeakMap<object, Map<string, PreparedGraph>>();

export function prepareGraph(
  edgeIndex: EdgeIndexInput,
  numSrc: number,
  numDst: number,
  addSelfLoops: boolean,
): PreparedGraph {
  let byKey = shared.get(edgeIndex);
  if (byKey === undefined) {
    byKey = new Map();
    shared.set(edgeIndex, byKey);
  }
  const key = `${numSrc},${numDst},${addSelfLoops}`;
  let prepared = byKey.get(key);
  if (prepared === undefined) {
    prepared = new PreparedGraph(edgeIndex, numSrc, numDst, addSelfLoops);
    byKey.set(key, prepared);
  }
  return prepared;
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
    get edgeIndex(): EdgeIndex {
      return prepared.edges;
    },
    get alpha(): Tensor {
      alpha ??= new Tensor(slotsToEdgeOrder(prepared, alphaBySlot.data, heads), alphaBySlot.shape);
      return alpha;
    },
  };
}
