/**
 * The direct construction of the attention graph against the obvious one it replaces:
 * replace self-loops as PyG does, then a stable sort by target.
 */
import { describe, expect, it } from 'vitest';
import { replaceSelfLoops } from '../../src/graph/self-loops.js';
import { sortByTarget } from '../../src/graph/target-csr.js';
import { PreparedGraph, prepareGraph } from '../../src/nn/prepared-graph.js';
import { Random } from '../../src/tensor/random.js';

function randomEdges(
  numSrc: number,
  numDst: number,
  E: number,
  seed: number,
): [Int32Array, Int32Array] {
  const rng = new Random(seed);
  const src = new Int32Array(E);
  const dst = new Int32Array(E);
  for (let e = 0; e < E; e++) {
    src[e] = rng.int(numSrc);
    dst[e] = rng.uniform() < 0.2 ? src[e]! % numDst : rng.int(numDst); // plenty of self-loops
  }
  return [src, dst];
}

describe('PreparedGraph', () => {
  for (const [numSrc, numDst, addSelfLoops] of [
    [12, 12, true],
    [12, 12, false],
    [9, 14, true],
    [14, 9, true],
    [5, 8, false],
  ] as const) {
    it(`equals replace-loops-then-sort: ${numSrc}→${numDst}, addSelfLoops=${addSelfLoops}`, () => {
      const [src, dst] = randomEdges(numSrc, numDst, 60, numSrc * numDst);
      const p = new PreparedGraph({ src, dst }, numSrc, numDst, addSelfLoops);
      const replaced = addSelfLoops
        ? replaceSelfLoops({ src, dst }, Math.min(numSrc, numDst))
        : null;
      const edges = replaced?.edges ?? { src, dst };
      const reference = sortByTarget(edges, numSrc, numDst);
      expect(Array.from(p.graph.ptr)).toEqual(Array.from(reference.graph.ptr));
      expect(Array.from(p.graph.src)).toEqual(Array.from(reference.graph.src));
      expect(Array.from(p.edgeOfSlot)).toEqual(Array.from(reference.edgeOfSlot));
      expect(Array.from(p.edges.src)).toEqual(Array.from(edges.src));
      expect(Array.from(p.edges.dst)).toEqual(Array.from(edges.dst));
      const sourceEdge = replaced?.sourceEdge ?? Int32Array.from(src, (_, e) => e);
      expect(Array.from(p.inputEdgeOfSlot)).toEqual(
        Array.from(reference.edgeOfSlot, (e) => sourceEdge[e]!),
      );
      expect(Array.from(p.dstOfSlot)).toEqual(
        Array.from(reference.edgeOfSlot, (e) => edges.dst[e]!),
      );
    });
  }

  it('is prepared once per edge index and sizes, shared by every layer', () => {
    const edges = { src: Int32Array.from([0, 1]), dst: Int32Array.from([1, 0]) };
    expect(prepareGraph(edges, 2, 2, true)).toBe(prepareGraph(edges, 2, 2, true));
    expect(prepareGraph(edges, 2, 2, true)).not.toBe(prepareGraph(edges, 2, 2, false));
  });
});
