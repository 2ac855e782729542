import { describe, expect, it } from 'vitest';
import { karateClub } from '../../src/index.js';
import { fitToFrame, forceLayout } from '../../web/layout.js';

const data = karateClub();
const edges = data.edgeIndex;
const n = data.numNodes;

function distance(pos: Float64Array, u: number, v: number): number {
  return Math.hypot(pos[2 * u]! - pos[2 * v]!, pos[2 * u + 1]! - pos[2 * v + 1]!);
}

describe('web/layout forceLayout', () => {
  const pos = forceLayout(n, edges, { width: 800, height: 600, seed: 3 });

  it('is seeded: same graph and seed, same positions', () => {
    expect(forceLayout(n, edges, { width: 800, height: 600, seed: 3 })).toEqual(pos);
    expect(forceLayout(n, edges, { width: 800, height: 600, seed: 4 })).not.toEqual(pos);
  });

  it('stays inside the frame', () => {
    for (let i = 0; i < n; i++) {
      expect(pos[2 * i]).toBeGreaterThanOrEqual(0);
      expect(pos[2 * i]).toBeLessThanOrEqual(800);
      expect(pos[2 * i + 1]).toBeGreaterThanOrEqual(0);
      expect(pos[2 * i + 1]).toBeLessThanOrEqual(600);
    }
  });

  it('puts friends closer than strangers and keeps nodes apart', () => {
    const friends = new Set<number>();
    for (let e = 0; e < edges.src.length; e++) friends.add(edges.src[e]! * n + edges.dst[e]!);
    let near = 0;
    let nearCount = 0;
    let far = 0;
    let farCount = 0;
    let closest = Infinity;
    for (let u = 0; u < n; u++) {
      for (let v = u + 1; v < n; v++) {
        const d = distance(pos, u, v);
        closest = Math.min(closest, d);
        if (friends.has(u * n + v)) {
          near += d;
          nearCount++;
        } else {
          far += d;
          farCount++;
        }
      }
    }
    expect(near / nearCount).toBeLessThan(0.75 * (far / farCount));
    expect(closest).toBeGreaterThan(10);
  });

  it('handles tiny graphs and coincident starts', () => {
    const none = { src: new Int32Array(0), dst: new Int32Array(0) };
    expect(forceLayout(0, none, { width: 10, height: 10 })).toEqual(new Float64Array(0));
    expect(Array.from(forceLayout(1, none, { width: 10, height: 20 }))).toEqual([5, 10]);
    const two = forceLayout(2, none, { width: 100, height: 100, iterations: 50 });
    expect(two.every(Number.isFinite)).toBe(true);
    expect(distance(two, 0, 1)).toBeGreaterThan(1);
  });
});

describe('web/layout fitToFrame', () => {
  it('fills the frame inside the margin, keeping the aspect ratio', () => {
    const pos = Float64Array.from([0, 0, 10, 5, 5, 2]);
    const out = fitToFrame(pos, 220, 220, 10);
    expect(Array.from(out)).toEqual([10, 60, 210, 160, 110, 100]);
  });
});
