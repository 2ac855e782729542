/**
 * A force-directed layout after Fruchterman & Reingold, "Graph drawing by force-directed
 * placement" (Software: Practice and Experience 21, 1991):
 *
 *   k = √(area / N)            ideal edge length
 *   repulsion  f_r(d) = k² / d between every pair of nodes
 *   attraction f_a(d) = d² / k along edges
 *   gravity    f_g(r) = g · r towards the centre, g = area / (0.4 · min(width, height))²
 *
 * Repulsion is summed with a Barnes–Hut quadtree (Barnes & Hut, Nature 324, 1986): a cell
 * seen under an angle below θ = 0.8 acts as one mass at its centre, so an iteration costs
 * O(N log N + E) even when a dense graph pulls its nodes together. Gravity balances the
 * total repulsion (≈ area / r at radius r) near 0.4 · min(width, height) and keeps
 * disconnected components on screen. Each iteration moves a node along its net force by at
 * most the temperature, which cools linearly. Seeded: same graph and seed → same picture.
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

const THETA = 0.8;
/** Below this depth a quadtree cell holding several (near-coincident) points is a bucket. */
const MAX_DEPTH = 24;

/**
 * A quadtree over the current positions. Every cell covers a segment [lo, hi) of `order`,
 * the points inside it; a leaf's points are summed exactly.
 */
class QuadTree {
  readonly order: Int32Array;
  private readonly scratch: Int32Array;
  readonly lo: number[] = [];
  readonly hi: number[] = [];
  readonly size: number[] = [];
  readonly comX: number[] = [];
  readonly comY: number[] = [];
  /** Children of cell c at 4c..4c+3, −1 when absent; a cell without children is a leaf. */
  readonly children: number[] = [];
  readonly leaf: boolean[] = [];

  constructor(private readonly pos: Float64Array) {
    const n = pos.length / 2;
    this.order = Int32Array.from({ length: n }, (_, i) => i);
    this.scratch = new Int32Array(n);
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
    this.build(0, n, minX, minY, Math.max(maxX - minX, maxY - minY, 1e-9), 0);
  }

  private build(
    lo: number,
    hi: number,
    x0: number,
    y0: number,
    size: number,
    depth: number,
  ): number {
    const c = this.lo.length;
    const p = this.pos;
    let sx = 0;
    let sy = 0;
    for (let s = lo; s < hi; s++) {
      const i = this.order[s]!;
      sx += p[2 * i]!;
      sy += p[2 * i + 1]!;
    }
    this.lo.push(lo);
    this.hi.push(hi);
    this.size.push(size);
    this.comX.push(sx / (hi - lo));
    this.comY.push(sy / (hi - lo));
    this.children.push(-1, -1, -1, -1);
    const isLeaf = hi - lo <= 1 || depth >= MAX_DEPTH;
    this.leaf.push(isLeaf);
    if (isLeaf) return c;
    // Partition the segment by quadrant (counting sort through the scratch buffer).
    const half = size / 2;
    const midX = x0 + half;
    const midY = y0 + half;
    const quadrant = (i: number): number =>
      (p[2 * i]! >= midX ? 1 : 0) + (p[2 * i + 1]! >= midY ? 2 : 0);
    const start = [0, 0, 0, 0, 0];
    for (let s = lo; s < hi; s++) start[quadrant(this.order[s]!) + 1]!++;
    for (let q = 0; q < 4; q++) start[q + 1]! += start[q]!;
    const next = start.slice(0, 4);
    for (let s = lo; s < hi; s++) {
      const i = this.order[s]!;
      this.scratch[lo + next[quadrant(i)]!++] = i;
    }
    this.order.set(this.scratch.subarray(lo, hi), lo);
    for (let q = 0; q < 4; q++) {
      const a = lo + start[q]!;
      const b = lo + start[q + 1]!;
      if (a === b) continue;
      const qx = q & 1 ? midX : x0;
      const qy = q & 2 ? midY : y0;
      this.children[4 * c + q] = this.build(a, b, qx, qy, half, depth + 1);
    }
    return c;
  }

  /** Adds the repulsion k² / d on node i from every other node to (out[0], out[1]). */
  repulsion(i: number, k2: number, out: Float64Array, stack: number[]): void {
    const p = this.pos;
    const xi = p[2 * i]!;
    const yi = p[2 * i + 1]!;
    stack.length = 0;
    stack.push(0);
    while (stack.length > 0) {
      const c = stack.pop()!;
      if (this.leaf[c]!) {
        for (let s = this.lo[c]!; s < this.hi[c]!; s++) {
          const j = this.order[s]!;
          if (j !== i) addRepulsion(out, xi - p[2 * j]!, yi - p[2 * j + 1]!, i + j, 1, k2);
        }
        continue;
      }
      const dx = xi - this.comX[c]!;
      const dy = yi - this.comY[c]!;
      const d = Math.hypot(dx, dy);
      if (d > 0 && this.size[c]! / d < THETA) {
        addRepulsion(out, dx, dy, i, this.hi[c]! - this.lo[c]!, k2);
        continue;
      }
      for (let q = 0; q < 4; q++) {
        const child = this.children[4 * c + q]!;
        if (child >= 0) stack.push(child);
      }
    }
  }
}

/** Adds the repulsion mass · k² / d along (dx, dy) to out. */
function addRepulsion(
  out: Float64Array,
  dx: number,
  dy: number,
  salt: number,
  mass: number,
  k2: number,
): void {
  let d = Math.hypot(dx, dy);
  if (d < 1e-6) {
    // Coincident nodes: push apart in a direction fixed by their ids.
    dx = Math.cos(salt);
    dy = Math.sin(salt);
    d = 1e-3;
  }
  const f = (mass * k2) / d;
  out[0]! += (dx / d) * f;
  out[1]! += (dy / d) * f;
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
  const area = width * height;
  const k = Math.sqrt(area / numNodes);
  const gravity = area / (0.4 * Math.min(width, height)) ** 2;
  const disp = new Float64Array(2 * numNodes); // [N, 2]
  const force = new Float64Array(2);
  const stack: number[] = [];
  let temperature = width / 10;
  const cooling = temperature / iterations;

  for (let it = 0; it < iterations; it++) {
    const tree = new QuadTree(pos);
    for (let i = 0; i < numNodes; i++) {
      force.fill(0);
      tree.repulsion(i, k * k, force, stack);
      // Gravity: a spring of rest length 0 to the centre.
      disp[2 * i] = force[0]! - gravity * (pos[2 * i]! - width / 2);
      disp[2 * i + 1] = force[1]! - gravity * (pos[2 * i + 1]! - height / 2);
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
