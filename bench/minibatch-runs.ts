/**
 * Full-batch against neighbour-sampled mini-batch training (the mini-batch target of the
 * performance issue: on PubMed, fan-outs [10, 10], sampled test accuracy within 1 pp of full
 * batch). Shared by bench/minibatch-case.ts (one run per child process, for `npm run bench --
 * --cases minibatch`) and scripts/minibatch.ts (the side-by-side script).
 *
 * One run is one side ('full' or 'sampled') and one seed with the paper's recipe for the
 * dataset; `summarise` turns the runs of both sides into mean ± std, the gap and whether the
 * target is met.
 */
import type { NodeClassificationDataset } from '../src/data/graph.js';
import { meanStd } from '../src/train/metrics.js';
import { type MiniBatchOptions, trainMiniBatch } from '../src/train/minibatch.js';
import { type RunResult, trainNodeClassifier } from '../src/train/node-classification.js';
import { type TrainConfig, paperRecipe } from '../src/train/recipes.js';

export type MinibatchSide = 'full' | 'sampled';

/** The target: mean sampled test accuracy within this many percentage points of full batch. */
export const MINIBATCH_TARGET_PP = 1;

/** What one run trains: the recipe of `dataset` for `model`, `seed`, and the sampler options. */
export interface MinibatchRunSpec {
  dataset: string;
  model: 'gat' | 'gatv2';
  side: MinibatchSide;
  seed: number;
  /** Overrides the recipe's epoch cap (quick runs); undefined keeps the recipe's. */
  epochs?: number;
  options: MiniBatchOptions;
}

export interface MinibatchRun {
  side: MinibatchSide;
  seed: number;
  testAcc: number;
  valAcc: number;
  bestEpoch: number;
  epochs: number;
  seconds: number;
}

/** The paper's recipe for the dataset and model, with the seed and any epoch cap applied. */
export function minibatchConfig(spec: Omit<MinibatchRunSpec, 'side' | 'options'>): TrainConfig {
  const config: TrainConfig = { ...paperRecipe(spec.dataset, spec.model), seed: spec.seed };
  if (spec.epochs !== undefined) config.epochs = spec.epochs;
  return config;
}

/** Trains one model on `data` (full batch or sampled, per `spec.side`) and times it. */
export function runMinibatchSide(
  data: NodeClassificationDataset,
  spec: MinibatchRunSpec,
  run = 0,
): MinibatchRun {
  const config = minibatchConfig(spec);
  const t0 = performance.now();
  const r: RunResult =
    spec.side === 'full'
      ? trainNodeClassifier(data, config, {}, run)
      : trainMiniBatch(data, config, spec.options, {}, run);
  const seconds = (performance.now() - t0) / 1000;
  const { testAcc, valAcc, bestEpoch, epochs } = r;
  return { side: spec.side, seed: r.seed, testAcc, valAcc, bestEpoch, epochs, seconds };
}

export interface SideSummary {
  runs: number;
  testAccMean: number;
  testAccStd: number;
  epochsMean: number;
  secondsMean: number;
}

const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export function summariseSide(runs: readonly MinibatchRun[]): SideSummary {
  const t = meanStd(runs.map((r) => r.testAcc));
  return {
    runs: runs.length,
    testAccMean: round(t.mean, 4),
    testAccStd: round(t.std, 4),
    epochsMean: round(meanStd(runs.map((r) => r.epochs)).mean, 1),
    secondsMean: round(meanStd(runs.map((r) => r.seconds)).mean, 2),
  };
}

export interface MinibatchSummary {
  full: SideSummary;
  sampled: SideSummary;
  /** Mean sampled − mean full test accuracy, in percentage points. */
  gapPp: number;
  target: { description: string; maxAbsGapPp: number };
  /** |gapPp| ≤ the target. */
  met: boolean;
}

/** Both sides' mean ± std, the gap in percentage points and whether the target is met. */
export function summariseMinibatch(
  full: readonly MinibatchRun[],
  sampled: readonly MinibatchRun[],
): MinibatchSummary {
  const f = summariseSide(full);
  const s = summariseSide(sampled);
  const gapPp = round(
    100 * (meanStd(sampled.map((r) => r.testAcc)).mean - meanStd(full.map((r) => r.testAcc)).mean),
    2,
  );
  return {
    full: f,
    sampled: s,
    gapPp,
    target: {
      description: `mean test accuracy of sampled mini-batch training within ${MINIBATCH_TARGET_PP} pp of full batch`,
      maxAbsGapPp: MINIBATCH_TARGET_PP,
    },
    met: Number.isFinite(gapPp) && Math.abs(gapPp) <= MINIBATCH_TARGET_PP,
  };
}
