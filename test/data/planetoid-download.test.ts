/**
 * The download path against a local HTTP server on 127.0.0.1 (never the network): fetch into
 * an empty folder, reuse the cache, refuse a checksum mismatch without saving anything, and
 * report offline / HTTP errors with where to put the file.
 */
import { readFile, readdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { DatasetUnavailableError } from '../../src/data/errors.js';
import { loadPlanetoid, planetoidDataDir } from '../../src/data/planetoid-node.js';
import { PLANETOID_DIR } from './paths.js';

function portOf(s: Server): number {
  const address = s.address();
  if (address === null || typeof address === 'string') throw new Error('server is not on TCP');
  return address.port;
}

/** Serves PLANETOID_DIR; `corrupt` names files served with one byte changed. */
const corrupt = new Set<string>();
const requests: string[] = [];
let server: Server;
let baseUrl = '';
let dir = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const name = (req.url ?? '/').slice(1);
    requests.push(name);
    if (!/^ind\.[a-z]+\.[a-z.]+$/.test(name)) {
      res.writeHead(404).end();
      return;
    }
    readFile(join(PLANETOID_DIR, name)).then(
      (bytes) => {
        if (corrupt.has(name)) bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
        res.writeHead(200, { 'content-length': bytes.length }).end(bytes);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${portOf(server)}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'graphattn-planetoid-'));
  corrupt.clear();
  requests.length = 0;
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function unavailable(p: Promise<unknown>): Promise<DatasetUnavailableError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DatasetUnavailableError);
    if (e instanceof DatasetUnavailableError) return e;
  }
  return expect.fail('expected a DatasetUnavailableError');
}

describe('loadPlanetoid downloads', () => {
  it('fetches missing files into the data folder, then uses the cache', async () => {
    const d = await loadPlanetoid('Cora', { dataDir: dir, baseUrl, progress: false });
    expect(d.numNodes).toBe(2708);
    expect(requests).toHaveLength(8);
    expect((await readdir(dir)).sort()).toEqual(
      ['allx', 'ally', 'graph', 'test.index', 'tx', 'ty', 'x', 'y'].map((e) => `ind.cora.${e}`),
    );
    const again = await loadPlanetoid('Cora', { dataDir: dir, baseUrl, progress: false });
    expect(again.edgeIndex.src.length).toBe(10556);
    expect(requests).toHaveLength(8); // nothing fetched the second time
  });

  it('draws a progress bar on stderr when asked', async () => {
    const writes: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      await loadPlanetoid('Cora', { dataDir: dir, baseUrl, progress: true });
    } finally {
      spy.mockRestore();
    }
    expect(writes.join('')).toContain('ind.cora.allx [##############################] 100%');
  });

  it('refuses a download with the wrong checksum and saves nothing', async () => {
    corrupt.add('ind.cora.ty');
    const e = await unavailable(loadPlanetoid('Cora', { dataDir: dir, baseUrl, progress: false }));
    expect(e.file).toBe('ind.cora.ty');
    expect(e.message).toContain(`Downloaded ind.cora.ty from ${baseUrl}/ind.cora.ty has SHA-256`);
    expect(e.message).toContain(`Put the original file in ${dir}`);
    const left = await readdir(dir);
    expect(left).not.toContain('ind.cora.ty');
    expect(left.filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('refuses a corrupt file already in the folder', async () => {
    const bytes = await readFile(join(PLANETOID_DIR, 'ind.cora.x'));
    bytes[100] = bytes[100]! ^ 1;
    await writeFile(join(dir, 'ind.cora.x'), bytes);
    const e = await unavailable(loadPlanetoid('Cora', { dataDir: dir, download: false }));
    expect(e.message).toContain(`${join(dir, 'ind.cora.x')} has SHA-256`);
    expect(e.message).toContain('Delete it to download it again');
  });

  it('explains what to do when offline, on HTTP errors and with downloads off', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = portOf(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const offline = await unavailable(
      loadPlanetoid('Cora', { dataDir: dir, baseUrl: `http://127.0.0.1:${port}`, progress: false }),
    );
    expect(offline.message).toContain('Cannot download ind.cora.x');
    expect(offline.message).toContain('offline or unreachable');
    expect(offline.message).toContain(`put it in ${dir}`);

    const missing = await unavailable(
      loadPlanetoid('Cora', { dataDir: dir, baseUrl: `${baseUrl}/nothing-here`, progress: false }),
    );
    expect(missing.message).toContain('HTTP 404');

    const off = await unavailable(loadPlanetoid('Cora', { dataDir: dir, download: false }));
    expect(off.message).toContain(`ind.cora.x is missing from ${dir} and downloads are off`);
  });
});

describe('planetoidDataDir', () => {
  it('prefers dataDir, then GRAPHATTN_DATA, then the XDG cache', () => {
    expect(planetoidDataDir({ dataDir: '/a', env: { GRAPHATTN_DATA: '/b' } })).toBe('/a');
    expect(planetoidDataDir({ env: { GRAPHATTN_DATA: '/b', XDG_CACHE_HOME: '/c' } })).toBe('/b');
    expect(planetoidDataDir({ env: { XDG_CACHE_HOME: '/c' } })).toBe('/c/graphattn/planetoid');
    expect(planetoidDataDir({ env: {} })).toMatch(/\.cache\/graphattn\/planetoid$/);
  });
});
