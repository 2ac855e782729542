import { describe, expect, it } from 'vitest';
import { gradcheckVariables } from '../../src/autograd/gradcheck.js';
import { crossEntropy } from '../../src/autograd/ops/loss.js';
import { noGrad } from '../../src/autograd/variable.js';
import { dictionaryLookup, dictionaryLookupBatch } from '../../src/data/dictionary-lookup.js';
import {
  DictionaryLookupModel,
  type DictionaryLookupModelKind,
  runDictionaryLookup,
} from '../../src/train/dictlookup.js';
import { expectAllClose } from '../helpers/allclose.js';

const kinds: DictionaryLookupModelKind[] = ['gat', 'gatv2'];

describe('DictionaryLookupModel', () => {
  it.each(kinds)('%s: a disjoint-union batch gives each graph the logits it gets alone', (kind) => {
    const task = dictionaryLookup({ k: 4, seed: 3 });
    const model = new DictionaryLookupModel({
      model: kind,
      k: 4,
      heads: 2,
      dim: 8,
      seed: 5,
      dtype: 'float64',
    });
    model.eval();
    const perms = task.train.slice(0, 5);
    const batched = noGrad(() => model.forward(dictionaryLookupBatch(task, perms)));
    expect(batched.shape).toEqual([5 * 4, 4]);
    perms.forEach((perm, g) => {
      const alone = noGrad(() => model.forward(dictionaryLookupBatch(task, [perm])));
      expectAllClose(
        batched.data.subarray(g * 16, (g + 1) * 16),
        alone.data,
        { atol: 1e-12, rtol: 1e-12 },
        `graph ${g}`,
      );
    });
  });

  it.each(kinds)('%s: the loss passes a float64 gradient check of every parameter', (kind) => {
    const task = dictionaryLookup({ k: 3, seed: 1 });
    const model = new DictionaryLookupModel({
      model: kind,
      k: 3,
      heads: 2,
      dim: 4,
      seed: 2,
      dtype: 'float64',
      dropout: 0, // a fresh dropout mask per forward would defeat finite differences
    });
    const batch = dictionaryLookupBatch(task, task.train.slice(0, 2));
    const params = model.parameters();
    expect(params.length).toBeGreaterThanOrEqual(4);
    const result = gradcheckVariables(
      () => crossEntropy(model.forward(batch), batch.targets),
      params,
      { atol: 1e-7, rtol: 1e-5 },
    );
    expect(result.mismatches).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('defaults to the authors’ layers: GAT with self-loops, GATv2 without; dropout 0.5', () => {
    const options = { k: 3, heads: 1, dim: 4 } as const;
    const gat = new DictionaryLookupModel({ ...options, model: 'gat' });
    const v2 = new DictionaryLookupModel({ ...options, model: 'gatv2' });
    expect(gat.conv.options.addSelfLoops).toBe(true);
    expect(v2.conv.options.addSelfLoops).toBe(false);
    expect(gat.dropout).toBe(0.5);
    const noLoops = new DictionaryLookupModel({ ...options, model: 'gat', selfLoops: false });
    expect(noLoops.conv.options.addSelfLoops).toBe(false);
  });

  it('drops out only in training mode', () => {
    const task = dictionaryLookup({ k: 4, seed: 1 });
    const model = new DictionaryLookupModel({ model: 'gatv2', k: 4, heads: 1, dim: 8, seed: 3 });
    const batch = dictionaryLookupBatch(task, task.train.slice(0, 3));
    model.eval();
    const a = noGrad(() => model.forward(batch)).data;
    const b = noGrad(() => model.forward(batch)).data;
    expect(Array.from(b)).toEqual(Array.from(a));
    model.train();
    const c = noGrad(() => model.forward(batch)).data;
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });

  it('rejects a dropout outside [0, 1)', () => {
    expect(
      () => new DictionaryLookupModel({ model: 'gat', k: 3, heads: 1, dim: 4, dropout: 1 }),
    ).toThrow(/dropout must be in \[0, 1\), found 1/);
  });

  it('rejects a width that the heads do not divide', () => {
    expect(() => new DictionaryLookupModel({ model: 'gatv2', k: 3, heads: 3, dim: 8 })).toThrow(
      /multiple of heads/,
    );
  });
});

describe('runDictionaryLookup', () => {
  it('GATv2 solves a small dictionary that GAT with one head cannot fit', () => {
    // k = 6: 720 permutations, ~500 for training. Over seeds 0–5 this setting gave GATv2
    // 98–100 % and GAT 21–57 % training accuracy; seed 0 is fixed here.
    const common = { k: 6, heads: 1, seed: 0, epochs: 20, dim: 16, lr: 0.01, batchSize: 32 };
    const v2 = runDictionaryLookup({ ...common, model: 'gatv2' });
    const v1 = runDictionaryLookup({ ...common, model: 'gat' });
    expect(v2).toMatchObject({ model: 'gatv2', k: 6, heads: 1 });
    expect(v2.trainAcc).toBeGreaterThan(0.95);
    expect(v1.trainAcc).toBeLessThan(0.7);
    expect(v2.testAcc).toBeGreaterThan(v1.testAcc + 0.3);
    expect(v2.epochs).toBeLessThanOrEqual(20);
  });

  it('reports every epoch and is deterministic for a seed', () => {
    const seen: [number, number, number][] = [];
    const options = {
      model: 'gatv2' as const,
      k: 3,
      heads: 1,
      seed: 4,
      epochs: 3,
      dim: 8,
      patience: 100,
      perfectEpochs: 100,
    };
    const a = runDictionaryLookup({
      ...options,
      onEpoch: (epoch, trainAcc, testAcc) => seen.push([epoch, trainAcc, testAcc]),
    });
    const b = runDictionaryLookup(options);
    expect(seen.map(([e]) => e)).toEqual([1, 2, 3]);
    for (const [, train, test] of seen) {
      expect(train).toBeGreaterThanOrEqual(0);
      expect(train).toBeLessThanOrEqual(1);
      expect(test).toBeGreaterThanOrEqual(0);
      expect(test).toBeLessThanOrEqual(1);
    }
    expect(a.epochs).toBe(3);
    expect([b.trainAcc, b.testAcc]).toEqual([a.trainAcc, a.testAcc]);
  });

  it('rejects bad options with clear errors', () => {
    expect(() => runDictionaryLookup({ model: 'gatv2', k: 0, heads: 1 })).toThrow(/k must be/);
    expect(() => runDictionaryLookup({ model: 'gatv2', k: 3, heads: 1, lr: -1 })).toThrow(/lr/);
  });
});
