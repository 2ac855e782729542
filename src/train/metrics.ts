/** Classification metrics over full-graph logits [N, K] and node masks. */
import { Tensor, formatShape } from '../tensor/tensor.js';

function classesOf(fn: string, logits: Tensor): [number, number] {
  if (logits.shape.length !== 2) {
    throw new RangeError(`${fn}: logits must be [N, K], found ${formatShape(logits.shape)}`);
  }
  return [logits.shape[0]!, logits.shape[1]!];
}

/** Row-wise argmax; ties go to the lowest class (as torch.argmax). */
export function argmax(logits: Tensor): Int32Array {
  const [n, k] = classesOf('argmax', logits);
  const xs = logits.data;
  const out = new Int32Array(n);
  for (let i = 0, o = 0; i < n; i++, o += k) {
    let best = 0;
    let bestValue = xs[o]!;
    for (let c = 1; c < k; c++) {
      const v = xs[o + c]!;
      if (v > bestValue) {
        best = c;
        bestValue = v;
      }
    }
    out[i] = best;
  }
  return out;
}

function checkRows(fn: string, n: number, labels: Int32Array, mask: Uint8Array): void {
  if (labels.length !== n) {
    throw new RangeError(
      `${fn}: labels has ${labels.length} entries, expected ${n} (rows of logits)`,
    );
  }
  if (mask.length !== n) {
    throw new RangeError(`${fn}: mask has ${mask.length} entries, expected ${n} (rows of logits)`);
  }
}

/** Fraction of masked rows whose argmax is the label; NaN when the mask selects no row. */
export function accuracy(logits: Tensor, labels: Int32Array, mask: Uint8Array): number {
  const [n] = classesOf('accuracy', logits);
  checkRows('accuracy', n, labels, mask);
  return predictionAccuracy(argmax(logits), labels, mask);
}

/** Fraction of masked rows where pred equals the label; NaN when the mask selects no row. */
export function predictionAccuracy(pred: Int32Array, labels: Int32Array, mask: Uint8Array): number {
  let correct = 0;
  let total = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] !== 1) continue;
    total++;
    if (pred[i] === labels[i]) correct++;
  }
  return total === 0 ? NaN : correct / total;
}

/**
 * Mean cross-entropy over the masked rows (−log softmax of the label), in float64; NaN when
 * the mask selects no row. The same value as the `crossEntropy` op, without recording.
 */
export function maskedCrossEntropy(logits: Tensor, labels: Int32Array, mask: Uint8Array): number {
  const [n, k] = classesOf('maskedCrossEntropy', logits);
  checkRows('maskedCrossEntropy', n, labels, mask);
  const xs = logits.data;
  let total = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (mask[i] !== 1) continue;
    const o = i * k;
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, xs[o + c]!);
    let z = 0;
    for (let c = 0; c < k; c++) z += Math.exp(xs[o + c]! - max);
    total += max + Math.log(z) - xs[o + labels[i]!]!;
    count++;
  }
  return count === 0 ? NaN : total / count;
}

/**
 * Mean and sample standard deviation (n − 1 in the denominator, as torch.std and the
 * papers' "mean ± std over runs"); std is 0 for a single value, both NaN for none.
 */
export function meanStd(xs: number[]): { mean: number; std: number } {
  if (xs.length === 0) return { mean: NaN, std: NaN };
  let sum = 0;
  for (const x of xs) sum += x;
  const mean = sum / xs.length;
  if (xs.length === 1) return { mean, std: 0 };
  let ss = 0;
  for (const x of xs) ss += (x - mean) ** 2;
  return { mean, std: Math.sqrt(ss / (xs.length - 1)) };
}
