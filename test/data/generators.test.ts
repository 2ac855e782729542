import { describe, expect, it } from 'vitest';

import { dictionaryLookup, dictionaryLookupBatch } from '../../src/data/dictionary-lookup.js';
import { coalesceEdges } from '../../src/data/edges.js';
import { DataError } from '../../src/data/errors.js';
import { isCsr } from '../../src/data/graph.js';
import { stochasticBlockModel } from '../../src/data/sbm.js';

describe('dictionaryLookup', () => {
  it('enumerates all k! permutations when few, split 80/20, seeded', () => {
    const task = dictionaryLookup({ k: 4, seed: 1 });
    expect(task.train.length + task.test.length).toBe(24);
    expect(task.train.length).toBe(19); // round(0.8 · 24)
    const all = new Set([...task.train, ...task.test].map((p) => p.join(',')));
    expect(all.size).toBe(24);
    expect(task.edgeIndex.src.length).toBe(16);
    expect(Array.from(task.queryNodes)).toEqual([0, 1, 2, 3]);
    // Every edge goes from a key (4..7) to a query (0..3).
    expect(task.edgeIndex.src.every((s) => s >= 4 && s < 8)).toBe(true);
    expect(task.edgeIndex.dst.every((d) => d < 4)).toBe(true);
    const again = dictionaryLookup({ k: 4, seed: 1 });
    expect(again.train.map((p) => p.join())).toEqual(task.train.map((p) => p.join()));
  });

  it('samples distinct permutations when k! is large', () => {
    const task = dictionaryLookup({ k: 10, maxExamples: 500, seed: 2 });
    const all = new Set([...task.train, ...task.test].map((p) => p.join(',')));
    expect(all.size).toBe(500);
  });

  it('builds features whose key rows hold (key, value) and query rows (key) only', () => {
    const k = 3;
    const batch = dictionaryLookupBatch({ k }, [Int32Array.of(2, 0, 1), Int32Array.of(0, 1, 2)]);
    expect(batch.features.shape).toEqual([12, 6]);
    const row = (i: number): number[] => Array.from(batch.features.data.subarray(i * 6, i * 6 + 6));
    expect(row(0)).toEqual([1, 0, 0, 0, 0, 0]); // query 0 of graph 0
    expect(row(3)).toEqual([1, 0, 0, 0, 0, 1]); // key 0 of graph 0 has value 2
    expect(row(6 + 4)).toEqual([0, 1, 0, 0, 1, 0]); // key 1 of graph 1 has value 1
    expect(Array.from(batch.queryNodes)).toEqual([0, 1, 2, 6, 7, 8]);
    expect(Array.from(batch.targets)).toEqual([2, 0, 1, 0, 1, 2]);
    expect(batch.edgeIndex.src.length).toBe(18);
    // Graph 1's edges stay inside nodes 6..11.
    expect(batch.edgeIndex.src.slice(9).every((s) => s >= 9 && s < 12)).toBe(true);
    expect(batch.edgeIndex.dst.slice(9).every((d) => d >= 6 && d < 9)).toBe(true);
  });

  it('splits on unseen (key, value) pairs', () => {
    const task = dictionaryLookup({ k: 5, split: 'unseen-pairs', seed: 3 });
    const seen = new Set<string>();
    for (const p of task.train) p.forEach((v, i) => seen.add(`${i}:${v}`));
    for (const p of task.test)
      expect(Array.from(p).some((v, i) => !seen.has(`${i}:${v}`))).toBe(true);
    expect(task.train.length).toBeGreaterThan(0);
    expect(task.test.length).toBeGreaterThan(0);
  });

  it('refuses bad arguments', () => {
    expect(() => dictionaryLookup({ k: 0 })).toThrow(DataError);
    expect(() => dictionaryLookupBatch({ k: 3 }, [Int32Array.of(0, 1)])).toThrow(/expected k = 3/);
  });
});

describe('stochasticBlockModel', () => {
  it('is seeded, undirected, homophilous, with class-correlated sparse features', () => {
    const opts = { numNodes: 2000, numEdges: 20000, numClasses: 4, seed: 5 };
    const d = stochasticBlockModel(opts);
    const again = stochasticBlockModel(opts);
    expect(Array.from(again.edgeIndex.dst)).toEqual(Array.from(d.edgeIndex.dst));
    const { src, dst } = d.edgeIndex;
    expect(src.length).toBeGreaterThan(19000);
    expect(src.length).toBeLessThanOrEqual(20000);
    let same = 0;
    const keys = new Set<number>();
    for (let e = 0; e < src.length; e++) {
      keys.add(src[e]! * 2000 + dst[e]!);
      if (d.labels[src[e]!] === d.labels[dst[e]!]) same++;
    }
    expect(keys.size).toBe(src.length);
    let symmetric = 0;
    for (let e = 0; e < src.length; e++) if (keys.has(dst[e]! * 2000 + src[e]!)) symmetric++;
    expect(symmetric).toBe(src.length);
    expect(same / src.length).toBeGreaterThan(0.75);
    expect(isCsr(d.features)).toBe(true);
    if (!isCsr(d.features)) return;
    // Features of class c concentrate in columns [c·32, c·32 + 32).
    let inBlock = 0;
    for (let i = 0; i < 2000; i++) {
      for (let p = d.features.rowPtr[i]!; p < d.features.rowPtr[i + 1]!; p++) {
        if (Math.floor(d.features.colIdx[p]! / 32) === d.labels[i]) inBlock++;
      }
    }
    expect(inBlock / d.features.colIdx.length).toBeGreaterThan(0.6);
    let masks = 0;
    for (let i = 0; i < 2000; i++) masks += d.trainMask[i]! + d.valMask[i]! + d.testMask[i]!;
    expect(masks).toBe(2000);
  });

  it('refuses bad sizes', () => {
    expect(() => stochasticBlockModel({ numNodes: 0 })).toThrow(/numNodes must be/);
  });
});

describe('coalesceEdges', () => {
  it('sorts by (source, target), merges duplicates, drops self-loops, adds reverses', () => {
    const e = coalesceEdges(Int32Array.of(2, 0, 2, 1, 1), Int32Array.of(0, 1, 0, 1, 2), 3, {
      undirected: true,
    });
    expect(Array.from(e.src)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(Array.from(e.dst)).toEqual([1, 2, 0, 2, 0, 1]);
    const keep = coalesceEdges(Int32Array.of(1, 0), Int32Array.of(1, 1), 2, {
      removeSelfLoops: false,
    });
    expect(Array.from(keep.src)).toEqual([0, 1]);
    expect(Array.from(keep.dst)).toEqual([1, 1]);
  });
});
