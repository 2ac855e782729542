// Fused GATv2 and GAT attention, float32, SIMD over the channels of each head (vectors of
// four channels, then a scalar tail, so any C works). Same semantics as the reference
// kernels (DESIGN.md §1–3): segment softmax with the max subtracted and 1e-16 added to the
// sum, dropout applied to the normalised α, no [E, H, C] buffer.
//
// Indices are chunk-local: targets 0..numDst of this call, edge slots ptr[i] − ptr[0]; the
// source-side arrays (xl, x and their gradients, scoreSrc) are whole. A pointer of 0 is null.
//
// Sources are scattered in memory, so the kernels are bound by memory latency on large
// graphs; copying a target's source rows into a contiguous buffer first lets the loads
// overlap (DESIGN.md §6) and serves both passes over the segment from L1. While a target is
// computed, the next target's source rows (and, in a backward, their gradient rows) are
// touched, so that their misses overlap with the work (prefetch.ts).
//
// Three families of code: H and C multiples of 4 (four heads at a time, per-head vectors of
// channels; the code right below), one head (edges four at a time, lanes past a segment's
// end made inert; "One head" below), and H a multiple of 4 with C not (heads as lanes;
// "Heads as lanes" below). Other shapes (H = 2, 3, 5, ...) take the generic per-head code.
// The host pads every buffer by 16 bytes, so a vector may be read from anywhere in one.
//
// `bias` (H·C floats, or 0 for none) is the layer's output bias, added where each output row
// is stored: a row summed in memory starts as the bias instead of zeros, a row summed in
// registers and scaled by 1/Σ at the end is stored as acc·(1/Σ) + bias. Whether there is one
// is tested per target, outside the loops over edges; a target without in-edges gets the
// bias as its row.
import { touchNextSources } from './prefetch';
import {
  axpy,
  copyRow,
  dot,
  exp1,
  exp4,
  hsum,
  leakyRelu,
  leakyRelu1,
  leakyReluSlope,
  leakyReluSlope1,
  madd,
  max1,
} from './simd';

const SOFTMAX_EPS: f32 = 1e-16;

// @ts-ignore: decorator
@inline
function f32At(base: usize, index: i32): f32 {
  return load<f32>(base + (<usize>index << 2));
}

// @ts-ignore: decorator
@inline
function setF32(base: usize, index: i32, value: f32): void {
  store<f32>(base + (<usize>index << 2), value);
}

// @ts-ignore: decorator
@inline
function i32At(base: usize, index: i32): i32 {
  return load<i32>(base + (<usize>index << 2));
}

/**
 * Zeroes `len` floats. A loop rather than memory.fill, which V8 compiles to a call out of
 * the module: too dear for the few dozen bytes of one target's row.
 */
// @ts-ignore: decorator
@inline
function zeroRow(row: usize, len: i32): void {
  let c = 0;
  for (; c + 4 <= len; c += 4) v128.store(row + (<usize>c << 2), f32x4.splat(0));
  for (; c < len; c++) setF32(row, c, 0);
}

/** Starts an output row that the edges are summed into: the bias, or zeros without one. */
// @ts-ignore: decorator
@inline
function startRow(row: usize, bias: usize, len: i32): void {
  if (bias == 0) zeroRow(row, len);
  else copyRow(row, bias, len);
}

/** Bytes of the per-head scratch before the gather buffer. */
// @ts-ignore: decorator
@inline
function headScratchBytes(heads: i32): usize {
  return ((<usize>heads * 8 + 15) >> 4) << 4;
}

/** <att, LeakyReLU(xl + xr (+ edge))> over one head's C channels. */
// @ts-ignore: decorator
@inline
function gatv2Score(
  xl: usize,
  xr: usize,
  edge: usize,
  att: usize,
  channels: i32,
  slope: f32,
): f32 {
  const slopeV = f32x4.splat(slope);
  let acc = f32x4.splat(0);
  let c = 0;
  if (edge == 0) {
    for (; c + 4 <= channels; c += 4) {
      const o = <usize>c << 2;
      const z = f32x4.add(v128.load(xl + o), v128.load(xr + o));
      acc = madd(v128.load(att + o), leakyRelu(z, slopeV), acc);
    }
  } else {
    for (; c + 4 <= channels; c += 4) {
      const o = <usize>c << 2;
      const z = f32x4.add(f32x4.add(v128.load(xl + o), v128.load(xr + o)), v128.load(edge + o));
      acc = madd(v128.load(att + o), leakyRelu(z, slopeV), acc);
    }
  }
  let s = hsum(acc);
  for (; c < channels; c++) {
    let z = f32At(xl, c) + f32At(xr, c);
    if (edge != 0) z += f32At(edge, c);
    s += f32At(att, c) * leakyRelu1(z, slope);
  }
  return s;
}

/** Lane-wise sums of four vectors: [Σ a, Σ b, Σ c, Σ d]. */
// @ts-ignore: decorator
@inline
function hsum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(f32x4.shuffle(a, b, 0, 4, 1, 5), f32x4.shuffle(a, b, 2, 6, 3, 7));
  const cd = f32x4.add(f32x4.shuffle(c, d, 0, 4, 1, 5), f32x4.shuffle(c, d, 2, 6, 3, 7));
  return f32x4.add(f32x4.shuffle(ab, cd, 0, 1, 4, 5), f32x4.shuffle(ab, cd, 2, 3, 6, 7));
}

/** One head's <att, LeakyReLU(z)> as four partial sums (C a multiple of 4). */
// @ts-ignore: decorator
@inline
function gatv2Partial(
  xl: usize,
  xr: usize,
  edge: usize,
  att: usize,
  channels: i32,
  slopeV: v128,
): v128 {
  let acc = f32x4.splat(0);
  for (let c = 0; c < channels; c += 4) {
    const o = <usize>c << 2;
    let z = f32x4.add(v128.load(xl + o), v128.load(xr + o));
    if (edge != 0) z = f32x4.add(z, v128.load(edge + o));
    acc = madd(v128.load(att + o), leakyRelu(z, slopeV), acc);
  }
  return acc;
}

/**
 * Scores in alpha[p·H + h] → softmax numerators in place; `hmax` holds the per-head max and
 * `hsumInv` (H floats, 16-byte aligned) ends as 1 / (Σ + 1e-16). Vectorised over heads when
 * H is a multiple of 4, over edges when H = 1.
 */
// @ts-ignore: decorator
@inline
function softmaxSegment(
  alpha: usize,
  begin: i32,
  end: i32,
  heads: i32,
  hmax: usize,
  hsumInv: usize,
): void {
  if ((heads & 3) == 0) {
    for (let h = 0; h < heads; h += 4) v128.store(hsumInv + (<usize>h << 2), f32x4.splat(0));
    for (let p = begin; p < end; p++) {
      const row = alpha + ((<usize>(p * heads)) << 2);
      for (let h = 0; h < heads; h += 4) {
        const o = <usize>h << 2;
        const w = exp4(f32x4.sub(v128.load(row + o), v128.load(hmax + o)));
        v128.store(row + o, w);
        v128.store(hsumInv + o, f32x4.add(v128.load(hsumInv + o), w));
      }
    }
  } else if (heads == 1) {
    const max = f32x4.splat(f32At(hmax, 0));
    let acc = f32x4.splat(0);
    let p = begin;
    for (; p + 4 <= end; p += 4) {
      const at = alpha + (<usize>p << 2);
      const w = exp4(f32x4.sub(v128.load(at), max));
      v128.store(at, w);
      acc = f32x4.add(acc, w);
    }
    let sum = hsum(acc);
    for (; p < end; p++) {
      const w = exp1(f32At(alpha, p) - f32At(hmax, 0));
      setF32(alpha, p, w);
      sum += w;
    }
    setF32(hsumInv, 0, sum);
  } else {
    for (let h = 0; h < heads; h++) setF32(hsumInv, h, 0);
    for (let p = begin; p < end; p++) {
      const row = p * heads;
      for (let h = 0; h < heads; h++) {
        const w = exp1(f32At(alpha, row + h) - f32At(hmax, h));
        setF32(alpha, row + h, w);
        setF32(hsumInv, h, f32At(hsumInv, h) + w);
      }
    }
  }
  for (let h = 0; h < heads; h++) setF32(hsumInv, h, 1 / (f32At(hsumInv, h) + SOFTMAX_EPS));
}

/**
 * Copies the source rows of edges begin..end into `gather` when they fit (returns true);
 * then row k of the segment is at gather + k·rowBytes, else at xl + src[p]·rowBytes.
 */
// @ts-ignore: decorator
@inline
function gatherRows(
  src: usize,
  begin: i32,
  end: i32,
  xl: usize,
  rowBytes: usize,
  width: i32,
  gather: usize,
  capacity: i32,
): bool {
  if (end - begin > capacity) return false;
  let g = gather;
  for (let p = begin; p < end; p++) {
    copyRow(g, xl + <usize>i32At(src, p) * rowBytes, width);
    g += rowBytes;
  }
  return true;
}

/** dst[0..C) += w·src, skipping (adding +0 for) the whole row when w is 0: C a multiple of 4. */
// @ts-ignore: decorator
@inline
function maskedAxpy4(dst: usize, src: usize, wv: v128, channels: i32): void {
  const keep = f32x4.ne(wv, f32x4.splat(0));
  for (let c = 0; c < channels; c += 4) {
    const o = <usize>c << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.and(f32x4.mul(wv, v128.load(src + o)), keep)));
  }
}

/** Four heads' rows: dst_h += w_h·src_h for lanes h of w, each row skipped when w_h is 0. */
// @ts-ignore: decorator
@inline
function maskedAxpyFourHeads(dst: usize, src: usize, w: v128, channels: i32): void {
  const headBytes = <usize>channels << 2;
  maskedAxpy4(dst, src, f32x4.splat(f32x4.extract_lane(w, 0)), channels);
  maskedAxpy4(dst + headBytes, src + headBytes, f32x4.splat(f32x4.extract_lane(w, 1)), channels);
  maskedAxpy4(dst + 2 * headBytes, src + 2 * headBytes, f32x4.splat(f32x4.extract_lane(w, 2)), channels);
  maskedAxpy4(dst + 3 * headBytes, src + 3 * headBytes, f32x4.splat(f32x4.extract_lane(w, 3)), channels);
}

/**
 * The weighted sum of one edge when H and C are multiples of 4, without a branch per head:
 * α = numerator · 1/Σ stored in place, out += dropout(α) · x_j.
 */
// @ts-ignore: decorator
@inline
function weightedSumFourHeads(
  alpha: usize,
  dropScale: usize,
  hsumInv: usize,
  outRow: usize,
  row: usize,
  p: i32,
  heads: i32,
  channels: i32,
): void {
  const edgeAt = (<usize>(p * heads)) << 2;
  for (let h = 0; h < heads; h += 4) {
    const o = <usize>h << 2;
    const a = f32x4.mul(v128.load(alpha + edgeAt + o), v128.load(hsumInv + o));
    v128.store(alpha + edgeAt + o, a);
    const w = dropScale == 0 ? a : f32x4.mul(a, v128.load(dropScale + edgeAt + o));
    const hc = (<usize>(h * channels)) << 2;
    maskedAxpyFourHeads(outRow + hc, row + hc, w, channels);
  }
}

export function gatv2Forward(
  numDst: i32,
  heads: i32,
  channels: i32,
  ptr: usize,
  src: usize,
  xl: usize,
  xr: usize,
  edge: usize,
  att: usize,
  slope: f32,
  dropScale: usize,
  bias: usize,
  out: usize,
  alpha: usize,
  scratch: usize,
  gatherCapacity: i32,
): void {
  if (heads == 1) {
    gatv2ForwardOneHead(numDst, channels, ptr, src, xl, xr, edge, att, slope, dropScale, bias, out, alpha, scratch, gatherCapacity);
    return;
  }
  if (headLanesForward(heads, channels)) {
    gatv2ForwardHeadLanes(numDst, heads, channels, ptr, src, xl, xr, edge, att, slope, dropScale, bias, out, alpha, scratch, gatherCapacity);
    return;
  }
  const width = heads * channels;
  const rowBytes = <usize>width << 2;
  const hmax = scratch;
  const hsumInv = scratch + (<usize>heads << 2);
  const gather = scratch + headScratchBytes(heads);
  const base = i32At(ptr, 0);
  const slopeV = f32x4.splat(slope);
  const fourHeads = (heads & 3) == 0 && (channels & 3) == 0;
  for (let i = 0; i < numDst; i++) {
    const begin = i32At(ptr, i) - base;
    const end = i32At(ptr, i + 1) - base;
    const outRow = out + <usize>i * rowBytes;
    startRow(outRow, bias, width);
    if (begin == end) continue;
    const xrRow = xr + <usize>i * rowBytes;
    const gathered = gatherRows(src, begin, end, xl, rowBytes, width, gather, gatherCapacity);
    touchNextSources(ptr, src, i, numDst, base, gatherCapacity, xl, rowBytes, 0, 0);

    for (let h = 0; h < heads; h++) setF32(hmax, h, -Infinity);
    for (let p = begin; p < end; p++) {
      const row = gathered
        ? gather + <usize>(p - begin) * rowBytes
        : xl + <usize>i32At(src, p) * rowBytes;
      const edgeRow = edge == 0 ? <usize>0 : edge + <usize>p * rowBytes;
      if (fourHeads) {
        // Four heads at a time: partial sums, then one transpose-add gives their scores.
        const headBytes = <usize>channels << 2;
        for (let h = 0; h < heads; h += 4) {
          const hc = (<usize>(h * channels)) << 2;
          const e = hsum4(
            gatv2Partial(row + hc, xrRow + hc, edge == 0 ? <usize>0 : edgeRow + hc, att + hc, channels, slopeV),
            gatv2Partial(row + hc + headBytes, xrRow + hc + headBytes, edge == 0 ? <usize>0 : edgeRow + hc + headBytes, att + hc + headBytes, channels, slopeV),
            gatv2Partial(row + hc + 2 * headBytes, xrRow + hc + 2 * headBytes, edge == 0 ? <usize>0 : edgeRow + hc + 2 * headBytes, att + hc + 2 * headBytes, channels, slopeV),
            gatv2Partial(row + hc + 3 * headBytes, xrRow + hc + 3 * headBytes, edge == 0 ? <usize>0 : edgeRow + hc + 3 * headBytes, att + hc + 3 * headBytes, channels, slopeV),
          );
          const o = <usize>h << 2;
          v128.store(alpha + ((<usize>(p * heads)) << 2) + o, e);
          v128.store(hmax + o, f32x4.pmax(v128.load(hmax + o), e));
        }
        continue;
      }
      for (let h = 0; h < heads; h++) {
        const hc = (<usize>(h * channels)) << 2;
        const e = gatv2Score(
          row + hc,
          xrRow + hc,
          edge == 0 ? <usize>0 : edgeRow + hc,
          att + hc,
          channels,
          slope,
        );
        setF32(alpha, p * heads + h, e);
        setF32(hmax, h, max1(f32At(hmax, h), e));
      }
    }
    softmaxSegment(alpha, begin, end, heads, hmax, hsumInv);
    for (let p = begin; p < end; p++) {
      const row = gathered
        ? gather + <usize>(p - begin) * rowBytes
        : xl + <usize>i32At(src, p) * rowBytes;
      if (fourHeads) {
        weightedSumFourHeads(alpha, dropScale, hsumInv, outRow, row, p, heads, channels);
        continue;
      }
      for (let h = 0; h < heads; h++) {
        const a = f32At(alpha, p * heads + h) * f32At(hsumInv, h);
        setF32(alpha, p * heads + h, a);
        const w = dropScale == 0 ? a : a * f32At(dropScale, p * heads + h);
        if (w == 0) continue;
        const hc = (<usize>(h * channels)) << 2;
        axpy(outRow + hc, row + hc, w, channels);
      }
    }
  }
}

/** Partial sums of <a, b> over one head's C channels (C a multiple of 4). */
// @ts-ignore: decorator
@inline
function dotPartial(a: usize, b: usize, channels: i32): v128 {
  let acc = f32x4.splat(0);
  for (let c = 0; c < channels; c += 4) {
    const o = <usize>c << 2;
    acc = madd(v128.load(a + o), v128.load(b + o), acc);
  }
  return acc;
}

/** <g_h, x_h> for heads h .. h+3 as one vector (C a multiple of 4). */
// @ts-ignore: decorator
@inline
function dot4Heads(g: usize, x: usize, channels: i32): v128 {
  const headBytes = <usize>channels << 2;
  return hsum4(
    dotPartial(g, x, channels),
    dotPartial(g + headBytes, x + headBytes, channels),
    dotPartial(g + 2 * headBytes, x + 2 * headBytes, channels),
    dotPartial(g + 3 * headBytes, x + 3 * headBytes, channels),
  );
}

/**
 * GATv2 backward for one edge and one head: with gE = ∂L/∂e and value = α̃, adds
 * gE·LeakyReLU(z) into gradAtt, ∂L/∂z into gradXr, gradEdge and (with value·g) gradXl.
 */
// @ts-ignore: decorator
@inline
function gatv2BackwardHead(
  hc: usize,
  channels: i32,
  gE: f32,
  value: f32,
  slope: f32,
  row: usize,
  xrRow: usize,
  edgeRow: usize,
  att: usize,
  gRow: usize,
  gradAtt: usize,
  gxlRow: usize,
  gxrRow: usize,
  gEdgeRow: usize,
): void {
  const slopeV = f32x4.splat(slope);
  const gEv = f32x4.splat(gE);
  const valueV = f32x4.splat(value);
  let c = 0;
  for (; c + 4 <= channels; c += 4) {
    const o = hc + (<usize>c << 2);
    let z = f32x4.add(v128.load(row + o), v128.load(xrRow + o));
    if (edgeRow != 0) z = f32x4.add(z, v128.load(edgeRow + o));
    v128.store(gradAtt + o, madd(gEv, leakyRelu(z, slopeV), v128.load(gradAtt + o)));
    const gZ = f32x4.mul(gEv, f32x4.mul(v128.load(att + o), leakyReluSlope(z, slopeV)));
    v128.store(gxlRow + o, f32x4.add(v128.load(gxlRow + o), madd(valueV, v128.load(gRow + o), gZ)));
    v128.store(gxrRow + o, f32x4.add(v128.load(gxrRow + o), gZ));
    if (gEdgeRow != 0) v128.store(gEdgeRow + o, f32x4.add(v128.load(gEdgeRow + o), gZ));
  }
  for (; c < channels; c++) {
    const o = hc + (<usize>c << 2);
    let z = load<f32>(row + o) + load<f32>(xrRow + o);
    if (edgeRow != 0) z += load<f32>(edgeRow + o);
    store<f32>(gradAtt + o, load<f32>(gradAtt + o) + gE * leakyRelu1(z, slope));
    const gZ = gE * load<f32>(att + o) * leakyReluSlope1(z, slope);
    store<f32>(gxlRow + o, load<f32>(gxlRow + o) + (gZ + value * load<f32>(gRow + o)));
    store<f32>(gxrRow + o, load<f32>(gxrRow + o) + gZ);
    if (gEdgeRow != 0) store<f32>(gEdgeRow + o, load<f32>(gEdgeRow + o) + gZ);
  }
}

export function gatv2Backward(
  numDst: i32,
  heads: i32,
  channels: i32,
  ptr: usize,
  src: usize,
  xl: usize,
  xr: usize,
  edge: usize,
  att: usize,
  slope: f32,
  dropScale: usize,
  alpha: usize,
  gradOut: usize,
  gradXl: usize,
  gradXr: usize,
  gradEdge: usize,
  gradAtt: usize,
  scratch: usize,
  gatherCapacity: i32,
  cacheEdges: i32,
): void {
  if (heads == 1) {
    gatv2BackwardOneHead(numDst, channels, ptr, src, xl, xr, edge, att, slope, dropScale, alpha, gradOut, gradXl, gradXr, gradEdge, gradAtt, scratch, gatherCapacity, cacheEdges);
    return;
  }
  if (headLanesBackward(heads, channels)) {
    gatv2BackwardHeadLanes(numDst, heads, channels, ptr, src, xl, xr, edge, att, slope, dropScale, alpha, gradOut, gradXl, gradXr, gradEdge, gradAtt, scratch, gatherCapacity, cacheEdges);
    return;
  }
  const width = heads * channels;
  const rowBytes = <usize>width << 2;
  const dotH = scratch;
  const gather = scratch + headScratchBytes(heads);
  // <g_i, x^l_j> per edge and head, kept from the first pass for the second (cacheEdges of them).
  const cache = gather + <usize>max(gatherCapacity, 1) * rowBytes;
  const base = i32At(ptr, 0);
  const fourHeads = (heads & 3) == 0 && (channels & 3) == 0;
  for (let i = 0; i < numDst; i++) {
    const begin = i32At(ptr, i) - base;
    const end = i32At(ptr, i + 1) - base;
    if (begin == end) continue;
    const gRow = gradOut + <usize>i * rowBytes;
    const xrRow = xr + <usize>i * rowBytes;
    const gxrRow = gradXr + <usize>i * rowBytes;
    const gathered = gatherRows(src, begin, end, xl, rowBytes, width, gather, gatherCapacity);
    touchNextSources(ptr, src, i, numDst, base, gatherCapacity, xl, rowBytes, gradXl, rowBytes);
    const cached = end - begin <= cacheEdges;

    // Σ_k α_ik ∂L/∂α_ik per head, with ∂L/∂α_ik = scale · <g_i, x^l_k>.
    for (let h = 0; h < heads; h++) setF32(dotH, h, 0);
    for (let p = begin; p < end; p++) {
      const row = gathered
        ? gather + <usize>(p - begin) * rowBytes
        : xl + <usize>i32At(src, p) * rowBytes;
      if (fourHeads) {
        for (let h = 0; h < heads; h += 4) {
          const hc = (<usize>(h * channels)) << 2;
          const o = <usize>h << 2;
          const at = (<usize>(p * heads) << 2) + o;
          let w = v128.load(alpha + at);
          if (dropScale != 0) w = f32x4.mul(w, v128.load(dropScale + at));
          const gA = dot4Heads(gRow + hc, row + hc, channels);
          if (cached) v128.store(cache + ((<usize>((p - begin) * heads)) << 2) + o, gA);
          v128.store(dotH + o, madd(w, gA, v128.load(dotH + o)));
        }
        continue;
      }
      for (let h = 0; h < heads; h++) {
        const hc = (<usize>(h * channels)) << 2;
        const gA = dot(gRow + hc, row + hc, channels);
        const scale = dropScale == 0 ? <f32>1 : f32At(dropScale, p * heads + h);
        setF32(dotH, h, f32At(dotH, h) + f32At(alpha, p * heads + h) * scale * gA);
      }
    }
    for (let p = begin; p < end; p++) {
      const row = gathered
        ? gather + <usize>(p - begin) * rowBytes
        : xl + <usize>i32At(src, p) * rowBytes;
      const gxlRow = gradXl + <usize>i32At(src, p) * rowBytes;
      const edgeRow = edge == 0 ? <usize>0 : edge + <usize>p * rowBytes;
      const gEdgeRow = gradEdge == 0 ? <usize>0 : gradEdge + <usize>p * rowBytes;
      if (fourHeads) {
        const headBytes = <usize>channels << 2;
        for (let h = 0; h < heads; h += 4) {
          const hc = (<usize>(h * channels)) << 2;
          const o = <usize>h << 2;
          const at = (<usize>(p * heads) << 2) + o;
          const a = v128.load(alpha + at);
          const scale = dropScale == 0 ? f32x4.splat(1) : v128.load(dropScale + at);
          const gA = cached
            ? v128.load(cache + ((<usize>((p - begin) * heads)) << 2) + o)
            : dot4Heads(gRow + hc, row + hc, channels);
          const gE = f32x4.mul(a, f32x4.sub(f32x4.mul(scale, gA), v128.load(dotH + o)));
          const value = f32x4.mul(a, scale);
          gatv2BackwardHead(hc, channels, f32x4.extract_lane(gE, 0), f32x4.extract_lane(value, 0), slope, row, xrRow, edgeRow, att, gRow, gradAtt, gxlRow, gxrRow, gEdgeRow);
          gatv2BackwardHead(hc + headBytes, channels, f32x4.extract_lane(gE, 1), f32x4.extract_lane(value, 1), slope, row, xrRow, edgeRow, att, gRow, gradAtt, gxlRow, gxrRow, gEdgeRow);
          gatv2BackwardHead(hc + 2 * headBytes, channels, f32x4.extract_lane(gE, 2), f32x4.extract_lane(value, 2), slope, row, xrRow, edgeRow, att, gRow, gradAtt, gxlRow, gxrRow, gEdgeRow);
          gatv2BackwardHead(hc + 3 * headBytes, channels, f32x4.extract_lane(gE, 3), f32x4.extract_lane(value, 3), slope, row, xrRow, edgeRow, att, gRow, gradAtt, gxlRow, gxrRow, gEdgeRow);
        }
        continue;
      }
      for (let h = 0; h < heads; h++) {
        const hc = (<usize>(h * channels)) << 2;
        const a = f32At(alpha, p * heads + h);
        const scale = dropScale == 0 ? <f32>1 : f32At(dropScale, p * heads + h);
        const gA = dot(gRow + hc, row + hc, channels);
        const gE = a * (scale * gA - f32At(dotH, h));
        gatv2BackwardHead(hc, channels, gE, a * scale, slope, row, xrRow, edgeRow, att, gRow, gradAtt, gxlRow, gxrRow, gEdgeRow);
      }
    }
  }
}

export function gatForward(
  numDst: i32,
  heads: i32,
  channels: i32,
  ptr: usize,
  src: usize,
  x: usize,
  scoreSrc: usize,
  scoreDst: usize,
  scoreEdge: usize,
  slope: f32,
  dropScale: usize,
  bias: usize,
  out: usize,
  alpha: usize,
  scratch: usize,
  gatherCapacity: i32,
): void {
  if (heads == 1) {
    gatForwardOneHead(numDst, channels, ptr, src, x, scoreSrc, scoreDst, scoreEdge, slope, dropScale, bias, out, alpha, scratch, gatherCapacity);
    return;
  }
  if (headLanesForward(heads, channels)) {
    gatForwardHeadLanes(numDst, heads, channels, ptr, src, x, scoreSrc, scoreDst, scoreEdge, slope, dropScale, bias, out, alpha, scratch, gatherCapacity);
    return;
  }
  const width = heads * channels;
  const rowBytes = <usize>width << 2;
  const hmax = scratch;
  const hsumInv = scratch + (<usize>heads << 2);
  const gather = scratch + headScratchBytes(heads);
  const base = i32At(ptr, 0);
  const slopeV = f32x4.splat(slope);
  const fourHeads = (heads & 3) == 0 && (channels & 3) == 0;
  for (let i = 0; i < numDst; i++) {
    const begin = i32At(ptr, i) - base;
    const end = i32At(ptr, i + 1) - base;
    const outRow = out + <usize>i * rowBytes;
    startRow(outRow, bias, width);
    if (begin == end) continue;
    // Each row is read once, but loading them in a tight loop first lets the misses overlap.
    const gathered = gatherRows(src, begin, end, x, rowBytes, width, gather, gatherCapacity);
    touchNextSources(ptr, src, i, numDst, base, gatherCapacity, x, rowBytes, scoreSrc, <usize>heads << 2);
    for (let h = 0; h < heads; h++) setF32(hmax, h, -Infinity);
    for (let p = begin; p < end; p++) {
      const j = i32At(src, p);
      let h = 0;
      for (; h + 4 <= heads; h += 4) {
        const o = <usize>h << 2;
        let v = f32x4.add(
          v128.load(scoreSrc + ((<usize>(j * heads)) << 2) + o),
          v128.load(scoreDst + ((<usize>(i * heads)) << 2) + o),
        );
        if (scoreEdge != 0) v = f32x4.add(v, v128.load(scoreEdge + ((<usize>(p * heads)) << 2) + o));
        const e = leakyRelu(v, slopeV);
        v128.store(alpha + ((<usize>(p * heads)) << 2) + o, e);
        v128.store(hmax + o, f32x4.pmax(v128.load(hmax + o), e));
      }
      for (; h < heads; h++) {
        let v = f32At(scoreSrc, j * heads + h) + f32At(scoreDst, i * heads + h);
        if (scoreEdge != 0) v += f32At(scoreEdge, p * heads + h);
        const e = leakyRelu1(v, slope);
        setF32(alpha, p * heads + h, e);
        setF32(hmax, h, max1(f32At(hmax, h), e));
      }
    }
    softmaxSegment(alpha, begin, end, heads, hmax, hsumInv);
    for (let p = begin; p < end; p++) {
      const row = gathered
        ? gather + <usize>(p - begin) * rowBytes
        : x + <usize>i32At(src, p) * rowBytes;
      if (fourHeads) {
        weightedSumFourHeads(alpha, dropScale, hsumInv, outRow, row, p, heads, channels);
        continue;
      }
      for (let h = 0; h < heads; h++) {
        const a = f32At(alpha, p * heads + h) * f32At(hsumInv, h);
        setF32(alpha, p * heads + h, a);
        const w = dropScale == 0 ? a : a * f32At(dropScale, p * heads + h);
        if (w == 0) continue;
        const hc = (<usize>(h * channels)) << 2;
        axpy(outRow + hc, row + hc, w, channels);
      }
    }
  }
}

/** gatBackward's two passes over one target's edges when H and C are multiples of 4. */
// @ts-ignore: decorator
@inline
function gatBackwardFourHeads(
  i: i32,
  begin: i32,
  end: i32,
  heads: i32,
  channels: i32,
  src: usize,
  x: usize,
  scoreSrc: usize,
  scoreDst: usize,
  scoreEdge: usize,
  slopeV: v128,
  dropScale: usize,
  alpha: usize,
  gRow: usize,
  gradX: usize,
  gradScoreSrc: usize,
  gradScoreDst: usize,
  gradScoreEdge: usize,
  dotH: usize,
  gather: usize,
  cache: usize,
): void {
  const rowBytes = (<usize>(heads * channels)) << 2;
  const dstAt = (<usize>(i * heads)) << 2;
  for (let p = begin; p < end; p++) {
    const row = gather != 0 ? gather + <usize>(p - begin) * rowBytes : x + <usize>i32At(src, p) * rowBytes;
    const edgeAt = (<usize>(p * heads)) << 2;
    for (let h = 0; h < heads; h += 4) {
      const hc = (<usize>(h * channels)) << 2;
      const o = <usize>h << 2;
      let w = v128.load(alpha + edgeAt + o);
      if (dropScale != 0) w = f32x4.mul(w, v128.load(dropScale + edgeAt + o));
      const gA = dot4Heads(gRow + hc, row + hc, channels);
      if (cache != 0) v128.store(cache + ((<usize>((p - begin) * heads)) << 2) + o, gA);
      v128.store(dotH + o, f32x4.add(v128.load(dotH + o), f32x4.mul(w, gA)));
    }
  }
  for (let p = begin; p < end; p++) {
    const j = i32At(src, p);
    const row = gather != 0 ? gather + <usize>(p - begin) * rowBytes : x + <usize>j * rowBytes;
    const gxRow = gradX + <usize>j * rowBytes;
    const srcAt = (<usize>(j * heads)) << 2;
    const edgeAt = (<usize>(p * heads)) << 2;
    for (let h = 0; h < heads; h += 4) {
      const hc = (<usize>(h * channels)) << 2;
      const o = <usize>h << 2;
      const a = v128.load(alpha + edgeAt + o);
      const scale = dropScale == 0 ? f32x4.splat(1) : v128.load(dropScale + edgeAt + o);
      const gA =
        cache != 0
          ? v128.load(cache + ((<usize>((p - begin) * heads)) << 2) + o)
          : dot4Heads(gRow + hc, row + hc, channels);
      let v = f32x4.add(v128.load(scoreSrc + srcAt + o), v128.load(scoreDst + dstAt + o));
      if (scoreEdge != 0) v = f32x4.add(v, v128.load(scoreEdge + edgeAt + o));
      const gV = f32x4.mul(
        f32x4.mul(a, f32x4.sub(f32x4.mul(scale, gA), v128.load(dotH + o))),
        leakyReluSlope(v, slopeV),
      );
      v128.store(gradScoreSrc + srcAt + o, f32x4.add(v128.load(gradScoreSrc + srcAt + o), gV));
      v128.store(gradScoreDst + dstAt + o, f32x4.add(v128.load(gradScoreDst + dstAt + o), gV));
      if (gradScoreEdge != 0) {
        v128.store(gradScoreEdge + edgeAt + o, f32x4.add(v128.load(gradScoreEdge + edgeAt + o), gV));
      }
      maskedAxpyFourHeads(gxRow + hc, gRow + hc, f32x4.mul(a, scale), channels);
    }
  }
}

export function gatBackward(
  numDst: i32,
  heads: i32,
  channels: i32,
  ptr: usize,
  src: usize,
  x: usize,
  scoreSrc: usize,
  scoreDst: usize,
  scoreEdge: usize,
  slope: f32,
  dropScale: usize,
  alpha: usize,
  gradOut: usize,
  gradX: usize,
  gradScoreSrc: usize,
  gradScoreDst: usize,
  gradScoreEdge: usize,
  scratch: usize,
  gatherCapacity: i32,
  cacheEdges: i32,
): void {
  if (heads == 1) {
    gatBackwardOneHead(numDst, channels, ptr, src, x, scoreSrc, scoreDst, scoreEdge, slope, dropScale, alpha, gradOut, gradX, gradScoreSrc, gradScoreDst, gradScoreEdge, scratch, gatherCapacity, cacheEdges);
    return;
  }
  if (headLanesBackward(heads, channels)) {
    gatBackwardHeadLanes(numDst, heads, channels, ptr, src, x, scoreSrc, scoreDst, scoreEdge, slope, dropScale, alpha, gradOut, gradX, gradScoreSrc, gradScoreDst, gradScoreEdge, scratch, gatherCapacity, cacheEdges);
    return;
  }
  const width = heads * channels;
  const rowBytes = <usize>width << 2;
  const dotH = scratch;
  const gather = scratch + headScratchBytes(heads);
  const base = i32At(ptr, 0);
  const fourHeads = (heads & 3) == 0 && (channels & 3) == 0;
  const slopeV = f32x4.splat(slope);
  for (let i = 0; i < numDst; i++) {
    const begin = i32At(ptr, i) - base;
    const end = i32At(ptr, i + 1) - base;
    if (begin == end) continue;
    const gRow = gradOut + <usize>i * rowBytes;
    const gathered = gatherRows(src, begin, end, x, rowBytes, width, gather, gatherCapacity);
    touchNextSources(ptr, src, i, numDst, base, gatherCapacity, x, rowBytes, scoreSrc, <usize>heads << 2);
    touchNextSources(ptr, src, i, numDst, base, gatherCapacity, gradX, rowBytes, gradScoreSrc, <usize>heads << 2);
    for (let h = 0; h < heads; h++) setF32(dotH, h, 0);
    if (fourHeads) {
      const cache = end - begin <= cacheEdges ? gather + <usize>max(gatherCapacity, 1) * rowBytes : 0;
      gatBackwardFourHeads(i, begin, end, heads, channels, src, x, scoreSrc, scoreDst, scoreEdge, slopeV, dropScale, alpha, gRow, gradX, gradScoreSrc, gradScoreDst, gradScoreEdge, dotH, gathered ? gather : 0, cache);
      continue;
    }
    for (let p = begin; p < end; p++) {
      const row = gathered
        ? gather + <usize>(p - begin) * rowBytes
        : x + <usize>i32At(src, p) * rowBytes;
      for (let h = 0; h < heads; h++) {
        const hc = (<usize>(h * channels)) << 2;
        const gA = dot(gRow + hc, row + hc, channels);
        const scale = dropScale == 0 ? <f32>1 : f32At(dropScale, p * heads + h);
        setF32(dotH, h, f32At(dotH, h) + f32At(alpha, p * heads + h) * scale * gA);
      }
    }
    for (let p = begin; p < end; p++) {
      const j = i32At(src, p);
      const row = gathered ? gather + <usize>(p - begin) * rowBytes : x + <usize>j * rowBytes;
      const gxRow = gradX + <usize>j * rowBytes;
      for (let h = 0; h < heads; h++) {
        const hc = (<usize>(h * channels)) << 2;
        const a = f32At(alpha, p * heads + h);
        const scale = dropScale == 0 ? <f32>1 : f32At(dropScale, p * heads + h);
        const gA = dot(gRow + hc, row + hc, channels);
        let v = f32At(scoreSrc, j * heads + h) + f32At(scoreDst, i * heads + h);
        if (scoreEdge != 0) v += f32At(scoreEdge, p * heads + h);
        const gV = a * (scale * gA - f32At(dotH, h)) * leakyReluSlope1(v, slope);
        setF32(gradScoreSrc, j * heads + h, f32At(gradScoreSrc, j * heads + h) + gV);
        setF32(gradScoreDst, i * heads + h, f32At(gradScoreDst, i * heads + h) + gV);
        if (gradScoreEdge != 0) {
          setF32(gradScoreEdge, p * heads + h, f32At(gradScoreEdge, p * heads + h) + gV);
        }
        const value = a * scale;
        if (value != 0) axpy(gxRow + hc, gRow + hc, value, channels);
      }
    }
  }
}

/** out[r, h] = <x[r, h·C ..], att[h·C ..]> for rows r; out [rows, H]. */
export function headDot(rows: i32, heads: i32, channels: i32, x: usize, att: usize, out: usize): void {
  const rowBytes = (<usize>(heads * channels)) << 2;
  const fourHeads = (heads & 3) == 0 && (channels & 3) == 0;
  for (let r = 0; r < rows; r++) {
    const xRow = x + <usize>r * rowBytes;
    const outRow = out + ((<usize>(r * heads)) << 2);
    if (fourHeads) {
      for (let h = 0; h < heads; h += 4) {
        const hc = (<usize>(h * channels)) << 2;
        v128.store(outRow + (<usize>h << 2), dot4Heads(xRow + hc, att + hc, channels));
      }
    } else {
      for (let h = 0; h < heads; h++) {
        const hc = (<usize>(h * channels)) << 2;
        setF32(outRow, h, dot(xRow + hc, att + hc, channels));
      }
    }
  }
}

/**
 * headDot's backward: gradX[r, h·C + c] = g[r, h]·att[h·C + c] (overwritten) and
 * gradAtt[h·C + c] += Σ_r g[r, h]·x[r, h·C + c]; a pointer of 0 skips that output.
 */
export function headDotBackward(
  rows: i32,
  heads: i32,
  channels: i32,
  x: usize,
  att: usize,
  g: usize,
  gradX: usize,
  gradAtt: usize,
): void {
  const rowBytes = (<usize>(heads * channels)) << 2;
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * rowBytes;
    for (let h = 0; h < heads; h++) {
      const gv = f32At(g, r * heads + h);
      const gvV = f32x4.splat(gv);
      const hc = (<usize>(h * channels)) << 2;
      let c = 0;
      for (; c + 4 <= channels; c += 4) {
        const o = hc + (<usize>c << 2);
        if (gradX != 0) v128.store(gradX + off + o, f32x4.mul(gvV, v128.load(att + o)));
        if (gradAtt != 0) {
          v128.store(gradAtt + o, madd(gvV, v128.load(x + off + o), v128.load(gradAtt + o)));
        }
      }
      for (; c < channels; c++) {
        const o = hc + (<usize>c << 2);
        if (gradX != 0) store<f32>(gradX + off + o, gv * load<f32>(att + o));
        if (gradAtt != 0) store<f32>(gradAtt + o, load<f32>(gradAtt + o) + gv * load<f32>(x + off + o));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// One head (H = 1, any C). With a single head the generic code above spends its time on
// per-edge scalar work (alpha loads and stores, a branch on w = 0, scalar exp for the softmax
// tail) and on short loops whose exits mispredict. Here the edges of a target go four at a
// time: a block of four edge slots p .. p+3, with lanes past the segment's end made inert
// (scores −∞, weights 0, source rows redirected to a row of zeros, writes to a spare row).
// Channels go four at a time too; the C mod 4 tail is read with a full vector (the arena pads
// every buffer by 16 bytes) whose extra lanes are masked, and written with lane stores.
// Per-edge arrays are read and written a whole block at a time: alpha and the cache (in
// scratch) may be written past the segment's end, into slots of the next target (which
// rewrites them) or the padding; update operands keep lanes past the end as they were.
// ---------------------------------------------------------------------------------------------

/** Lanes k of the block at p with p + k < end, as all-ones. */
// @ts-ignore: decorator
@inline
function validLanes(p: i32, end: i32): v128 {
  return i32x4.lt_s(iconst(I_LANES), i32x4.splat(end - p));
}

/** Stores lanes 0 .. tail−1 (tail 1–3) of v at dst. */
// @ts-ignore: decorator
@inline
function storeTail(dst: usize, v: v128, tail: i32): void {
  if (tail & 2) {
    v128.store64_lane(dst, v, 0);
    if (tail & 1) v128.store32_lane(dst, v, 2, 8);
  } else {
    v128.store32_lane(dst, v, 0);
  }
}

/**
 * Stores the first `tail` lanes of v at dst as a whole vector, the other lanes rewritten with
 * the bits `old` read there: unlike lane stores, a later vector load of dst can take the
 * value straight from the store buffer.
 */
// @ts-ignore: decorator
@inline
function mergeTail(dst: usize, v: v128, old: v128, tailMask: v128): void {
  v128.store(dst, v128.bitselect(v, old, tailMask));
}

/** Lane k broadcast. */
// @ts-ignore: decorator
@inline
function lane0(v: v128): v128 {
  return i32x4.shuffle(v, v, 0, 0, 0, 0);
}
// @ts-ignore: decorator
@inline
function lane1(v: v128): v128 {
  return i32x4.shuffle(v, v, 1, 1, 1, 1);
}
// @ts-ignore: decorator
@inline
function lane2(v: v128): v128 {
  return i32x4.shuffle(v, v, 2, 2, 2, 2);
}
// @ts-ignore: decorator
@inline
function lane3(v: v128): v128 {
  return i32x4.shuffle(v, v, 3, 3, 3, 3);
}

/** The largest lane, in every lane (lanes are never NaN here). */
// @ts-ignore: decorator
@inline
function allMax(v: v128): v128 {
  const m = f32x4.pmax(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.pmax(m, i32x4.shuffle(m, m, 1, 0, 3, 2));
}

/** Four floats loaded from the addresses in the lanes of `at`. */
// @ts-ignore: decorator
@inline
function gatherFloats(at: v128): v128 {
  let v = v128.load32_zero(<usize>i32x4.extract_lane(at, 0));
  v = v128.load32_lane(<usize>i32x4.extract_lane(at, 1), v, 1);
  v = v128.load32_lane(<usize>i32x4.extract_lane(at, 2), v, 2);
  return v128.load32_lane(<usize>i32x4.extract_lane(at, 3), v, 3);
}

/**
 * Addresses of the source rows of the block at p: in the gather buffer when the segment was
 * gathered (`gathered` ≠ 0 is its first row), else x + src[p + k]·rowBytes; `zero` where
 * `keep` is off.
 */
// @ts-ignore: decorator
@inline
function rowAddresses(
  src: usize,
  p: i32,
  begin: i32,
  x: usize,
  rowBytes: usize,
  gathered: usize,
  laneRows: v128,
  keep: v128,
  zero: v128,
): v128 {
  const rows =
    gathered != 0
      ? i32x4.add(i32x4.splat(<i32>(gathered + <usize>(p - begin) * rowBytes)), laneRows)
      : i32x4.add(i32x4.splat(<i32>x), i32x4.mul(v128.load(src + (<usize>p << 2)), i32x4.splat(<i32>rowBytes)));
  return v128.bitselect(rows, zero, keep);
}

/** Σ_k w_k·r_k at byte offset o of four rows (w_k: lane k of w, broadcast). */
// @ts-ignore: decorator
@inline
function fourTerms(r0: usize, r1: usize, r2: usize, r3: usize, o: usize, w0: v128, w1: v128, w2: v128, w3: v128): v128 {
  return f32x4.add(
    madd(w1, v128.load(r1 + o), f32x4.mul(w0, v128.load(r0 + o))),
    madd(w3, v128.load(r3 + o), f32x4.mul(w2, v128.load(r2 + o))),
  );
}

/** dst[0..C) += Σ_k w_k·r_k[0..C) over four rows, C = 4·full + tail. */
// @ts-ignore: decorator
@inline
function addFourRows(dst: usize, r0: usize, r1: usize, r2: usize, r3: usize, w: v128, full: i32, tail: i32, tailMask: v128): void {
  const w0 = lane0(w);
  const w1 = lane1(w);
  const w2 = lane2(w);
  const w3 = lane3(w);
  const fullBytes = <usize>full << 4;
  let o: usize = 0;
  for (; o < fullBytes; o += 16) {
    v128.store(dst + o, f32x4.add(v128.load(dst + o), fourTerms(r0, r1, r2, r3, o, w0, w1, w2, w3)));
  }
  if (tail != 0) {
    const old = v128.load(dst + o);
    mergeTail(dst + o, f32x4.add(old, fourTerms(r0, r1, r2, r3, o, w0, w1, w2, w3)), old, tailMask);
  }
}

/**
 * <g, r_k> for four rows (addresses in the lanes of `rows`), C = 4·full + tail, as one
 * vector; the rows go through the channels together, so each chunk of g is loaded once.
 */
// @ts-ignore: decorator
@inline
function fourDots(g: usize, rows: v128, full: i32, tail: i32, tailMask: v128): v128 {
  const r0 = <usize>i32x4.extract_lane(rows, 0);
  const r1 = <usize>i32x4.extract_lane(rows, 1);
  const r2 = <usize>i32x4.extract_lane(rows, 2);
  const r3 = <usize>i32x4.extract_lane(rows, 3);
  const fullBytes = <usize>full << 4;
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  let o: usize = 0;
  for (; o < fullBytes; o += 16) {
    const gV = v128.load(g + o);
    a0 = madd(gV, v128.load(r0 + o), a0);
    a1 = madd(gV, v128.load(r1 + o), a1);
    a2 = madd(gV, v128.load(r2 + o), a2);
    a3 = madd(gV, v128.load(r3 + o), a3);
  }
  if (tail != 0) {
    const gV = v128.load(g + o);
    a0 = f32x4.add(a0, v128.and(f32x4.mul(gV, v128.load(r0 + o)), tailMask));
    a1 = f32x4.add(a1, v128.and(f32x4.mul(gV, v128.load(r1 + o)), tailMask));
    a2 = f32x4.add(a2, v128.and(f32x4.mul(gV, v128.load(r2 + o)), tailMask));
    a3 = f32x4.add(a3, v128.and(f32x4.mul(gV, v128.load(r3 + o)), tailMask));
  }
  return hsum4(a0, a1, a2, a3);
}

/**
 * fourDots, and in the same pass over the channels dst_k += v_k·g for four rows dst_k (the
 * addresses in the lanes of `dsts`, v_k lane k of `values`): returns <g, r_k>.
 */
// @ts-ignore: decorator
@inline
function fourDotsAndScatter(g: usize, rows: v128, dsts: v128, values: v128, full: i32, tail: i32, tailMask: v128): v128 {
  const r0 = <usize>i32x4.extract_lane(rows, 0);
  const r1 = <usize>i32x4.extract_lane(rows, 1);
  const r2 = <usize>i32x4.extract_lane(rows, 2);
  const r3 = <usize>i32x4.extract_lane(rows, 3);
  const d0 = <usize>i32x4.extract_lane(dsts, 0);
  const d1 = <usize>i32x4.extract_lane(dsts, 1);
  const d2 = <usize>i32x4.extract_lane(dsts, 2);
  const d3 = <usize>i32x4.extract_lane(dsts, 3);
  const v0 = lane0(values);
  const v1 = lane1(values);
  const v2 = lane2(values);
  const v3 = lane3(values);
  const fullBytes = <usize>full << 4;
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  let o: usize = 0;
  for (; o < fullBytes; o += 16) {
    const gV = v128.load(g + o);
    a0 = madd(gV, v128.load(r0 + o), a0);
    a1 = madd(gV, v128.load(r1 + o), a1);
    a2 = madd(gV, v128.load(r2 + o), a2);
    a3 = madd(gV, v128.load(r3 + o), a3);
    v128.store(d0 + o, madd(v0, gV, v128.load(d0 + o)));
    v128.store(d1 + o, madd(v1, gV, v128.load(d1 + o)));
    v128.store(d2 + o, madd(v2, gV, v128.load(d2 + o)));
    v128.store(d3 + o, madd(v3, gV, v128.load(d3 + o)));
  }
  if (tail != 0) {
    const gV = v128.load(g + o);
    a0 = f32x4.add(a0, v128.and(f32x4.mul(gV, v128.load(r0 + o)), tailMask));
    a1 = f32x4.add(a1, v128.and(f32x4.mul(gV, v128.load(r1 + o)), tailMask));
    a2 = f32x4.add(a2, v128.and(f32x4.mul(gV, v128.load(r2 + o)), tailMask));
    a3 = f32x4.add(a3, v128.and(f32x4.mul(gV, v128.load(r3 + o)), tailMask));
    let old = v128.load(d0 + o);
    mergeTail(d0 + o, madd(v0, gV, old), old, tailMask);
    old = v128.load(d1 + o);
    mergeTail(d1 + o, madd(v1, gV, old), old, tailMask);
    old = v128.load(d2 + o);
    mergeTail(d2 + o, madd(v2, gV, old), old, tailMask);
    old = v128.load(d3 + o);
    mergeTail(d3 + o, madd(v3, gV, old), old, tailMask);
  }
  return hsum4(a0, a1, a2, a3);
}

/** fourDotsAndScatter for a block whose lanes 2 and 3 are past the end (their results 0). */
// @ts-ignore: decorator
@inline
function twoDotsAndScatter(g: usize, rows: v128, dsts: v128, values: v128, full: i32, tail: i32, tailMask: v128): v128 {
  const r0 = <usize>i32x4.extract_lane(rows, 0);
  const r1 = <usize>i32x4.extract_lane(rows, 1);
  const d0 = <usize>i32x4.extract_lane(dsts, 0);
  const d1 = <usize>i32x4.extract_lane(dsts, 1);
  const v0 = lane0(values);
  const v1 = lane1(values);
  const fullBytes = <usize>full << 4;
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let o: usize = 0;
  for (; o < fullBytes; o += 16) {
    const gV = v128.load(g + o);
    a0 = madd(gV, v128.load(r0 + o), a0);
    a1 = madd(gV, v128.load(r1 + o), a1);
    v128.store(d0 + o, madd(v0, gV, v128.load(d0 + o)));
    v128.store(d1 + o, madd(v1, gV, v128.load(d1 + o)));
  }
  if (tail != 0) {
    const gV = v128.load(g + o);
    a0 = f32x4.add(a0, v128.and(f32x4.mul(gV, v128.load(r0 + o)), tailMask));
    a1 = f32x4.add(a1, v128.and(f32x4.mul(gV, v128.load(r1 + o)), tailMask));
    let old = v128.load(d0 + o);
    mergeTail(d0 + o, madd(v0, gV, old), old, tailMask);
    old = v128.load(d1 + o);
    mergeTail(d1 + o, madd(v1, gV, old), old, tailMask);
  }
  return hsum4(a0, a1, f32x4.splat(0), f32x4.splat(0));
}

/** Bytes from one row's start to the next in the one-head scratch rows (16-aligned, padded). */
// @ts-ignore: decorator
@inline
function spareRowBytes(channels: i32): usize {
  return ((((<usize>channels << 2) + 15) >> 4) << 4) + 16;
}

/**
 * The zero row of the one-head kernels, zeroed: after the `used` bytes of the rest of scratch
 * (16-aligned, 16 bytes on). Four spare rows follow it, written to and never read: one per
 * lane, so that the writes of skipped lanes do not queue behind each other on one row.
 */
// @ts-ignore: decorator
@inline
function spareRows(zero: usize, channels: i32): v128 {
  const step = <i32>spareRowBytes(channels);
  return i32x4.add(i32x4.splat(<i32>zero + step), i32x4.mul(iconst(I_LANES), i32x4.splat(step)));
}

// @ts-ignore: decorator
@inline
function zeroRowAt(scratch: usize, used: usize, channels: i32): usize {
  const zero = (((scratch + used + 15) >> 4) << 4) + 16;
  zeroRow(zero, <i32>(spareRowBytes(channels) >> 2));
  return zero;
}

// Splatted f32 constants of the one-head kernels, loaded from memory: V8 (x64) builds each
// v128.const from immediates with three instructions at every use, and spills the results
// when registers run short, which made the exponential twice as dear.
const F_NEG_INF: usize = 0;
const F_EPS: usize = 16;
const F_ONE: usize = 32;
const F_EXP_MIN: usize = 48;
const F_MAGIC: usize = 64;
const F_LOG2E: usize = 80;
const F_LN2_HI: usize = 96;
const F_LN2_LO: usize = 112;
const F_P0: usize = 128;
const F_P1: usize = 144;
const F_P2: usize = 160;
const F_P3: usize = 176;
const F_P4: usize = 192;
const F_P5: usize = 208;
const F32_CONSTANTS = memory.data<f32>(
  [
    -Infinity, -Infinity, -Infinity, -Infinity,
    SOFTMAX_EPS, SOFTMAX_EPS, SOFTMAX_EPS, SOFTMAX_EPS,
    1, 1, 1, 1,
    -87.99, -87.99, -87.99, -87.99,
    12582912, 12582912, 12582912, 12582912,
    1.44269504088896341, 1.44269504088896341, 1.44269504088896341, 1.44269504088896341,
    0.693359375, 0.693359375, 0.693359375, 0.693359375,
    -2.12194440e-4, -2.12194440e-4, -2.12194440e-4, -2.12194440e-4,
    5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1,
    1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1,
    4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2,
    8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3,
    1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3,
    1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4,
  ],
  16,
);
/** Lane indices 0 1 2 3, then the exponent bias 127 in every lane. */
const I_LANES: usize = 0;
const I_BIAS: usize = 16;
const I32_CONSTANTS = memory.data<i32>([0, 1, 2, 3, 127, 127, 127, 127], 16);

// @ts-ignore: decorator
@inline
function fconst(offset: usize): v128 {
  return v128.load(F32_CONSTANTS + offset);
}

// @ts-ignore: decorator
@inline
function iconst(offset: usize): v128 {
  return v128.load(I32_CONSTANTS + offset);
}

/**
 * e^x for x ≤ 0 (softmax arguments; NaN stays NaN): exp4 of simd.ts with the polynomial
 * evaluated by Estrin's scheme rather than Horner's (same coefficients and range reduction,
 * rounding that differs by an ulp or so, half the latency) and constants from memory. Below
 * −87.68, 2^n underflows to exactly 0 (x is clamped at −87.99, where n = −127 and the
 * exponent field of 2^n is 0), so no select is needed there (exp4 gives 0 below −87.3; here
 * −87.68 < x < −87.3 give e^x ≈ 1e−38 instead); a NaN x comes out 0, its bits or-ed back in.
 */
// @ts-ignore: decorator
@inline
function expFast4(x: v128): v128 {
  const min = fconst(F_EXP_MIN);
  const clamped = f32x4.pmax(min, x);
  const magic = fconst(F_MAGIC);
  const t = madd(clamped, fconst(F_LOG2E), magic);
  const n = f32x4.sub(t, magic);
  let r = f32x4.sub(clamped, f32x4.mul(n, fconst(F_LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, fconst(F_LN2_LO)));
  const r2 = f32x4.mul(r, r);
  const r4 = f32x4.mul(r2, r2);
  const a = madd(fconst(F_P1), r, fconst(F_P0));
  const b = madd(fconst(F_P3), r, fconst(F_P2));
  const c = madd(fconst(F_P5), r, fconst(F_P4));
  const p = madd(r4, c, madd(r2, b, a));
  const one = fconst(F_ONE);
  const y = madd(r2, p, f32x4.add(r, one));
  const scale = i32x4.shl(i32x4.add(i32x4.sub(t, magic), iconst(I_BIAS)), 23);
  return v128.or(f32x4.mul(y, scale), v128.and(x, f32x4.ne(x, x)));
}

/** The sum of the lanes, in every lane. */
// @ts-ignore: decorator
@inline
function allSum(v: v128): v128 {
  const s = f32x4.add(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.add(s, i32x4.shuffle(s, s, 1, 0, 3, 2));
}

/** dst[0..C) = Σ_k w_k·r_k[0..C) over four rows, C = 4·full + tail. */
// @ts-ignore: decorator
@inline
function setFourRows(dst: usize, r0: usize, r1: usize, r2: usize, r3: usize, w: v128, full: i32, tail: i32, tailMask: v128): void {
  const w0 = lane0(w);
  const w1 = lane1(w);
  const w2 = lane2(w);
  const w3 = lane3(w);
  const fullBytes = <usize>full << 4;
  let o: usize = 0;
  for (; o < fullBytes; o += 16) v128.store(dst + o, fourTerms(r0, r1, r2, r3, o, w0, w1, w2, w3));
  if (tail != 0) mergeTail(dst + o, fourTerms(r0, r1, r2, r3, o, w0, w1, w2, w3), v128.load(dst + o), tailMask);
}

/** The row of a target without in-edges, C = 4·full + tail floats: the bias, or zeros. */
// @ts-ignore: decorator
@inline
function startTail(dst: usize, bias: usize, full: i32, tail: i32): void {
  const fullBytes = <usize>full << 4;
  let o: usize = 0;
  for (; o < fullBytes; o += 16) v128.store(dst + o, bias == 0 ? f32x4.splat(0) : v128.load(bias + o));
  if (tail != 0) storeTail(dst + o, bias == 0 ? f32x4.splat(0) : v128.load(bias + o), tail);
}

/** Σ_k w_k·r_k at byte offset o, with r_k the addresses in the lanes of `rows`. */
// @ts-ignore: decorator
@inline
function blockTerms(rows: v128, w: v128, o: usize): v128 {
  return fourTerms(
    <usize>i32x4.extract_lane(rows, 0),
    <usize>i32x4.extract_lane(rows, 1),
    <usize>i32x4.extract_lane(rows, 2),
    <usize>i32x4.extract_lane(rows, 3),
    o,
    lane0(w),
    lane1(w),
    lane2(w),
    lane3(w),
  );
}

/** blockTerms for a block whose lanes 2 and 3 are past the end. */
// @ts-ignore: decorator
@inline
function blockTerms2(rows: v128, w: v128, o: usize): v128 {
  return madd(
    lane1(w),
    v128.load(<usize>i32x4.extract_lane(rows, 1) + o),
    f32x4.mul(lane0(w), v128.load(<usize>i32x4.extract_lane(rows, 0) + o)),
  );
}

/** dst[0..C) = dst·s (+ bias when bias ≠ 0), C = 4·full + tail. */
// @ts-ignore: decorator
@inline
function scaleRow(dst: usize, s: v128, bias: usize, full: i32, tail: i32, tailMask: v128): void {
  const fullBytes = <usize>full << 4;
  let o: usize = 0;
  if (bias == 0) {
    for (; o < fullBytes; o += 16) v128.store(dst + o, f32x4.mul(v128.load(dst + o), s));
  } else {
    for (; o < fullBytes; o += 16) v128.store(dst + o, madd(v128.load(dst + o), s, v128.load(bias + o)));
  }
  if (tail != 0) {
    const old = v128.load(dst + o);
    const v = bias == 0 ? f32x4.mul(old, s) : madd(old, s, v128.load(bias + o));
    mergeTail(dst + o, v, old, tailMask);
  }
}

/**
 * Stores vector k of a row of C ≤ 16 floats, acc·inv (+ the bias's vector k when bias ≠ 0):
 * whole, the C mod 4 tail, or nothing (then the bias is not read: past its padding).
 */
// @ts-ignore: decorator
@inline
function storeRowPart(dst: usize, acc: v128, inv: v128, bias: usize, k: i32, channels: i32): void {
  const left = channels - 4 * k;
  if (left <= 0) return;
  const o = <usize>k << 4;
  const v = bias == 0 ? f32x4.mul(acc, inv) : madd(acc, inv, v128.load(bias + o));
  if (left >= 4) v128.store(dst + o, v);
  else storeTail(dst + o, v, left);
}

/**
 * The weights of one block, numerator·dropout scale (0 past the end), before normalising:
 * the sum is scaled by 1 / (Σ + ε) once at the end rather than each weight, so that the
 * weighted sum need not wait for the division.
 */
// @ts-ignore: decorator
@inline
function blockWeights(dropScale: usize, p: i32, numerators: v128, valid: v128): v128 {
  return dropScale == 0 ? numerators : v128.and(f32x4.mul(numerators, v128.load(dropScale + (<usize>p << 2))), valid);
}

/**
 * The softmax and weighted sum of a segment whose first block of scores is `e0` (lanes past
 * the end −∞) and, when it has more than four edges, whose later scores are in alpha, with
 * `max` their lane-wise maximum: writes α and out_i = Σ dropout(α)·x_j (+ bias). Rows whose
 * weight is 0 are skipped as in the reference (tested before normalising: numerator·scale =
 * 0, the same unless α·scale underflows where numerator·scale does not). With `numerators`
 * (a constant), alpha already holds the segment's softmax numerators e^(e − max) (e0 and max
 * unused), and only its own lanes of alpha are rewritten: the lanes past the end keep the
 * bits read there.
 */
// @ts-ignore: decorator
@inline
function softmaxAndSumOneHead(
  numerators: bool,
  e0: v128,
  max: v128,
  alpha: usize,
  dropScale: usize,
  src: usize,
  begin: i32,
  end: i32,
  x: usize,
  rowBytes: usize,
  gathered: usize,
  laneRows: v128,
  zero: v128,
  bias: usize,
  outRow: usize,
  channels: i32,
  full: i32,
  tail: i32,
  tailMask: v128,
): void {
  const more = end - begin > 4;
  // Rows of up to 16 floats are summed in registers, longer ones in outRow.
  const small = channels <= 16;
  const m = numerators ? max : allMax(max);
  const valid0 = validLanes(begin, end);
  const first = numerators ? v128.load(alpha + (<usize>begin << 2)) : e0;
  const n0 = v128.and(numerators ? first : expFast4(f32x4.sub(e0, m)), valid0);
  let sum = n0;
  let w = blockWeights(dropScale, begin, n0, valid0);
  let rows = rowAddresses(src, begin, begin, x, rowBytes, gathered, laneRows, f32x4.ne(w, f32x4.splat(0)), zero);
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let acc2 = f32x4.splat(0);
  let acc3 = f32x4.splat(0);
  if (small && !numerators && end - begin <= 2) {
    // Lanes 2 and 3 past the end (most targets of a few edges): two rows. Not in the passes
    // of softmaxAndSumAllOneHead, where the branch's mispredictions cost more than the two
    // rows save (Cora, H = 1, C = 7: GAT 79 → 74 µs a call).
    acc0 = blockTerms2(rows, w, 0);
    if (channels > 4) acc1 = blockTerms2(rows, w, 16);
    if (channels > 8) acc2 = blockTerms2(rows, w, 32);
    if (channels > 12) acc3 = blockTerms2(rows, w, 48);
  } else if (small) {
    acc0 = blockTerms(rows, w, 0);
    if (channels > 4) acc1 = blockTerms(rows, w, 16);
    if (channels > 8) acc2 = blockTerms(rows, w, 32);
    if (channels > 12) acc3 = blockTerms(rows, w, 48);
  } else {
    setFourRows(
      outRow,
      <usize>i32x4.extract_lane(rows, 0),
      <usize>i32x4.extract_lane(rows, 1),
      <usize>i32x4.extract_lane(rows, 2),
      <usize>i32x4.extract_lane(rows, 3),
      w,
      full,
      tail,
      tailMask,
    );
  }
  if (more) {
    for (let p = begin + 4; p < end; p += 4) {
      const at = alpha + (<usize>p << 2);
      const valid = validLanes(p, end);
      const n = v128.and(numerators ? v128.load(at) : expFast4(f32x4.sub(v128.load(at), m)), valid);
      if (!numerators) v128.store(at, n);
      sum = f32x4.add(sum, n);
      w = blockWeights(dropScale, p, n, valid);
      rows = rowAddresses(src, p, begin, x, rowBytes, gathered, laneRows, f32x4.ne(w, f32x4.splat(0)), zero);
      if (small) {
        acc0 = f32x4.add(acc0, blockTerms(rows, w, 0));
        if (channels > 4) acc1 = f32x4.add(acc1, blockTerms(rows, w, 16));
        if (channels > 8) acc2 = f32x4.add(acc2, blockTerms(rows, w, 32));
        if (channels > 12) acc3 = f32x4.add(acc3, blockTerms(rows, w, 48));
      } else {
        addFourRows(
          outRow,
          <usize>i32x4.extract_lane(rows, 0),
          <usize>i32x4.extract_lane(rows, 1),
          <usize>i32x4.extract_lane(rows, 2),
          <usize>i32x4.extract_lane(rows, 3),
          w,
          full,
          tail,
          tailMask,
        );
      }
    }
  }
  const inv = f32x4.div(fconst(F_ONE), f32x4.add(allSum(sum), fconst(F_EPS)));
  if (small) {
    storeRowPart(outRow, acc0, inv, bias, 0, channels);
    storeRowPart(outRow, acc1, inv, bias, 1, channels);
    storeRowPart(outRow, acc2, inv, bias, 2, channels);
    storeRowPart(outRow, acc3, inv, bias, 3, channels);
  }
  else scaleRow(outRow, inv, bias, full, tail, tailMask);
  const alpha0 = f32x4.mul(n0, inv);
  v128.store(alpha + (<usize>begin << 2), numerators ? v128.bitselect(alpha0, first, valid0) : alpha0);
  if (more) {
    for (let p = begin + 4; p < end; p += 4) {
      const at = alpha + (<usize>p << 2);
      const a = v128.load(at);
      v128.store(at, numerators ? v128.bitselect(f32x4.mul(a, inv), a, validLanes(p, end)) : f32x4.mul(a, inv));
    }
  }
}

/**
 * A segment's scores e in alpha, `max` their lane-wise maximum → e − max (the lanes past the
 * end too: the next segment overwrites them, or they are in the padding).
 */
// @ts-ignore: decorator
@inline
function shiftScores(alpha: usize, begin: i32, end: i32, max: v128): void {
  const m = allMax(max);
  for (let p = begin; p < end; p += 4) {
    const at = alpha + (<usize>p << 2);
    v128.store(at, f32x4.sub(v128.load(at), m));
  }
}

/**
 * The last two passes of the one-head forward kernels without gathering: alpha holds e − max
 * of every edge slot, made softmax numerators by one flat pass over the slots (no segment
 * boundaries, so the exponentials of consecutive blocks overlap), then each target's sum,
 * α and weighted sum. Targets go even ones first, then odd ones: a target rewrites the block
 * its segment ends in, and the next target's first load of that block would otherwise wait
 * for the store (a load that overlaps a store only in part is not forwarded from it): in
 * order, Cora's GAT output layer took 111 µs a call instead of 74. Ordering targets by degree
 * (so that the branches on a segment's length predict) made it slower, 74 → 92 µs.
 */
// @ts-ignore: decorator
@inline
function softmaxAndSumAllOneHead(
  numDst: i32,
  ptr: usize,
  alpha: usize,
  dropScale: usize,
  src: usize,
  x: usize,
  rowBytes: usize,
  laneRows: v128,
  zero: v128,
  bias: usize,
  out: usize,
  channels: i32,
  full: i32,
  tail: i32,
  tailMask: v128,
): void {
  const base = i32At(ptr, 0);
  const edges = i32At(ptr, numDst) - base;
  for (let p = 0; p < edges; p += 4) {
    const at = alpha + (<usize>p << 2);
    v128.store(at, expFast4(v128.load(at)));
  }
  for (let parity = 0; parity < 2; parity++) {
    for (let i = parity; i < numDst; i += 2) {
      const begin = i32At(ptr, i) - base;
      const end = i32At(ptr, i + 1) - base;
      const outRow = out + <usize>i * rowBytes;
      if (begin == end) startTail(outRow, bias, full, tail);
      else softmaxAndSumOneHead(true, zero, zero, alpha, dropScale, src, begin, end, x, rowBytes, 0, laneRows, zero, bias, outRow, channels, full, tail, tailMask);
    }
  }
}

/** GAT scores of the block at p: LeakyReLU(s_j + t_i (+ edge)), −∞ past the end. */
// @ts-ignore: decorator
@inline
function gatBlockScores(
  src: usize,
  p: i32,
  valid: v128,
  scoreSrc: usize,
  t: v128,
  scoreEdge: usize,
  slopeV: v128,
  zero: v128,
): v128 {
  const j = v128.load(src + (<usize>p << 2));
  let v = f32x4.add(gatherFloats(v128.bitselect(i32x4.add(i32x4.splat(<i32>scoreSrc), i32x4.shl(j, 2)), zero, valid)), t);
  if (scoreEdge != 0) v = f32x4.add(v, v128.load(scoreEdge + (<usize>p << 2)));
  return v128.bitselect(leakyRelu(v, slopeV), fconst(F_NEG_INF), valid);
}

/** The GAT scores of a segment into alpha (−∞ past the end), returning their lane-wise max. */
// @ts-ignore: decorator
@inline
function gatSegmentScores(
  alpha: usize,
  src: usize,
  begin: i32,
  end: i32,
  scoreSrc: usize,
  t: v128,
  scoreEdge: usize,
  slopeV: v128,
  zero: v128,
): v128 {
  let max = fconst(F_NEG_INF);
  for (let p = begin; p < end; p += 4) {
    const e = gatBlockScores(src, p, validLanes(p, end), scoreSrc, t, scoreEdge, slopeV, zero);
    v128.store(alpha + (<usize>p << 2), e);
    max = f32x4.pmax(max, e);
  }
  return max;
}

/**
 * GAT forward, one head. Without gathering (sources that stay in cache), three passes: the
 * scores of every target (e − max into alpha), the exponentials of all slots, then each
 * target's softmax and weighted sum (softmaxAndSumAllOneHead). Done per target in one pass,
 * each target's work is one long chain of dependent steps (scores, max, exponential, weighted
 * sum, division) with too many instructions between two targets' chains for the core to
 * overlap them; passes of shorter chains overlap: Cora's output layer (H = 1, C = 7, 13,264
 * edges), 98 → 79 µs a call (relaxed SIMD; 102 → 80 plain). With gathering the passes share
 * one copy of the segment's rows, so a target's work stays together.
 */
function gatForwardOneHead(
  numDst: i32,
  channels: i32,
  ptr: usize,
  src: usize,
  x: usize,
  scoreSrc: usize,
  scoreDst: usize,
  scoreEdge: usize,
  slope: f32,
  dropScale: usize,
  bias: usize,
  out: usize,
  alpha: usize,
  scratch: usize,
  gatherCapacity: i32,
): void {
  const rowBytes = <usize>channels << 2;
  const gather = scratch + headScratchBytes(1);
  const zero = zeroRowAt(scratch, headScratchBytes(1) + <usize>max(gatherCapacity, 1) * rowBytes, channels);
  const zeroV = i32x4.splat(<i32>zero);
  const full = channels >> 2;
  const tail = channels & 3;
  const tailMask = i32x4.lt_s(iconst(I_LANES), i32x4.splat(tail));
  const laneRows = i32x4.mul(iconst(I_LANES), i32x4.splat(<i32>rowBytes));
  const slopeV = f32x4.splat(slope);
  const base = i32At(ptr, 0);
  if (gatherCapacity == 0) {
    for (let i = 0; i < numDst; i++) {
      const begin = i32At(ptr, i) - base;
      const end = i32At(ptr, i + 1) - base;
      if (begin == end) continue;
      const t = f32x4.splat(f32At(scoreDst, i));
      shiftScores(alpha, begin, end, gatSegmentScores(alpha, src, begin, end, scoreSrc, t, scoreEdge, slopeV, zeroV));
    }
    softmaxAndSumAllOneHead(numDst, ptr, alpha, dropScale, src, x, rowBytes, laneRows, zeroV, bias, out, channels, full, tail, tailMask);
    return;
  }
  for (let i = 0; i < numDst; i++) {
    const begin = i32At(ptr, i) - base;
    const end = i32At(ptr, i + 1) - base;
    const outRow = out + <usize>i * rowBytes;
    if (begin == end) {
      startTail(outRow, bias, full, tail);
      continue;
    }
    const gathered = gatherRows(src, begin, end, x, rowBytes, channels, gather, gatherCapacity) ? gather : 0;
    touchNextSources(ptr, src, i, numDst, base, gatherCapacity, x, rowBytes, scoreSrc, 4);
    const t = f32x4.splat(f32At(scoreDst, i));
    const max = gatSegmentScores(alpha, src, begin, end, scoreSrc, t, scoreEdge, slopeV, zeroV);
    const e0 = v128.load(alpha + (<usize>begin << 2));
    softmaxAndSumOneHead(false, e0, max, alpha, dropScale, src, begin, end, x, rowBytes, gathered, laneRows, zeroV, bias, outRow, channels, full, tail, tailMask);
  }
}

/** <att, LeakyReLU(z)> of four edges' z (chunks at byte offset o), added into the four partial sums. */
// @ts-ignore: decorator
@inline
function gatv2Terms(z: v128, attV: v128, slopeV: v128): v128 {
  return f32x4.mul(attV, leakyRelu(z, slopeV));
}

/**
 * The GATv2 scores <att, LeakyReLU(xl_j + xr_i (+ edge))> of four rows (addresses in the
 * lanes of `rows`, edge rows in `edges`), C = 4·full + tail, as one vector: the four rows go
 * through the channels together, so each chunk of xr and att is loaded once.
 */
// @ts-ignore: decorator
@inline
function gatv2FourScores(
  rows: v128,
  edges: v128,
  xrRow: usize,
  att: usize,
  hasEdge: bool,
  full: i32,
  tail: i32,
  tailMask: v128,
  slopeV: v128,
): v128 {
  const r0 = <usize>i32x4.extract_lane(rows, 0);
  const r1 = <usize>i32x4.extract_lane(rows, 1);
  const r2 = <usize>i32x4.extract_lane(rows, 2);
  const r3 = <usize>i32x4.extract_lane(rows, 3);
  const fullBytes = <usize>full << 4;
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  let o: usize = 0;
  if (hasEdge) {
    const e0 = <usize>i32x4.extract_lane(edges, 0);
    const e1 = <usize>i32x4.extract_lane(edges, 1);
    const e2 = <usize>i32x4.extract_lane(edges, 2);
    const e3 = <usize>i32x4.extract_lane(edges, 3);
    for (; o < fullBytes; o += 16) {
      const xrV = v128.load(xrRow + o);
      const attV = v128.load(att + o);
      a0 = f32x4.add(a0, gatv2Terms(f32x4.add(f32x4.add(v128.load(r0 + o), xrV), v128.load(e0 + o)), attV, slopeV));
      a1 = f32x4.add(a1, gatv2Terms(f32x4.add(f32x4.add(v128.load(r1 + o), xrV), v128.load(e1 + o)), attV, slopeV));
      a2 = f32x4.add(a2, gatv2Terms(f32x4.add(f32x4.add(v128.load(r2 + o), xrV), v128.load(e2 + o)), attV, slopeV));
      a3 = f32x4.add(a3, gatv2Terms(f32x4.add(f32x4.add(v128.load(r3 + o), xrV), v128.load(e3 + o)), attV, slopeV));
    }
    if (tail != 0) {
      const xrV = v128.load(xrRow + o);
      const attV = v128.load(att + o);
      a0 = f32x4.add(a0, v128.and(gatv2Terms(f32x4.add(f32x4.add(v128.load(r0 + o), xrV), v128.load(e0 + o)), attV, slopeV), tailMask));
      a1 = f32x4.add(a1, v128.and(gatv2Terms(f32x4.add(f32x4.add(v128.load(r1 + o), xrV), v128.load(e1 + o)), attV, slopeV), tailMask));
      a2 = f32x4.add(a2, v128.and(gatv2Terms(f32x4.add(f32x4.add(v128.load(r2 + o), xrV), v128.load(e2 + o)), attV, slopeV), tailMask));
      a3 = f32x4.add(a3, v128.and(gatv2Terms(f32x4.add(f32x4.add(v128.load(r3 + o), xrV), v128.load(e3 + o)), attV, slopeV), tailMask));
    }
  } else {
    for (; o < fullBytes; o += 16) {
      const xrV = v128.load(xrRow + o);
      const attV = v128.load(att + o);
      a0 = f32x4.add(a0, gatv2Terms(f32x4.add(v128.load(r0 + o), xrV), attV, slopeV));
      a1 = f32x4.add(a1, gatv2Terms(f32x4.add(v128.load(r1 + o), xrV), attV, slopeV));
      a2 = f32x4.add(a2, gatv2Terms(f32x4.add(v128.load(r2 + o), xrV), attV, slopeV));
      a3 = f32x4.add(a3, gatv2Terms(f32x4.add(v128.load(r3 + o), xrV), attV, slopeV));
    }
    if (tail != 0) {
      const xrV = v128.load(xrRow + o);
      const attV = v128.load(att + o);
      a0 = f32x4.add(a0, v128.and(gatv2Terms(f32x4.add(v128.load(r0 + o), xrV), attV, slopeV), tailMask));
      a1 = f32x4.add(a1, v128.and(gatv2Terms(f32x4.add(v128.load(r1 + o), xrV), attV, slopeV), tailMask));
      a2 = f32x4.add(a2, v128.and(gatv2Terms(f32x4.add(v128.load(r2 + o), xrV), attV, slopeV), tailMask));
      a3 = f32x4.add(a3, v128.and(gatv2Terms(f32x4.add(v128.load(r3 + o), xrV), attV, slopeV), tailMask));
    }
  }
  return hsum4(a0, a1, a2, a3);
}

/** gatv2FourScores for a block whose lanes 2 and 3 are past the end (their scores 0). */
// @ts-ignore: decorator
@inline
function gatv2TwoScores(
  rows: v128,
  edges: v128,
  xrRow: usize,
  att: usize,
  hasEdge: bool,
  full: i32,
  tail: i32,
  tailMask: v128,
  slopeV: v128,
): v128 {
  const r0 = <usize>i32x4.extract_lane(rows, 0);
  const r1 = <usize>i32x4.extract_lane(rows, 1);
  const e0 = hasEdge ? <usize>i32x4.extract_lane(edges, 0) : 0;
  const e1 = hasEdge ? <usize>i32x4.extract_lane(edges, 1) : 0;
  const fullBytes = <usize>full << 4;
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let o: usize = 0;
  for (; o < fullBytes; o += 16) {
    const xrV = v128.load(xrRow + o);
    const attV = v128.load(att + o);
    let z0 = f32x4.add(v128.load(r0 + o), xrV);
    let z1 = f32x4.add(v128.load(r1 + o), xrV);
    if (hasEdge) {
      z0 = f32x4.add(z0, v128.load(e0 + o));
      z1 = f32x4.add(z1, v128.load(e1 + o));
    }
    a0 = f32x4.add(a0, gatv2Terms(z0, attV, slopeV));
    a1 = f32x4.add(a1, gatv2Terms(z1, attV, slopeV));
  }
  if (tail != 0) {
    const xrV = v128.load(xrRow + o);
    const attV = v128.load(att + o);
    let z0 = f32x4.add(v128.load(r0 + o), xrV);
    let z1 = f32x4.add(v128.load(r1 + o), xrV);
    if (hasEdge) {
      z0 = f32x4.add(z0, v128.load(e0 + o));
      z1 = f32x4.add(z1, v128.load(e1 + o));
    }
    a0 = f32x4.add(a0, v128.and(gatv2Terms(z0, attV, slopeV), tailMask));
    a1 = f32x4.add(a1, v128.and(gatv2Terms(z1, attV, slopeV), tailMask));
  }
  return hsum4(a0, a1, f32x4.splat(0), f32x4.splat(0));
}

/** Addresses of the edge-feature rows of the block at p (`zero` past the end). */
// @ts-ignore: decorator
@inline
function edgeRowAddresses(edge: usize, p: i32, rowBytes: usize, laneRows: v128, valid: v128, zero: v128): v128 {
  return v128.bitselect(i32x4.add(i32x4.splat(<i32>(edge + <usize>p * rowBytes)), laneRows), zero, valid);
}

/** GATv2 scores of the block at p, −∞ past the end. */
// @ts-ignore: decorator
@inline
function gatv2BlockScores(
  src: usize,
  p: i32,
  begin: i32,
  end: i32,
  valid: v128,
  xl: usize,
  rowBytes: usize,
  gathered: usize,
  laneRows: v128,
  zero: v128,
  xrRow: usize,
  edge: usize,
  att: usize,
  full: i32,
  tail: i32,
  tailMask: v128,
  slopeV: v128,
): v128 {
  const rows = rowAddresses(src, p, begin, xl, rowBytes, gathered, laneRows, valid, zero);
  const hasEdge = edge != 0;
  const edges = hasEdge ? edgeRowAddresses(edge, p, rowBytes, laneRows, valid, zero) : zero;
  // Lanes 2 and 3 are past the end in about half of the last blocks: two rows then.
  const e =
    end - p > 2
      ? gatv2FourScores(rows, edges, xrRow, att, hasEdge, full, tail, tailMask, slopeV)
      : gatv2TwoScores(rows, edges, xrRow, att, hasEdge, full, tail, tailMask, slopeV);
  return v128.bitselect(e, fconst(F_NEG_INF), valid);
}

/** The GATv2 scores of a segment into alpha (−∞ past the end), returning their lane-wise max. */
// @ts-ignore: decorator
@inline
function gatv2SegmentScores(
  alpha: usize,
  src: usize,
  begin: i32,
  end: i32,
  xl: usize,
  rowBytes: usize,
  gathered: usize,
  laneRows: v128,
  zero: v128,
  xrRow: usize,
  edge: usize,
  att: usize,
  full: i32,
  tail: i32,
  tailMask: v128,
  slopeV: v128,
): v128 {
  let max = fconst(F_NEG_INF);
  for (let p = begin; p < end; p += 4) {
    const e = gatv2BlockScores(src, p, begin, end, validLanes(p, end), xl, rowBytes, gathered, laneRows, zero, xrRow, edge, att, full, tail, tailMask, slopeV);
    v128.store(alpha + (<usize>p << 2), e);
    max = f32x4.pmax(max, e);
  }
  return max;
}

/**
 * GATv2 forward, one head: the passes of gatForwardOneHead, for the same reason. Cora's
 * output layer: 128 → 114 µs a call (relaxed SIMD; 131 → 120 plain).
 */
function gatv2ForwardOneHead(
  numDst: i32,
  channels: i32,
  ptr: usize,
  src: usize,
  xl: usize,
  xr: usize,
  edge: usize,
  att: usize,
  slope: f32,
  dropScale: usize,
  bias: usize,
  out: usize,
  alpha: usize,
  scratch: usize,
  gatherCapacity: i32,
): void {
  const rowBytes = <usize>channels << 2;
  const gather = scratch + headScratchBytes(1);
  const zero = zeroRowAt(scratch, headScratchBytes(1) + <usize>max(gatherCapacity, 1) * rowBytes, channels);
  const zeroV = i32x4.splat(<i32>zero);
  const full = channels >> 2;
  const tail = channels & 3;
  const tailMask = i32x4.lt_s(iconst(I_LANES), i32x4.splat(tail));
  const laneRows = i32x4.mul(iconst(I_LANES), i32x4.splat(<i32>rowBytes));
  const slopeV = f32x4.splat(slope);
  const base = i32At(ptr, 0);
  if (gatherCapacity == 0) {
    for (let i = 0; i < numDst; i++) {
      const begin = i32At(ptr, i) - base;
      const end = i32At(ptr, i + 1) - base;
      if (begin == end) continue;
      const xrRow = xr + <usize>i * rowBytes;
      shiftScores(alpha, begin, end, gatv2SegmentScores(alpha, src, begin, end, xl, rowBytes, 0, laneRows, zeroV, xrRow, edge, att, full, tail, tailMask, slopeV));
    }
    softmaxAndSumAllOneHead(numDst, ptr, alpha, dropScale, src, xl, rowBytes, laneRows, zeroV, bias, out, channels, full, tail, tailMask);
    return;
  }
  for (let i = 0; i < numDst; i++) {
    const begin = i32At(ptr, i) - base;
    const end = i32At(ptr, i + 1) - base;
    const outRow = out + <usize>i * rowBytes;
    if (begin == end) {
      startTail(outRow, bias, full, tail);
      continue;
    }
    const xrRow = xr + <usize>i * rowBytes;
    const gathered = gatherRows(src, begin, end, xl, rowBytes, channels, gather, gatherCapacity) ? gather : 0;
    touchNextSources(ptr, src, i, numDst, base, gatherCapacity, xl, rowBytes, 0, 0);
    const max = gatv2SegmentScores(alpha, src, begin, end, xl, rowBytes, gathered, laneRows, zeroV, xrRow, edge, att, full, tail, tailMask, slopeV);
    const e0 = v128.load(alpha + (<usize>begin << 2));
    softmaxAndSumOneHead(false, e0, max, alpha, dropScale, src, begin, end, xl, rowBytes, gathered, laneRows, zeroV, bias, outRow, channels, full, tail, tailMask);
  }
}

/**
 * The first pass of a one-head backward over a target's edges: Σ_k α_k·scale_k·<g_i, x_k>
 * in every lane, keeping <g_i, x_k> in `cache` (slot k − begin) when `cache` ≠ 0.
 */
// @ts-ignore: decorator
@inline
function backwardDotOneHead(
  alpha: usize,
  dropScale: usize,
  src: usize,
  begin: i32,
  end: i32,
  x: usize,
  rowBytes: usize,
  gathered: usize,
  laneRows: v128,
  zero: v128,
  gRow: usize,
  full: i32,
  tail: i32,
  tailMask: v128,
  cache: usize,
): v128 {
  let dot = f32x4.splat(0);
  for (let p = begin; p < end; p += 4) {
    const valid = validLanes(p, end);
    const rows = rowAddresses(src, p, begin, x, rowBytes, gathered, laneRows, valid, zero);
    const gA = fourDots(gRow, rows, full, tail, tailMask);
    if (cache != 0) v128.store(cache + (<usize>(p - begin) << 2), gA);
    let w = v128.load(alpha + (<usize>p << 2));
    if (dropScale != 0) w = f32x4.mul(w, v128.load(dropScale + (<usize>p << 2)));
    dot = madd(v128.and(w, valid), gA, dot);
  }
  return allSum(dot);
}

/** The backward kernels' α and dropout scale of the block at p, 0 past the end. */
// @ts-ignore: decorator
@inline
function blockAlpha(alpha: usize, p: i32, valid: v128): v128 {
  return v128.and(v128.load(alpha + (<usize>p << 2)), valid);
}

// @ts-ignore: decorator
@inline
function blockScale(dropScale: usize, p: i32, valid: v128): v128 {
  return dropScale == 0 ? fconst(F_ONE) : v128.and(v128.load(dropScale + (<usize>p << 2)), valid);
}

/**
 * LeakyReLU'(z) per lane: 1 where z > 0, else slope, as slope ^ ((1 ^ slope) & mask) with
 * flip = 1 ^ slope (exact; no constant to build).
 */
// @ts-ignore: decorator
@inline
function reluSlope(z: v128, slopeV: v128, flip: v128): v128 {
  return v128.xor(slopeV, v128.and(flip, f32x4.gt(z, f32x4.splat(0))));
}

/** Per-edge floats at ptr[p ..] += v in the lanes of `valid`; the others are rewritten as read. */
// @ts-ignore: decorator
@inline
function addBlock(ptr: usize, p: i32, v: v128, valid: v128): void {
  const at = ptr + (<usize>p << 2);
  const old = v128.load(at);
  v128.store(at, v128.bitselect(f32x4.add(old, v), old, valid));
}

/** The floats at the addresses in the lanes of `at` += the lanes of v, one after the other. */
// @ts-ignore: decorator
@inline
function scatterAdd(at: v128, v: v128): void {
  const a0 = <usize>i32x4.extract_lane(at, 0);
  store<f32>(a0, load<f32>(a0) + f32x4.extract_lane(v, 0));
  const a1 = <usize>i32x4.extract_lane(at, 1);
  store<f32>(a1, load<f32>(a1) + f32x4.extract_lane(v, 1));
  const a2 = <usize>i32x4.extract_lane(at, 2);
  store<f32>(a2, load<f32>(a2) + f32x4.extract_lane(v, 2));
  const a3 = <usize>i32x4.extract_lane(at, 3);
  store<f32>(a3, load<f32>(a3) + f32x4.extract_lane(v, 3));
}

function gatBackwardOneHead(
  numDst: i32,
  channels: i32,
  ptr: usize,
  src: usize,
  x: usize,
  scoreSrc: usize,
  scoreDst: usize,
  scoreEdge: usize,
  slope: f32,
  dropScale: usize,
  alpha: usize,
  gradOut: usize,
  gradX: usize,
  gradScoreSrc: usize,
  gradScoreDst: usize,
  gradScoreEdge: usize,
  scratch: usize,
  gatherCapacity: i32,
  cacheEdges: i32,
): void {
  const rowBytes = <usize>channels << 2;
  const gather = scratch + headScratchBytes(1);
  const cache = gather + <usize>max(gatherCapacity, 1) * rowBytes;
  const cacheBytes: usize = cacheEdges > 0 ? (<usize>cacheEdges << 2) + 16 : 0;
  const zero = zeroRowAt(scratch, cache + cacheBytes - scratch, channels);
  const zeroV = i32x4.splat(<i32>zero);
  const spareV = spareRows(zero, channels);
  const full = channels >> 2;
  const tail = channels & 3;
  const tailMask = i32x4.lt_s(iconst(I_LANES), i32x4.splat(tail));
  const laneRows = i32x4.mul(iconst(I_LANES), i32x4.splat(<i32>rowBytes));
  const slopeV = f32x4.splat(slope);
  const flip = v128.xor(fconst(F_ONE), slopeV);
  const base = i32At(ptr, 0);
  for (let i = 0; i < numDst; i++) {
    const begin = i32At(ptr, i) - base;
    const end = i32At(ptr, i + 1) - base;
    if (begin == end) continue;
    const gRow = gradOut + <usize>i * rowBytes;
    const gathered = gatherRows(src, begin, end, x, rowBytes, channels, gather, gatherCapacity) ? gather : 0;
    touchNextSources(ptr, src, i, numDst, base, gatherCapacity, x, rowBytes, scoreSrc, 4);
    touchNextSources(ptr, src, i, numDst, base, gatherCapacity, gradX, rowBytes, gradScoreSrc, 4);
    const cached = end - begin <= cacheEdges;
    // First pass: <g_i, x_j> (kept in the cache), their α·scale-weighted sum, and
    // gradX_j += α·scale·g_i, which needs nothing of the second pass. Rows whose weight is 0
    // are skipped (written to a spare row), as in the reference.
    let dotV = f32x4.splat(0);
    for (let p = begin; p < end; p += 4) {
      const valid = validLanes(p, end);
      const value = f32x4.mul(blockAlpha(alpha, p, valid), blockScale(dropScale, p, valid));
      const rows = rowAddresses(src, p, begin, x, rowBytes, gathered, laneRows, valid, zeroV);
      const j = v128.load(src + (<usize>p << 2));
      const gx = v128.bitselect(
        i32x4.add(i32x4.splat(<i32>gradX), i32x4.mul(j, i32x4.splat(<i32>rowBytes))),
        spareV,
        f32x4.ne(value, f32x4.splat(0)),
      );
      // Lanes 2 and 3 are past the end in about half of the last blocks: two rows then.
      const gA =
        end - p > 2
          ? fourDotsAndScatter(gRow, rows, gx, value, full, tail, tailMask)
          : twoDotsAndScatter(gRow, rows, gx, value, full, tail, tailMask);
      if (cached) v128.store(cache + (<usize>(p - begin) << 2), gA);
      dotV = madd(value, gA, dotV);
    }
    const dot = allSum(dotV);
    const t = f32x4.splat(f32At(scoreDst, i));
    let gDst = f32x4.splat(0);
    for (let p = begin; p < end; p += 4) {
      const valid = validLanes(p, end);
      const a = blockAlpha(alpha, p, valid);
      const scale = blockScale(dropScale, p, valid);
      const gA = cached
        ? v128.load(cache + (<usize>(p - begin) << 2))
        : fourDots(gRow, rowAddresses(src, p, begin, x, rowBytes, gathered, laneRows, valid, zeroV), full, tail, tailMask);
      const j = v128.load(src + (<usize>p << 2));
      let v = f32x4.add(gatherFloats(v128.bitselect(i32x4.add(i32x4.splat(<i32>scoreSrc), i32x4.shl(j, 2)), zeroV, valid)), t);
      if (scoreEdge != 0) v = f32x4.add(v, v128.load(scoreEdge + (<usize>p << 2)));
      const gV = v128.and(f32x4.mul(f32x4.mul(a, f32x4.sub(f32x4.mul(scale, gA), dot)), reluSlope(v, slopeV, flip)), valid);
      scatterAdd(v128.bitselect(i32x4.add(i32x4.splat(<i32>gradScoreSrc), i32x4.shl(j, 2)), spareV, valid), gV);
      gDst = f32x4.add(gDst, gV);
      if (gradScoreEdge != 0) addBlock(gradScoreEdge, p, gV, valid);
    }
    setF32(gradScoreDst, i, f32At(gradScoreDst, i) + f32x4.extract_lane(allSum(gDst), 0));
  }
}

/** dst += v (a whole vector), or only its `tailMask` lanes when `partial`. */
// @ts-ignore: decorator
@inline
function addAt(dst: usize, v: v128, partial: bool, tailMask: v128): void {
  const old = v128.load(dst);
  const sum = f32x4.add(old, v);
  v128.store(dst, partial ? v128.bitselect(sum, old, tailMask) : sum);
}

/**
 * GATv2 backward of two edges of a block over the chunk of channels at byte offset o
 * (`partial`: the C mod 4 tail): with gE_k = ∂L/∂e and value_k = α̃ of edge k, adds
 * Σ_k gE_k·LeakyReLU(z_k) into gradAtt, ∂L/∂z_k into gradXr (summed), gradEdge_k and, with
 * value_k·g_i, gradXl_k. Rows of lanes past the end are the zero row (reads) and spare rows
 * (writes), with gE = value = 0. Two edges at a time rather than four: with four, V8 runs
 * out of registers for the row addresses and spills them.
 */
// @ts-ignore: decorator
@inline
function gatv2BackwardChunk(
  o: usize,
  partial: bool,
  tailMask: v128,
  r0: usize, r1: usize,
  e0: usize, e1: usize,
  x0: usize, x1: usize,
  d0: usize, d1: usize,
  gE0: v128, gE1: v128,
  v0: v128, v1: v128,
  hasEdge: bool,
  hasGradEdge: bool,
  xrRow: usize,
  att: usize,
  gRow: usize,
  gradAtt: usize,
  gxrRow: usize,
  slopeV: v128,
  flip: v128,
): void {
  const xrV = v128.load(xrRow + o);
  let z0 = f32x4.add(v128.load(r0 + o), xrV);
  let z1 = f32x4.add(v128.load(r1 + o), xrV);
  if (hasEdge) {
    z0 = f32x4.add(z0, v128.load(e0 + o));
    z1 = f32x4.add(z1, v128.load(e1 + o));
  }
  // LeakyReLU(z) = z·LeakyReLU'(z), so with u = gE·LeakyReLU'(z) the two gradients are u·z
  // (into att) and u·att (into z).
  const u0 = f32x4.mul(gE0, reluSlope(z0, slopeV, flip));
  const u1 = f32x4.mul(gE1, reluSlope(z1, slopeV, flip));
  addAt(gradAtt + o, madd(u1, z1, f32x4.mul(u0, z0)), partial, tailMask);
  const attV = v128.load(att + o);
  const gZ0 = f32x4.mul(u0, attV);
  const gZ1 = f32x4.mul(u1, attV);
  addAt(gxrRow + o, f32x4.add(gZ0, gZ1), partial, tailMask);
  const gV = v128.load(gRow + o);
  addAt(x0 + o, madd(v0, gV, gZ0), partial, tailMask);
  addAt(x1 + o, madd(v1, gV, gZ1), partial, tailMask);
  if (hasGradEdge) {
    addAt(d0 + o, gZ0, partial, tailMask);
    addAt(d1 + o, gZ1, partial, tailMask);
  }
}

/** gatv2BackwardChunk over all chunks of C = 4·full + tail channels. */
// @ts-ignore: decorator
@inline
function gatv2BackwardPair(
  fullBytes: usize,
  tail: i32,
  tailMask: v128,
  r0: usize, r1: usize,
  e0: usize, e1: usize,
  x0: usize, x1: usize,
  d0: usize, d1: usize,
  gE0: v128, gE1: v128,
  v0: v128, v1: v128,
  hasEdge: bool,
  hasGradEdge: bool,
  xrRow: usize,
  att: usize,
  gRow: usize,
  gradAtt: usize,
  gxrRow: usize,
  slopeV: v128,
  flip: v128,
): void {
  let o: usize = 0;
  for (; o < fullBytes; o += 16) {
    gatv2BackwardChunk(o, false, tailMask, r0, r1, e0, e1, x0, x1, d0, d1, gE0, gE1, v0, v1, hasEdge, hasGradEdge, xrRow, att, gRow, gradAtt, gxrRow, slopeV, flip);
  }
  if (tail != 0) {
    gatv2BackwardChunk(o, true, tailMask, r0, r1, e0, e1, x0, x1, d0, d1, gE0, gE1, v0, v1, hasEdge, hasGradEdge, xrRow, att, gRow, gradAtt, gxrRow, slopeV, flip);
  }
}

function gatv2BackwardOneHead(
  numDst: i32,
  channels: i32,
  ptr: usize,
  src: usize,
  xl: usize,
  xr: usize,
  edge: usize,
  att: usize,
  slope: f32,
  dropScale: usize,
  alpha: usize,
  gradOut: usize,
  gradXl: usize,
  gradXr: usize,
  gradEdge: usize,
  gradAtt: usize,
  scratch: usize,
  gatherCapacity: i32,
  cacheEdges: i32,
): void {
  const rowBytes = <usize>channels << 2;
  const gather = scratch + headScratchBytes(1);
  const cache = gather + <usize>max(gatherCapacity, 1) * rowBytes;
  const cacheBytes: usize = cacheEdges > 0 ? (<usize>cacheEdges << 2) + 16 : 0;
  const zero = zeroRowAt(scratch, cache + cacheBytes - scratch, channels);
  const zeroV = i32x4.splat(<i32>zero);
  const spareV = spareRows(zero, channels);
  const full = channels >> 2;
  const tail = channels & 3;
  const fullBytes = <usize>full << 4;
  const tailMask = i32x4.lt_s(iconst(I_LANES), i32x4.splat(tail));
  const laneRows = i32x4.mul(iconst(I_LANES), i32x4.splat(<i32>rowBytes));
  const slopeV = f32x4.splat(slope);
  const flip = v128.xor(fconst(F_ONE), slopeV);
  const hasEdge = edge != 0;
  const hasGradEdge = gradEdge != 0;
  const base = i32At(ptr, 0);
  for (let i = 0; i < numDst; i++) {
    const begin = i32At(ptr, i) - base;
    const end = i32At(ptr, i + 1) - base;
    if (begin == end) continue;
    const gRow = gradOut + <usize>i * rowBytes;
    const xrRow = xr + <usize>i * rowBytes;
    const gxrRow = gradXr + <usize>i * rowBytes;
    const gathered = gatherRows(src, begin, end, xl, rowBytes, channels, gather, gatherCapacity) ? gather : 0;
    touchNextSources(ptr, src, i, numDst, base, gatherCapacity, xl, rowBytes, gradXl, rowBytes);
    const cached = end - begin <= cacheEdges;
    const dot = backwardDotOneHead(alpha, dropScale, src, begin, end, xl, rowBytes, gathered, laneRows, zeroV, gRow, full, tail, tailMask, cached ? cache : 0);
    for (let p = begin; p < end; p += 4) {
      const valid = validLanes(p, end);
      const a = blockAlpha(alpha, p, valid);
      const scale = blockScale(dropScale, p, valid);
      const rows = rowAddresses(src, p, begin, xl, rowBytes, gathered, laneRows, valid, zeroV);
      const gA = cached ? v128.load(cache + (<usize>(p - begin) << 2)) : fourDots(gRow, rows, full, tail, tailMask);
      const gE = v128.and(f32x4.mul(a, f32x4.sub(f32x4.mul(scale, gA), dot)), valid);
      const value = f32x4.mul(a, scale);
      const j = v128.load(src + (<usize>p << 2));
      const gxl = v128.bitselect(i32x4.add(i32x4.splat(<i32>gradXl), i32x4.mul(j, i32x4.splat(<i32>rowBytes))), spareV, valid);
      const edges = hasEdge ? edgeRowAddresses(edge, p, rowBytes, laneRows, valid, zeroV) : zeroV;
      const gEdges = hasGradEdge
        ? v128.bitselect(i32x4.add(i32x4.splat(<i32>(gradEdge + <usize>p * rowBytes)), laneRows), spareV, valid)
        : spareV;
      gatv2BackwardPair(
        fullBytes, tail, tailMask,
        <usize>i32x4.extract_lane(rows, 0), <usize>i32x4.extract_lane(rows, 1),
        <usize>i32x4.extract_lane(edges, 0), <usize>i32x4.extract_lane(edges, 1),
        <usize>i32x4.extract_lane(gxl, 0), <usize>i32x4.extract_lane(gxl, 1),
        <usize>i32x4.extract_lane(gEdges, 0), <usize>i32x4.extract_lane(gEdges, 1),
        lane0(gE), lane1(gE), lane0(value), lane1(value),
        hasEdge, hasGradEdge, xrRow, att, gRow, gradAtt, gxrRow, slopeV, flip,
      );
      // The second pair is all past the end in about half of the last blocks: skipped.
      if (end - p <= 2) continue;
      gatv2BackwardPair(
        fullBytes, tail, tailMask,
        <usize>i32x4.extract_lane(rows, 2), <usize>i32x4.extract_lane(rows, 3),
        <usize>i32x4.extract_lane(edges, 2), <usize>i32x4.extract_lane(edges, 3),
        <usize>i32x4.extract_lane(gxl, 2), <usize>i32x4.extract_lane(gxl, 3),
        <usize>i32x4.extract_lane(gEdges, 2), <usize>i32x4.extract_lane(gEdges, 3),
        lane2(gE), lane3(gE), lane2(value), lane3(value),
        hasEdge, hasGradEdge, xrRow, att, gRow, gradAtt, gxrRow, slopeV, flip,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Heads as lanes (H a multiple of 4, C not: e.g. PubMed's output layer, 8 heads × 3 classes).
// The generic per-head code above does these a head and a channel at a time. Here a vector
// holds four heads (a group): per-head dot products over C channels take strided loads (the
// same channel of four heads, C floats apart), so no horizontal sums are needed; per-head
// weights reach the row layout through one i8x16.swizzle per chunk of four channels (with H
// a multiple of 4 a chunk never straddles two groups: group g spans chunks g·C .. g·C + C−1),
// with tables built once per call. Everything per edge (α, scores, dropout) is read and
// written four heads at a time; rows go a whole chunk at a time (H·C is a multiple of 4).
// ---------------------------------------------------------------------------------------------

/**
 * Which shapes the heads-as-lanes kernels take: H a multiple of 4 and C not (with C a
 * multiple of 4 too, the four-heads code above is faster). The forward kernels only for
 * C < 16: beyond, a head's channels are mostly whole vectors and the per-head code is as
 * fast (Cora 8×13 about 1.06× faster here, 8×17 about 5 % slower).
 */
// @ts-ignore: decorator
@inline
function headLanesBackward(heads: i32, channels: i32): bool {
  return (heads & 3) == 0 && (channels & 3) != 0;
}

// @ts-ignore: decorator
@inline
function headLanesForward(heads: i32, channels: i32): bool {
  return headLanesBackward(heads, channels) && channels < 16;
}

/** Four floats at p, p + stride, p + 2·stride, p + 3·stride. */
// @ts-ignore: decorator
@inline
function stridedLoad(p: usize, stride: usize): v128 {
  let v = v128.load32_zero(p);
  v = v128.load32_lane(p + stride, v, 1);
  v = v128.load32_lane(p + 2 * stride, v, 2);
  return v128.load32_lane(p + 3 * stride, v, 3);
}

/**
 * t[g·C + c] = channel c of heads 4g .. 4g+3 of `row` (H·C floats): the row with heads as
 * lanes, G·C vectors.
 */
// @ts-ignore: decorator
@inline
function transposeRow(t: usize, row: usize, groups: i32, channels: i32): void {
  const stride = <usize>channels << 2;
  let q = t;
  let base = row;
  for (let g = 0; g < groups; g++) {
    for (let c = 0; c < channels; c++) {
      v128.store(q, stridedLoad(base + (<usize>c << 2), stride));
      q += 16;
    }
    base += stride << 2;
  }
}

/** <t[g·C ..], T(row)> over C channels for group g: the four heads' dot products. */
// @ts-ignore: decorator
@inline
function groupDots(t: usize, row: usize, channels: i32, stride: usize): v128 {
  let acc = f32x4.splat(0);
  for (let c = 0; c < channels; c++) {
    acc = madd(v128.load(t + (<usize>c << 4)), stridedLoad(row + (<usize>c << 2), stride), acc);
  }
  return acc;
}

/**
 * The swizzle tables: for chunk m of a row (channels 4m .. 4m+3), the bytes of the lane
 * (head mod 4) each channel belongs to, so that i8x16.swizzle(w, table_m) lays a group's
 * per-head w out as chunk m. 16 bytes per chunk, H·C·4 bytes in all.
 */
function buildExpandTables(tables: usize, heads: i32, channels: i32): void {
  const width = heads * channels;
  let h4 = 0;
  let c = 0;
  for (let k = 0; k < width; k++) {
    const b = tables + (<usize>k << 2);
    const byte = <u32>(h4 << 2);
    store<u32>(b, byte | ((byte + 1) << 8) | ((byte + 2) << 16) | ((byte + 3) << 24));
    if (++c == channels) {
      c = 0;
      h4 = (h4 + 1) & 3;
    }
  }
}

/** Start of the heads-as-lanes scratch (tables, then two rows' worth of vectors): after `used` bytes. */
// @ts-ignore: decorator
@inline
function laneScratchAt(scratch: usize, used: usize): usize {
  return (((scratch + used + 15) >> 4) << 4) + 16;
}

/**
 * softmaxSegment for H a multiple of 4 with expFast4 (constants from memory): scores in
 * alpha[p·H + h] → numerators in place, hsumInv ends as 1 / (Σ + 1e-16) per head.
 */
// @ts-ignore: decorator
@inline
function softmaxHeadLanes(alpha: usize, begin: i32, end: i32, heads: i32, hmax: usize, hsumInv: usize): void {
  const groups = heads >> 2;
  for (let g = 0; g < groups; g++) v128.store(hsumInv + (<usize>g << 4), f32x4.splat(0));
  for (let p = begin; p < end; p++) {
    const row = alpha + ((<usize>(p * heads)) << 2);
    for (let g = 0; g < groups; g++) {
      const o = <usize>g << 4;
      const w = expFast4(f32x4.sub(v128.load(row + o), v128.load(hmax + o)));
      v128.store(row + o, w);
      v128.store(hsumInv + o, f32x4.add(v128.load(hsumInv + o), w));
    }
  }
  for (let g = 0; g < groups; g++) {
    const o = <usize>g << 4;
    v128.store(hsumInv + o, f32x4.div(fconst(F_ONE), f32x4.add(v128.load(hsumInv + o), fconst(F_EPS))));
  }
}

/** out += w·row for one chunk, masked where w is 0 (the reference skips those rows). */
// @ts-ignore: decorator
@inline
function weightedChunk(out: usize, row: usize, w: v128): void {
  const term = v128.and(f32x4.mul(w, v128.load(row)), f32x4.ne(w, f32x4.splat(0)));
  v128.store(out, f32x4.add(v128.load(out), term));
}

/**
 * The weighted sum of one edge: α = numerator·1/Σ stored in place (four heads at a time), and
 * out_i += dropout(α)·x_j, rows with a weight of 0 skipped (their product masked), as the
 * reference does.
 */
// @ts-ignore: decorator
@inline
function weightedSumHeadLanes(
  alpha: usize,
  dropScale: usize,
  hsumInv: usize,
  outRow: usize,
  row: usize,
  p: i32,
  groups: i32,
  channels: i32,
  tables: usize,
): void {
  const edgeAt = (<usize>(p * (groups << 2))) << 2;
  let o: usize = 0;
  for (let g = 0; g < groups; g++) {
    const at = edgeAt + (<usize>g << 4);
    const a = f32x4.mul(v128.load(alpha + at), v128.load(hsumInv + (<usize>g << 4)));
    v128.store(alpha + at, a);
    const w = dropScale == 0 ? a : f32x4.mul(a, v128.load(dropScale + at));
    if (channels == 3) {
      // Three chunks per group, laid out by constant shuffles (no table, no swizzle).
      weightedChunk(outRow + o, row + o, i32x4.shuffle(w, w, 0, 0, 0, 1));
      weightedChunk(outRow + o + 16, row + o + 16, i32x4.shuffle(w, w, 1, 1, 2, 2));
      weightedChunk(outRow + o + 32, row + o + 32, i32x4.shuffle(w, w, 2, 3, 3, 3));
      o += 48;
      continue;
    }
    for (let c = 0; c < channels; c++) {
      weightedChunk(outRow + o, row + o, i8x16.swizzle(w, v128.load(tables + o)));
      o += 16;
    }
  }
}

function gatForwardHeadLanes(
  numDst: i32,
  heads: i32,
  channels: i32,
  ptr: usize,
  src: usize,
  x: usize,
  scoreSrc: usize,
  scoreDst: usize,
  scoreEdge: usize,
  slope: f32,
  dropScale: usize,
  bias: usize,
  out: usize,
  alpha: usize,
  scratch: usize,
  gatherCapacity: i32,
): void {
  const width = heads * channels;
  const rowBytes = <usize>width << 2;
  const groups = heads >> 2;
  const hmax = scratch;
  const hsumInv = scratch + (<usize>heads << 2);
  const gather = scratch + headScratchBytes(heads);
  const tables = laneScratchAt(scratch, headScratchBytes(heads) + <usize>max(gatherCapacity, 1) * rowBytes);
  buildExpandTables(tables, heads, channels);
  const slopeV = f32x4.splat(slope);
  const base = i32At(ptr, 0);
  for (let i = 0; i < numDst; i++) {
    const begin = i32At(ptr, i) - base;
    const end = i32At(ptr, i + 1) - base;
    const outRow = out + <usize>i * rowBytes;
    startRow(outRow, bias, width);
    if (begin == end) continue;
    const gathered = gatherRows(src, begin, end, x, rowBytes, width, gather, gatherCapacity);
    touchNextSources(ptr, src, i, numDst, base, gatherCapacity, x, rowBytes, scoreSrc, <usize>heads << 2);
    const dstAt = (<usize>(i * heads)) << 2;
    for (let g = 0; g < groups; g++) v128.store(hmax + (<usize>g << 4), fconst(F_NEG_INF));
    for (let p = begin; p < end; p++) {
      const srcAt = (<usize>(i32At(src, p) * heads)) << 2;
      const edgeAt = (<usize>(p * heads)) << 2;
      for (let g = 0; g < groups; g++) {
        const o = <usize>g << 4;
        let v = f32x4.add(v128.load(scoreSrc + srcAt + o), v128.load(scoreDst + dstAt + o));
        if (scoreEdge != 0) v = f32x4.add(v, v128.load(scoreEdge + edgeAt + o));
        const e = leakyRelu(v, slopeV);
        v128.store(alpha + edgeAt + o, e);
        v128.store(hmax + o, f32x4.pmax(v128.load(hmax + o), e));
      }
    }
    softmaxHeadLanes(alpha, begin, end, heads, hmax, hsumInv);
    for (let p = begin; p < end; p++) {
      const row = gathered ? gather + <usize>(p - begin) * rowBytes : x + <usize>i32At(src, p) * rowBytes;
      weightedSumHeadLanes(alpha, dropScale, hsumInv, outRow, row, p, groups, channels, tables);
    }
  }
}

function gatv2ForwardHeadLanes(
  numDst: i32,
  heads: i32,
  channels: i32,
  ptr: usize,
  src: usize,
  xl: usize,
  xr: usize,
  edge: usize,
  att: usize,
  slope: f32,
  dropScale: usize,
  bias: usize,
  out: usize,
  alpha: usize,
  scratch: usize,
  gatherCapacity: i32,
): void {
  const width = heads * channels;
  const rowBytes = <usize>width << 2;
  const groups = heads >> 2;
  const stride = <usize>channels << 2;
  const groupBytes = stride << 2;
  const hmax = scratch;
  const hsumInv = scratch + (<usize>heads << 2);
  const gather = scratch + headScratchBytes(heads);
  const tables = laneScratchAt(scratch, headScratchBytes(heads) + <usize>max(gatherCapacity, 1) * rowBytes);
  const xrT = tables + rowBytes;
  const attT = xrT + rowBytes;
  buildExpandTables(tables, heads, channels);
  transposeRow(attT, att, groups, channels);
  const slopeV = f32x4.splat(slope);
  const base = i32At(ptr, 0);
  for (let i = 0; i < numDst; i++) {
    const begin = i32At(ptr, i) - base;
    const end = i32At(ptr, i + 1) - base;
    const outRow = out + <usize>i * rowBytes;
    startRow(outRow, bias, width);
    if (begin == end) continue;
    transposeRow(xrT, xr + <usize>i * rowBytes, groups, channels);
    const gathered = gatherRows(src, begin, end, xl, rowBytes, width, gather, gatherCapacity);
    touchNextSources(ptr, src, i, numDst, base, gatherCapacity, xl, rowBytes, 0, 0);
    for (let g = 0; g < groups; g++) v128.store(hmax + (<usize>g << 4), fconst(F_NEG_INF));
    for (let p = begin; p < end; p++) {
      const row = gathered ? gather + <usize>(p - begin) * rowBytes : xl + <usize>i32At(src, p) * rowBytes;
      const edgeRow = edge + <usize>p * rowBytes;
      const edgeAt = (<usize>(p * heads)) << 2;
      let t: usize = 0;
      for (let g = 0; g < groups; g++) {
        const rowG = row + <usize>g * groupBytes;
        const edgeG = edgeRow + <usize>g * groupBytes;
        let e = f32x4.splat(0);
        for (let c = 0; c < channels; c++) {
          const co = <usize>c << 2;
          let z = f32x4.add(stridedLoad(rowG + co, stride), v128.load(xrT + t));
          if (edge != 0) z = f32x4.add(z, stridedLoad(edgeG + co, stride));
          e = madd(v128.load(attT + t), leakyRelu(z, slopeV), e);
          t += 16;
        }
        const o = <usize>g << 4;
        v128.store(alpha + edgeAt + o, e);
        v128.store(hmax + o, f32x4.pmax(v128.load(hmax + o), e));
      }
    }
    softmaxHeadLanes(alpha, begin, end, heads, hmax, hsumInv);
    for (let p = begin; p < end; p++) {
      const row = gathered ? gather + <usize>(p - begin) * rowBytes : xl + <usize>i32At(src, p) * rowBytes;
      weightedSumHeadLanes(alpha, dropScale, hsumInv, outRow, row, p, groups, channels, tables);
    }
  }
}

/**
 * The first pass of a heads-as-lanes backward over one edge: <g_i, x_j> per head (kept in
 * the cache when `cacheAt` ≠ 0), added α·scale-weighted into dotH.
 */
// @ts-ignore: decorator
@inline
function backwardDotHeadLanes(
  gT: usize,
  row: usize,
  alpha: usize,
  dropScale: usize,
  edgeAt: usize,
  dotH: usize,
  cacheAt: usize,
  groups: i32,
  channels: i32,
): void {
  const stride = <usize>channels << 2;
  const groupBytes = stride << 2;
  const groupT = <usize>channels << 4;
  for (let g = 0; g < groups; g++) {
    const o = <usize>g << 4;
    const gA = groupDots(gT + <usize>g * groupT, row + <usize>g * groupBytes, channels, stride);
    if (cacheAt != 0) v128.store(cacheAt + o, gA);
    let w = v128.load(alpha + edgeAt + o);
    if (dropScale != 0) w = f32x4.mul(w, v128.load(dropScale + edgeAt + o));
    v128.store(dotH + o, madd(w, gA, v128.load(dotH + o)));
  }
}

function gatBackwardHeadLanes(
  numDst: i32,
  heads: i32,
  channels: i32,
  ptr: usize,
  src: usize,
  x: usize,
  scoreSrc: usize,
  scoreDst: usize,
  scoreEdge: usize,
  slope: f32,
  dropScale: usize,
  alpha: usize,
  gradOut: usize,
  gradX: usize,
  gradScoreSrc: usize,
  gradScoreDst: usize,
  gradScoreEdge: usize,
  scratch: usize,
  gatherCapacity: i32,
  cacheEdges: i32,
): void {
  const width = heads * channels;
  const rowBytes = <usize>width << 2;
  const groups = heads >> 2;
  const groupT = <usize>channels << 4;
  const dotH = scratch;
  const gather = scratch + headScratchBytes(heads);
  const cache = gather + <usize>max(gatherCapacity, 1) * rowBytes;
  const cacheBytes: usize = cacheEdges > 0 ? <usize>cacheEdges * (<usize>heads << 2) + 16 : 0;
  const tables = laneScratchAt(scratch, cache + cacheBytes - scratch);
  const gT = tables + rowBytes;
  buildExpandTables(tables, heads, channels);
  const slopeV = f32x4.splat(slope);
  const flip = v128.xor(fconst(F_ONE), slopeV);
  const base = i32At(ptr, 0);
  for (let i = 0; i < numDst; i++) {
    const begin = i32At(ptr, i) - base;
    const end = i32At(ptr, i + 1) - base;
    if (begin == end) continue;
    const gRow = gradOut + <usize>i * rowBytes;
    transposeRow(gT, gRow, groups, channels);
    const gathered = gatherRows(src, begin, end, x, rowBytes, width, gather, gatherCapacity);
    touchNextSources(ptr, src, i, numDst, base, gatherCapacity, x, rowBytes, scoreSrc, <usize>heads << 2);
    touchNextSources(ptr, src, i, numDst, base, gatherCapacity, gradX, rowBytes, gradScoreSrc, <usize>heads << 2);
    const cached = end - begin <= cacheEdges;
    const dstAt = (<usize>(i * heads)) << 2;
    for (let g = 0; g < groups; g++) v128.store(dotH + (<usize>g << 4), f32x4.splat(0));
    // First pass: <g_i, x_j> per head, their weighted sum, and gradX_j += α·scale·g_i (heads
    // whose weight is 0 skipped, their product masked), which needs nothing of the second.
    for (let p = begin; p < end; p++) {
      const j = i32At(src, p);
      const row = gathered ? gather + <usize>(p - begin) * rowBytes : x + <usize>j * rowBytes;
      const edgeAt = (<usize>(p * heads)) << 2;
      const cacheAt = cached ? cache + ((<usize>((p - begin) * heads)) << 2) : 0;
      backwardDotHeadLanes(gT, row, alpha, dropScale, edgeAt, dotH, cacheAt, groups, channels);
      const gxRow = gradX + <usize>j * rowBytes;
      let o: usize = 0;
      for (let g = 0; g < groups; g++) {
        const at = edgeAt + (<usize>g << 4);
        let value = v128.load(alpha + at);
        if (dropScale != 0) value = f32x4.mul(value, v128.load(dropScale + at));
        if (channels == 3) {
          weightedChunk(gxRow + o, gRow + o, i32x4.shuffle(value, value, 0, 0, 0, 1));
          weightedChunk(gxRow + o + 16, gRow + o + 16, i32x4.shuffle(value, value, 1, 1, 2, 2));
          weightedChunk(gxRow + o + 32, gRow + o + 32, i32x4.shuffle(value, value, 2, 3, 3, 3));
          o += 48;
          continue;
        }
        for (let c = 0; c < channels; c++) {
          weightedChunk(gxRow + o, gRow + o, i8x16.swizzle(value, v128.load(tables + o)));
          o += 16;
        }
      }
    }
    for (let p = begin; p < end; p++) {
      const j = i32At(src, p);
      const row = gathered ? gather + <usize>(p - begin) * rowBytes : x + <usize>j * rowBytes;
      const srcAt = (<usize>(j * heads)) << 2;
      const edgeAt = (<usize>(p * heads)) << 2;
      const cacheAt = cache + ((<usize>((p - begin) * heads)) << 2);
      for (let g = 0; g < groups; g++) {
        const o = <usize>g << 4;
        const a = v128.load(alpha + edgeAt + o);
        const scale = dropScale == 0 ? fconst(F_ONE) : v128.load(dropScale + edgeAt + o);
        const gA = cached
          ? v128.load(cacheAt + o)
          : groupDots(gT + <usize>g * groupT, row + <usize>g * (<usize>channels << 4), channels, <usize>channels << 2);
        let v = f32x4.add(v128.load(scoreSrc + srcAt + o), v128.load(scoreDst + dstAt + o));
        if (scoreEdge != 0) v = f32x4.add(v, v128.load(scoreEdge + edgeAt + o));
        const gV = f32x4.mul(
          f32x4.mul(a, f32x4.sub(f32x4.mul(scale, gA), v128.load(dotH + o))),
          reluSlope(v, slopeV, flip),
        );
        v128.store(gradScoreSrc + srcAt + o, f32x4.add(v128.load(gradScoreSrc + srcAt + o), gV));
        v128.store(gradScoreDst + dstAt + o, f32x4.add(v128.load(gradScoreDst + dstAt + o), gV));
        if (gradScoreEdge != 0) {
          v128.store(gradScoreEdge + edgeAt + o, f32x4.add(v128.load(gradScoreEdge + edgeAt + o), gV));
        }
      }
    }
  }
}

/**
 * The heads-as-lanes GATv2 backward of one edge over the chunk at byte offset o, given gE
 * and α̃ laid out per channel: LeakyReLU(z) = z·LeakyReLU'(z), so with u = gE·LeakyReLU'(z)
 * u·z goes into att and u·att into z (gradXr, gradEdge, and with α̃·g_i gradXl).
 */
// @ts-ignore: decorator
@inline
function gatv2LaneChunk(
  o: usize,
  gE: v128,
  value: v128,
  row: usize,
  xrRow: usize,
  edgeRow: usize,
  hasEdge: bool,
  att: usize,
  gRow: usize,
  gradAtt: usize,
  gxlRow: usize,
  gxrRow: usize,
  gEdgeRow: usize,
  hasGradEdge: bool,
  slopeV: v128,
  flip: v128,
): void {
  let z = f32x4.add(v128.load(row + o), v128.load(xrRow + o));
  if (hasEdge) z = f32x4.add(z, v128.load(edgeRow + o));
  const u = f32x4.mul(gE, reluSlope(z, slopeV, flip));
  v128.store(gradAtt + o, madd(u, z, v128.load(gradAtt + o)));
  const gZ = f32x4.mul(u, v128.load(att + o));
  v128.store(gxlRow + o, f32x4.add(v128.load(gxlRow + o), madd(value, v128.load(gRow + o), gZ)));
  v128.store(gxrRow + o, f32x4.add(v128.load(gxrRow + o), gZ));
  if (hasGradEdge) v128.store(gEdgeRow + o, f32x4.add(v128.load(gEdgeRow + o), gZ));
}

function gatv2BackwardHeadLanes(
  numDst: i32,
  heads: i32,
  channels: i32,
  ptr: usize,
  src: usize,
  xl: usize,
  xr: usize,
  edge: usize,
  att: usize,
  slope: f32,
  dropScale: usize,
  alpha: usize,
  gradOut: usize,
  gradXl: usize,
  gradXr: usize,
  gradEdge: usize,
  gradAtt: usize,
  scratch: usize,
  gatherCapacity: i32,
  cacheEdges: i32,
): void {
  const width = heads * channels;
  const rowBytes = <usize>width << 2;
  const groups = heads >> 2;
  const groupT = <usize>channels << 4;
  const dotH = scratch;
  const gather = scratch + headScratchBytes(heads);
  const cache = gather + <usize>max(gatherCapacity, 1) * rowBytes;
  const cacheBytes: usize = cacheEdges > 0 ? <usize>cacheEdges * (<usize>heads << 2) + 16 : 0;
  const tables = laneScratchAt(scratch, cache + cacheBytes - scratch);
  const gT = tables + rowBytes;
  buildExpandTables(tables, heads, channels);
  const slopeV = f32x4.splat(slope);
  const flip = v128.xor(fconst(F_ONE), slopeV);
  const base = i32At(ptr, 0);
  for (let i = 0; i < numDst; i++) {
    const begin = i32At(ptr, i) - base;
    const end = i32At(ptr, i + 1) - base;
    if (begin == end) continue;
    const gRow = gradOut + <usize>i * rowBytes;
    const xrRow = xr + <usize>i * rowBytes;
    const gxrRow = gradXr + <usize>i * rowBytes;
    transposeRow(gT, gRow, groups, channels);
    const gathered = gatherRows(src, begin, end, xl, rowBytes, width, gather, gatherCapacity);
    touchNextSources(ptr, src, i, numDst, base, gatherCapacity, xl, rowBytes, gradXl, rowBytes);
    const cached = end - begin <= cacheEdges;
    for (let g = 0; g < groups; g++) v128.store(dotH + (<usize>g << 4), f32x4.splat(0));
    for (let p = begin; p < end; p++) {
      const row = gathered ? gather + <usize>(p - begin) * rowBytes : xl + <usize>i32At(src, p) * rowBytes;
      const cacheAt = cached ? cache + ((<usize>((p - begin) * heads)) << 2) : 0;
      backwardDotHeadLanes(gT, row, alpha, dropScale, (<usize>(p * heads)) << 2, dotH, cacheAt, groups, channels);
    }
    // Second pass in the row layout: gE and α̃ per head, laid out per chunk by the tables.
    for (let p = begin; p < end; p++) {
      const row = gathered ? gather + <usize>(p - begin) * rowBytes : xl + <usize>i32At(src, p) * rowBytes;
      const gxlRow = gradXl + <usize>i32At(src, p) * rowBytes;
      const edgeRow = edge + <usize>p * rowBytes;
      const gEdgeRow = gradEdge + <usize>p * rowBytes;
      const edgeAt = (<usize>(p * heads)) << 2;
      const cacheAt = cache + ((<usize>((p - begin) * heads)) << 2);
      let o: usize = 0;
      for (let g = 0; g < groups; g++) {
        const go = <usize>g << 4;
        const a = v128.load(alpha + edgeAt + go);
        const scale = dropScale == 0 ? fconst(F_ONE) : v128.load(dropScale + edgeAt + go);
        const gA = cached
          ? v128.load(cacheAt + go)
          : groupDots(gT + <usize>g * groupT, row + <usize>g * (<usize>channels << 4), channels, <usize>channels << 2);
        const gE = f32x4.mul(a, f32x4.sub(f32x4.mul(scale, gA), v128.load(dotH + go)));
        const value = f32x4.mul(a, scale);
        if (channels == 3) {
          gatv2LaneChunk(o, i32x4.shuffle(gE, gE, 0, 0, 0, 1), i32x4.shuffle(value, value, 0, 0, 0, 1), row, xrRow, edgeRow, edge != 0, att, gRow, gradAtt, gxlRow, gxrRow, gEdgeRow, gradEdge != 0, slopeV, flip);
          gatv2LaneChunk(o + 16, i32x4.shuffle(gE, gE, 1, 1, 2, 2), i32x4.shuffle(value, value, 1, 1, 2, 2), row, xrRow, edgeRow, edge != 0, att, gRow, gradAtt, gxlRow, gxrRow, gEdgeRow, gradEdge != 0, slopeV, flip);
          gatv2LaneChunk(o + 32, i32x4.shuffle(gE, gE, 2, 3, 3, 3), i32x4.shuffle(value, value, 2, 3, 3, 3), row, xrRow, edgeRow, edge != 0, att, gRow, gradAtt, gxlRow, gxrRow, gEdgeRow, gradEdge != 0, slopeV, flip);
          o += 48;
          continue;
        }
        for (let c = 0; c < channels; c++) {
          const table = v128.load(tables + o);
          gatv2LaneChunk(o, i8x16.swizzle(gE, table), i8x16.swizzle(value, table), row, xrRow, edgeRow, edge != 0, att, gRow, gradAtt, gxlRow, gxrRow, gEdgeRow, gradEdge != 0, slopeV, flip);
          o += 16;
        }
      }
    }
  }
}
