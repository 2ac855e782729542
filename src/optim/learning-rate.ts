/**
 * Learning rates that may change between steps. A transform that takes a `LearningRate`
 * reads it once per `update`: a number is fixed, a function is called with the number of
 * updates done so far (0 on the first), and an object is read through its `lr` property, so
 * a stateful scheduler such as `ReduceLROnPlateau` (or a plain `{ lr }`) can own the value.
 */

export type Schedule = (step: number) => number;

export interface LearningRateSource {
  readonly lr: number;
}

export type LearningRate = number | Schedule | LearningRateSource;

/** The learning rate to use for update number `step` (0-based). */
export function resolveLearningRate(lr: LearningRate, step: number, name = 'lr'): number {
  const value = typeof lr === 'number' ? lr : typeof lr === 'function' ? lr(step) : lr.lr;
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(
      `${name}: learning rate must be a finite number >= 0, found ${value} at step ${step}`,
    );
  }
  return value;
}

export interface PlateauOptions {
  /** 'min': reduce when the metric stops decreasing (a loss); 'max': stops increasing. Default 'min'. */
  mode?: 'min' | 'max';
  /** new lr = lr · factor. Default 0.1. */
  factor?: number;
  /** Epochs without improvement tolerated before reducing. Default 10. */
  patience?: number;
  /** The least change that counts as an improvement. Default 1e-4. */
  threshold?: number;
  /** 'rel': relative to the best value; 'abs': absolute. Default 'rel'. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again. Default 0. */
  cooldown?: number;
  /** Lower bound on the learning rate. Default 0. */
  minLr?: number;
  /** Reductions smaller than this are skipped. Default 1e-8. */
  eps?: number;
}

/**
 * torch.optim.lr_scheduler.ReduceLROnPlateau for one learning rate: call `step(metric)` once
 * per epoch; after more than `patience` epochs without improvement the rate is multiplied
 * by `factor` (not below `minLr`), then `cooldown` epochs pass before bad epochs count again.
 * Pass the object itself as an optimiser's learning rate.
 */
export class ReduceLROnPlateau implements LearningRateSource {
  private current: number;
  private bestValue: number;
  private badEpochs = 0;
  private cooldownCounter = 0;
  private readonly mode: 'min' | 'max';
  private readonly factor: number;
  private readonly patience: number;
  private readonly threshold: number;
  private readonly thresholdMode: 'rel' | 'abs';
  private readonly cooldown: number;
  private readonly minLr: number;
  private readonly eps: number;

  constructor(initialLr: number, options: PlateauOptions = {}) {
    const {
      mode = 'min',
      factor = 0.1,
      patience = 10,
      threshold = 1e-4,
      thresholdMode = 'rel',
      cooldown = 0,
      minLr = 0,
      eps = 1e-8,
    } = options;
    const check = (ok: boolean, what: string, value: unknown): void => {
      if (!ok) throw new RangeError(`ReduceLROnPlateau: ${what}, found ${String(value)}`);
    };
    check(initialLr >= 0 && Number.isFinite(initialLr), 'initialLr must be >= 0', initialLr);
    check(mode === 'min' || mode === 'max', "mode must be 'min' or 'max'", mode);
    check(factor >= 0 && factor < 1, 'factor must be in [0, 1)', factor);
    check(
      Number.isInteger(patience) && patience >= 0,
      'patience must be an integer >= 0',
      patience,
    );
    check(threshold >= 0, 'threshold must be >= 0', threshold);
    check(
      thresholdMode === 'rel' || thresholdMode === 'abs',
      "thresholdMode must be 'rel' or 'abs'",
      thresholdMode,
    );
    check(
      Number.isInteger(cooldown) && cooldown >= 0,
      'cooldown must be an integer >= 0',
      cooldown,
    );
    check(minLr >= 0, 'minLr must be >= 0', minLr);
    check(eps >= 0, 'eps must be >= 0', eps);
    this.current = initialLr;
    this.mode = mode;
    this.factor = factor;
    this.patience = patience;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.cooldown = cooldown;
    this.minLr = minLr;
    this.eps = eps;
    this.bestValue = mode === 'min' ? Infinity : -Infinity;
  }

  get lr(): number {
    return this.current;
  }

  /** The best metric seen so far. */
  get best(): number {
    return this.bestValue;
  }

  /** Consecutive epochs without improvement (reset by a reduction and during cooldown). */
  get numBadEpochs(): number {
    return this.badEpochs;
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Records one epoch's metric; returns true when the learning rate was reduced. */
  step(metric: number): boolean {
    if (this.isBetter(metric)) {
      this.bestValue = metric;
      this.badEpochs = 0;
    } else {
      this.badEpochs++;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.badEpochs = 0;
    }
    if (this.badEpochs <= this.patience) return false;
    this.cooldownCounter = this.cooldown;
    this.badEpochs = 0;
    const reduced = Math.max(this.current * this.factor, this.minLr);
    if (this.current - reduced <= this.eps) return false;
    this.current = reduced;
    return true;
  }

  private isBetter(a: number): boolean {
    const best = this.bestValue;
    if (this.mode === 'min') {
      return this.thresholdMode === 'rel'
        ? a < best * (1 - this.threshold)
        : a < best - this.threshold;
    }
    return this.thresholdMode === 'rel'
      ? a > best * (1 + this.threshold)
      : a > best + this.threshold;
  }
}
