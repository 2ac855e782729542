/**
 * Training progress on stderr. On a terminal: one bar per run, redrawn in place with \r at
 * most ten times a second and replaced by a summary line when the run ends. Anywhere else
 * (a pipe, a log file, CI): plain lines, one every `every` epochs and one per finished run,
 * so logs stay readable and small. A run's end is noticed when the next run starts or at
 * close(), since the trainer reports epochs only.
 */
import type { TextSink } from './command.js';

/** What the display needs from one epoch (a subset of the trainer's EpochMetrics). */
export interface EpochStats {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly trainAcc: number;
  readonly valLoss: number;
  readonly valAcc: number;
}

export interface TrainingProgress {
  /** `run` counts from 0; a new run index means the previous run has ended. */
  epoch(stats: EpochStats, run: number): void;
  /** Ends the last run's display. */
  close(): void;
}

export interface ProgressOptions {
  readonly runs: number;
  /** The epoch budget of a run (early stopping may end it sooner). */
  readonly maxEpochs: number;
  /** Plain mode: a line every this many epochs. Default 10. */
  readonly every?: number;
  /** Milliseconds clock; injectable for tests. */
  readonly now?: () => number;
}

/** A bar on a terminal, plain lines otherwise, nothing when `quiet`. */
export function trainingProgress(
  sink: TextSink,
  options: ProgressOptions,
  quiet = false,
): TrainingProgress {
  if (quiet) return { epoch: () => undefined, close: () => undefined };
  return sink.isTTY ? new TtyProgress(sink, options) : new PlainProgress(sink, options);
}

/** The sink's width; 80 when unknown (some pseudo-terminals report 0). */
function terminalWidth(sink: TextSink): number {
  const c = sink.columns;
  return c !== undefined && c >= 20 ? c : 80;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

function runLabel(run: number, runs: number): string {
  return runs > 1 ? `run ${run + 1}/${runs} ` : '';
}

function epochText(s: EpochStats): string {
  return `loss ${s.trainLoss.toFixed(4)} train ${pct(s.trainAcc)} val ${pct(s.valAcc)} (loss ${s.valLoss.toFixed(4)})`;
}

/** Follows which run is on and what its last epoch was, to report each run's end. */
abstract class RunTracker implements TrainingProgress {
  private current: { run: number; last: EpochStats; bestVal: number } | null = null;

  constructor(protected readonly options: ProgressOptions) {}

  epoch(stats: EpochStats, run: number): void {
    if (this.current !== null && this.current.run !== run) this.finishRun();
    const bestVal = Math.max(
      this.current?.run === run ? this.current.bestVal : -Infinity,
      stats.valAcc,
    );
    this.current = { run, last: stats, bestVal };
    this.show(stats, run);
  }

  close(): void {
    if (this.current !== null) this.finishRun();
  }

  private finishRun(): void {
    const c = this.current!;
    this.current = null;
    this.endLine(
      `${runLabel(c.run, this.options.runs)}stopped after ${c.last.epoch} epochs, best val ${pct(c.bestVal)}`,
    );
  }

  protected abstract show(stats: EpochStats, run: number): void;
  protected abstract endLine(line: string): void;
}

class PlainProgress extends RunTracker {
  private readonly every: number;

  constructor(
    private readonly sink: TextSink,
    options: ProgressOptions,
  ) {
    super(options);
    this.every = options.every ?? 10;
  }

  protected show(stats: EpochStats, run: number): void {
    if (stats.epoch % this.every !== 0 && stats.epoch !== 1) return;
    const width = String(this.options.maxEpochs).length;
    this.sink.write(
      `${runLabel(run, this.options.runs)}epoch ${String(stats.epoch).padStart(width)}/${this.options.maxEpochs} ${epochText(stats)}\n`,
    );
  }

  protected endLine(line: string): void {
    this.sink.write(`${line}\n`);
  }
}

class TtyProgress extends RunTracker {
  private lastDraw = -Infinity;
  private readonly now: () => number;

  constructor(
    private readonly sink: TextSink,
    options: ProgressOptions,
  ) {
    super(options);
    this.now = options.now ?? Date.now;
  }

  protected show(stats: EpochStats, run: number): void {
    const t = this.now();
    if (t - this.lastDraw < 100 && stats.epoch !== 1) return;
    this.lastDraw = t;
    const frac = Math.min(1, stats.epoch / this.options.maxEpochs);
    const barWidth = 24;
    const filled = Math.round(frac * barWidth);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]`;
    this.draw(
      `${runLabel(run, this.options.runs)}${bar} ${stats.epoch}/${this.options.maxEpochs} ` +
        `loss ${stats.trainLoss.toFixed(3)} train ${pct(stats.trainAcc)} val ${pct(stats.valAcc)}`,
    );
  }

  protected endLine(line: string): void {
    this.draw(line);
    this.sink.write('\n');
  }

  /** Overwrites the current line, cut to the terminal width so it never wraps. */
  private draw(line: string): void {
    const columns = terminalWidth(this.sink);
    const fitted = line.length >= columns ? line.slice(0, Math.max(0, columns - 1)) : line;
    this.sink.write(`\r\x1b[2K${fitted}`);
  }
}

/**
 * A single status line for loops the trainer reports as (epoch, numbers): redrawn in place
 * on a terminal (at most ten times a second), printed every `every` updates otherwise.
 */
export class StatusLine {
  private lastDraw = -Infinity;
  private drawn = false;
  private count = 0;

  constructor(
    private readonly sink: TextSink,
    private readonly quiet: boolean,
    private readonly every = 10,
    private readonly now: () => number = Date.now,
  ) {}

  update(text: string): void {
    if (this.quiet) return;
    this.count++;
    if (!this.sink.isTTY) {
      if (this.count === 1 || this.count % this.every === 0) this.sink.write(`${text}\n`);
      return;
    }
    const t = this.now();
    if (t - this.lastDraw < 100) return;
    this.lastDraw = t;
    const columns = terminalWidth(this.sink);
    this.sink.write(`\r\x1b[2K${text.length >= columns ? text.slice(0, columns - 1) : text}`);
    this.drawn = true;
  }

  /** Replaces the status with a final line (kept on screen) and starts over. */
  done(text: string): void {
    this.count = 0;
    if (this.quiet) return;
    this.sink.write(this.sink.isTTY && this.drawn ? `\r\x1b[2K${text}\n` : `${text}\n`);
    this.drawn = false;
  }
}
