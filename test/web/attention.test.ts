/**
 * The attention readout the CLI (`graphattn explain`) and the web demo both show comes from
 * the library's explainNodeAttention; its numbers checked by hand on a small example.
 */
import { describe, expect, it } from 'vitest';
import { explainLayer } from '../../src/cli/commands/explain.js';
import { edgeAttentionWeights, explainNodeAttention } from '../../src/nn/explain.js';
import { Tensor } from '../../src/tensor/tensor.js';

// Node 0 receives from 1, 2 and itself; node 1 from 0 only. Two heads.
const attention = {
  edgeIndex: { src: Int32Array.from([1, 2, 0, 0]), dst: Int32Array.from([0, 0, 0, 1]) },
  alpha: Tensor.from([0.5, 1 / 3, 0.25, 1 / 3, 0.25, 1 / 3, 1, 1], [4, 2]),
};

describe('explainNodeAttention', () => {
  it('ranks the in-neighbours of a node per head, with entropy and KL from uniform', () => {
    const r = explainNodeAttention(attention, 0, 1);
    expect(r.degree).toBe(3);
    expect(r.maxEntropy).toBeCloseTo(Math.log(3), 12);
    const [h1, h2] = r.heads;
    expect(h1!.ranked.map((n) => n.node)).toEqual([1, 0, 2]); // 0.5, then a tie broken by id
    const entropy1 = -(0.5 * Math.log(0.5) + 2 * 0.25 * Math.log(0.25));
    expect(h1!.entropy).toBeCloseTo(entropy1, 6);
    expect(h1!.kl).toBeCloseTo(Math.log(3) - entropy1, 6);
    expect(h2!.kl).toBeCloseTo(0, 6); // uniform attention
    expect(r.klMean).toBeCloseTo((h1!.kl + h2!.kl) / 2, 12);
    for (const h of r.heads) expect(h.ranked.reduce((s, n) => s + n.weight, 0)).toBeCloseTo(1, 6);
  });

  it('gives a node with one in-neighbour zero KL, and one with none an empty ranking', () => {
    expect(explainNodeAttention(attention, 1).heads[0]!.kl).toBe(0);
    const none = explainNodeAttention(attention, 2);
    expect(none.degree).toBe(0);
    expect(none.heads[0]!.ranked).toEqual([]);
  });

  it('is what `graphattn explain` prints, cut to the top K', () => {
    const full = explainNodeAttention(attention, 0, 2);
    const cli = explainLayer(attention, 2, 0, 2);
    expect(cli.heads.map((h) => h.top)).toEqual(full.heads.map((h) => h.ranked.slice(0, 2)));
    expect(cli.heads.map((h) => h.kl)).toEqual(full.heads.map((h) => h.kl));
  });

  it('reads one head or the mean of heads per edge', () => {
    expect(Array.from(edgeAttentionWeights(attention, 1))).toEqual(
      Array.from(attention.alpha.data.filter((_, i) => i % 2 === 1)),
    );
    const mean = edgeAttentionWeights(attention, 'mean');
    expect(mean[0]).toBeCloseTo((0.5 + 1 / 3) / 2, 6);
    expect(() => edgeAttentionWeights(attention, 2)).toThrow(
      /head must be 'mean' or an integer in \[0, 2\), found 2/,
    );
  });
});
