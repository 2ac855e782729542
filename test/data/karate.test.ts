import { describe, expect, it } from 'vitest';

import { isCsr } from '../../src/data/graph.js';
import { karateClub } from '../../src/data/karate.js';

function count(mask: Uint8Array): number {
  return mask.reduce((a, b) => a + b, 0);
}

describe('karateClub', () => {
  it('has 34 members, 78 friendships both ways and the two factions', () => {
    const d = karateClub();
    expect(d.numNodes).toBe(34);
    expect(d.edgeIndex.src.length).toBe(156);
    expect(d.numClasses).toBe(2);
    expect(count(Uint8Array.from(d.labels, (l) => (l === 0 ? 1 : 0)))).toBe(17);
    expect(d.labels[0]).toBe(0); // Mr. Hi
    expect(d.labels[33]).toBe(1); // the Officer
    expect(d.labels[8]).toBe(0); // networkx's club attribute puts member 8 with Mr. Hi
    // Degree of node 33 (the Officer) is 17, of node 0 is 16.
    expect(d.edgeIndex.src.filter((s) => s === 33).length).toBe(17);
    expect(d.edgeIndex.src.filter((s) => s === 0).length).toBe(16);
  });

  it('has identity features as CSR and a seeded 8 / 6 / 20 split', () => {
    const d = karateClub();
    expect(isCsr(d.features)).toBe(true);
    if (!isCsr(d.features)) return;
    expect(Array.from(d.features.colIdx)).toEqual(Array.from({ length: 34 }, (_, i) => i));
    expect([count(d.trainMask), count(d.valMask), count(d.testMask)]).toEqual([8, 6, 20]);
    const again = karateClub();
    expect(Array.from(again.trainMask)).toEqual(Array.from(d.trainMask));
    const other = karateClub({ seed: 1 });
    expect(Array.from(other.trainMask)).not.toEqual(Array.from(d.trainMask));
  });
});
