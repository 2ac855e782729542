/**
 * Time per training step against graph size (the scaling target of the performance issue:
 * time per epoch linear in edges from 10k to 20M). Shared by bench/run.ts (`--cases scaling`)
 * and bench/scaling.ts (the table and the log–log plot).
 *
 * Each point is bench/scale-case.ts (GATv2(128 → 8×8) + ELU + GATv2(64 → 16), full batch,
 * Adam) in a fresh child process, so its peak RSS is its own. Sizes are directed edges before
 * self-loops; nodes are edges / 10 (average in-degree 10), capped at 1M nodes: the 20M-edge
 * point is then the 1M-node / 20M-edge graph of the memory target. The step time used for the
 * fit (`fitMs`) is the median over steps of scale-case.ts's uncontended CPU estimate (the main
 * thread's CPU outside kernels plus the busiest thread of each kernel call): on a shared
 * machine wall time depends on the CPU the scheduler grants, CPU time much less. Below
 * WALL_BELOW_MS it is the wall-clock median instead: Linux updates a thread's CPU time
 * (schedstat) at scheduler ticks (4 ms here), so a step of a few milliseconds reads as 0, 4
 * or 8 ms of CPU, while its wall time is exact and, over 50 steps, rarely disturbed.
 *
 * "Linear" is measured three ways (fitScaling): the exponent α of a least-squares fit of
 * log(step) against log(edges) (1 when linear; the target is 0.9 ≤ α ≤ 1.1), the µs per edge
 * of a fit through the origin with relative residuals, with the largest deviation of any
 * point's µs per edge from it, and R² of an ordinary fit step = a + b·edges.
 */
import { runCaseScript } from './child.js';

/** 10k, 100k, 1M, 5M, 10M and 20M edges. */
export const SCALING_SIZES: readonly number[] = [
  10_000, 100_000, 1_000_000, 5_000_000, 10_000_000, 20_000_000,
];

/** The range the target names, in edges. */
export const SCALING_TARGET_RANGE: readonly [number, number] = [10_000, 20_000_000];

/** Allowed exponent of step time in edges. */
export const SCALING_TARGET_EXPONENT: readonly [number, number] = [0.9, 1.1];

const MAX_NODES = 1_000_000;

/** Steps shorter than this (CPU estimate, ms) are fitted on their wall-clock median. */
export const WALL_BELOW_MS = 100;

export function scalingNodes(edges: number): number {
  return Math.min(MAX_NODES, Math.max(100, Math.round(edges / 10)));
}

export interface ScalingPoint {
  /** The size asked for; `edges` is what the generator produced (duplicates dropped). */
  requestedEdges: number;
  edges: number;
  nodes: number;
  /** Wall-clock median over the steps after the first. */
  stepMs: number;
  /** Median CPU time of the steps after the first, had the threads run whenever ready. */
  stepCpuMs: number;
  firstStepMs: number;
  inferenceMs: number;
  peakRssMiB: number;
  /** The time fitted: stepCpuMs, or stepMs for steps under WALL_BELOW_MS (see above). */
  fitMs: number;
  fitClock: 'cpu' | 'wall';
  /** fitMs per edge, in µs. */
  usPerEdge: number;
  /** 1-minute load average at the start and the end of the case. */
  load: number[];
}

export interface ScalingOptions {
  kernels: string;
  threads: number;
  /**
   * Steps; default 50 up to 100k edges, 10 up to 1M, 3 above (the first is not counted). A
   * step of a few milliseconds is easily hit by other work on the machine, so the small
   * graphs take a median over many.
   */
  steps?: number;
}

interface CaseOutput {
  nodes: number;
  edges: number;
  firstStepMs: number;
  stepMsMedian: number;
  inferenceMs: number;
  peakRssMiB: number;
  load: number[];
  lastStepCpu: { uncontendedEstimateMs: number };
  stepCpuMsMedian?: number;
}

function isCaseOutput(v: unknown): v is CaseOutput {
  return (
    typeof v === 'object' &&
    v !== null &&
    'stepMsMedian' in v &&
    'peakRssMiB' in v &&
    'lastStepCpu' in v &&
    typeof v.lastStepCpu === 'object' &&
    v.lastStepCpu !== null &&
    'uncontendedEstimateMs' in v.lastStepCpu
  );
}

/** The time a point is fitted on: its CPU estimate, or its wall time when that is short. */
export function fitTime(
  cpuMs: number,
  wallMs: number,
): { fitMs: number; fitClock: 'cpu' | 'wall' } {
  return cpuMs < WALL_BELOW_MS
    ? { fitMs: wallMs, fitClock: 'wall' }
    : { fitMs: cpuMs, fitClock: 'cpu' };
}

/** Runs scale-case.ts on the graph of `edges` edges in a child process. */
export function runScalingPoint(edges: number, options: ScalingOptions): ScalingPoint {
  const nodes = scalingNodes(edges);
  // Small graphs are cheap: more steps for a steadier median.
  const steps = options.steps ?? (edges <= 100_000 ? 50 : edges <= 1_000_000 ? 10 : 3);
  const spec = {
    nodes,
    edges,
    kernels: options.kernels,
    steps,
    threads: options.threads,
    profile: true,
  };
  const parsed = runCaseScript('./scale-case.ts', spec, ['--max-old-space-size=20000']);
  if (!isCaseOutput(parsed))
    throw new Error(`scaling: unexpected output ${JSON.stringify(parsed)}`);
  const cpuMs = parsed.stepCpuMsMedian ?? parsed.lastStepCpu.uncontendedEstimateMs;
  const { fitMs, fitClock } = fitTime(cpuMs, parsed.stepMsMedian);
  return {
    requestedEdges: edges,
    edges: parsed.edges,
    nodes: parsed.nodes,
    stepMs: parsed.stepMsMedian,
    stepCpuMs: cpuMs,
    firstStepMs: parsed.firstStepMs,
    inferenceMs: parsed.inferenceMs,
    peakRssMiB: parsed.peakRssMiB,
    fitMs,
    fitClock,
    usPerEdge: Math.round((fitMs * 1e6) / parsed.edges) / 1000,
    load: parsed.load,
  };
}

export interface ScalingFit {
  points: number;
  edgesRange: [number, number];
  /** Least-squares slope of log(fitMs) against log(edges): 1 when linear. */
  exponent: number;
  /** µs per edge b minimising Σ((t − b·E) / t)²: relative residuals, so every size counts. */
  usPerEdgeFit: number;
  /** Largest |usPerEdge / usPerEdgeFit − 1| over the points, in percent. */
  maxDeviationPct: number;
  /** Ordinary least squares step = a + b·edges: intercept ms, µs per edge and R². */
  interceptMs: number;
  slopeUsPerEdge: number;
  r2: number;
}

const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** The fits of step time (fitMs) against edges described in this file's header (≥ 2 points). */
export function fitScaling(points: readonly ScalingPoint[]): ScalingFit {
  const n = points.length;
  const es = points.map((p) => p.edges);
  const ts = points.map((p) => p.fitMs);
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const slope = (xs: readonly number[], ys: readonly number[]): number => {
    const mx = mean(xs);
    const my = mean(ys);
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < xs.length; i++) {
      sxy += (xs[i]! - mx) * (ys[i]! - my);
      sxx += (xs[i]! - mx) ** 2;
    }
    return sxx > 0 ? sxy / sxx : NaN;
  };
  const exponent = slope(
    es.map((e) => Math.log(e)),
    ts.map((t) => Math.log(Math.max(t, 1e-3))),
  );
  // Through the origin with relative residuals: b = Σ(E/t) / Σ(E/t)².
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const r = es[i]! / Math.max(ts[i]!, 1e-3);
    num += r;
    den += r * r;
  }
  const msPerEdge = den > 0 ? num / den : NaN;
  const maxDeviation = Math.max(...points.map((p) => Math.abs(p.fitMs / p.edges / msPerEdge - 1)));
  const b = slope(es, ts);
  const a = mean(ts) - b * mean(es);
  const my = mean(ts);
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    ssRes += (ts[i]! - (a + b * es[i]!)) ** 2;
    ssTot += (ts[i]! - my) ** 2;
  }
  return {
    points: n,
    edgesRange: [Math.min(...es), Math.max(...es)],
    exponent: round(exponent, 3),
    usPerEdgeFit: round(msPerEdge * 1000, 3),
    maxDeviationPct: round(100 * maxDeviation, 1),
    interceptMs: round(a, 1),
    slopeUsPerEdge: round(b * 1000, 3),
    r2: ssTot > 0 ? round(1 - ssRes / ssTot, 4) : NaN,
  };
}

export interface ScalingSummary extends ScalingFit {
  target: { description: string; edgesRange: [number, number]; exponent: [number, number] };
  /** The exponent lies in the target's interval over the points measured. */
  linearOnMeasuredRange: boolean;
  /** The sizes asked for cover the target's range of edges. */
  coversTargetRange: boolean;
  /** Both: linear over the whole range the target names. */
  met: boolean;
}

/** The fit, the target and whether it is met (needs ≥ 2 points). */
export function summariseScaling(points: readonly ScalingPoint[]): ScalingSummary {
  const fit = fitScaling(points);
  const [lo, hi] = SCALING_TARGET_EXPONENT;
  const linear = fit.exponent >= lo && fit.exponent <= hi;
  // Against the sizes asked for: the generator drops duplicate edges (20M asked → ~19.9M).
  const asked = points.map((p) => p.requestedEdges);
  const covers =
    Math.min(...asked) <= SCALING_TARGET_RANGE[0] && Math.max(...asked) >= SCALING_TARGET_RANGE[1];
  return {
    ...fit,
    target: {
      description: `training step time linear in edges from ${SCALING_TARGET_RANGE[0]} to ${SCALING_TARGET_RANGE[1]}: log-log exponent in [${lo}, ${hi}]`,
      edgesRange: [SCALING_TARGET_RANGE[0], SCALING_TARGET_RANGE[1]],
      exponent: [lo, hi],
    },
    linearOnMeasuredRange: linear,
    coversTargetRange: covers,
    met: linear && covers,
  };
}
