/**
 * Edge indices as PyTorch Geometric has them: row 0 = source j, row 1 = target i.
 * Users may hand in typed arrays or plain number arrays; everything is checked once here
 * and becomes a pair of Int32Arrays.
 */

/** Directed edges j → i: `src[e]` = j, `dst[e]` = i. */
export interface EdgeIndex {
  readonly src: Int32Array;
  readonly dst: Int32Array;
}

/** An EdgeIndex, or `[sources, targets]` as arrays of numbers. */
export type EdgeIndexInput = EdgeIndex | readonly [ArrayLike<number>, ArrayLike<number>];

function isEdgeIndex(e: EdgeIndexInput): e is EdgeIndex {
  return 'src' in e && 'dst' in e;
}

/**
 * Checks that every source is an integer in [0, numSrc) and every target in [0, numDst);
 * errors name the argument, the edge, what was expected and what was found.
 */
export function toEdgeIndex(
  input: EdgeIndexInput,
  numSrc: number,
  numDst: number,
  name = 'edgeIndex',
): EdgeIndex {
  const [src, dst] = isEdgeIndex(input) ? [input.src, input.dst] : [input[0], input[1]];
  if (
    src === undefined ||
    dst === undefined ||
    typeof src.length !== 'number' ||
    typeof dst.length !== 'number'
  ) {
    throw new TypeError(
      `${name}: expected [sources, targets] or {src, dst}, found ${typeof input}`,
    );
  }
  if (src.length !== dst.length) {
    throw new RangeError(
      `${name}: ${src.length} sources but ${dst.length} targets; both rows must have one entry per edge`,
    );
  }
  const check = (row: ArrayLike<number>, limit: number, which: string): Int32Array => {
    const out = row instanceof Int32Array ? row : new Int32Array(row.length);
    for (let e = 0; e < row.length; e++) {
      const v = row[e]!;
      if (!Number.isInteger(v) || v < 0 || v >= limit) {
        const what = Number.isInteger(v)
          ? v < 0
            ? 'a negative index'
            : 'an index out of range'
          : 'a non-integer';
        throw new RangeError(
          `${name}: edge ${e} has ${which} ${String(v)} (${what}); expected an integer in [0, ${limit})`,
        );
      }
      if (out !== row) out[e] = v;
    }
    return out;
  };
  return { src: check(src, numSrc, 'source'), dst: check(dst, numDst, 'target') };
}
