/**
 * The web demo in a real browser: bundles web/ with esbuild, serves it from 127.0.0.1,
 * opens it in Debian's Chromium through playwright-core, trains on the karate club and
 * checks what a person would see: high test accuracy, the WebAssembly kernels in use, a
 * ranked attention list per head that sums to 1, no console error. A screenshot goes to
 * test/web/.screenshots/ for a human to look at.
 *
 * Without /usr/bin/chromium the suite fails when CI=true and is skipped otherwise
 * (install it with `apt-get install -y chromium`).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WEB = join(ROOT, 'web');
const SCREENSHOTS = join(ROOT, 'test/web/.screenshots');
const hasChromium = existsSync(CHROMIUM);
const SKIP_REASON = `${CHROMIUM} not found: install it with 'apt-get install -y chromium'`;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
};

/** Serves web/ at /, with /dist/ taken from the test's own bundle directory. */
function serve(distDir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const [base, rel] = path.startsWith('/dist/')
      ? [distDir, path.slice('/dist/'.length)]
      : [WEB, path === '/' ? 'index.html' : path.slice(1)];
    const file = resolve(base, rel);
    if (!file.startsWith(base + sep) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'text/plain' });
    res.end(readFileSync(file));
  });
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done(server));
  });
}

interface HeadList {
  layer: number;
  head: number;
  /** The neighbour rows, in displayed order. */
  rows: { node: number; weight: number }[];
  weights: number[];
  /** The neighbour rows plus the "others" row, if any. */
  total: number;
  /** The "(self)" marker appears exactly once when the whole list is shown. */
  selfRows: number;
}

async function headLists(page: Page): Promise<HeadList[]> {
  return page.$$eval('#node-details .head-attention', (boxes) =>
    boxes.map((box) => {
      const rows = Array.from(box.querySelectorAll('tr[data-weight]'));
      const neighbours = rows
        .filter((r) => r.classList.contains('neighbour'))
        .map((r) => ({
          node: Number(r.getAttribute('data-node')),
          weight: Number(r.getAttribute('data-weight')),
        }));
      return {
        layer: Number(box.getAttribute('data-layer')),
        head: Number(box.getAttribute('data-head')),
        rows: neighbours,
        weights: neighbours.map((r) => r.weight),
        total: rows.reduce((s, r) => s + Number(r.getAttribute('data-weight')), 0),
        selfRows: rows.filter((r) => r.textContent?.includes('(self)') === true).length,
      };
    }),
  );
}

const suite = hasChromium || process.env['CI'] === 'true' ? describe : describe.skip;

if (!hasChromium && process.env['CI'] !== 'true') {
  console.warn(`test/web/browser.test.ts skipped: ${SKIP_REASON}`);
}

suite(`web demo in Chromium${hasChromium ? '' : ` (skipped: ${SKIP_REASON})`}`, () => {
  let server: Server | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let baseUrl = '';
  const tempDirs: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`CI=true and ${SKIP_REASON}`);
    const distDir = mkdtempSync(join(tmpdir(), 'graphattn-web-dist-'));
    const profileDir = mkdtempSync(join(tmpdir(), 'graphattn-chromium-'));
    tempDirs.push(distDir, profileDir);
    await build({
      entryPoints: [join(WEB, 'main.ts'), join(WEB, 'worker.ts')],
      bundle: true,
      format: 'esm',
      target: 'es2022',
      outdir: distDir,
      sourcemap: true,
      logLevel: 'silent',
    });
    server = await serve(distDir);
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('server: no port');
    baseUrl = `http://127.0.0.1:${address.port}/`;
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1440, height: 900 },
      timeout: 20_000,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(baseUrl, { timeout: 15_000 });
  }, 40_000);

  afterAll(async () => {
    await context?.close();
    await new Promise((done) => (server === undefined ? done(undefined) : server.close(done)));
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('trains GATv2 on the karate club with the WebAssembly kernels and ranks attention', async () => {
    await page.waitForSelector('#graph .node[data-node="33"]', { timeout: 10_000 });
    expect(await page.locator('#graph .node').count()).toBe(34);
    expect(await page.inputValue('#variant')).toBe('gatv2');

    await page.click('#train');
    await page.waitForSelector('#status[data-state="done"], #status[data-state="error"]', {
      timeout: 20_000,
    });
    expect(await page.textContent('#state')).toMatch(/^done/);

    const testAcc = Number(await page.getAttribute('#test-acc', 'data-value'));
    expect(testAcc).toBeGreaterThanOrEqual(0.8);
    expect(await page.textContent('#test-acc')).toBe(`${(100 * testAcc).toFixed(1)} %`);

    const kernel = await page.getAttribute('#kernel-name', 'data-kernel');
    expect(kernel).toMatch(/^wasm-(relaxed-)?simd$/);
    expect(await page.textContent('#kernel-name')).toBe(kernel);

    // Every node predicted; attention arcs drawn (156 directed edges, self-loops listed only).
    const preds = await page.$$eval('#graph .node', (ns) =>
      ns.map((n) => n.getAttribute('data-pred')),
    );
    expect(preds.every((p) => p === '0' || p === '1')).toBe(true);
    expect(await page.locator('#graph .edges path').count()).toBe(156);

    // The whole ranked list of node 0 (Mr. Hi: 16 friends and itself).
    await page.fill('#top-k', '100');
    await page.click('#graph .node[data-node="0"]');
    await page.waitForSelector('#node-details .head-attention');
    const lists = await headLists(page);
    expect(lists.map((l) => [l.layer, l.head])).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
    ]);
    for (const l of lists) {
      expect(l.weights).toHaveLength(17);
      expect(l.selfRows).toBe(1);
      expect(Math.abs(l.weights.reduce((a, b) => a + b, 0) - 1)).toBeLessThanOrEqual(1e-4);
      for (let i = 1; i < l.weights.length; i++)
        expect(l.weights[i]).toBeLessThanOrEqual(l.weights[i - 1]!);
    }
    // Node 0's incoming arcs are highlighted.
    expect(await page.locator('#graph .edges path[data-dst="0"]').count()).toBe(16);

    // Top 5: five rows and an "others" row carrying the rest of the weight.
    await page.fill('#top-k', '5');
    for (const l of await headLists(page)) {
      expect(l.weights).toHaveLength(5);
      expect(Math.abs(l.total - 1)).toBeLessThanOrEqual(1e-4);
    }

    // Choosing one head re-weights the arcs by that head's α.
    await page.selectOption('#head', '1');
    const arcs = await page.$$eval('#graph .edges path[data-dst="0"]', (ps) =>
      ps.map((p) => [Number(p.getAttribute('data-src')), Number(p.getAttribute('data-weight'))]),
    );
    const head2 = new Map(lists[1]!.rows.map((r) => [r.node, r.weight]));
    for (const [src, weight] of arcs) expect(weight).toBe(head2.get(src!));

    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'karate-gatv2.png') });
    expect(consoleErrors).toEqual([]);
  }, 40_000);

  it('loads a JSON graph from a file and reports a malformed one', async () => {
    const graph = {
      name: 'tiny',
      classes: ['teacher', 'student'],
      nodes: [
        { id: 'alice', label: 'teacher', split: 'train', features: [1, 0, 0.5] },
        { id: 'bob', label: 'student', split: 'train', features: [0, 1, 0] },
        { id: 'carol', label: 'student', split: 'test', features: [0, 1, 1] },
        { id: 'dave', features: [1, 1, 0] },
      ],
      edges: [
        ['alice', 'bob'],
        ['bob', 'carol'],
        ['carol', 'dave'],
      ],
    };
    await page.setInputFiles('#file', {
      name: 'tiny.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(graph)),
    });
    await page.waitForFunction(() => document.querySelectorAll('#graph .node').length === 4);
    expect(await page.textContent('#dataset-info')).toMatch(/^tiny: 4 nodes, 3 connected pairs/);
    expect(await page.getAttribute('#status', 'data-state')).not.toBe('done');

    await page.setInputFiles('#file', {
      name: 'broken.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"nodes": [], "edges": 3}'),
    });
    await page.waitForSelector('#dataset-error:not(:empty)');
    expect(await page.textContent('#dataset-error')).toContain('broken.json');
    expect(await page.locator('#graph .node').count()).toBe(4); // the previous graph stays
    expect(consoleErrors).toEqual([]);
  }, 20_000);
});
