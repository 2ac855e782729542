/**
 * Crash-safe file replacement for Node (checkpoints, exported weights): readers see either
 * the old file or the complete new one, never a half-written file.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `bytes` to a temporary file in the same directory as `path` (a rename is only
 * atomic within one file system), flushes it to disk, then renames it over `path`. On any
 * failure the temporary file is removed and the previous file at `path` is left untouched.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
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
    throw new Error(
      `writeFileAtomic: could not write ${path} (${e instanceof Error ? e.message : String(e)}); any previous file is unchanged`,
      { cause: e },
    );
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
