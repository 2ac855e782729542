/**
 * Node-only: checkpoints on disk. Saving is atomic — bytes go to a temporary file in the
 * same folder, are flushed, then renamed over the target — so a process killed mid-save
 * leaves the previous checkpoint intact, never a half-written one.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

import type { GATModel } from '../nn/models/gat.js';
import { writeFileAtomic } from '../io/atomic-write-node.js';
import {
  type CheckpointExtra,
  CheckpointError,
  type CheckpointMetadata,
  deserializeCheckpoint,
  serializeCheckpoint,
} from './checkpoint.js';

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The synchronous twin of io's writeFileAtomic (same protocol: temporary file beside the
 * target, fsync, rename, best-effort fsync of the folder), for callers that cannot await,
 * such as a save on SIGINT or at the end of a synchronous training loop.
 */
function writeFileAtomicSync(path: string, bytes: Uint8Array): void {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = openSync(temp, 'wx');
    try {
      let written = 0;
      while (written < bytes.length)
        written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (e) {
    try {
      unlinkSync(temp);
    } catch {
      // the temporary file may not exist
    }
    throw new CheckpointError(
      `saveCheckpoint: could not write ${path} (${message(e)}); any previous file is unchanged`,
      { cause: e },
    );
  }
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms cannot fsync a folder; the data itself was already synced.
  }
}

/** Writes a checkpoint atomically (synchronous). */
export function saveCheckpoint(path: string, model: GATModel, extra?: CheckpointExtra): void {
  writeFileAtomicSync(path, serializeCheckpoint(model, extra));
}

/** Writes a checkpoint atomically with io's writeFileAtomic (asynchronous). */
export async function saveCheckpointAsync(
  path: string,
  model: GATModel,
  extra?: CheckpointExtra,
): Promise<void> {
  await writeFileAtomic(path, serializeCheckpoint(model, extra));
}

/** Reads a graphattn checkpoint or a PyG safetensors model (see deserializeCheckpoint). */
export function loadCheckpoint(path: string): { model: GATModel; metadata: CheckpointMetadata } {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new CheckpointError(`loadCheckpoint: cannot read ${path} (${message(e)})`, { cause: e });
  }
  return deserializeCheckpoint(bytes, path);
}
