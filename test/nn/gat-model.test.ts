/** GATModel's configuration: defaults, checks, and valueDropout reaching its GAT layers. */
import { describe, expect, it } from 'vitest';
import { noGrad } from '../../src/autograd/variable.js';
import { karateClub } from '../../src/data/karate.js';
import { GATConv } from '../../src/nn/gat-conv.js';
import { GATModel, resolveModelConfig } from '../../src/nn/models/gat.js';
import { Random } from '../../src/tensor/random.js';

const base = { variant: 'gat', inChannels: 34, hiddenChannels: 4, outChannels: 2 } as const;

describe('GATModel configuration', () => {
  it("defaults to PyG's GAT: no value dropout", () => {
    expect(resolveModelConfig(base).valueDropout).toBe(0);
    const model = new GATModel(base);
    for (const conv of model.convs) expect((conv as GATConv).valueDropout).toBe(0);
  });

  it('rejects dropouts outside [0, 1), naming which', () => {
    for (const key of ['dropout', 'attentionDropout', 'valueDropout'] as const) {
      expect(() => resolveModelConfig({ ...base, [key]: 1 })).toThrow(
        new RegExp(`GATModel: ${key} must be in \\[0, 1\\), found 1`),
      );
    }
  });

  it('rejects valueDropout with GATv2, whose layers score and sum the same features', () => {
    expect(() => resolveModelConfig({ ...base, variant: 'gatv2', valueDropout: 0.5 })).toThrow(
      /valueDropout is for variant 'gat' only .* found 0.5 with variant 'gatv2'/,
    );
    expect(resolveModelConfig({ ...base, variant: 'gatv2', valueDropout: 0 }).valueDropout).toBe(0);
  });

  it('gives valueDropout to every layer: training outputs change, evaluation does not', () => {
    const data = karateClub();
    const plain = new GATModel({ ...base, seed: 4 });
    const dropped = new GATModel({ ...base, seed: 4, valueDropout: 0.5 });
    expect(dropped.convs.map((c) => (c as GATConv).valueDropout)).toEqual([0.5, 0.5]);
    const run = (m: GATModel): Float32Array | Float64Array =>
      noGrad(() => m.forward(data.features, data.edgeIndex, { rng: new Random(1) })).data;
    expect(Array.from(run(dropped.eval()))).toEqual(Array.from(run(plain.eval())));
    expect(Array.from(run(dropped.train()))).not.toEqual(Array.from(run(plain.train())));
  });
});
