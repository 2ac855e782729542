/**
 * A force-directed layout: Fruchterman & Reingold, "Graph drawing by force-directed
 * placement" (Software: Practice and Experience 21, 1991), with their grid variant.
 *
 *   k = √(area / N)            ideal edge length
 *   repulsion  f_r(d) = k² / d between nodes closer than 2k (found through a grid of 2k cells)
 *   attraction f_a(d) = d² / k along edges
 *
 * Each iteration moves a node along its net force by at most the temperature, which cools
 * linearly to zero; positions stay inside the frame. A weak pull to the centre keeps
 * disconnected components on screen. Seeded: same graph and seed → same picture.
 */
import { Random } from '../src/index.js';

export interface LayoutOptions {
  readonly width: number;
  readonly height: number;
  /** Default 300. */
  readonly iterations?: number;
  /** Seeds the initial positions. Default 0. */
  readonly seed?: number;
}

/** Positions [N, 2] (x, y interleaved) inside [0, width] × [0, height]. */
export function forceLayout(
  numNodes: number,
  edges: { readonly src: Int32Array; readonly dst: Int32Array },
  options: LayoutOptions,
): Float64Array {
  const { width, height } = options;
  const iterations = options.iterations ?? 300;
  const rng = new Random(options.seed ?? 0);
  const pos = new Float64Array(2 * numNodes); // [N, 2]
  for (let i = 0; i < numNodes; i++) {
    pos[2 * i] = rng.uniform() * width;
    pos[2 * i + 1] = rng.uniform() * height;
  }
  if (numNodes < 2) {
    if (numNodes === 1) pos.set([width / 2, height / 2]);
    return pos;
  }
  const k = Math.sqrt((width * height) / numNodes);
  const cell = 2 * k;
  const cols = Math.max(1, Math.ceil(width / cell));
  const rows = Math.max(1, Math.ceil(height / cell));
  const disp = new Float64Array(2 * numNodes); // [N, 2]
  const cellOf = new Int32Array(numNodes);
  const cellStart = new Int32Array(cols * rows + 1);
  const cellNodes = new Int32Array(numNodes);
  let temperature = width / 10;
  const cooling = temperature / iterations;

  for (let it = 0; it < iterations; it++) {
    disp.fill(0);
    // Bucket nodes by grid cell (counting sort), then repel within neighbouring cells.
    cellStart.fill(0);
    for (let i = 0; i < numNodes; i++) {
      const cx = Math.min(cols - 1, Math.floor(pos[2 * i]! / cell));
      const cy = Math.min(rows - 1, Math.floor(pos[2 * i + 1]! / cell));
      cellOf[i] = cy * cols + cx;
      cellStart[cellOf[i]! + 1]!++;
    }
    for (let c = 0; c < cols * rows; c++) cellStart[c + 1]! += cellStart[c]!;
    const fill = cellStart.slice(0, cols * rows);
    for (let i = 0; i < numNodes; i++) cellNodes[fill[cellOf[i]!]!++] = i;
    for (let i = 0; i < numNodes; i++) {
      const cx = cellOf[i]! % cols;
      const cy = Math.floor(cellOf[i]! / cols);
      for (let ny = Math.max(0, cy - 1); ny <= Math.min(rows - 1, cy + 1); ny++) {
        for (let nx = Math.max(0, cx - 1); nx <= Math.min(cols - 1, cx + 1); nx++) {
          const c = ny * cols + nx;
          for (let s = cellStart[c]!; s < cellStart[c + 1]!; s++) {
            const j = cellNodes[s]!;
            if (j === i) continue;
            let dx = pos[2 * i]! - pos[2 * j]!;
            let dy = pos[2 * i + 1]! - pos[2 * j + 1]!;
            let d = Math.hypot(dx, dy);
            if (d === 0) {
              // Coincident nodes: push apart in a direction fixed by their ids.
              dx = Math.cos(i + j);
              dy = Math.sin(i + j);
              d = 1e-3;
            }
            if (d >= cell) continue;
            const f = (k * k) / d;
            disp[2 * i]! += (dx / d) * f;
            disp[2 * i + 1]! += (dy / d) * f;
          }
        }
      }
    }
    for (let e = 0; e < edges.src.length; e++) {
      const u = edges.src[e]!;
      const v = edges.dst[e]!;
      if (u === v) continue;
      const dx = pos[2 * u]! - pos[2 * v]!;
      const dy = pos[2 * u + 1]! - pos[2 * v + 1]!;
      const d = Math.hypot(dx, dy);
      if (d === 0) continue;
      const f = (d * d) / k;
      disp[2 * u]! -= (dx / d) * f;
      disp[2 * u + 1]! -= (dy / d) * f;
      disp[2 * v]! += (dx / d) * f;
      disp[2 * v + 1]! += (dy / d) * f;
    }
    for (let i = 0; i < numNodes; i++) {
      // Gravity: a spring of rest length 0 to the centre, much weaker than the edges.
      disp[2 * i]! -= 0.05 * (pos[2 * i]! - width / 2);
      disp[2 * i + 1]! -= 0.05 * (pos[2 * i + 1]! - height / 2);
      const dx = disp[2 * i]!;
      const dy = disp[2 * i + 1]!;
      const d = Math.hypot(dx, dy);
      if (d === 0) continue;
      const step = Math.min(d, temperature);
      pos[2 * i] = Math.min(width, Math.max(0, pos[2 * i]! + (dx / d) * step));
      pos[2 * i + 1] = Math.min(height, Math.max(0, pos[2 * i + 1]! + (dy / d) * step));
    }
    temperature = Math.max(temperature - cooling, 1e-3 * width);
  }
  return pos;
}

/** Scales and shifts positions so their bounding box fills [margin, size − margin]. */
export function fitToFrame(
  pos: Float64Array,
  width: number,
  height: number,
  margin: number,
): Float64Array {
  const n = pos.length / 2;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, pos[2 * i]!);
    maxX = Math.max(maxX, pos[2 * i]!);
    minY = Math.min(minY, pos[2 * i + 1]!);
    maxY = Math.max(maxY, pos[2 * i + 1]!);
  }
  const spanX = maxX - minX || 1;
  const spanY = maxY - minY || 1;
  const s = Math.min((width - 2 * margin) / spanX, (height - 2 * margin) / spanY);
  const offX = (width - s * spanX) / 2;
  const offY = (height - s * spanY) / 2;
  const out = new Float64Array(pos.length);
  for (let i = 0; i < n; i++) {
    out[2 * i] = offX + (pos[2 * i]! - minX) * s;
    out[2 * i + 1] = offY + (pos[2 * i + 1]! - minY) * s;
  }
  return out;
}
