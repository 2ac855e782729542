import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// Lets a test make one fs call fail, the way a full disk or a dying process would.
const faults = vi.hoisted(() => ({ rename: false, write: false }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fs,
    rename: (from: string, to: string): Promise<void> =>
      faults.rename
        ? Promise.reject(new Error('EIO: injected rename failure'))
        : fs.rename(from, to),
    open: async (...args: Parameters<typeof fs.open>): ReturnType<typeof fs.open> => {
      const handle = await fs.open(...args);
      if (faults.write) {
        // Write half the bytes, then fail: a torn write.
        handle.writeFile = async (data: Parameters<typeof handle.writeFile>[0]): Promise<void> => {
          if (data instanceof Uint8Array) await handle.write(data.subarray(0, data.length >> 1));
          throw new Error('ENOSPC: injected write failure');
        };
      }
      return handle;
    },
  };
});

const { writeFileAtomic } = await import('../../src/io/atomic-write-node.js');

describe('writeFileAtomic', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'graphattn-atomic-'));
    faults.rename = false;
    faults.write = false;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates and then replaces a file', async () => {
    const path = join(dir, 'model.safetensors');
    await writeFileAtomic(path, Uint8Array.from([1, 2, 3]));
    expect(Array.from(await readFile(path))).toEqual([1, 2, 3]);
    await writeFileAtomic(path, Uint8Array.from([4, 5]));
    expect(Array.from(await readFile(path))).toEqual([4, 5]);
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  for (const fault of ['write', 'rename'] as const) {
    it(`leaves the previous file intact and no temporary file when the ${fault} fails`, async () => {
      const path = join(dir, 'model.safetensors');
      await writeFile(path, 'previous contents');
      faults[fault] = true;
      await expect(writeFileAtomic(path, new Uint8Array(1000).fill(7))).rejects.toThrow(
        new RegExp(`writeFileAtomic: could not write .*model\\.safetensors .*injected ${fault}`),
      );
      expect(await readFile(path, 'utf8')).toBe('previous contents');
      expect(await readdir(dir)).toEqual(['model.safetensors']);
    });
  }

  it('fails without touching anything when the directory does not exist', async () => {
    await expect(writeFileAtomic(join(dir, 'missing', 'x.bin'), new Uint8Array(4))).rejects.toThrow(
      /could not write .*missing/,
    );
    expect(await readdir(dir)).toEqual([]);
  });
});
