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
// overlap (DESIGN.md §6) and serves both passes over the segment from L1.
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
  out: usize,
  alpha: usize,
  scratch: usize,
  gatherCapacity: i32,
): void {
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
    zeroRow(outRow, width);
    if (begin == end) continue;
    const xrRow = xr + <usize>i * rowBytes;
    const gathered = gatherRows(src, begin, end, xl, rowBytes, width, gather, gatherCapacity);

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
  out: usize,
  alpha: usize,
  scratch: usize,
  gatherCapacity: i32,
): void {
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
    zeroRow(outRow, width);
    if (begin == end) continue;
    // Each row is read once, but loading them in a tight loop first lets the misses overlap.
    const gathered = gatherRows(src, begin, end, x, rowBytes, width, gather, gatherCapacity);
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
