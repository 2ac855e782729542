import { describe, expect, it } from 'vitest';
import { ReduceLROnPlateau } from '../../src/optim/learning-rate.js';

/** Steps through `metrics`, returning the lr after each epoch. */
function lrs(plateau: ReduceLROnPlateau, metrics: readonly number[]): number[] {
  return metrics.map((m) => {
    plateau.step(m);
    return plateau.lr;
  });
}

describe('ReduceLROnPlateau (torch.optim.lr_scheduler.ReduceLROnPlateau)', () => {
  it('reduces after more than `patience` bad epochs, then counts again from zero', () => {
    // Epoch 1 sets best = 1; epochs 2, 3 are bad (1, 2 ≤ patience); epoch 4 is the third
    // bad one → lr·0.5 and the count resets; epochs 5, 6 bad; epoch 7 reduces again.
    const p = new ReduceLROnPlateau(1, { patience: 2, factor: 0.5 });
    expect(lrs(p, [1, 1, 1, 1, 1, 1, 1])).toEqual([1, 1, 1, 0.5, 0.5, 0.5, 0.25]);
  });

  it('uses PyTorch defaults: factor 0.1 after 11 bad epochs (patience 10)', () => {
    const p = new ReduceLROnPlateau(0.01);
    const trace = lrs(p, Array<number>(12).fill(3));
    expect(trace.slice(0, 11)).toEqual(Array<number>(11).fill(0.01));
    expect(trace[11]).toBeCloseTo(0.001, 15);
  });

  it('waits `cooldown` epochs after a reduction before counting bad epochs', () => {
    // patience 1, cooldown 2: reduce at epoch 3; epochs 4, 5 are cooldown (count forced to 0);
    // epoch 6 is bad #1, epoch 7 bad #2 → reduce. Without cooldown: epochs 3, 5, 7.
    const withCooldown = new ReduceLROnPlateau(1, { patience: 1, factor: 0.5, cooldown: 2 });
    expect(lrs(withCooldown, Array<number>(7).fill(2))).toEqual([1, 1, 0.5, 0.5, 0.5, 0.5, 0.25]);
    const without = new ReduceLROnPlateau(1, { patience: 1, factor: 0.5 });
    expect(lrs(without, Array<number>(7).fill(2))).toEqual([1, 1, 0.5, 0.5, 0.25, 0.25, 0.125]);
  });

  it('counts improvements during cooldown but still resets the bad count', () => {
    const p = new ReduceLROnPlateau(1, { patience: 0, factor: 0.5, cooldown: 1 });
    p.step(5); // best 5
    expect(p.step(5)).toBe(true); // bad #1 > 0 → reduce, cooldown 1
    expect(p.inCooldown).toBe(true);
    expect(p.step(4)).toBe(false); // improvement, cooldown ends
    expect(p.best).toBe(4);
    expect(p.inCooldown).toBe(false);
    expect(p.step(4)).toBe(true); // bad → reduce
    expect(p.lr).toBe(0.25);
  });

  it('needs a relative improvement larger than the threshold in rel mode', () => {
    const p = new ReduceLROnPlateau(1, { patience: 0, factor: 0.5, threshold: 1e-2 });
    p.step(100);
    expect(p.step(99.5)).toBe(true); // 99.5 ≥ 100·(1 − 0.01) = 99: not an improvement
    expect(p.best).toBe(100);
    expect(p.step(98.9)).toBe(false); // below 99: improvement
    expect(p.best).toBe(98.9);
  });

  it('compares absolute differences in abs mode, and maximises in max mode', () => {
    const abs = new ReduceLROnPlateau(1, { patience: 0, threshold: 0.5, thresholdMode: 'abs' });
    abs.step(10);
    expect(abs.step(9.6)).toBe(true); // needs < 9.5
    expect(abs.lr).toBeCloseTo(0.1, 15);

    const max = new ReduceLROnPlateau(1, { mode: 'max', patience: 1, factor: 0.5 });
    expect(lrs(max, [0.5, 0.6, 0.7, 0.7, 0.69, 0.8])).toEqual([1, 1, 1, 1, 0.5, 0.5]);
    expect(max.best).toBe(0.8);
  });

  it('never goes below minLr and skips reductions smaller than eps', () => {
    const p = new ReduceLROnPlateau(1, { patience: 0, factor: 0.1, minLr: 0.05 });
    expect(lrs(p, [1, 1, 1, 1])).toEqual([1, 0.1, 0.05, 0.05]);
    const tiny = new ReduceLROnPlateau(1e-8, { patience: 0, factor: 0.5 });
    tiny.step(1);
    expect(tiny.step(1)).toBe(false); // 1e-8 − 5e-9 ≤ eps 1e-8
    expect(tiny.lr).toBe(1e-8);
  });

  it('rejects invalid options naming the option and the value', () => {
    expect(() => new ReduceLROnPlateau(0.1, { factor: 1 })).toThrow(
      'ReduceLROnPlateau: factor must be in [0, 1), found 1',
    );
    expect(() => new ReduceLROnPlateau(0.1, { patience: 1.5 })).toThrow(/patience .* found 1.5/);
    expect(() => new ReduceLROnPlateau(-1)).toThrow(/initialLr must be >= 0, found -1/);
  });
});
