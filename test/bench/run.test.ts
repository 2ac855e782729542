/**
 * `npm run bench -- --json` with the scaling and mini-batch groups on tiny settings: one JSON
 * object per line, each with a kind, and the target rows with their figures, target and
 * verdict. Checks shapes and the seeded accuracies only, never timings.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import { coreShares, coresAvailable } from '../../bench/cores.js';
import { type MinibatchRun, summariseMinibatch } from '../../bench/minibatch-runs.js';
import {
  type ScalingPoint,
  fitScaling,
  fitTime,
  summariseScaling,
  WALL_BELOW_MS,
} from '../../bench/scaling-points.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pubmed = fileURLToPath(
  new URL('../../../shared/datasets/planetoid/ind.pubmed.graph', import.meta.url),
);

function point(edges: number, stepCpuMs: number): ScalingPoint {
  return {
    requestedEdges: edges,
    edges,
    nodes: edges / 10,
    stepMs: stepCpuMs,
    stepCpuMs,
    fitMs: stepCpuMs,
    fitClock: 'cpu',
    firstStepMs: stepCpuMs,
    inferenceMs: 0,
    peakRssMiB: 0,
    usPerEdge: (stepCpuMs * 1000) / edges,
    load: [0, 0],
  };
}

describe('scaling fit', () => {
  it('fits short steps on wall time (CPU time comes in scheduler ticks) and long ones on CPU time', () => {
    expect(fitTime(4, 3.41)).toEqual({ fitMs: 3.41, fitClock: 'wall' });
    expect(fitTime(WALL_BELOW_MS - 1, 120)).toEqual({ fitMs: 120, fitClock: 'wall' });
    expect(fitTime(WALL_BELOW_MS, 130)).toEqual({ fitMs: WALL_BELOW_MS, fitClock: 'cpu' });
    expect(fitTime(7615, 7623)).toEqual({ fitMs: 7615, fitClock: 'cpu' });
  });

  it('finds exponent 1, no deviation and R² 1 when time is proportional to edges', () => {
    const fit = fitScaling([1e4, 1e5, 1e6].map((e) => point(e, e * 0.002)));
    expect(fit.exponent).toBeCloseTo(1, 6);
    expect(fit.usPerEdgeFit).toBeCloseTo(2, 6);
    expect(fit.maxDeviationPct).toBe(0);
    expect(fit.interceptMs).toBeCloseTo(0, 6);
    expect(fit.r2).toBe(1);
  });

  it('finds exponent 2 for quadratic time, and the target is met only over the full range', () => {
    expect(fitScaling([1e4, 1e5, 1e6].map((e) => point(e, e * e * 1e-9))).exponent).toBeCloseTo(
      2,
      6,
    );
    const partial = summariseScaling([point(1e4, 20), point(1e6, 2000)]);
    expect(partial).toMatchObject({ linearOnMeasuredRange: true, coversTargetRange: false });
    expect(partial.met).toBe(false);
    const full = summariseScaling([point(1e4, 20), point(2e7, 40_000)]);
    expect(full).toMatchObject({ linearOnMeasuredRange: true, coversTargetRange: true, met: true });
  });
});

describe('mini-batch summary', () => {
  const run = (side: 'full' | 'sampled', seed: number, testAcc: number): MinibatchRun => ({
    side,
    seed,
    testAcc,
    valAcc: 0,
    bestEpoch: 1,
    epochs: 1,
    seconds: 1,
  });

  it('gives the gap in percentage points and meets the target within 1 pp', () => {
    const full = [run('full', 0, 0.78), run('full', 1, 0.76)];
    const near = summariseMinibatch(full, [run('sampled', 0, 0.765), run('sampled', 1, 0.765)]);
    expect(near.gapPp).toBeCloseTo(-0.5, 6);
    expect(near.full.testAccMean).toBeCloseTo(0.77, 6);
    expect(near.met).toBe(true);
    const far = summariseMinibatch(full, [run('sampled', 0, 0.75), run('sampled', 1, 0.75)]);
    expect(far.gapPp).toBeCloseTo(-2, 6);
    expect(far.met).toBe(false);
  });
});

describe.skipIf(!existsSync(pubmed))('npm run bench -- --json --cases scaling,minibatch', () => {
  it('prints one JSON object per line, with the target rows', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/run.ts',
        '--json',
        '--cases',
        'scaling,minibatch',
        '--max-edges',
        '100000',
        '--seeds',
        '1',
        '--minibatch-epochs',
        '2',
      ],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const rows = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows.map((r) => r.kind)).toEqual([
      'machine',
      'scaling-point',
      'scaling-point',
      'scaling',
      'minibatch-run',
      'minibatch-run',
      'minibatch',
    ]);

    const points = rows.filter((r) => r.kind === 'scaling-point');
    expect(points.map((p) => p.requestedEdges)).toEqual([10_000, 100_000]);
    for (const p of points) {
      for (const k of ['edges', 'nodes', 'stepMs', 'stepCpuMs', 'peakRssMiB', 'usPerEdge'])
        expect(typeof p[k], k).toBe('number');
    }
    const scaling = rows.find((r) => r.kind === 'scaling')!;
    expect(scaling).toMatchObject({
      points: 2,
      coversTargetRange: false,
      met: false,
      target: { edgesRange: [10_000, 20_000_000], exponent: [0.9, 1.1] },
    });
    for (const k of ['exponent', 'usPerEdgeFit', 'maxDeviationPct', 'r2'])
      expect(typeof scaling[k], k).toBe('number');

    const runs = rows.filter((r) => r.kind === 'minibatch-run');
    expect(runs.map((r) => r.side)).toEqual(['full', 'sampled']);
    for (const r of runs) expect(r).toMatchObject({ dataset: 'PubMed', seed: 0, epochs: 2 });
    const minibatch = rows.find((r) => r.kind === 'minibatch')!;
    expect(minibatch).toMatchObject({
      dataset: 'pubmed',
      fanouts: [10, 10],
      seeds: [0],
      epochCap: 2,
      full: { runs: 1, testAccMean: runs[0]!.testAcc, testAccStd: 0 },
      sampled: { runs: 1, testAccMean: runs[1]!.testAcc, testAccStd: 0 },
      target: { maxAbsGapPp: 1 },
    });
    const gapPp = minibatch.gapPp as number;
    expect(gapPp).toBeCloseTo(100 * ((runs[1]!.testAcc as number) - (runs[0]!.testAcc as number)));
    expect(minibatch.met).toBe(Math.abs(gapPp) <= 1);
  });
});

describe('coreShares', () => {
  it("adds up the two loops' shares of a core, to two decimals", () => {
    expect(coreShares(100, [100, 100])).toBe(2); // two free cores
    expect(coreShares(100, [200, 200])).toBe(1); // one core, shared
    expect(coreShares(100, [100, 400])).toBe(1.25);
    expect(coreShares(100, [300, 300])).toBe(0.67); // 0.666… rounded
  });

  it('gives NaN for timings that are not positive and finite', () => {
    expect(coreShares(0, [100, 100])).toBeNaN();
    expect(coreShares(100, [0, 100])).toBeNaN();
    expect(coreShares(100, [100, Number.NaN])).toBeNaN();
    expect(coreShares(100, [Number.POSITIVE_INFINITY, 100])).toBeNaN();
  });
});

describe('coresAvailable', () => {
  it('warms up once, times one loop alone, then two at once', async () => {
    const calls: { iterations: number; started: number }[] = [];
    let running = 0;
    const times = [5, 100, 125, 400];
    const loop = async (iterations: number): Promise<number> => {
      const index = calls.push({ iterations, started: running }) - 1;
      running += 1;
      await new Promise((resolve) => setTimeout(resolve, 1));
      running -= 1;
      return times[index]!;
    };
    expect(await coresAvailable(1000, loop)).toBe(1.05); // 100/125 + 100/400
    expect(calls.map((c) => c.iterations)).toEqual([100, 1000, 1000, 1000]);
    // the warm-up and the lone loop run by themselves; the pair's second starts beside the first
    expect(calls.map((c) => c.started)).toEqual([0, 0, 0, 1]);
  });

  it('runs its loop on worker threads and returns a finite, positive figure', async () => {
    // Only the machinery is checked: the figure itself depends on the host's load.
    const cores = await coresAvailable(2_000_000);
    expect(Number.isFinite(cores)).toBe(true);
    expect(cores).toBeGreaterThan(0);
  });
});
