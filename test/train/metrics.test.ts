import { describe, expect, it } from 'vitest';
import { crossEntropy } from '../../src/autograd/ops/loss.js';
import { constant } from '../../src/autograd/variable.js';
import { Tensor } from '../../src/tensor/tensor.js';
import {
  accuracy,
  argmax,
  maskedCrossEntropy,
  meanStd,
  predictionAccuracy,
} from '../../src/train/metrics.js';
import { paperRecipe } from '../../src/train/recipes.js';

// prettier-ignore
const logits = Tensor.from([
  0.1, 0.9, 0.0, // 1
  2.0, 2.0, 1.0, // tie → 0
  -1, -3, -0.5, // 2
  5, 1, 1, // 0
], [4, 3]);
const labels = new Int32Array([1, 1, 2, 0]);

describe('metrics', () => {
  it('argmax picks the first of tied maxima', () => {
    expect(Array.from(argmax(logits))).toEqual([1, 0, 2, 0]);
  });

  it('accuracy counts only masked rows; NaN on an empty mask', () => {
    expect(accuracy(logits, labels, new Uint8Array([1, 1, 1, 1]))).toBe(0.75);
    expect(accuracy(logits, labels, new Uint8Array([0, 1, 0, 0]))).toBe(0);
    expect(accuracy(logits, labels, new Uint8Array([1, 0, 1, 1]))).toBe(1);
    expect(accuracy(logits, labels, new Uint8Array(4))).toBeNaN();
    expect(
      predictionAccuracy(new Int32Array([1, 1, 0, 0]), labels, new Uint8Array([1, 1, 1, 0])),
    ).toBeCloseTo(2 / 3, 12);
  });

  it('accuracy rejects mismatched lengths and shapes, naming them', () => {
    expect(() => accuracy(logits, new Int32Array(3), new Uint8Array(4))).toThrow(
      /labels has 3 entries, expected 4/,
    );
    expect(() => accuracy(logits, labels, new Uint8Array(5))).toThrow(
      /mask has 5 entries, expected 4/,
    );
    expect(() => argmax(Tensor.zeros([4]))).toThrow(/\[N, K\], found \[4\]/);
  });

  it('maskedCrossEntropy equals the crossEntropy op over the same rows', () => {
    const mask = new Uint8Array([1, 0, 1, 1]);
    const op = crossEntropy(constant(logits), labels, new Int32Array([0, 2, 3])).value.data[0]!;
    expect(maskedCrossEntropy(logits, labels, mask)).toBeCloseTo(op, 6);
    expect(maskedCrossEntropy(logits, labels, new Uint8Array(4))).toBeNaN();
  });

  it('meanStd uses the sample standard deviation', () => {
    const { mean, std } = meanStd([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(mean).toBe(5);
    expect(std).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(meanStd([0.8])).toEqual({ mean: 0.8, std: 0 });
    const empty = meanStd([]);
    expect(empty.mean).toBeNaN();
    expect(empty.std).toBeNaN();
  });
});

describe('paperRecipe', () => {
  it('gives the GAT paper settings for Cora and CiteSeer, PubMed its own, others Cora', () => {
    const cora = paperRecipe('Cora', 'gat');
    expect(cora).toMatchObject({
      model: 'gat',
      hidden: 8,
      heads: 8,
      outHeads: 1,
      dropout: 0.6,
      attentionDropout: 0.6,
      lr: 0.005,
      weightDecay: 5e-4,
      patience: 100,
      earlyStopping: 'gat',
      valueDropout: 0.6,
    });
    expect(paperRecipe('citeseer', 'gat')).toEqual(cora);
    expect(paperRecipe('my-graph', 'gat')).toEqual(cora);
    expect(paperRecipe('PubMed', 'gat')).toMatchObject({
      outHeads: 8,
      lr: 0.01,
      weightDecay: 1e-3,
      valueDropout: 0.6,
    });
    expect(paperRecipe('karate', 'gat')).toMatchObject({ hidden: 4, heads: 2, epochs: 200 });
    expect(paperRecipe('karate', 'gat').valueDropout).toBeUndefined();
  });

  it("drops GAT's summed features as the GAT authors' model does; GATv2 as PyG's layer", () => {
    const { valueDropout, ...rest } = paperRecipe('cora', 'gat');
    expect(valueDropout).toBe(0.6);
    for (const dataset of ['cora', 'citeseer', 'pubmed', 'karate']) {
      expect(paperRecipe(dataset, 'gatv2').valueDropout, dataset).toBeUndefined();
    }
    expect(paperRecipe('citeseer', 'gatv2')).toEqual({ ...rest, model: 'gatv2' });
  });
});
