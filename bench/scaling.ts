/**
 * Time per training step against graph size, as a table and a log–log plot. The points and
 * the linear fit come from bench/scaling-points.ts (also behind `npm run bench -- --cases
 * scaling`): bench/scale-case.ts (GATv2(128 → 8×8) + ELU + GATv2(64 → 16), full batch, Adam)
 * in a fresh child process per size, so each size's peak RSS is its own.
 *
 *   npx tsx bench/scaling.ts [--json] [--threads 2] [--sizes 10000,100000] [--max-edges N]
 *                            [--steps 3] [--plot docs/scaling.png]
 *   npx tsx bench/scaling.ts --from run.jsonl [--plot docs/scaling.png]
 *
 * --from reads the "scaling-point" rows of an earlier run (`npm run bench -- --json --cases
 * scaling > run.jsonl`) instead of measuring, and prints their table, fit and plot.
 *
 * Sizes are directed edges before self-loops: 10k, 100k, 1M, 5M, 10M, 20M (those above
 * --max-edges are left out). Nodes are edges / 10, capped at 1M (scaling-points.ts). Step ms
 * is the wall-clock median over the steps after the first; step CPU ms is scale-case.ts's
 * uncontended estimate, and µs per edge is that CPU time / edges: a flat column means time
 * linear in edges. The 1-minute load average is printed per row. The last line (or, with
 * --json, the row of kind "scaling") is the fit: log–log exponent, µs per edge and R².
 *
 * --plot writes a log–log PNG of the fitted step ms (fitMs) against edges (points and a
 * dashed slope-1 line through the largest point: where every point would lie if time were
 * linear in edges), decades labelled 1eN, with a small built-in PNG encoder (node:zlib) and
 * pixel font.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { deflateSync } from 'node:zlib';
import {
  SCALING_SIZES,
  type ScalingPoint,
  runScalingPoint,
  summariseScaling,
} from './scaling-points.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    threads: { type: 'string', default: '1' },
    sizes: { type: 'string', default: SCALING_SIZES.join(',') },
    'max-edges': { type: 'string' },
    steps: { type: 'string', default: '' },
    kernels: { type: 'string', default: 'wasm' },
    plot: { type: 'string' },
    from: { type: 'string' },
  },
});

const threads = Number(values.threads);
const maxEdges = values['max-edges'] === undefined ? Infinity : Number(values['max-edges']);
const sizes = values.sizes
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((e) => e <= maxEdges);

/** A 640×400 log–log plot of (x, y) points as a PNG (8-bit grey). */
function plotPng(points: readonly [number, number][]): Uint8Array {
  const W = 640;
  const H = 400;
  const M = 40;
  const pixels = new Uint8Array(W * H).fill(255);
  const set = (x: number, y: number, v: number): void => {
    if (x >= 0 && x < W && y >= 0 && y < H) pixels[Math.round(y) * W + Math.round(x)] = v;
  };
  const line = (x0: number, y0: number, x1: number, y1: number, v: number, dash = 0): void => {
    const n = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    for (let i = 0; i <= n; i++) {
      if (dash > 0 && Math.floor(i / dash) % 2 === 1) continue;
      set(x0 + ((x1 - x0) * i) / n, y0 + ((y1 - y0) * i) / n, v);
    }
  };
  const lx = points.map(([x]) => Math.log10(x));
  const ly = points.map(([, y]) => Math.log10(Math.max(y, 1e-3)));
  const x0 = Math.floor(Math.min(...lx));
  const x1 = Math.ceil(Math.max(...lx));
  const y0 = Math.floor(Math.min(...ly));
  const y1 = Math.ceil(Math.max(...ly));
  const px = (l: number): number => M + ((l - x0) / Math.max(1, x1 - x0)) * (W - 2 * M);
  const py = (l: number): number => H - M - ((l - y0) / Math.max(1, y1 - y0)) * (H - 2 * M);
  const text = (str: string, x: number, y: number): void => {
    for (let c = 0; c < str.length; c++) {
      const rowsOfGlyph = GLYPHS[str[c]!] ?? [0, 0, 0, 0, 0];
      rowsOfGlyph.forEach((bits, r) => {
        for (let b = 0; b < 3; b++) {
          if ((bits >> (2 - b)) & 1) {
            for (let d = 0; d < 4; d++) set(x + c * 8 + b * 2 + (d & 1), y + r * 2 + (d >> 1), 0);
          }
        }
      });
    }
  };
  for (let d = x0; d <= x1; d++) {
    line(px(d), py(y0), px(d), py(y1), 215);
    text(`1e${d}`, px(d) - 12, py(y0) + 8);
  }
  for (let d = y0; d <= y1; d++) {
    line(px(x0), py(d), px(x1), py(d), 215);
    text(`1e${d}`, 4, py(d) - 5);
  }
  text('edges', W - M - 40, H - 14);
  text('step ms', 4, 8);
  line(px(x0), py(y0), px(x1), py(y0), 0);
  line(px(x0), py(y0), px(x0), py(y1), 0);
  // Slope 1 through the largest point: where linear scaling would put every point.
  const last = lx.length - 1;
  if (last >= 0) {
    const at = (l: number): number => ly[last]! + (l - lx[last]!);
    const from = Math.max(x0, lx[last]! - (ly[last]! - y0)); // clipped to the plot box
    line(px(from), py(at(from)), px(x1), py(at(x1)), 120, 6);
  }
  for (let i = 0; i < lx.length; i++) {
    if (i > 0) line(px(lx[i - 1]!), py(ly[i - 1]!), px(lx[i]!), py(ly[i]!), 0);
    for (let dx = -3; dx <= 3; dx++)
      for (let dy = -3; dy <= 3; dy++) set(px(lx[i]!) + dx, py(ly[i]!) + dy, 0);
  }
  return encodePng(pixels, W, H);
}

/** A 3×5 pixel font for the labels: bit 2 is the left column. */
const GLYPHS: Record<string, readonly number[]> = {
  '0': [7, 5, 5, 5, 7],
  '1': [2, 6, 2, 2, 7],
  '2': [7, 1, 7, 4, 7],
  '3': [7, 1, 7, 1, 7],
  '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7],
  '6': [7, 4, 7, 5, 7],
  '7': [7, 1, 1, 1, 1],
  '8': [7, 5, 7, 5, 7],
  '9': [7, 5, 7, 1, 7],
  '-': [0, 0, 7, 0, 0],
  e: [0, 7, 7, 4, 7],
  d: [1, 1, 7, 5, 7],
  g: [7, 5, 7, 1, 7],
  s: [0, 7, 6, 1, 7],
  t: [2, 7, 2, 2, 3],
  p: [0, 7, 5, 7, 4],
  m: [0, 7, 7, 5, 5],
};

function encodePng(grey: Uint8Array, width: number, height: number): Uint8Array {
  const raw = new Uint8Array((width + 1) * height); // filter byte 0 per scanline
  for (let y = 0; y < height; y++)
    raw.set(grey.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale, deflate, no interlace
  const parts = [
    Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** The "scaling-point" rows of a JSON-lines bench output, in file order. */
function readPoints(file: string): ScalingPoint[] {
  const points: ScalingPoint[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    const row = JSON.parse(line) as Partial<ScalingPoint> & { kind?: string };
    if (row.kind !== 'scaling-point') continue;
    const { requestedEdges, edges, stepCpuMs } = row;
    if (
      typeof requestedEdges !== 'number' ||
      typeof edges !== 'number' ||
      typeof stepCpuMs !== 'number'
    ) {
      throw new Error(`${file}: a scaling-point row without requestedEdges, edges or stepCpuMs`);
    }
    // Rows from before fitMs was recorded were fitted on their CPU time.
    points.push({
      ...(row as ScalingPoint),
      fitMs: row.fitMs ?? stepCpuMs,
      fitClock: row.fitClock ?? 'cpu',
    });
  }
  if (points.length === 0) throw new Error(`${file}: no "scaling-point" rows`);
  return points;
}

function main(): void {
  const machine = {
    kind: 'machine',
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    threads,
    load: Math.round(loadavg()[0]! * 100) / 100,
    date: new Date().toISOString(),
  };
  if (values.json) {
    if (values.from === undefined) console.log(JSON.stringify(machine));
  } else {
    console.log(
      values.from === undefined
        ? `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${threads} thread(s), load ${machine.load}`
        : `points from ${values.from} (its machine row says where they were measured)`,
    );
    console.log(
      '     edges     nodes   step ms  step CPU ms  fitted ms  first ms  infer ms  peak RSS MiB  µs/edge  load start→end',
    );
  }
  const rows: ScalingPoint[] = [];
  const earlier = values.from === undefined ? null : readPoints(values.from);
  for (const edges of earlier === null ? sizes : earlier.map((p) => p.requestedEdges)) {
    const r =
      earlier?.find((p) => p.requestedEdges === edges) ??
      runScalingPoint(edges, {
        kernels: values.kernels,
        threads,
        ...(values.steps !== '' ? { steps: Number(values.steps) } : {}),
      });
    rows.push(r);
    if (values.json) console.log(JSON.stringify({ kind: 'scaling-point', threads, ...r }));
    else {
      console.log(
        `${String(r.edges).padStart(10)} ${String(r.nodes).padStart(9)} ${String(r.stepMs).padStart(9)} ${String(r.stepCpuMs).padStart(12)} ${`${r.fitMs} ${r.fitClock}`.padStart(10)} ${String(r.firstStepMs).padStart(9)} ${String(r.inferenceMs).padStart(9)} ${String(r.peakRssMiB).padStart(13)} ${r.usPerEdge.toFixed(3).padStart(8)}  ${r.load.join('→')}`,
      );
    }
  }
  if (rows.length >= 2) {
    const fit = summariseScaling(rows);
    if (values.json) console.log(JSON.stringify({ kind: 'scaling', threads, ...fit }));
    else {
      console.log(
        `fit: step ∝ edges^${fit.exponent}, ${fit.usPerEdgeFit} µs/edge (max deviation ${fit.maxDeviationPct} %), ` +
          `step = ${fit.interceptMs} ms + ${fit.slopeUsPerEdge} µs × edges (R² ${fit.r2}); ` +
          `target exponent in [${fit.target.exponent.join(', ')}] over ${fit.target.edgesRange.join('–')} edges: ` +
          `${fit.met ? 'met' : fit.coversTargetRange ? 'not met' : `not covered (measured ${fit.edgesRange.join('–')}; linear there: ${fit.linearOnMeasuredRange})`}`,
      );
    }
  }
  if (values.plot !== undefined) {
    writeFileSync(values.plot, plotPng(rows.map((r) => [r.edges, r.fitMs])));
    if (!values.json) console.log(`plot: ${values.plot}`);
  }
}

main();
