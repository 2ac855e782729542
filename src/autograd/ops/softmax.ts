/**
 * Softmax in its two forms: over the last axis of a dense matrix (classifier outputs), and
 * over the edges that share a target (attention: PyG's `softmax(src, index)`).
 *
 * Both subtract a max first so exp never overflows; the max is a constant for the gradient
 * (softmax is invariant to the shift, so no gradient is lost by treating it so).
 */
import { SOFTMAX_EPS } from '../../kernels/reference/gatv2-attention.js';
import { Tensor, allocate } from '../../tensor/tensor.js';
import { type Variable, record } from '../variable.js';
import { expect2d, expectIndex, expectNonNegativeInteger } from './validate.js';

/** Row-wise softmax of x [N, K] (over the last axis). */
export function softmax(x: Variable): Variable {
  const [n, k] = expect2d('softmax', 'x', x);
  const xs = x.data;
  const y = allocate(x.value.dtype, n * k); // [N, K]
  for (let r = 0; r < n; r++) {
    const o = r * k;
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, xs[o + c]!);
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const w = Math.exp(xs[o + c]! - max);
      y[o + c] = w;
      sum += w;
    }
    for (let c = 0; c < k; c++) y[o + c]! /= sum;
  }
  return record('softmax', new Tensor(y, [n, k]), [x], (g) => {
    // dx = y ⊙ (g − <y, g>) per row
    const gs = g.data;
    const dx = allocate(x.value.dtype, n * k);
    for (let r = 0; r < n; r++) {
      const o = r * k;
      let dot = 0;
      for (let c = 0; c < k; c++) dot += y[o + c]! * gs[o + c]!;
      for (let c = 0; c < k; c++) dx[o + c] = y[o + c]! * (gs[o + c]! - dot);
    }
    return [new Tensor(dx, [n, k])];
  });
}

/** log(softmax(x)) of x [N, K] over the last axis, as x − max − log Σ exp(x − max). */
export function logSoftmax(x: Variable): Variable {
  const [n, k] = expect2d('logSoftmax', 'x', x);
  const xs = x.data;
  const y = allocate(x.value.dtype, n * k); // [N, K]
  for (let r = 0; r < n; r++) {
    const o = r * k;
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, xs[o + c]!);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(xs[o + c]! - max);
    const shift = max + Math.log(sum);
    for (let c = 0; c < k; c++) y[o + c] = xs[o + c]! - shift;
  }
  return record('logSoftmax', new Tensor(y, [n, k]), [x], (g) => {
    // dx = g − softmax(x) · Σ g per row, with softmax(x) = exp(y)
    const gs = g.data;
    const dx = allocate(x.value.dtype, n * k);
    for (let r = 0; r < n; r++) {
      const o = r * k;
      let total = 0;
      for (let c = 0; c < k; c++) total += gs[o + c]!;
      for (let c = 0; c < k; c++) dx[o + c] = gs[o + c]! - Math.exp(y[o + c]!) * total;
    }
    return [new Tensor(dx, [n, k])];
  });
}

/**
 * Softmax of scores [E, H] over the edges of each segment (the edges into one target), per
 * head, with PyTorch Geometric's semantics exactly: subtract the per-segment max (no
 * gradient through it), exponentiate, divide by (segment sum + 1e-16). Edges need not be
 * sorted by segment; a segment with no edges simply produces nothing.
 */
export function segmentSoftmax(
  scores: Variable,
  segment: Int32Array,
  numSegments: number,
): Variable {
  const op = 'segmentSoftmax';
  const [e, h] = expect2d(op, 'scores', scores);
  expectNonNegativeInteger(op, 'numSegments', numSegments);
  expectIndex(op, 'segment', segment, numSegments, 'numSegments', {
    value: e,
    of: 'the rows of scores',
  });
  const s = scores.data;
  const max = new Float64Array(numSegments * h).fill(-Infinity); // [S, H]
  for (let p = 0; p < e; p++) {
    const m = segment[p]! * h;
    for (let k = 0; k < h; k++) max[m + k] = Math.max(max[m + k]!, s[p * h + k]!);
  }
  const y = allocate(scores.value.dtype, e * h); // [E, H]
  const sum = new Float64Array(numSegments * h); // [S, H]
  for (let p = 0; p < e; p++) {
    const m = segment[p]! * h;
    for (let k = 0; k < h; k++) {
      const w = Math.exp(s[p * h + k]! - max[m + k]!);
      y[p * h + k] = w;
      sum[m + k]! += w;
    }
  }
  for (let p = 0; p < e; p++) {
    const m = segment[p]! * h;
    for (let k = 0; k < h; k++) y[p * h + k]! /= sum[m + k]! + SOFTMAX_EPS;
  }
  return record(op, new Tensor(y, [e, h]), [scores], (g) => {
    // ds_p = y_p (g_p − Σ_{q in segment(p)} y_q g_q); the 1e-16 does not change this form.
    const gs = g.data;
    const dot = new Float64Array(numSegments * h); // [S, H]
    for (let p = 0; p < e; p++) {
      const m = segment[p]! * h;
      for (let k = 0; k < h; k++) dot[m + k]! += y[p * h + k]! * gs[p * h + k]!;
    }
    const ds = allocate(scores.value.dtype, e * h);
    for (let p = 0; p < e; p++) {
      const m = segment[p]! * h;
      for (let k = 0; k < h; k++) {
        const i = p * h + k;
        ds[i] = y[i]! * (gs[i]! - dot[m + k]!);
      }
    }
    return [new Tensor(ds, [e, h])];
  });
}
