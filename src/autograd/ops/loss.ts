/** Classification loss. */
import { Tensor, allocate } from '../../tensor/tensor.js';
import { type Variable, record } from '../variable.js';
import { expect2d, expectIndex } from './validate.js';

/**
 * Mean over the selected rows of −log softmax(logits)[r, labels[r]]: PyTorch's
 * `F.cross_entropy(logits[rows], labels[rows])`. logits [N, K], labels [N] (one per row, so a
 * node mask can select from full-graph outputs), rows: the row ids to average over (default
 * all; a row listed twice counts twice). Only the selected rows' labels must be in [0, K),
 * so unlabelled rows may hold anything (e.g. −1).
 *
 * Fused rather than composed from logSoftmax: d logits = (softmax − onehot) / M on the
 * selected rows, zero elsewhere, without materialising log-probabilities of every row.
 */
export function crossEntropy(logits: Variable, labels: Int32Array, rows?: Int32Array): Variable {
  const op = 'crossEntropy';
  const [n, k] = expect2d(op, 'logits', logits);
  if (labels.length !== n) {
    throw new RangeError(
      `${op}: labels must have ${n} entries (the rows of logits), found ${labels.length}`,
    );
  }
  let selected: Int32Array;
  if (rows === undefined) {
    selected = new Int32Array(n);
    for (let r = 0; r < n; r++) selected[r] = r;
  } else {
    expectIndex(op, 'rows', rows, n, 'the rows of logits');
    selected = rows;
  }
  const m = selected.length;
  if (m === 0) throw new RangeError(`${op}: no rows selected, the mean loss is undefined`);
  for (const r of selected) {
    const y = labels[r]!;
    if (y < 0 || y >= k) {
      throw new RangeError(
        `${op}: labels[${r}] is ${y}, expected a class in [0, ${k}) (the columns of logits)`,
      );
    }
  }

  const xs = logits.data;
  const logSumExp = new Float64Array(m); // per selected row, kept for backward
  let total = 0;
  for (let s = 0; s < m; s++) {
    const o = selected[s]! * k;
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, xs[o + c]!);
    let z = 0;
    for (let c = 0; c < k; c++) z += Math.exp(xs[o + c]! - max);
    const lse = max + Math.log(z);
    logSumExp[s] = lse;
    total += lse - xs[o + labels[selected[s]!]!]!;
  }
  const value = Tensor.full([1], total / m, logits.value.dtype);
  return record(op, value, [logits], (g) => {
    const scale = g.data[0]! / m;
    const dx = allocate(logits.value.dtype, n * k); // [N, K], zero outside the selected rows
    for (let s = 0; s < m; s++) {
      const r = selected[s]!;
      const o = r * k;
      const lse = logSumExp[s]!;
      for (let c = 0; c < k; c++) dx[o + c]! += scale * Math.exp(xs[o + c]! - lse);
      dx[o + labels[r]!]! -= scale;
    }
    return [new Tensor(dx, [n, k])];
  });
}
