/**
 * Edge features for a graph whose self-loops were replaced (PyG's add_self_loops with
 * `fill_value`). Row r of the output is input row `sourceEdge[r]`, or, for an added loop on
 * node i, the fill: a constant, or a reduction ('mean' | 'add' | 'max' | 'min' | 'mul') of the
 * features of the non-loop edges pointing into i. Empty reductions give PyG's values: 0 for
 * mean/add/max/min, 1 for mul. Differentiable: gradients reach the input rows through both
 * the copies and the reductions (max/min split evenly among ties, as torch's scatter_reduce).
 */
import { type Variable, record } from '../../autograd/variable.js';
import { Tensor, allocate } from '../../tensor/tensor.js';

export type FillValue = 'mean' | 'add' | 'max' | 'min' | 'mul' | number;

export const FILL_VALUES: readonly string[] = ['mean', 'add', 'max', 'min', 'mul'];

/**
 * @param edgeAttr  [E, D] features of the input edges (self-loops included; they are skipped)
 * @param inputDst  [E] target of each input edge
 * @param inputIsLoop [E] 1 where the input edge is a self-loop
 * @param rowSource [E'] per output row: input edge to copy, or −1 for an added loop
 * @param rowNode   [E'] per output row: the node of the loop (read where rowSource is −1)
 */
export function selfLoopEdgeAttr(
  edgeAttr: Variable,
  inputDst: Int32Array,
  inputIsLoop: Uint8Array,
  rowSource: Int32Array,
  rowNode: Int32Array,
  numNodes: number,
  fill: FillValue,
): Variable {
  const x = edgeAttr.value;
  const E = inputDst.length;
  const D = E === 0 ? (x.shape[1] ?? 0) : x.size / E;
  const rows = rowSource.length;
  const out = allocate(x.dtype, rows * D);
  const xd = x.data;

  // Incoming non-loop edges of each node, as CSR, for the reductions.
  const ptr = new Int32Array(numNodes + 1);
  for (let e = 0; e < E; e++) if (inputIsLoop[e] === 0) ptr[inputDst[e]! + 1]!++;
  for (let n = 0; n < numNodes; n++) ptr[n + 1]! += ptr[n]!;
  const members = new Int32Array(ptr[numNodes]!);
  const cursor = ptr.slice(0, numNodes);
  for (let e = 0; e < E; e++) if (inputIsLoop[e] === 0) members[cursor[inputDst[e]!]!++] = e;

  const loopValue = (node: number, d: number): number => {
    if (typeof fill === 'number') return fill;
    const b = ptr[node]!;
    const n = ptr[node + 1]! - b;
    if (fill === 'mul') {
      let p = 1;
      for (let q = 0; q < n; q++) p *= xd[members[b + q]! * D + d]!;
      return p;
    }
    if (n === 0) return 0;
    let acc = fill === 'max' ? -Infinity : fill === 'min' ? Infinity : 0;
    for (let q = 0; q < n; q++) {
      const v = xd[members[b + q]! * D + d]!;
      if (fill === 'max') acc = Math.max(acc, v);
      else if (fill === 'min') acc = Math.min(acc, v);
      else acc += v;
    }
    return fill === 'mean' ? acc / n : acc;
  };

  for (let r = 0; r < rows; r++) {
    const s = rowSource[r]!;
    for (let d = 0; d < D; d++)
      out[r * D + d] = s >= 0 ? xd[s * D + d]! : loopValue(rowNode[r]!, d);
  }

  return record('selfLoopEdgeAttr', new Tensor(out, [rows, D]), [edgeAttr], (g) => {
    const gd = g.data;
    const grad = allocate(x.dtype, x.size);
    for (let r = 0; r < rows; r++) {
      const s = rowSource[r]!;
      if (s >= 0) {
        for (let d = 0; d < D; d++) grad[s * D + d]! += gd[r * D + d]!;
        continue;
      }
      if (typeof fill === 'number') continue;
      const node = rowNode[r]!;
      const b = ptr[node]!;
      const n = ptr[node + 1]! - b;
      for (let d = 0; d < D; d++) {
        const go = gd[r * D + d]!;
        if (go === 0 || n === 0) continue;
        if (fill === 'mean' || fill === 'add') {
          const share = fill === 'mean' ? go / n : go;
          for (let q = 0; q < n; q++) grad[members[b + q]! * D + d]! += share;
        } else if (fill === 'max' || fill === 'min') {
          const target = out[r * D + d]!;
          let ties = 0;
          for (let q = 0; q < n; q++) if (xd[members[b + q]! * D + d] === target) ties++;
          for (let q = 0; q < n; q++) {
            const e = members[b + q]!;
            if (xd[e * D + d] === target) grad[e * D + d]! += go / ties;
          }
        } else {
          // mul: ∂/∂x_q Π_k x_k = Π_{k≠q} x_k, by prefix and suffix products (zeros are fine).
          const prefix = new Float64Array(n + 1);
          prefix[0] = 1;
          for (let q = 0; q < n; q++) prefix[q + 1] = prefix[q]! * xd[members[b + q]! * D + d]!;
          let suffix = 1;
          for (let q = n - 1; q >= 0; q--) {
            const e = members[b + q]!;
            grad[e * D + d]! += go * prefix[q]! * suffix;
            suffix *= xd[e * D + d]!;
          }
        }
      }
    }
    return [new Tensor(grad, x.shape)];
  });
}
