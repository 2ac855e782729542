/**
 * Node-only: checkpoints on disk. Saving is atomic — bytes go to a temporary file in the
 * same folder, are flushed, then renamed over the target — so a process killed mid-save
 * leaves the previous checkpoint intact, never a half-written one.
 */
import { readFileSync } from 'node:fs';

import type { GATModel } from '../nn/models/gat.js';
import { writeFileAtomic, writeFileAtomicSync } from '../io/atomic-write-node.js';
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

/** Writes a checkpoint atomically (synchronous). */
export function saveCheckpoint(path: string, model: GATModel, extra?: CheckpointExtra): void {
  const bytes = serializeCheckpoint(model, extra);
  try {
    writeFileAtomicSync(path, bytes);
  } catch (e) {
    throw new CheckpointError(`saveCheckpoint: ${message(e)}`, { cause: e });
  }
}

/** Writes a checkpoint atomically with io's writeFileAtomic (asynchronous). */
export async function saveCheckpointAsync(
  path: string,
  model: GATModel,
  extra?: CheckpointExtra,
): Promise<void> {
  const bytes = serializeCheckpoint(model, extra);
  try {
    await writeFileAtomic(path, bytes);
  } catch (e) {
    throw new CheckpointError(`saveCheckpointAsync: ${message(e)}`, { cause: e });
  }
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
