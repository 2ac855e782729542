/**
 * Neighbour sampling for mini-batch training on graphs whose full-batch activations do not
 * fit, as PyG's `NeighborLoader` (Hamilton et al., "Inductive Representation Learning on Large
 * Graphs", NeurIPS 2017 — GraphSAGE's sampler).
 *
 * Starting from the seed nodes, hop h draws up to `fanouts[h]` in-neighbours (sources j of
 * edges j → i) of every node first reached at hop h, without replacement; hop 0 samples the
 * seeds' neighbours. PyG's `num_neighbors` order: `fanouts[0]` is the hop nearest the seeds.
 * Every node is expanded once, at the hop it is first reached, so the subgraph is the union of
 * the sampled edges (PyG's default, non-disjoint mode).
 *
 * Why a model on the subgraph computes the seeds' outputs: an L-layer model needs, for each
 * seed, the layer-(L−1) states of its in-neighbours, which need theirs, and so on — exactly
 * the L hops sampled here. With a fan-out ≥ every degree (or −1, "all"), every in-neighbour
 * of every node within L − 1 hops is kept, and the seeds' outputs equal the full-graph ones.
 *
 * Sampling is over edge positions: a graph with repeated edges j → i may yield j twice for
 * i, just as the full graph attends over both copies. A self-loop in the input counts towards
 * the fan-out (the attention layers replace loops with one per node anyway).
 *
 * Memory: the in-neighbour CSR is built once (O(N + E)); one [N] scratch map of global to
 * subgraph ids is kept and reset after each call by visiting only the sampled nodes, so each
 * sample costs time and memory proportional to its own size (plus, for fan-outs above 32, a
 * scratch row as long as the largest degree met, kept between calls).
 */
import type { CsrMatrix } from '../kernels/kernels.js';
import type { Random } from '../tensor/random.js';
import { Tensor, allocate } from '../tensor/tensor.js';
import { type EdgeIndex, toEdgeIndex } from './edge-index.js';
import { sortByTarget } from './target-csr.js';

/**
 * A sampled subgraph with ids relabelled to 0..nodes.length − 1. A model with as many layers
 * as hops, run on it, gives the seeds' outputs in rows 0..numSeeds − 1; other rows see a
 * truncated neighbourhood and are not meant to be read.
 */
export interface SampledSubgraph {
  /** Subgraph id → global node id: the seeds first (in order), then nodes by hop reached. */
  readonly nodes: Int32Array; // [n_sub]
  /** The seeds are subgraph nodes 0..numSeeds − 1. */
  readonly numSeeds: number;
  /**
   * Nodes first reached at hop h are nodes[hopOffsets[h] .. hopOffsets[h + 1]); hop 0 holds
   * the seeds. [hops + 2]
   */
  readonly hopOffsets: Int32Array;
  /** Sampled edges j → i in subgraph ids, grouped by target in the order targets were expanded. */
  readonly edgeIndex: EdgeIndex; // [2, E_sub]
  /** Subgraph edge → position of that edge in the sampler's input edge list. [E_sub] */
  readonly inputEdge: Int32Array;
}

/** Up to 32 picks from one node are checked against each other; larger fan-outs use a shuffle. */
const SMALL_FANOUT = 32;

export class NeighborSampler {
  readonly numNodes: number;
  readonly numEdges: number;
  /** In-neighbour CSR: sources of node i's incoming edges are src[ptr[i] .. ptr[i + 1]). */
  private readonly ptr: Int32Array; // [N + 1]
  private readonly src: Int32Array; // [E]
  /** CSR slot → input edge position. [E] */
  private readonly edgeOfSlot: Int32Array;
  /** Global id → subgraph id + 1 during a call, 0 outside it. [N] */
  private readonly localId: Int32Array;
  private picks = new Int32Array(SMALL_FANOUT);

  /** `edgeIndex` holds edges j → i (row 0 source, row 1 target) over `numNodes` nodes. */
  constructor(edgeIndex: EdgeIndex, numNodes: number) {
    if (!Number.isInteger(numNodes) || numNodes < 0) {
      throw new RangeError(
        `NeighborSampler: numNodes must be a non-negative integer, found ${numNodes}`,
      );
    }
    const edges = toEdgeIndex(edgeIndex, numNodes, numNodes, 'NeighborSampler: edgeIndex');
    const { graph, edgeOfSlot } = sortByTarget(edges, numNodes, numNodes);
    this.numNodes = numNodes;
    this.numEdges = edges.src.length;
    this.ptr = graph.ptr;
    this.src = graph.src;
    this.edgeOfSlot = edgeOfSlot;
    this.localId = new Int32Array(numNodes);
  }

  /** In-degree of node i. */
  inDegree(i: number): number {
    return this.ptr[i + 1]! - this.ptr[i]!;
  }

  /**
   * Samples the `fanouts.length`-hop neighbourhood of `seeds` (distinct node ids).
   * `fanouts[h]` is a positive integer, or −1 for every in-neighbour, at hop h from the seeds.
   */
  sample(seeds: ArrayLike<number>, fanouts: readonly number[], rng: Random): SampledSubgraph {
    const N = this.numNodes;
    for (let h = 0; h < fanouts.length; h++) {
      const f = fanouts[h]!;
      if (!(f === -1 || (Number.isInteger(f) && f >= 1))) {
        throw new RangeError(
          `NeighborSampler.sample: fanouts[${h}] must be a positive integer or -1 (all), found ${f}`,
        );
      }
    }
    const localId = this.localId;
    const numSeeds = seeds.length;
    let nodes = new Int32Array(Math.max(16, numSeeds * 2));
    let numNodes = 0;
    const resetIds = (): void => {
      for (let k = 0; k < numNodes; k++) localId[nodes[k]!] = 0;
    };
    for (let s = 0; s < numSeeds; s++) {
      const v = seeds[s]!;
      if (!Number.isInteger(v) || v < 0 || v >= N) {
        resetIds();
        throw new RangeError(
          `NeighborSampler.sample: seeds[${s}] is ${v}; expected an integer in [0, ${N})`,
        );
      }
      if (localId[v] !== 0) {
        const first = localId[v]! - 1;
        resetIds();
        throw new RangeError(
          `NeighborSampler.sample: seeds[${s}] is ${v}, already seeds[${first}]; seeds must be distinct`,
        );
      }
      nodes[numNodes++] = v;
      localId[v] = numNodes;
    }

    const hopOffsets = new Int32Array(fanouts.length + 2);
    hopOffsets[1] = numSeeds;
    let edgeCap = 16;
    let eSrc = new Int32Array(edgeCap);
    let eDst = new Int32Array(edgeCap);
    let eInput = new Int32Array(edgeCap);
    let numEdges = 0;

    let frontierStart = 0;
    for (let h = 0; h < fanouts.length; h++) {
      const fanout = fanouts[h]!;
      const frontierEnd = numNodes;
      for (let t = frontierStart; t < frontierEnd; t++) {
        const i = nodes[t]!;
        const start = this.ptr[i]!;
        const deg = this.ptr[i + 1]! - start;
        const take = fanout === -1 || fanout >= deg ? deg : fanout;
        if (take === 0) continue;
        if (numEdges + take > edgeCap) {
          edgeCap = Math.max(2 * edgeCap, numEdges + take);
          eSrc = grow(eSrc, edgeCap);
          eDst = grow(eDst, edgeCap);
          eInput = grow(eInput, edgeCap);
        }
        if (numNodes + take > nodes.length) nodes = grow(nodes, 2 * (numNodes + take));
        const chosen = take === deg ? null : this.choose(deg, take, rng); // offsets into the row
        for (let k = 0; k < take; k++) {
          const slot = start + (chosen === null ? k : chosen[k]!);
          const j = this.src[slot]!;
          let lj = localId[j]!;
          if (lj === 0) {
            nodes[numNodes++] = j;
            localId[j] = lj = numNodes;
          }
          eSrc[numEdges] = lj - 1;
          eDst[numEdges] = t;
          eInput[numEdges] = this.edgeOfSlot[slot]!;
          numEdges++;
        }
      }
      hopOffsets[h + 2] = numNodes;
      frontierStart = frontierEnd;
    }
    resetIds();
    return {
      nodes: nodes.slice(0, numNodes),
      numSeeds,
      hopOffsets,
      edgeIndex: { src: eSrc.slice(0, numEdges), dst: eDst.slice(0, numEdges) },
      inputEdge: eInput.slice(0, numEdges),
    };
  }

  /**
   * `take` distinct offsets in [0, deg), take < deg, as a view of a scratch buffer. Small
   * fan-outs: Robert Floyd's algorithm (one draw per pick, a linear check among the picks);
   * larger ones: a partial Fisher–Yates shuffle of 0..deg − 1.
   */
  private choose(deg: number, take: number, rng: Random): Int32Array {
    if (take <= SMALL_FANOUT) {
      const picks = this.picks;
      let n = 0;
      for (let j = deg - take; j < deg; j++) {
        const t = rng.int(j + 1);
        let seen = false;
        for (let k = 0; k < n; k++) {
          if (picks[k] === t) {
            seen = true;
            break;
          }
        }
        picks[n++] = seen ? j : t;
      }
      return picks.subarray(0, take);
    }
    if (this.picks.length < deg) this.picks = new Int32Array(Math.max(deg, 2 * this.picks.length));
    const order = this.picks;
    for (let k = 0; k < deg; k++) order[k] = k;
    for (let k = 0; k < take; k++) {
      const r = k + rng.int(deg - k);
      const tmp = order[k]!;
      order[k] = order[r]!;
      order[r] = tmp;
    }
    return order.subarray(0, take);
  }
}

function grow(a: Int32Array, capacity: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(capacity);
  b.set(a);
  return b;
}

/** The rows `nodes` of sparse features, in that order. */
export function sliceCsrRows(m: CsrMatrix, nodes: Int32Array): CsrMatrix {
  const rowPtr = new Int32Array(nodes.length + 1);
  for (let r = 0; r < nodes.length; r++) {
    const i = nodes[r]!;
    if (!(i >= 0 && i < m.rows)) {
      throw new RangeError(
        `sliceCsrRows: nodes[${r}] is ${i}; expected a row in [0, ${m.rows}) of the features`,
      );
    }
    rowPtr[r + 1] = rowPtr[r]! + m.rowPtr[i + 1]! - m.rowPtr[i]!;
  }
  const nnz = rowPtr[nodes.length]!;
  const colIdx = new Int32Array(nnz);
  const values = allocate(m.values instanceof Float32Array ? 'float32' : 'float64', nnz);
  for (let r = 0; r < nodes.length; r++) {
    const i = nodes[r]!;
    const from = m.rowPtr[i]!;
    const to = m.rowPtr[i + 1]!;
    colIdx.set(m.colIdx.subarray(from, to), rowPtr[r]);
    values.set(m.values.subarray(from, to), rowPtr[r]);
  }
  return { rows: nodes.length, cols: m.cols, rowPtr, colIdx, values };
}

/** The rows `nodes` of a dense [N, F] tensor, in that order. */
export function sliceDenseRows(x: Tensor, nodes: Int32Array): Tensor {
  if (x.shape.length !== 2) {
    throw new RangeError(`sliceDenseRows: x must be [N, F], found rank ${x.shape.length}`);
  }
  const [n, f] = [x.shape[0]!, x.shape[1]!];
  const out = allocate(x.dtype, nodes.length * f);
  for (let r = 0; r < nodes.length; r++) {
    const i = nodes[r]!;
    if (!(i >= 0 && i < n)) {
      throw new RangeError(`sliceDenseRows: nodes[${r}] is ${i}; expected a row in [0, ${n}) of x`);
    }
    out.set(x.data.subarray(i * f, (i + 1) * f), r * f);
  }
  return new Tensor(out, [nodes.length, f]);
}

/** Node features (sparse or dense) restricted to a subgraph's nodes, in subgraph order. */
export function sliceNodeFeatures(features: CsrMatrix, nodes: Int32Array): CsrMatrix;
export function sliceNodeFeatures(features: Tensor, nodes: Int32Array): Tensor;
export function sliceNodeFeatures(
  features: CsrMatrix | Tensor,
  nodes: Int32Array,
): CsrMatrix | Tensor;
export function sliceNodeFeatures(
  features: CsrMatrix | Tensor,
  nodes: Int32Array,
): CsrMatrix | Tensor {
  return 'rowPtr' in features ? sliceCsrRows(features, nodes) : sliceDenseRows(features, nodes);
}

/** Per-node values (labels, masks) restricted to a subgraph's nodes, in subgraph order. */
export function sliceNodeValues(values: Int32Array, nodes: Int32Array): Int32Array;
export function sliceNodeValues(values: Uint8Array, nodes: Int32Array): Uint8Array;
export function sliceNodeValues(
  values: Int32Array | Uint8Array,
  nodes: Int32Array,
): Int32Array | Uint8Array {
  const out =
    values instanceof Int32Array ? new Int32Array(nodes.length) : new Uint8Array(nodes.length);
  for (let r = 0; r < nodes.length; r++) {
    const i = nodes[r]!;
    if (!(i >= 0 && i < values.length)) {
      throw new RangeError(
        `sliceNodeValues: nodes[${r}] is ${i}; expected an index in [0, ${values.length})`,
      );
    }
    out[r] = values[i]!;
  }
  return out;
}
