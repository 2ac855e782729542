/** --help, --version, and every kind of user error: exit 2, one line on stderr, no stack. */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  MODEL_FIXTURES,
  ROOT,
  expectOneLineError,
  runCli,
  runInProcess,
  withTempDir,
} from './run-cli.js';

const COMMANDS = ['train', 'eval', 'predict', 'explain', 'dictlookup'] as const;

describe.concurrent('graphattn --help and --version', () => {
  it('lists every command', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(r.stdout).toContain('Exit status');
  });

  it('prints the package version', async () => {
    const pkg: unknown = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const version = typeof pkg === 'object' && pkg !== null && 'version' in pkg ? pkg.version : '';
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it('without a command shows the help and exits 2', async () => {
    const r = await runInProcess([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('Usage: graphattn <command>');
  });

  for (const c of COMMANDS) {
    it(`${c} --help documents the command and its flags`, async () => {
      // One command through a real process, the others in-process (same code path).
      const r = c === 'train' ? await runCli([c, '--help']) : await runInProcess([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(new RegExp(`^Usage: graphattn ${c} `));
      expect(r.stdout).toContain('Options:');
      expect(r.stdout).toContain('-h, --help');
      expect(r.stdout).toContain('Examples:');
    });
  }

  it('-h is --help, and help TOPIC too', async () => {
    const [short, topic] = await Promise.all([
      runInProcess(['explain', '-h']),
      runInProcess(['help', 'explain']),
    ]);
    expect(short.code).toBe(0);
    expect(topic.stdout).toBe(short.stdout);
    expect(short.stdout).toContain('KL');
  });
});

describe.concurrent('user errors: exit 2 with one line', () => {
  const cases: [string[], string][] = [
    [['train', '--lr', 'abc'], "graphattn train: --lr must be a positive number, found 'abc'"],
    [['train', '--frobnicate'], "graphattn train: unknown flag '--frobnicate'"],
    [['train', '--epoch', '3'], 'did you mean --epochs?'],
    [['train', '--epochs', '2.5'], "--epochs must be a positive integer, found '2.5'"],
    [['train', '--dropout', '1'], "--dropout must be a number in [0, 1), found '1'"],
    [['train', '--value-dropout', 'x'], "--value-dropout must be a number in [0, 1), found 'x'"],
    [
      ['train', '--value-dropout', '0.5'],
      '--value-dropout is for --model gat only (GATv2 scores and sums the same projected features), found --value-dropout 0.5 with --model gatv2',
    ],
    [['train', '--seed', '-1'], "--seed must be an integer in [0, 4294967295], found '-1'"],
    [['train', '--model', 'gcn'], "--model must be one of gatv2, gat, found 'gcn'"],
    [['train', '--lr'], '--lr needs a value'],
    [['train', '--json=yes'], '--json takes no value'],
    [['train', '--runs', '2', '--runs', '3'], '--runs is given more than once'],
    [['train', 'cora'], "unexpected argument 'cora'"],
    [['train', '--dataset', 'corra'], "found 'corra'"],
    [['train', '--dataset', 'karate', '--edges', 'e.csv'], '--edges is only for'],
    [['eval', '--dataset', 'karate'], 'graphattn eval: --checkpoint is required'],
    [['explain', '--checkpoint', 'x.safetensors', '--top', '0'], '--node is required'],
    [['dictlookup', '--k', 'ten'], "--k must be a positive integer, found 'ten'"],
    [['dictlookup', '--compare', '--model', 'gat'], '--model cannot be used with --compare'],
    [['dictlookup', '--heads', '3'], '--heads must divide the hidden width'],
    [['fit'], "graphattn: unknown command 'fit'"],
  ];
  // The first three through a real process (exit code, nothing else on stderr).
  cases.forEach(([args, message], i) => {
    it(args.join(' '), async () => {
      const line = expectOneLineError(await (i < 3 ? runCli(args) : runInProcess(args)));
      expect(line).toContain(message);
    });
  });

  it('the whole line for a bad value', async () => {
    const r = await runCli(['train', '--dataset', 'karate', '--lr', 'abc']);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("graphattn train: --lr must be a positive number, found 'abc'\n");
  });

  it('a missing dataset file', async () => {
    const [json, csv] = await Promise.all([
      runCli(['train', '--dataset', 'no-such-graph.json']),
      runInProcess(['train', '--dataset', 'no-such-nodes.csv', '--edges', 'no-such-edges.csv']),
    ]);
    expect(expectOneLineError(json)).toMatch(
      /^graphattn train: .*no-such-graph\.json.*no such file/,
    );
    expect(expectOneLineError(csv)).toMatch(/no-such-(nodes|edges)\.csv: no such file/);
  });

  it('a node CSV without its edge file', async () => {
    expect(expectOneLineError(await runInProcess(['train', '--dataset', 'nodes.csv']))).toContain(
      '--edges',
    );
  });

  it('an explicit --dataset cora that cannot be had', async () => {
    await withTempDir(async (dir) => {
      const r = await runCli(['train', '--dataset', 'cora'], {
        GRAPHATTN_DATA: dir,
        XDG_CACHE_HOME: dir,
      });
      expect(expectOneLineError(r)).toMatch(/^graphattn train: Cannot download ind\.cora\./);
    });
  });

  it('a missing, corrupt or mismatched checkpoint', async () => {
    await withTempDir(async (dir) => {
      const corrupt = join(dir, 'corrupt.safetensors');
      await writeFile(corrupt, 'not a checkpoint');
      const [missing, bad, mismatch] = await Promise.all([
        runCli(['eval', '--checkpoint', join(dir, 'missing.safetensors'), '--dataset', 'karate']),
        runInProcess(['eval', '--checkpoint', corrupt, '--dataset', 'karate']),
        runInProcess([
          'eval',
          '--checkpoint',
          join(MODEL_FIXTURES, 'cora_gat.safetensors'),
          '--dataset',
          'karate',
        ]),
      ]);
      expect(expectOneLineError(missing)).toContain('missing.safetensors');
      expect(expectOneLineError(bad)).toContain('corrupt.safetensors');
      expect(expectOneLineError(mismatch)).toContain('expects 1433 input features');
    });
  });

  it('a node that is not in the graph', async () => {
    const r = await runInProcess([
      'predict',
      '--checkpoint',
      join(MODEL_FIXTURES, 'cora_gat.safetensors'),
      '--nodes',
      '3,2708',
    ]);
    expect(expectOneLineError(r)).toContain(
      "--nodes must be node indices in 0..2707, found '2708'",
    );
  });
});
