import { describe, expect, it } from 'vitest';
import { isCsr } from '../../src/data/graph.js';
import { karateClub } from '../../src/data/karate.js';
import { loadPlanetoid } from '../../src/data/planetoid-node.js';
import {
  TrainConfigError,
  evaluateModel,
  trainNodeClassifier,
  trainRuns,
} from '../../src/train/node-classification.js';
import { type TrainConfig, paperRecipe } from '../../src/train/recipes.js';
import { PLANETOID_DIR } from '../data/paths.js';

const karate = karateClub();

function quick(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return { ...paperRecipe('karate', 'gatv2'), epochs: 20, ...overrides };
}

describe('trainNodeClassifier on the karate club', () => {
  it('reaches full train accuracy and separates the factions', () => {
    for (const model of ['gat', 'gatv2'] as const) {
      const r = trainNodeClassifier(karate, paperRecipe('karate', model));
      expect(r.trainAcc, model).toBe(1);
      expect(r.testAcc, model).toBeGreaterThanOrEqual(0.8);
      expect(r.model.training).toBe(false);
      // The reported figures are the restored model's.
      const ev = evaluateModel(r.model, karate);
      expect(ev.testAcc).toBe(r.testAcc);
      expect(ev.valLoss).toBe(r.valLoss);
    }
  });

  it('same seed → identical loss history; another seed → a different one', () => {
    const a = trainNodeClassifier(karate, quick({ seed: 7 })).history.map((m) => m.trainLoss);
    const b = trainNodeClassifier(karate, quick({ seed: 7 })).history.map((m) => m.trainLoss);
    const c = trainNodeClassifier(karate, quick({ seed: 8 })).history.map((m) => m.trainLoss);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(a.length).toBe(20);
  });

  it("restores the weights the GAT rule saved, not the last epoch's", () => {
    const r = trainNodeClassifier(
      karate,
      quick({
        epochs: 300,
        patience: 5,
        lr: 0.05,
        dropout: 0.6,
        attentionDropout: 0.6,
        earlyStopping: 'gat',
      }),
    );
    expect(r.bestEpoch).toBeGreaterThan(0);
    expect(r.epochs).toBeLessThan(300); // patience ran out
    expect(r.bestEpoch).toBeLessThan(r.epochs);
    const best = r.history[r.bestEpoch - 1]!;
    const last = r.history[r.epochs - 1]!;
    expect(r.valLoss).toBe(best.valLoss);
    expect(r.valAcc).toBe(best.valAcc);
    expect(r.testAcc).toBe(best.testAcc);
    expect(r.trainAcc).toBe(best.trainAcc);
    expect(last.valLoss).not.toBe(best.valLoss);
    expect(best.saved).toBe(true);
    expect(r.history.slice(r.bestEpoch).every((m) => !m.saved)).toBe(true);
  });

  it("restores the lowest val loss under PyG's rule", () => {
    const r = trainNodeClassifier(
      karate,
      quick({ epochs: 60, patience: 10, lr: 0.05, earlyStopping: 'pyg' }),
    );
    const losses = r.history.map((m) => m.valLoss);
    const argmin = losses.indexOf(Math.min(...losses));
    expect(r.bestEpoch).toBe(argmin + 1);
    expect(r.valLoss).toBe(losses[argmin]);
    expect(r.testAcc).toBe(r.history[argmin]!.testAcc);
  });

  it('calls onEpoch with the run index and honours shouldStop', () => {
    const seen: [number, number][] = [];
    const summary = trainRuns(karate, quick({ seed: 3 }), 2, {
      onEpoch: (m, run) => seen.push([run, m.epoch]),
      shouldStop: () => seen.length >= 25,
    });
    expect(summary.runs.map((r) => r.seed)).toEqual([3, 4]);
    expect(summary.runs[0]!.epochs).toBe(20);
    expect(summary.runs[1]!.epochs).toBe(5);
    expect(seen[20]).toEqual([1, 1]);
    expect(summary.epochsMean).toBe(12.5);
    expect(summary.msPerEpoch).toBeGreaterThan(0);
  });

  it('rejects bad configurations naming the dataset and field', () => {
    expect(() => trainNodeClassifier(karate, quick({ heads: 0 }))).toThrow(TrainConfigError);
    expect(() => trainNodeClassifier(karate, quick({ dropout: 1, lr: -1 }))).toThrow(
      /KarateClub.*dropout must be in \[0, 1\), found 1; lr must be a positive number, found -1/,
    );
    expect(() => trainRuns(karate, quick(), 0)).toThrow(/runs must be a positive integer, found 0/);
    expect(() => trainNodeClassifier(karate, quick({ valueDropout: 1 }))).toThrow(
      /valueDropout must be in \[0, 1\), found 1/,
    );
    expect(() => trainNodeClassifier(karate, quick({ model: 'gatv2', valueDropout: 0.5 }))).toThrow(
      /valueDropout is for model 'gat' only, found 0.5 with 'gatv2'/,
    );
    const unlabelled = { ...karate, trainMask: new Uint8Array(34) };
    expect(() => trainNodeClassifier(unlabelled, quick())).toThrow(/trainMask selects no node/);
  });

  it('scans the features once, before the first epoch, and names the bad value', () => {
    const features = karate.features;
    if (!isCsr(features)) throw new Error('the karate club has sparse (identity) features');
    const values = features.values.slice();
    values[5] = Number.NaN;
    const bad = { ...karate, features: { ...features, values } };
    let epochs = 0;
    expect(() => trainNodeClassifier(bad, quick(), { onEpoch: () => epochs++ })).toThrow(
      /KarateClub features has NaN at row 5, column 5; features must be finite numbers/,
    );
    expect(epochs).toBe(0);
  });
});

describe('trainNodeClassifier on Cora (30 epochs of the paper recipe)', () => {
  it('reaches > 70% test accuracy', async () => {
    const cora = await loadPlanetoid('Cora', { dataDir: PLANETOID_DIR, download: false });
    const r = trainNodeClassifier(cora, { ...paperRecipe('cora', 'gat'), epochs: 30 });
    expect(r.epochs).toBe(30);
    expect(r.testAcc).toBeGreaterThan(0.7);
  });
});
