/**
 * Cora, CiteSeer and PubMed from the offline mirror: the counts of DESIGN.md §5 and values
 * checked against a reference pipeline (numpy/scipy: PyG's read_planetoid_data steps, then
 * remove_self_loops + coalesce), whose results are the constants below.
 */
import { describe, expect, it } from 'vitest';

import { csrRowSum } from '../../src/data/features.js';
import { loadPlanetoid } from '../../src/data/planetoid-node.js';
import { PLANETOID_DIR } from './paths.js';

interface Expected {
  name: string;
  nodes: number;
  edges: number;
  features: number;
  classes: number;
  split: [number, number, number];
  rawFeatureSum: number; // sum of all un-normalised feature values
  normalizedWeightedSum: number; // Σ x̂[i, c] · c over normalised features
  labelsHash: number; // Σ label[i] · i
  srcHash: number; // Σ src[e] · e
  dstHash: number; // Σ dst[e] · e
  emptyRows: number; // rows with no features (CiteSeer's gap nodes)
}

const EXPECTED: Expected[] = [
  {
    name: 'Cora',
    nodes: 2708,
    edges: 10556,
    features: 1433,
    classes: 7,
    split: [140, 500, 1000],
    rawFeatureSum: 49216,
    normalizedWeightedSum: 2147083.2775516026,
    labelsHash: 10506393,
    srcHash: 97005688151,
    dstHash: 73018310709,
    emptyRows: 0,
  },
  {
    name: 'CiteSeer',
    nodes: 3327,
    edges: 9104,
    features: 3703,
    classes: 6,
    split: [120, 500, 1000],
    rawFeatureSum: 105165,
    normalizedWeightedSum: 6022282.696531918,
    labelsHash: 14890602,
    srcHash: 90137102890,
    dstHash: 66878553139,
    emptyRows: 15,
  },
  {
    name: 'PubMed',
    nodes: 19717,
    edges: 88648,
    features: 500,
    classes: 3,
    split: [60, 500, 1000],
    rawFeatureSum: 38716.295094509376,
    normalizedWeightedSum: 4400592.952249149,
    labelsHash: 231019752,
    srcHash: 51179349878997,
    dstHash: 38391057349374,
    emptyRows: 0,
  },
];

function count(mask: Uint8Array): number {
  let n = 0;
  for (const v of mask) n += v;
  return n;
}

describe.each(EXPECTED)('loadPlanetoid($name)', (e) => {
  it('has the published sizes, split and values', async () => {
    const d = await loadPlanetoid(e.name.toLowerCase(), {
      dataDir: PLANETOID_DIR,
      download: false,
    });
    expect(d.name).toBe(e.name);
    expect([d.numNodes, d.edgeIndex.src.length, d.numFeatures, d.numClasses]).toEqual([
      e.nodes,
      e.edges,
      e.features,
      e.classes,
    ]);
    expect([count(d.trainMask), count(d.valMask), count(d.testMask)]).toEqual(e.split);
    expect(d.features.rows).toBe(e.nodes);
    expect(d.features.cols).toBe(e.features);
    expect(d.labels.length).toBe(e.nodes);

    // Masks are disjoint; train = rows 0..len(y)-1, val = the next 500.
    let overlaps = 0;
    for (let i = 0; i < d.numNodes; i++) {
      if (d.trainMask[i]! + d.valMask[i]! + d.testMask[i]! > 1) overlaps++;
    }
    expect(overlaps).toBe(0);
    expect(d.trainMask[e.split[0] - 1]).toBe(1);
    expect(d.valMask[e.split[0]]).toBe(1);
    expect(d.valMask[e.split[0] + 499]).toBe(1);

    // Normalised rows sum to 1, except empty rows which stay 0.
    let empty = 0;
    let weighted = 0;
    let worstRowSumError = 0;
    let badEmptyRows = 0;
    for (let r = 0; r < d.numNodes; r++) {
      const s = csrRowSum(d.features, r);
      if (d.features.rowPtr[r + 1] === d.features.rowPtr[r]) {
        empty++;
        if (s !== 0 || d.labels[r] !== 0 || d.trainMask[r]! + d.valMask[r]! + d.testMask[r]! > 0) {
          badEmptyRows++;
        }
      } else {
        worstRowSumError = Math.max(worstRowSumError, Math.abs(s - 1));
      }
      for (let p = d.features.rowPtr[r]!; p < d.features.rowPtr[r + 1]!; p++) {
        weighted += d.features.values[p]! * d.features.colIdx[p]!;
      }
    }
    expect(empty).toBe(e.emptyRows);
    expect(badEmptyRows).toBe(0); // zero features, label 0, in no mask
    expect(worstRowSumError).toBeLessThan(1e-5);
    expect(weighted).toBeCloseTo(e.normalizedWeightedSum, -1);

    let labelsHash = 0;
    for (let i = 0; i < d.numNodes; i++) labelsHash += d.labels[i]! * i;
    expect(labelsHash).toBe(e.labelsHash);

    // Edges: sorted by (src, dst), no self-loops, no duplicates, symmetric, same order as PyG.
    const { src, dst } = d.edgeIndex;
    let srcHash = 0;
    let dstHash = 0;
    const keys = new Set<number>();
    for (let k = 0; k < src.length; k++) {
      srcHash += src[k]! * k;
      dstHash += dst[k]! * k;
      expect(src[k]).not.toBe(dst[k]);
      if (k > 0) {
        const order = src[k - 1]! - src[k]! || dst[k - 1]! - dst[k]!;
        expect(order).toBeLessThan(0);
      }
      keys.add(src[k]! * d.numNodes + dst[k]!);
    }
    for (let k = 0; k < src.length; k++)
      expect(keys.has(dst[k]! * d.numNodes + src[k]!)).toBe(true);
    expect(srcHash).toBe(e.srcHash);
    expect(dstHash).toBe(e.dstHash);
  });

  it('keeps raw values without normalisation', async () => {
    const d = await loadPlanetoid(e.name, {
      dataDir: PLANETOID_DIR,
      download: false,
      normalizeFeatures: false,
    });
    let sum = 0;
    for (const v of d.features.values) sum += v;
    expect(sum).toBeCloseTo(e.rawFeatureSum, 1);
  });
});

describe('PubMed labels', () => {
  it('has 4,103 / 7,739 / 7,875 nodes per class', async () => {
    const d = await loadPlanetoid('PubMed', { dataDir: PLANETOID_DIR, download: false });
    const counts = [0, 0, 0];
    for (const l of d.labels) counts[l]!++;
    expect(counts).toEqual([4103, 7739, 7875]);
  });
});
