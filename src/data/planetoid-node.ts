/**
 * Node-only: find the Planetoid files on disk, download and cache the missing ones, check
 * every file's SHA-256, then hand the bytes to `parsePlanetoid`.
 *
 * Where files live (first that applies): `options.dataDir`, the `GRAPHATTN_DATA`
 * environment variable, or the user cache `$XDG_CACHE_HOME/graphattn/planetoid`
 * (`~/.cache/graphattn/planetoid` when XDG_CACHE_HOME is unset). The folder holds the
 * `ind.NAME.EXT` files themselves, exactly as in the kimiyoung/planetoid repository.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

import { DataError, DatasetUnavailableError } from './errors.js';
import {
  PLANETOID_SHA256,
  type PlanetoidDataset,
  type PlanetoidExtension,
  type PlanetoidFiles,
  type PlanetoidOptions,
  parsePlanetoid,
  planetoidFileName,
  planetoidName,
} from './planetoid.js';

/** Canonical source: the data/ folder of kimiyoung/planetoid (MIT). */
export const PLANETOID_BASE_URL = 'https://github.com/kimiyoung/planetoid/raw/master/data';

export interface LoadPlanetoidOptions extends PlanetoidOptions {
  /** Folder holding the ind.* files; overrides GRAPHATTN_DATA and the cache. */
  readonly dataDir?: string;
  /** Where missing files are fetched from: `${baseUrl}/ind.NAME.EXT`. */
  readonly baseUrl?: string;
  /** Fetch missing files. Default true; false makes a missing file an error. */
  readonly download?: boolean;
  /** Progress bar on stderr while downloading. Default: when stderr is a TTY. */
  readonly progress?: boolean;
  /** Environment to read GRAPHATTN_DATA / XDG_CACHE_HOME from. Default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The folder the Planetoid files are read from and downloaded to. */
export function planetoidDataDir(
  options: Pick<LoadPlanetoidOptions, 'dataDir' | 'env'> = {},
): string {
  if (options.dataDir !== undefined) return options.dataDir;
  const env = options.env ?? process.env;
  const fromEnv = env.GRAPHATTN_DATA;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const xdg = env.XDG_CACHE_HOME;
  const cache = xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache');
  return join(cache, 'graphattn', 'planetoid');
}

/**
 * Loads Cora, CiteSeer or PubMed (name case-insensitive), downloading missing files.
 * Throws DatasetUnavailableError when a file is missing and cannot be fetched or has the
 * wrong checksum, and DataFormatError subclasses when a file cannot be parsed.
 */
export async function loadPlanetoid(
  name: string,
  options: LoadPlanetoidOptions = {},
): Promise<PlanetoidDataset> {
  const dataset = planetoidName(name);
  const dir = planetoidDataDir(options);
  // One file at a time, so progress bars do not interleave.
  const read = async (ext: PlanetoidExtension): Promise<Uint8Array> =>
    planetoidFile(dataset, ext, dir, options);
  const files: PlanetoidFiles = {
    x: await read('x'),
    tx: await read('tx'),
    allx: await read('allx'),
    y: await read('y'),
    ty: await read('ty'),
    ally: await read('ally'),
    graph: await read('graph'),
    'test.index': await read('test.index'),
  };
  return parsePlanetoid(dataset, files, options);
}

/** The bytes of one file, verified; downloaded into `dir` first when missing. */
async function planetoidFile(
  name: keyof typeof PLANETOID_SHA256,
  ext: PlanetoidExtension,
  dir: string,
  options: LoadPlanetoidOptions,
): Promise<Uint8Array> {
  const fileName = planetoidFileName(name, ext);
  const path = join(dir, fileName);
  const expected = PLANETOID_SHA256[name][ext];
  let bytes = await readIfExists(path);
  if (bytes === null) {
    if (options.download === false) {
      throw new DatasetUnavailableError(
        fileName,
        `${fileName} is missing from ${dir} and downloads are off: put the file (from ${PLANETOID_BASE_URL}/${fileName}) in ${dir}`,
      );
    }
    const url = `${options.baseUrl ?? PLANETOID_BASE_URL}/${fileName}`;
    await downloadVerified(url, path, fileName, expected, options.progress ?? process.stderr.isTTY);
    bytes = await readFile(path);
  }
  const actual = sha256Hex(bytes);
  if (actual !== expected) {
    throw new DatasetUnavailableError(
      fileName,
      `${path} has SHA-256 ${actual}, expected ${expected}: the file is corrupt or not the canonical one. ` +
        `Delete it to download it again, or put the original from ${PLANETOID_BASE_URL}/${fileName} in ${dir}`,
    );
  }
  return bytes;
}

async function readIfExists(path: string): Promise<Uint8Array | null> {
  try {
    return await readFile(path);
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === 'ENOENT') return null;
    throw new DataError(`Cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

let tempCounter = 0;

/**
 * Downloads `url` to `path` atomically: the body streams into a temporary file in the same
 * folder, is hashed on the way, and is renamed into place only when its SHA-256 matches.
 */
export async function downloadVerified(
  url: string,
  path: string,
  fileName: string,
  sha256: string,
  showProgress: boolean,
): Promise<void> {
  const dir = dirname(path);
  const unavailable = (why: string): DatasetUnavailableError =>
    new DatasetUnavailableError(
      fileName,
      `Cannot download ${fileName} from ${url} (${why}). Download it yourself and put it in ${dir}, ` +
        `or set GRAPHATTN_DATA to a folder that holds it`,
    );
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
    throw unavailable(`offline or unreachable${cause}`);
  }
  if (!response.ok || response.body === null) {
    throw unavailable(`HTTP ${response.status} ${response.statusText}`);
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new DataError(
      `Cannot create the data folder ${dir}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const temp = join(dir, `.${fileName}.${process.pid}.${++tempCounter}.part`);
  const total = Number(response.headers.get('content-length') ?? 0);
  const bar = showProgress ? new ProgressBar(fileName, total) : null;
  const hash = createHash('sha256');
  const out = createWriteStream(temp);
  try {
    const reader = response.body.getReader();
    let received = 0;
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw unavailable(`connection lost: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (chunk.done) break;
      hash.update(chunk.value);
      received += chunk.value.length;
      if (!out.write(chunk.value))
        await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      bar?.update(received);
    }
    await new Promise<void>((resolve, reject) =>
      out.end((e?: Error | null) => (e ? reject(e) : resolve())),
    );
    bar?.finish(received);
    const actual = hash.digest('hex');
    if (actual !== sha256) {
      throw new DatasetUnavailableError(
        fileName,
        `Downloaded ${fileName} from ${url} has SHA-256 ${actual}, expected ${sha256}; nothing was saved. ` +
          `Put the original file in ${dir}, or set GRAPHATTN_DATA to a folder that holds it`,
      );
    }
    await rename(temp, path);
  } catch (e) {
    out.destroy();
    await rm(temp, { force: true });
    if (e instanceof DataError) throw e;
    throw new DataError(
      `Cannot save ${fileName} to ${dir}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

/** A one-line progress bar redrawn with \r on stderr, at most ten times a second. */
class ProgressBar {
  private lastDraw = 0;

  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {}

  update(received: number): void {
    const now = Date.now();
    if (now - this.lastDraw < 100) return;
    this.lastDraw = now;
    this.draw(received);
  }

  finish(received: number): void {
    this.draw(received);
    process.stderr.write('\n');
  }

  private draw(received: number): void {
    const mb = (n: number): string => (n / 1e6).toFixed(1);
    if (this.total > 0) {
      const frac = Math.min(1, received / this.total);
      const width = 30;
      const filled = Math.round(frac * width);
      process.stderr.write(
        `\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(frac * 100)}% ${mb(received)}/${mb(this.total)} MB`,
      );
    } else {
      process.stderr.write(`\r${this.label} ${mb(received)} MB`);
    }
  }
}
