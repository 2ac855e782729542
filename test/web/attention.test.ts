import { describe, expect, it } from 'vitest';
import { GATModel, Tensor, karateClub, noGrad } from 'graphattn';
import { explainLayer } from '../../src/cli/commands/explain.js';
import { edgeWeights, rankNodeAttention } from '../../web/attention.js';

const data = karateClub();
const model = new GATModel({
  variant: 'gatv2',
  inChannels: data.numFeatures,
  hiddenChannels: 4,
  outChannels: data.numClasses,
  heads: 3,
  seed: 7,
});
model.eval();
const { attention } = noGrad(() => model.forwardWithAttention(data.features, data.edgeIndex));

describe('web/attention rankNodeAttention', () => {
  it('ranks every in-neighbour, weights summing to 1 per head, largest first', () => {
    const r = rankNodeAttention(attention[0]!, 1, 0);
    expect(r.degree).toBe(17); // 16 friends and the self-loop
    expect(r.heads).toHaveLength(3);
    for (const h of r.heads) {
      expect(h.ranked).toHaveLength(17);
      expect(h.ranked.reduce((s, x) => s + x.weight, 0)).toBeCloseTo(1, 5);
      for (let i = 1; i < h.ranked.length; i++)
        expect(h.ranked[i]!.weight).toBeLessThanOrEqual(h.ranked[i - 1]!.weight);
      expect(h.ranked.filter((x) => x.node === 0)).toHaveLength(1);
      expect(h.kl).toBeGreaterThanOrEqual(0);
      expect(h.kl).toBeLessThanOrEqual(r.maxEntropy);
    }
  });

  it('measures what `graphattn explain` measures', () => {
    for (const [l, a] of attention.entries()) {
      for (const node of [0, 5, 33]) {
        const web = rankNodeAttention(a, l + 1, node);
        const cli = explainLayer(a, l + 1, node, 4);
        expect(web.degree).toBe(cli.degree);
        expect(web.maxEntropy).toBe(cli.maxEntropy);
        web.heads.forEach((h, i) => {
          const c = cli.heads[i]!;
          expect(h.head).toBe(c.head);
          expect(h.entropy).toBe(c.entropy);
          expect(h.kl).toBe(c.kl);
          expect(h.ranked.slice(0, 4)).toEqual(c.top);
        });
      }
    }
  });

  it('uniform attention is 0 away from uniform', () => {
    const edgeIndex = { src: Int32Array.from([0, 1, 2]), dst: Int32Array.from([2, 2, 2]) };
    const alpha = new Tensor(Float64Array.from([1 / 3, 1 / 3, 1 / 3]), [3, 1]);
    const r = rankNodeAttention({ edgeIndex, alpha }, 1, 2);
    expect(r.heads[0]!.kl).toBeCloseTo(0, 12);
    expect(r.heads[0]!.entropy).toBeCloseTo(Math.log(3), 12);
    const isolated = rankNodeAttention({ edgeIndex, alpha }, 1, 7);
    expect(isolated.degree).toBe(0);
    expect(isolated.heads[0]).toEqual({ head: 1, entropy: 0, kl: 0, ranked: [] });
  });
});

describe('web/attention edgeWeights', () => {
  it('picks one head or averages them', () => {
    const a = attention[0]!;
    const heads = a.alpha.shape[1]!;
    const h1 = edgeWeights(a, 1);
    const mean = edgeWeights(a, 'mean');
    for (const e of [0, 10, 100]) {
      expect(h1[e]).toBeCloseTo(a.alpha.data[e * heads + 1]!, 7);
      let s = 0;
      for (let h = 0; h < heads; h++) s += a.alpha.data[e * heads + h]!;
      expect(mean[e]).toBeCloseTo(s / heads, 7);
    }
  });
});
