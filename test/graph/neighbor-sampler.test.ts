import { describe, expect, it } from 'vitest';

import { noGrad } from '../../src/autograd/variable.js';
import { stochasticBlockModel } from '../../src/data/sbm.js';
import type { EdgeIndex } from '../../src/graph/edge-index.js';
import {
  NeighborSampler,
  type SampledSubgraph,
  sliceCsrRows,
  sliceDenseRows,
  sliceNodeFeatures,
  sliceNodeValues,
} from '../../src/graph/neighbor-sampler.js';
import type { CsrMatrix } from '../../src/kernels/kernels.js';
import { GATModel } from '../../src/nn/models/gat.js';
import { Random } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';
import { randomTensor } from '../helpers/random.js';

/** A random directed multigraph-free graph with a few self-loops and isolated nodes. */
function randomDirectedGraph(n: number, edges: number, seed: number): EdgeIndex {
  const rng = new Random(seed);
  const seen = new Set<number>();
  const src: number[] = [];
  const dst: number[] = [];
  while (src.length < edges) {
    const j = rng.int(n - 3); // the last three nodes stay isolated
    const i = rng.int(n - 3);
    if (seen.has(j * n + i)) continue;
    seen.add(j * n + i);
    src.push(j);
    dst.push(i);
  }
  return { src: Int32Array.from(src), dst: Int32Array.from(dst) };
}

function edgeSet(e: EdgeIndex, ids: Int32Array | null = null): Map<number, number> {
  const counts = new Map<number, number>();
  for (let k = 0; k < e.src.length; k++) {
    const j = ids === null ? e.src[k]! : ids[e.src[k]!]!;
    const i = ids === null ? e.dst[k]! : ids[e.dst[k]!]!;
    const key = j * 1_000_003 + i;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function inDegrees(e: EdgeIndex, n: number): Int32Array {
  const d = new Int32Array(n);
  for (const i of e.dst) d[i]!++;
  return d;
}

/** Checks the invariants every sample must satisfy. */
function checkSample(
  graph: EdgeIndex,
  n: number,
  seeds: Int32Array,
  fanouts: number[],
  sub: SampledSubgraph,
): void {
  const full = edgeSet(graph);
  const deg = inDegrees(graph, n);
  // Seeds first, in order; every node once.
  expect(Array.from(sub.nodes.subarray(0, seeds.length))).toEqual(Array.from(seeds));
  expect(sub.numSeeds).toBe(seeds.length);
  expect(new Set(sub.nodes).size).toBe(sub.nodes.length);
  expect(sub.hopOffsets.length).toBe(fanouts.length + 2);
  expect(sub.hopOffsets[0]).toBe(0);
  expect(sub.hopOffsets[1]).toBe(seeds.length);
  expect(sub.hopOffsets[fanouts.length + 1]).toBe(sub.nodes.length);
  // Every sampled edge exists (and its inputEdge points at it); none is sampled twice.
  const { src, dst } = sub.edgeIndex;
  expect(src.length).toBe(dst.length);
  expect(sub.inputEdge.length).toBe(src.length);
  const wrong: string[] = [];
  for (let k = 0; k < src.length; k++) {
    const j = sub.nodes[src[k]!]!;
    const i = sub.nodes[dst[k]!]!;
    const e = sub.inputEdge[k]!;
    if (!full.has(j * 1_000_003 + i) || graph.src[e] !== j || graph.dst[e] !== i)
      wrong.push(`${j} → ${i} (input edge ${e})`);
  }
  expect(wrong).toEqual([]);
  for (const [key, count] of edgeSet(sub.edgeIndex, sub.nodes)) {
    expect(count, `edge key ${key}`).toBe(1);
  }
  // Per target: the hop it was expanded at bounds its in-edges by the fan-out (or its degree).
  const subDeg = inDegrees(sub.edgeIndex, sub.nodes.length);
  for (let h = 0; h <= fanouts.length; h++) {
    for (let t = sub.hopOffsets[h]!; t < sub.hopOffsets[h + 1]!; t++) {
      const d = deg[sub.nodes[t]!]!;
      const want = h === fanouts.length ? 0 : fanouts[h] === -1 ? d : Math.min(d, fanouts[h]!);
      if (subDeg[t] !== want)
        wrong.push(`node ${t} (hop ${h}): ${subDeg[t]} in-edges, want ${want}`);
    }
  }
  // A node first reached at hop h + 1 is a source of an edge into a hop-h node.
  const hopOf = (t: number): number => {
    let h = 0;
    while (t >= sub.hopOffsets[h + 1]!) h++;
    return h;
  };
  for (let k = 0; k < src.length; k++) {
    if (hopOf(src[k]!) > hopOf(dst[k]!) + 1) wrong.push(`edge ${k} skips a hop`);
  }
  expect(wrong).toEqual([]);
}

describe('NeighborSampler', () => {
  const n = 300;
  const graph = randomDirectedGraph(n, 3000, 1);
  const sampler = new NeighborSampler(graph, n);

  it('samples existing edges, respects fan-outs, no duplicates, seeds first', () => {
    const rng = new Random(3);
    for (const fanouts of [[5], [3, 4], [2, 2, 2], [-1, 3], [40, 40]]) {
      for (let trial = 0; trial < 5; trial++) {
        const seeds = rng.permutation(n).subarray(0, 1 + rng.int(30));
        checkSample(graph, n, seeds, fanouts, sampler.sample(seeds, fanouts, rng));
      }
    }
  });

  it('takes every in-neighbour with a fan-out at or above the degree', () => {
    const seeds = Int32Array.of(0, 5, 297);
    const sub = sampler.sample(seeds, [1000], new Random(0));
    const deg = inDegrees(graph, n);
    expect(sub.edgeIndex.src.length).toBe(deg[0]! + deg[5]! + deg[297]!);
    expect(deg[297]).toBe(0); // isolated: a seed with no edges
  });

  it('uses larger fan-outs (the shuffle path) correctly too', () => {
    const dense = randomDirectedGraph(120, 6000, 2); // in-degree ≈ 50
    const s = new NeighborSampler(dense, 120);
    const rng = new Random(9);
    for (const fanouts of [[40], [33, 10], [45, 45]]) {
      const seeds = rng.permutation(120).subarray(0, 10);
      checkSample(dense, 120, seeds, fanouts, s.sample(seeds, fanouts, rng));
    }
  });

  it('is deterministic by seed and varies with it', () => {
    const seeds = Int32Array.of(10, 20, 30, 40);
    const a = sampler.sample(seeds, [4, 4], new Random(11));
    const b = sampler.sample(seeds, [4, 4], new Random(11));
    const c = sampler.sample(seeds, [4, 4], new Random(12));
    expect(b.nodes).toEqual(a.nodes);
    expect(b.edgeIndex).toEqual(a.edgeIndex);
    expect(c.edgeIndex).not.toEqual(a.edgeIndex);
  });

  it('draws every neighbour with equal probability', () => {
    // Node 0 with 8 in-neighbours, fan-out 3: each is picked with probability 3/8.
    const star: EdgeIndex = {
      src: Int32Array.of(1, 2, 3, 4, 5, 6, 7, 8),
      dst: new Int32Array(8),
    };
    const s = new NeighborSampler(star, 9);
    const counts = new Int32Array(9);
    const rng = new Random(5);
    const trials = 8000;
    for (let t = 0; t < trials; t++) {
      for (const j of s.sample(Int32Array.of(0), [3], rng).nodes.subarray(1)) counts[j]!++;
    }
    for (let j = 1; j <= 8; j++) expect(Math.abs(counts[j]! / trials - 3 / 8)).toBeLessThan(0.03);
  });

  it('refuses bad seeds and fan-outs, naming the argument', () => {
    const rng = new Random(0);
    expect(() => sampler.sample([0, 300], [2], rng)).toThrow(/seeds\[1\] is 300.*\[0, 300\)/);
    expect(() => sampler.sample([4, 4], [2], rng)).toThrow(/seeds\[1\] is 4, already seeds\[0\]/);
    expect(() => sampler.sample([1], [2, 0], rng)).toThrow(/fanouts\[1\] must be .* found 0/);
    expect(() => sampler.sample([1], [2.5], rng)).toThrow(/fanouts\[0\]/);
    expect(() => new NeighborSampler(graph, 100)).toThrow(/edgeIndex.*\[0, 100\)/);
    // A failed call leaves no state behind.
    const sub = sampler.sample([4], [2], new Random(1));
    expect(sub.nodes[0]).toBe(4);
  });
});

describe('feature and label slicing', () => {
  it('slices CSR rows, dense rows, labels and masks in subgraph order', () => {
    const m: CsrMatrix = {
      rows: 3,
      cols: 4,
      rowPtr: Int32Array.of(0, 2, 2, 3),
      colIdx: Int32Array.of(0, 3, 1),
      values: Float32Array.of(1, 2, 3),
    };
    const s = sliceCsrRows(m, Int32Array.of(2, 0, 1));
    expect(Array.from(s.rowPtr)).toEqual([0, 1, 3, 3]);
    expect(Array.from(s.colIdx)).toEqual([1, 0, 3]);
    expect(Array.from(s.values)).toEqual([3, 1, 2]);
    const x = Tensor.from([1, 2, 3, 4, 5, 6], [3, 2]);
    expect(Array.from(sliceDenseRows(x, Int32Array.of(1, 1, 0)).data)).toEqual([3, 4, 3, 4, 1, 2]);
    expect(sliceNodeFeatures(x, Int32Array.of(2)).shape).toEqual([1, 2]);
    expect(Array.from(sliceNodeValues(Int32Array.of(7, 8, 9), Int32Array.of(2, 0)))).toEqual([
      9, 7,
    ]);
    expect(sliceNodeValues(Uint8Array.of(0, 1), Int32Array.of(1))).toEqual(Uint8Array.of(1));
    expect(() => sliceCsrRows(m, Int32Array.of(3))).toThrow(/nodes\[0\] is 3/);
  });
});

describe('full fan-out subgraph = full graph for the seeds', () => {
  const data = stochasticBlockModel({ numNodes: 200, numEdges: 1200, numFeatures: 32, seed: 4 });
  // Make the graph directed (drop one direction of some edges) so direction errors show.
  const keep: number[] = [];
  for (let e = 0; e < data.edgeIndex.src.length; e++) if (e % 3 !== 0) keep.push(e);
  const edges: EdgeIndex = {
    src: Int32Array.from(keep, (e) => data.edgeIndex.src[e]!),
    dst: Int32Array.from(keep, (e) => data.edgeIndex.dst[e]!),
  };
  const sampler = new NeighborSampler(edges, 200);
  const seeds = Int32Array.of(3, 17, 18, 50, 199, 120, 121, 122);
  const dense = randomTensor([200, 32], 8, 'float32');

  for (const variant of ['gat', 'gatv2'] as const) {
    for (const sparse of [true, false]) {
      it(`${variant}, ${sparse ? 'sparse' : 'dense'} features`, () => {
        const model = new GATModel({
          variant,
          inChannels: 32,
          hiddenChannels: 4,
          outChannels: 5,
          heads: 3,
          outHeads: 2,
          seed: 2,
        });
        model.eval();
        const x = sparse ? data.features : dense;
        const full = noGrad(() => model.forward(x, edges)).value;
        for (const fanouts of [
          [-1, -1],
          [1000, 1000],
        ]) {
          const sub = sampler.sample(seeds, fanouts, new Random(0));
          const out = noGrad(() =>
            model.forward(sliceNodeFeatures(x, sub.nodes), sub.edgeIndex),
          ).value;
          const k = 5;
          const want = new Float32Array(seeds.length * k);
          for (let s = 0; s < seeds.length; s++) {
            want.set(full.data.subarray(seeds[s]! * k, (seeds[s]! + 1) * k), s * k);
          }
          expectAllClose(out.data.subarray(0, seeds.length * k), want, { atol: 1e-6, rtol: 1e-5 });
        }
        // With a small fan-out the outputs differ (the test above is not vacuous).
        const small = sampler.sample(seeds, [1, 1], new Random(0));
        const approx = noGrad(() =>
          model.forward(sliceNodeFeatures(x, small.nodes), small.edgeIndex),
        ).value;
        let differs = false;
        for (let s = 0; s < seeds.length * 5; s++) {
          const g = seeds[Math.floor(s / 5)]! * 5 + (s % 5);
          if (Math.abs(approx.data[s]! - full.data[g]!) > 1e-4) differs = true;
        }
        expect(differs).toBe(true);
      });
    }
  }
});
