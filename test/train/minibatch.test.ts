import { describe, expect, it } from 'vitest';

import { stochasticBlockModel } from '../../src/data/sbm.js';
import { NeighborSampler } from '../../src/graph/neighbor-sampler.js';
import { GATModel } from '../../src/nn/models/gat.js';
import { evaluateSampled, predictSampled, trainMiniBatch } from '../../src/train/minibatch.js';
import { TrainConfigError, evaluateModel } from '../../src/train/node-classification.js';
import { type TrainConfig, paperRecipe } from '../../src/train/recipes.js';
import { expectAllClose } from '../helpers/allclose.js';

// 8 classes: chance is 12.5 %.
const sbm = stochasticBlockModel({
  numNodes: 1500,
  numEdges: 12_000,
  numClasses: 8,
  homophily: 0.8,
  numFeatures: 64,
  featuresPerNode: 8,
  featureSignal: 0.3,
  seed: 3,
});

function recipe(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return {
    ...paperRecipe('cora', 'gatv2'),
    hidden: 8,
    heads: 4,
    lr: 0.02,
    dropout: 0.3,
    attentionDropout: 0.3,
    epochs: 8,
    patience: 100,
    ...overrides,
  };
}

describe('trainMiniBatch', () => {
  it('learns an SBM graph with fan-outs [5, 5], well above chance', () => {
    const r = trainMiniBatch(sbm, recipe(), { fanouts: [5, 5], batchSize: 32 });
    expect(r.epochs).toBe(8);
    expect(r.testAcc).toBeGreaterThan(0.6);
    expect(r.history[7]!.trainLoss).toBeLessThan(r.history[0]!.trainLoss);
    expect(r.model.training).toBe(false);
    // The reported figures are the restored model's, evaluated full-batch.
    const ev = evaluateModel(r.model, sbm);
    expect(ev.testAcc).toBe(r.testAcc);
    expect(ev.valLoss).toBe(r.valLoss);
    expect(r.valLoss).toBe(r.history[r.bestEpoch - 1]!.valLoss);
  });

  it('also learns with sampled evaluation', () => {
    const r = trainMiniBatch(sbm, recipe({ model: 'gat' }), {
      fanouts: [4, 4],
      batchSize: 32,
      evalFullBatch: false,
      evalFanouts: [8, 8],
      evalBatchSize: 256,
    });
    expect(r.testAcc).toBeGreaterThan(0.5);
  });

  it("trains GAT with the paper recipe's value dropout on sampled blocks", () => {
    const r = trainMiniBatch(sbm, recipe({ model: 'gat', valueDropout: 0.3 }), {
      fanouts: [5, 5],
      batchSize: 32,
    });
    expect(r.model.config.valueDropout).toBe(0.3);
    expect(r.history[7]!.trainLoss).toBeLessThan(r.history[0]!.trainLoss);
    expect(r.testAcc).toBeGreaterThan(0.5);
  });

  it('same seed → identical run; another seed → a different one', () => {
    const options = { fanouts: [3, 3], batchSize: 64 };
    const quick = (seed: number): number[] =>
      trainMiniBatch(sbm, recipe({ epochs: 3, seed }), options).history.map((m) => m.trainLoss);
    const a = quick(5);
    expect(quick(5)).toEqual(a);
    expect(quick(6)).not.toEqual(a);
  });

  it('refuses bad options, naming them', () => {
    const run = (options: { fanouts: number[]; batchSize: number }): unknown =>
      trainMiniBatch(sbm, recipe({ epochs: 1 }), options);
    expect(() => run({ fanouts: [5], batchSize: 8 })).toThrow(TrainConfigError);
    expect(() => run({ fanouts: [5], batchSize: 8 })).toThrow(/options\.fanouts must have 2/);
    expect(() => run({ fanouts: [5, 0], batchSize: 8 })).toThrow(/options\.fanouts\[1\].*found 0/);
    expect(() => run({ fanouts: [5, 5], batchSize: 0 })).toThrow(/options\.batchSize .*found 0/);
    const noTrain = { ...sbm, trainMask: new Uint8Array(sbm.numNodes) };
    expect(() => trainMiniBatch(noTrain, recipe(), { fanouts: [2, 2], batchSize: 4 })).toThrow(
      /trainMask selects no node/,
    );
  });
});

describe('sampled inference', () => {
  it('with full fan-outs equals full-batch evaluation', () => {
    const model = new GATModel({
      variant: 'gat',
      inChannels: 64,
      hiddenChannels: 4,
      outChannels: 8,
      heads: 2,
      seed: 1,
    });
    const sampler = new NeighborSampler(sbm.edgeIndex, sbm.numNodes);
    const full = evaluateModel(model, sbm);
    const nodes = Int32Array.from({ length: sbm.numNodes }, (_, i) => i);
    const logits = predictSampled(model, sbm, sampler, {
      fanouts: [-1, -1],
      batchSize: 200,
      seed: 0,
      nodes,
    });
    expectAllClose(logits.data, full.logits.data, { atol: 1e-6, rtol: 1e-5 });
    const ev = evaluateSampled(model, sbm, sampler, { fanouts: [-1, -1], batchSize: 300, seed: 0 });
    expect(ev.testAcc).toBe(full.testAcc);
    expect(ev.valLoss).toBeCloseTo(full.valLoss, 5);
    expect(model.training).toBe(true); // restored
  });
});
