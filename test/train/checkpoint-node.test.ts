import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { karateClub } from '../../src/data/karate.js';
import { GATModel } from '../../src/nn/models/gat.js';
import { CheckpointError } from '../../src/train/checkpoint.js';
import {
  loadCheckpoint,
  saveCheckpoint,
  saveCheckpointAsync,
} from '../../src/train/checkpoint-node.js';
import { evaluateModel } from '../../src/train/node-classification.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const saveLoop = fileURLToPath(new URL('./scripts/save-loop.ts', import.meta.url));

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'graphattn-checkpoint-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('saveCheckpoint / loadCheckpoint', () => {
  it('round-trips a model to identical predictions, sync and async', async () => {
    const data = karateClub();
    const model = new GATModel({
      variant: 'gatv2',
      inChannels: 34,
      hiddenChannels: 4,
      outChannels: 2,
      heads: 2,
      seed: 5,
    });
    const path = join(dir, 'model.safetensors');
    saveCheckpoint(path, model, { dataset: 'KarateClub', metrics: { testAcc: 0.5 } });
    const loaded = loadCheckpoint(path);
    expect(loaded.metadata.dataset).toBe('KarateClub');
    expect(loaded.metadata.metrics).toEqual({ testAcc: 0.5 });
    const want = evaluateModel(model, data).logits.data;
    expect(evaluateModel(loaded.model, data).logits.data).toEqual(want);

    const asyncPath = join(dir, 'async.safetensors');
    await saveCheckpointAsync(asyncPath, model);
    expect(evaluateModel(loadCheckpoint(asyncPath).model, data).logits.data).toEqual(want);
    expect(readdirSync(dir).sort()).toEqual(['async.safetensors', 'model.safetensors']);
  });

  it('names the file when it is missing or not a checkpoint', () => {
    const missing = join(dir, 'nope.safetensors');
    expect(() => loadCheckpoint(missing)).toThrow(CheckpointError);
    expect(() => loadCheckpoint(missing)).toThrow(/cannot read .*nope\.safetensors/);
    const junk = join(dir, 'junk.safetensors');
    writeFileSync(junk, 'not a checkpoint at all');
    expect(() => loadCheckpoint(junk)).toThrow(/junk\.safetensors: not a readable safetensors/);
  });

  it('fails with CheckpointError, leaving the old file, when the folder is missing', () => {
    const model = new GATModel({
      variant: 'gat',
      inChannels: 3,
      hiddenChannels: 2,
      outChannels: 2,
    });
    expect(() => saveCheckpoint(join(dir, 'no-such-dir', 'm.safetensors'), model)).toThrow(
      /could not write .*no-such-dir/,
    );
  });

  it('a process SIGKILLed while saving in a loop leaves the previous checkpoint intact', async () => {
    const path = join(dir, 'loop.safetensors');
    // Kill at different moments into the save loop until at least one kill has landed
    // mid-write (its temporary file is left behind), which most do.
    let midWrite = 0;
    for (let attempt = 0; attempt < 6 && (attempt < 2 || midWrite === 0); attempt++) {
      const afterSaves = 2 + 3 * (attempt % 2);
      const child = spawn(process.execPath, ['--import', 'tsx', saveLoop, path], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('exit', (_code, signal) => resolve(signal)),
      );
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const saved = stdout.match(/saved \d+\n/g)?.length ?? 0;
          // Let the next save start, then kill it part-way (5 MB per save).
          if (saved >= afterSaves) setTimeout(() => resolve(), 3 * afterSaves);
        });
        child.on('exit', () => reject(new Error(`save-loop exited early: ${stderr}`)));
      });
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      const temps = readdirSync(dir).filter((f) => f.endsWith('.tmp'));
      if (temps.length > 0) midWrite++;
      for (const t of temps) rmSync(join(dir, t));
      const reported = [...stdout.matchAll(/saved (\d+)\n/g)].map((m) => Number(m[1]));
      const lastReported = Math.max(...reported);
      const { model, metadata } = loadCheckpoint(path);
      const iteration = metadata.metrics?.iteration ?? -1;
      // The file is the last reported checkpoint or the one being written when killed, whole.
      expect(iteration === lastReported || iteration === lastReported + 1).toBe(true);
      const weight = model.namedParameters().find(([n]) => n === 'conv1.lin.weight')![1];
      expect(weight.value.data.every((v) => v === iteration)).toBe(true);
    }
    expect(midWrite).toBeGreaterThan(0);
  }, 30_000);
});
