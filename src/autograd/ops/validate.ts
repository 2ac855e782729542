/**
 * Argument checks shared by the ops. Every message names the op, the argument, what was
 * expected and what was found, so a shape bug deep inside a layer reads as a sentence.
 */
import { formatShape } from '../../tensor/tensor.js';
import type { Variable } from '../variable.js';

/** Requires `v` to be 2-D and returns its [rows, cols]. */
export function expect2d(op: string, name: string, v: Variable): [number, number] {
  if (v.shape.length !== 2) {
    throw new RangeError(`${op}: ${name} must be 2-D, found shape ${formatShape(v.shape)}`);
  }
  return [v.shape[0]!, v.shape[1]!];
}

export function expectSameShape(op: string, a: Variable, b: Variable): void {
  const same = a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
  if (!same) {
    throw new RangeError(
      `${op}: a and b must have the same shape, found ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
    );
  }
}

/** Mixed precision is almost always an accident; refuse it rather than round silently. */
export function expectSameDtype(
  op: string,
  nameA: string,
  a: Variable,
  nameB: string,
  b: Variable,
): void {
  if (a.value.dtype !== b.value.dtype) {
    throw new TypeError(
      `${op}: ${nameA} and ${nameB} must have the same dtype, found ${a.value.dtype} and ${b.value.dtype}`,
    );
  }
}

/** Requires `width` (the last dimension of x) to split into `heads` equal blocks; returns C. */
export function channelsPerHead(op: string, width: number, heads: number): number {
  if (!Number.isInteger(heads) || heads < 1) {
    throw new RangeError(`${op}: heads must be a positive integer, found ${heads}`);
  }
  if (width % heads !== 0) {
    throw new RangeError(
      `${op}: the last dimension of x (${width}) must be a multiple of heads (${heads})`,
    );
  }
  return width / heads;
}

export function expectNonNegativeInteger(op: string, name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`${op}: ${name} must be a non-negative integer, found ${n}`);
  }
}

/** Requires `index.length === length` (what `of` describes) and every entry in [0, bound). */
export function expectIndex(
  op: string,
  name: string,
  index: Int32Array,
  bound: number,
  boundOf: string,
  length?: { value: number; of: string },
): void {
  if (length !== undefined && index.length !== length.value) {
    throw new RangeError(
      `${op}: ${name} must have ${length.value} entries (${length.of}), found ${index.length}`,
    );
  }
  for (let i = 0; i < index.length; i++) {
    const v = index[i]!;
    if (v < 0 || v >= bound) {
      throw new RangeError(
        `${op}: ${name}[${i}] is ${v}, expected an integer in [0, ${bound}) (${boundOf})`,
      );
    }
  }
}
