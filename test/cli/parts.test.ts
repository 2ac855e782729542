/** The CLI's pure parts in-process: flag values, error mapping, progress output, explain math. */
import { describe, expect, it } from 'vitest';

import { DataError } from '../../src/data/errors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { CheckpointError } from '../../src/train/checkpoint.js';
import {
  choice,
  commaList,
  dropoutRate,
  parseFlags,
  positiveInt,
  positiveNumber,
  seedValue,
} from '../../src/cli/args.js';
import type { TextSink } from '../../src/cli/command.js';
import { explainLayer } from '../../src/cli/commands/explain.js';
import { UsageError, reportError } from '../../src/cli/errors.js';
import { formatTable, plusMinus } from '../../src/cli/format.js';
import { StatusLine, trainingProgress } from '../../src/cli/progress.js';

function capture(isTTY: boolean): TextSink & { text: () => string } {
  let out = '';
  return { write: (t) => void (out += t), isTTY, columns: 100, text: () => out };
}

describe('flag values', () => {
  it('accept what they promise and name the flag and value otherwise', () => {
    expect(positiveNumber('lr', '5e-3')).toBe(0.005);
    expect(positiveNumber('lr', '.5')).toBe(0.5);
    expect(() => positiveNumber('lr', '0')).toThrow("--lr must be a positive number, found '0'");
    expect(() => positiveNumber('lr', '0x10')).toThrow(UsageError);
    expect(() => positiveNumber('lr', 'Infinity')).toThrow(UsageError);
    expect(() => positiveNumber('lr', '')).toThrow(UsageError);
    expect(positiveInt('epochs', '20')).toBe(20);
    expect(() => positiveInt('epochs', '1e3')).toThrow(UsageError);
    expect(dropoutRate('dropout', '0')).toBe(0);
    expect(() => dropoutRate('dropout', '1')).toThrow('[0, 1)');
    expect(seedValue('seed', '4294967295')).toBe(4294967295);
    expect(() => seedValue('seed', '4294967296')).toThrow(UsageError);
    expect(choice('model', 'GATv2', ['gat', 'gatv2'] as const)).toBe('gatv2');
    expect(commaList('nodes', '3, 17,42')).toEqual(['3', '17', '42']);
    expect(() => commaList('nodes', '3,,4')).toThrow(UsageError);
  });

  it('parseFlags is strict and keeps negative numbers with their flag', () => {
    const specs = {
      seed: { type: 'string', help: '' },
      json: { type: 'boolean', help: '' },
    } as const;
    const flags = parseFlags(specs, ['--seed', '-3', '--json'], 'x --help');
    expect(flags.string('seed')).toBe('-3');
    expect(flags.boolean('json')).toBe(true);
    expect(flags.has('seed')).toBe(true);
    expect(() => parseFlags(specs, ['--sed', '1'], 'x --help')).toThrow(
      "unknown flag '--sed'; did you mean --seed? (see x --help)",
    );
  });
});

describe('error mapping', () => {
  it('user errors exit 2 with the message; anything else is an internal error, exit 1', () => {
    expect(reportError('graphattn eval', new CheckpointError('bad file'), false)).toEqual({
      exitCode: 2,
      text: 'graphattn eval: bad file',
    });
    expect(reportError('graphattn train', new DataError('a\nb'), false).text).toBe(
      'graphattn train: a b',
    );
    const enoent = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
    expect(reportError('graphattn', enoent, false).exitCode).toBe(2);
    const bug = reportError('graphattn train', new TypeError('x is undefined'), false);
    expect(bug.exitCode).toBe(1);
    expect(bug.text).toMatch(/^graphattn train: internal error: x is undefined/);
    expect(bug.text).not.toContain('\n');
    expect(reportError('graphattn', new TypeError('boom'), true).text).toContain('\n');
  });
});

describe('progress on stderr', () => {
  const epoch = (e: number, valAcc = 0.5) => ({
    epoch: e,
    trainLoss: 1 / e,
    trainAcc: 0.9,
    valLoss: 0.7,
    valAcc,
  });

  it('plain: a line every 10 epochs and one per finished run', () => {
    const sink = capture(false);
    const p = trainingProgress(sink, { runs: 2, maxEpochs: 30 });
    for (let e = 1; e <= 25; e++) p.epoch(epoch(e, e === 12 ? 0.8 : 0.5), 0);
    for (let e = 1; e <= 3; e++) p.epoch(epoch(e), 1);
    p.close();
    const lines = sink.text().trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('run 1/2 epoch'))).toHaveLength(3); // 1, 10, 20
    expect(lines).toContain('run 1/2 stopped after 25 epochs, best val 80.0%');
    expect(lines.at(-1)).toBe('run 2/2 stopped after 3 epochs, best val 50.0%');
    expect(sink.text()).not.toContain('\r');
  });

  it('terminal: one line redrawn in place, at most ten times a second', () => {
    const sink = capture(true);
    let now = 0;
    const p = trainingProgress(sink, { runs: 1, maxEpochs: 100, now: () => now });
    for (let e = 1; e <= 100; e++) {
      now += 5;
      p.epoch(epoch(e), 0);
    }
    p.close();
    const draws = sink
      .text()
      .split('\r\x1b[2K')
      .filter((s) => s !== '');
    expect(draws.length).toBeLessThanOrEqual(7); // 500 ms of epochs → ~5 redraws + the last line
    expect(draws.every((d) => d.length < 100)).toBe(true);
    expect(sink.text().endsWith('stopped after 100 epochs, best val 50.0%\n')).toBe(true);
  });

  it('quiet: nothing', () => {
    const sink = capture(true);
    const p = trainingProgress(sink, { runs: 1, maxEpochs: 10 }, true);
    p.epoch(epoch(1), 0);
    p.close();
    const status = new StatusLine(sink, true);
    status.update('x');
    status.done('y');
    expect(sink.text()).toBe('');
  });
});

describe('explain', () => {
  it('top neighbours, entropy and KL from uniform of one target node', () => {
    // Edges into node 0 from 0, 1, 2 (two heads), and one edge into node 1.
    const edgeIndex = { src: Int32Array.from([0, 1, 2, 0]), dst: Int32Array.from([0, 0, 0, 1]) };
    const alpha = Tensor.from([0.5, 1 / 3, 0.25, 1 / 3, 0.25, 1 / 3, 1, 1], [4, 2]);
    const report = explainLayer({ edgeIndex, alpha }, 1, 0, 2);
    expect(report.degree).toBe(3);
    expect(report.maxEntropy).toBeCloseTo(Math.log(3), 12);
    const [h1, h2] = report.heads;
    const entropy1 = -(0.5 * Math.log(0.5) + 2 * 0.25 * Math.log(0.25));
    expect(h1!.entropy).toBeCloseTo(entropy1, 6);
    expect(h1!.kl).toBeCloseTo(0.5 * Math.log(1.5) + 2 * 0.25 * Math.log(0.75), 6);
    expect(h1!.top.map((t) => t.node)).toEqual([0, 1]);
    expect(h2!.kl).toBeCloseTo(0, 6); // uniform attention
    expect(report.klMean).toBeCloseTo((h1!.kl + h2!.kl) / 2, 12);
  });
});

describe('text output', () => {
  it('tables align and percentages read naturally', () => {
    expect(
      formatTable(
        [
          ['a', 'bb'],
          ['ccc', 'd'],
        ],
        { header: true, alignRight: true },
      ),
    ).toBe('a    bb\n---  --\nccc   d');
    expect(plusMinus(0.8183, 0.0061)).toBe('81.8 ± 0.6%');
  });
});
