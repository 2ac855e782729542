/**
 * Crash-safe file replacement for Node (checkpoints, exported weights): readers see either
 * the old file or the complete new one, never a half-written file.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `bytes` to a temporary file in the same directory as `path` (a rename is only
 * atomic within one file system), flushes it to disk, then renames it over `path`. On any
 * failure the temporary file is removed and the previous file at `path` is left untouched.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path);
  const temp = tempPath(path);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw failure('writeFileAtomic', path, e);
  }
  await syncDirectory(dir);
}

/** Makes the rename itself durable; not every platform can open a directory, so best effort. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Windows cannot fsync a directory; the data itself was already synced.
  }
}

/**
 * The synchronous twin of writeFileAtomic, same protocol, for callers that cannot await
 * (the end of a synchronous training loop, a save on SIGINT).
 */
export function writeFileAtomicSync(path: string, bytes: Uint8Array): void {
  const temp = tempPath(path);
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
    throw failure('writeFileAtomicSync', path, e);
  }
  try {
    const fd = openSync(dirname(path), 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Windows cannot fsync a directory; the data itself was already synced.
  }
}

/** A unique temporary name beside `path` (a rename is only atomic within one file system). */
function tempPath(path: string): string {
  return join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
}

function failure(op: string, path: string, e: unknown): Error {
  const why = e instanceof Error ? e.message : String(e);
  return new Error(`${op}: could not write ${path} (${why}); any previous file is unchanged`, {
    cause: e,
  });
}
