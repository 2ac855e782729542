// Fused GATv2 and GAT attention for H and C both multiples of 4 (e.g. Cora's hidden layer,
// 8 heads × 8 channels): the semantics, arguments and scratch layout of attention.ts
// (DESIGN.md §1–3), organised so that a target's work stays in registers.
//
// - Heads go four at a time (a group): one vector holds the four heads' scores, α, maxima,
//   sums or ∂L/∂e, so the softmax and its backward have no per-head loop. A pass over a
//   target's edges takes either every group of an edge in turn (where source rows are read)
//   or one group at a time (where the group's maxima, sums or accumulators stay in
//   registers).
// - The GATv2 forward scores a group at a time for C = 4 and 8, 64 bytes of its rows per pass
//   over the edges, so that those bytes of x^r_i and att stay in registers (C = 8 takes two
//   passes, the first leaving its partial sums in α).
// - The forward accumulates a row in registers, a block of up to eight vectors (C = 8: the
//   four heads of a group) over all of a target's edges, and stores it once, instead of
//   loading and storing it for every edge; it sums the softmax numerators and scales the
//   block by 1/Σ at the end, adding the layer's output bias there when there is one
//   (`bias` ≠ 0, tested once per group or chunk of a target, outside the loops over edges).
// - The backward computes the dot products <g_i, x_j> in a first pass (cached per edge), two
//   edges at a time with g_i loaded once (GAT scatters α̃·g_i into gradX there too), then
//   goes through the edges once more: GATv2 two at a time, sharing the loads of x^r_i, att
//   and g_i and one update of ∂L/∂x^r_i and ∂L/∂att per pair; GAT a group at a time, its
//   t_i, D and gradient of t_i in registers. Both are compiled for cached dot products; a
//   target too wide for the cache goes to a generic function that computes them again.
// - A row whose weight is 0 is skipped, as in the reference (an infinite or NaN row must not
//   reach the sum), by reading a row of zeros instead: a scalar select per head rather than
//   a mask per vector. C = 4 and 8 select only in targets where a weight is 0 (dropout, or
//   exp underflowing), which the softmax tells.
// - C = 4 and C = 8 have their channel loops unrolled; other multiples of 4 go a head and up
//   to four vectors at a time.
//
// On large graphs (where rows are gathered) each target also touches the next target's
// source rows, and in a backward their gradient rows, ahead of use (prefetch.ts).
//
// V8 schedules all of a basic block's loads before its arithmetic, so a block with more
// live vectors than registers spills; the C = 8 dot products therefore store their first
// half (into the slot the result goes to) before loading the second. Pointers advance a group
// at a time, so that loads and stores within a group have constant offsets.
//
// Indices are chunk-local (targets 0..numDst, edge slots ptr[i] − ptr[0]); source-side arrays
// are whole; a pointer of 0 is null. Scratch, as the wrappers size it: two arrays of H floats,
// the gather buffer (max(capacity, 1) rows), the backward's cache (cacheEdges·H floats + 16
// bytes, when cacheEdges > 0), then a row of zeros (C floats) and a spare vector.
import { touchNextSources } from './prefetch';
import { leakyRelu, madd } from './simd';

// Compile-time variants. AssemblyScript compiles each instance of a generic function on its
// own and folds tests of sizeof<T>(), so each loop below exists once per variant, without a
// branch on it. (Constant arguments of inlined functions do not do this: Binaryen merges the
// inlined copies, which differ only in those constants, before propagating them.)
/** Channels per head: 4 (C4), 8 (C8), or any multiple of 4 (CAny). */
type C4 = u8;
type C8 = u16;
type CAny = u64;
/** An optional input (edge features, dropout) absent or present, or (Either) tested at run time. */
type Off = u8;
type On = u16;
type Either = u32;

/** Whether the dropout scales are there (D = Either: whether the pointer is not null). */
// @ts-ignore: decorator
@inline
function hasDrop<D>(dropScale: usize): bool {
  return sizeof<D>() == 4 ? dropScale != 0 : sizeof<D>() == 2;
}

/** Vectors per head: 1, 2, or `vecs` (known at run time only). */
// @ts-ignore: decorator
@inline
function vecsOf<V>(vecs: i32): i32 {
  return sizeof<V>() == 8 ? vecs : <i32>sizeof<V>();
}

const SOFTMAX_EPS: f32 = 1e-16;

// Splatted constants, loaded from memory: V8 (x64) builds a v128.const from immediates with
// several instructions at every use.
const K_NEG_INF: usize = 0;
const K_EPS: usize = 16;
const K_ONE: usize = 32;
const K_EXP_MIN: usize = 48;
const K_MAGIC: usize = 64;
const K_LOG2E: usize = 80;
const K_NEG_LN2_HI: usize = 96;
const K_NEG_LN2_LO: usize = 112;
const K_P0: usize = 128;
const K_P1: usize = 144;
const K_P2: usize = 160;
const K_P3: usize = 176;
const K_P4: usize = 192;
const K_P5: usize = 208;
const CONSTANTS = memory.data<f32>(
  [
    -Infinity, -Infinity, -Infinity, -Infinity,
    SOFTMAX_EPS, SOFTMAX_EPS, SOFTMAX_EPS, SOFTMAX_EPS,
    1, 1, 1, 1,
    -87.3, -87.3, -87.3, -87.3,
    12582912, 12582912, 12582912, 12582912,
    1.44269504088896341, 1.44269504088896341, 1.44269504088896341, 1.44269504088896341,
    -0.693359375, -0.693359375, -0.693359375, -0.693359375,
    2.12194440e-4, 2.12194440e-4, 2.12194440e-4, 2.12194440e-4,
    5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1,
    1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1,
    4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2,
    8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3,
    1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3,
    1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4,
  ],
  16,
);
/** The bits of K_MAGIC less the exponent bias (127), in every i32 lane. */
const MAGIC_LESS_BIAS = memory.data<i32>([0x4b400000 - 127, 0x4b400000 - 127, 0x4b400000 - 127, 0x4b400000 - 127], 16);

// @ts-ignore: decorator
@inline
function k(offset: usize): v128 {
  return v128.load(CONSTANTS + offset);
}

// @ts-ignore: decorator
@inline
function zero(): v128 {
  return f32x4.splat(0);
}

// @ts-ignore: decorator
@inline
function i32At(base: usize, index: i32): i32 {
  return load<i32>(base + (<usize>index << 2));
}

/**
 * e^x per lane for x ≤ 0 (softmax arguments): simd.ts's exp4 (Cephes polynomial, about
 * 1 ulp) with the polynomial evaluated by Estrin's scheme, n·ln 2 taken off by multiply-adds
 * and 2^n built with one integer subtraction (the magic number's bits less the bias), constants
 * from memory, and no clamp: lanes below −87.3 (−∞ included), whose exponent bits overflow,
 * are zeroed by the final mask, and a NaN goes through the arithmetic as NaN.
 */
// @ts-ignore: decorator
@inline
function expNeg4(x: v128): v128 {
  const magic = k(K_MAGIC);
  const t = madd(x, k(K_LOG2E), magic);
  const n = f32x4.sub(t, magic);
  const r = madd(n, k(K_NEG_LN2_LO), madd(n, k(K_NEG_LN2_HI), x));
  const r2 = f32x4.mul(r, r);
  const r4 = f32x4.mul(r2, r2);
  const a = madd(k(K_P1), r, k(K_P0));
  const b = madd(k(K_P3), r, k(K_P2));
  const c = madd(k(K_P5), r, k(K_P4));
  const p = madd(r4, c, madd(r2, b, a));
  const y = madd(r2, p, f32x4.add(r, k(K_ONE)));
  const scale = i32x4.shl(i32x4.sub(t, v128.load(MAGIC_LESS_BIAS)), 23);
  return v128.andnot(f32x4.mul(y, scale), f32x4.lt(x, k(K_EXP_MIN)));
}

/** [a0 + a2, b0 + b2, a1 + a3, b1 + b3]: the first step of hsum4. */
// @ts-ignore: decorator
@inline
function pairSums(a: v128, b: v128): v128 {
  return f32x4.add(i32x4.shuffle(a, b, 0, 4, 1, 5), i32x4.shuffle(a, b, 2, 6, 3, 7));
}

/** Lane-wise sums of four vectors, [Σ a, Σ b, Σ c, Σ d], from pairSums(a, b) and pairSums(c, d). */
// @ts-ignore: decorator
@inline
function joinSums(ab: v128, cd: v128): v128 {
  return f32x4.add(i32x4.shuffle(ab, cd, 0, 1, 4, 5), i32x4.shuffle(ab, cd, 2, 3, 6, 7));
}

// @ts-ignore: decorator
@inline
function hsum4(a: v128, b: v128, c: v128, d: v128): v128 {
  return joinSums(pairSums(a, b), pairSums(c, d));
}

/** Lane l of v in every lane (l a constant). */
// @ts-ignore: decorator
@inline
function lane(v: v128, l: i32): v128 {
  if (l == 0) return i32x4.shuffle(v, v, 0, 0, 0, 0);
  if (l == 1) return i32x4.shuffle(v, v, 1, 1, 1, 1);
  if (l == 2) return i32x4.shuffle(v, v, 2, 2, 2, 2);
  return i32x4.shuffle(v, v, 3, 3, 3, 3);
}

/** LeakyReLU'(z) per lane, 1 where z > 0 else slope, as slope ^ ((1 ^ slope) & (z > 0)). */
// @ts-ignore: decorator
@inline
function reluSlope(z: v128, slopeV: v128, flip: v128): v128 {
  return v128.xor(slopeV, v128.and(flip, f32x4.gt(z, zero())));
}

/** The address of edge slot p's source row: in the gather buffer (when ≠ 0), else in place. */
// @ts-ignore: decorator
@inline
function rowAt(p: i32, begin: i32, src: usize, x: usize, gather: usize, rowBytes: usize): usize {
  return gather != 0 ? gather + <usize>(p - begin) * rowBytes : x + <usize>i32At(src, p) * rowBytes;
}

/**
 * Copies the source rows of edges begin..end into `gather` when they fit and returns it, else
 * returns 0 (rows read in place). On large graphs the misses of scattered rows then overlap,
 * and every later pass over the segment reads L1.
 */
// @ts-ignore: decorator
@inline
function gatherRows(src: usize, begin: i32, end: i32, x: usize, rowBytes: usize, gather: usize, capacity: i32): usize {
  if (end - begin > capacity) return 0;
  let g = gather;
  for (let p = begin; p < end; p++) {
    const row = x + <usize>i32At(src, p) * rowBytes;
    for (let o: usize = 0; o < rowBytes; o += 16) v128.store(g + o, v128.load(row + o));
    g += rowBytes;
  }
  return gather;
}

/** The gather buffer: after the two per-head arrays (H·8 bytes, a multiple of 16). */
// @ts-ignore: decorator
@inline
function gatherAt(scratch: usize, heads: i32): usize {
  return scratch + (<usize>heads << 3);
}

/** The cache: after the gather buffer. */
// @ts-ignore: decorator
@inline
function cacheAt(scratch: usize, heads: i32, rowBytes: usize, capacity: i32): usize {
  return gatherAt(scratch, heads) + <usize>max(capacity, 1) * rowBytes;
}

/** The row of zeros (C floats, zeroed here): after the cache. */
// @ts-ignore: decorator
@inline
function zeroRowAt(scratch: usize, heads: i32, channels: i32, rowBytes: usize, capacity: i32, cacheEdges: i32): usize {
  const cacheBytes: usize = cacheEdges > 0 ? <usize>cacheEdges * (<usize>heads << 2) + 16 : 0;
  const zeros = cacheAt(scratch, heads, rowBytes, capacity) + cacheBytes;
  for (let o: usize = 0; o < (<usize>channels << 2); o += 16) v128.store(zeros + o, zero());
  return zeros;
}

/** `row` where lane `bit` of `kept` is set, else the row of zeros. */
// @ts-ignore: decorator
@inline
function keptRow(kept: i32, bit: i32, row: usize, zeros: usize): usize {
  return select<usize>(row, zeros, (kept & bit) != 0);
}

// ---------------------------------------------------------------------------------------------
// Softmax over a segment.
// ---------------------------------------------------------------------------------------------

/**
 * Scores in α → numerators exp(e − max) in place, with the per-head maxima at hmax; leaves
 * 1 / (Σ + 1e-16) per head at hsumInv, and returns whether a numerator is 0 (see
 * weightedSum): whether an argument of expNeg4 is below the bound it zeroes. A group at a
 * time, its maximum and sum in registers.
 */
// @ts-ignore: decorator
@inline
function softmaxSegment(alpha: usize, begin: i32, end: i32, heads: i32, hmax: usize, hsumInv: usize): bool {
  const stride = <usize>heads << 2;
  const first = alpha + <usize>begin * stride;
  const last = alpha + <usize>end * stride;
  let lowest = zero();
  for (let g: usize = 0; g < stride; g += 16) {
    const max = v128.load(hmax + g);
    let sum = zero();
    for (let at = first + g; at < last; at += stride) {
      const d = f32x4.sub(v128.load(at), max);
      const w = expNeg4(d);
      v128.store(at, w);
      sum = f32x4.add(sum, w);
      lowest = f32x4.pmin(lowest, d);
    }
    v128.store(hsumInv + g, f32x4.div(k(K_ONE), f32x4.add(sum, k(K_EPS))));
  }
  return v128.any_true(f32x4.lt(lowest, k(K_EXP_MIN)));
}

/** α = numerator · 1/Σ for every head of the segment. */
// @ts-ignore: decorator
@inline
function normalise(alpha: usize, begin: i32, end: i32, heads: i32, hsumInv: usize): void {
  const stride = <usize>heads << 2;
  let at = alpha + <usize>begin * stride;
  for (let p = begin; p < end; p++) {
    for (let g: usize = 0; g < stride; g += 16) v128.store(at + g, f32x4.mul(v128.load(at + g), v128.load(hsumInv + g)));
    at += stride;
  }
}

// ---------------------------------------------------------------------------------------------
// The forward's weighted sum, out_i = Σ_j dropout(α_ij)·x_j, after the softmax: the weights
// are the numerators (times the dropout scale), the sums scaled by 1/Σ when stored.
// ---------------------------------------------------------------------------------------------

/**
 * Group g (four heads × C = 4 or 8 channels) in four or eight registers; the numerators are
 * read as one vector, and written back normalised. S = On: a head whose weight is 0 reads the
 * row of zeros; Off: every weight is known to be nonzero.
 */
// @ts-ignore: decorator
@inline
function sumGroup<V, D, S>(begin: i32, end: i32, heads: i32, g: i32, src: usize, x: usize, gather: usize, rowBytes: usize, alpha: usize, dropScale: usize, inv: v128, zeros: usize, bias: usize, outRow: usize): void {
  const nv = <i32>sizeof<V>();
  const headB = <usize>nv << 4;
  const stride = <usize>heads << 2;
  const groupOff = <usize>g * (headB << 2);
  let a0 = zero(), a1 = zero(), a2 = zero(), a3 = zero();
  let b0 = zero(), b1 = zero(), b2 = zero(), b3 = zero();
  let at = <usize>begin * stride + (<usize>g << 4);
  for (let p = begin; p < end; p++) {
    const row = rowAt(p, begin, src, x, gather, rowBytes) + groupOff;
    const num = v128.load(alpha + at);
    v128.store(alpha + at, f32x4.mul(num, inv));
    const w = hasDrop<D>(dropScale) ? f32x4.mul(num, v128.load(dropScale + at)) : num;
    const skip = sizeof<S>() == 2;
    const kept = skip ? i32x4.bitmask(f32x4.ne(w, zero())) : 15;
    const r0 = skip ? keptRow(kept, 1, row, zeros) : row;
    const r1 = skip ? keptRow(kept, 2, row + headB, zeros) : row + headB;
    const r2 = skip ? keptRow(kept, 4, row + 2 * headB, zeros) : row + 2 * headB;
    const r3 = skip ? keptRow(kept, 8, row + 3 * headB, zeros) : row + 3 * headB;
    const w0 = lane(w, 0), w1 = lane(w, 1), w2 = lane(w, 2), w3 = lane(w, 3);
    a0 = madd(w0, v128.load(r0), a0);
    a1 = madd(w1, v128.load(r1), a1);
    a2 = madd(w2, v128.load(r2), a2);
    a3 = madd(w3, v128.load(r3), a3);
    if (nv == 2) {
      b0 = madd(w0, v128.load(r0 + 16), b0);
      b1 = madd(w1, v128.load(r1 + 16), b1);
      b2 = madd(w2, v128.load(r2 + 16), b2);
      b3 = madd(w3, v128.load(r3 + 16), b3);
    }
    at += stride;
  }
  const out = outRow + groupOff;
  const i0 = lane(inv, 0), i1 = lane(inv, 1), i2 = lane(inv, 2), i3 = lane(inv, 3);
  if (bias == 0) {
    v128.store(out, f32x4.mul(a0, i0));
    v128.store(out + headB, f32x4.mul(a1, i1));
    v128.store(out + 2 * headB, f32x4.mul(a2, i2));
    v128.store(out + 3 * headB, f32x4.mul(a3, i3));
    if (nv == 2) {
      v128.store(out + 16, f32x4.mul(b0, i0));
      v128.store(out + headB + 16, f32x4.mul(b1, i1));
      v128.store(out + 2 * headB + 16, f32x4.mul(b2, i2));
      v128.store(out + 3 * headB + 16, f32x4.mul(b3, i3));
    }
    return;
  }
  const bG = bias + groupOff;
  v128.store(out, madd(a0, i0, v128.load(bG)));
  v128.store(out + headB, madd(a1, i1, v128.load(bG + headB)));
  v128.store(out + 2 * headB, madd(a2, i2, v128.load(bG + 2 * headB)));
  v128.store(out + 3 * headB, madd(a3, i3, v128.load(bG + 3 * headB)));
  if (nv == 2) {
    v128.store(out + 16, madd(b0, i0, v128.load(bG + 16)));
    v128.store(out + headB + 16, madd(b1, i1, v128.load(bG + headB + 16)));
    v128.store(out + 2 * headB + 16, madd(b2, i2, v128.load(bG + 2 * headB + 16)));
    v128.store(out + 3 * headB + 16, madd(b3, i3, v128.load(bG + 3 * headB + 16)));
  }
}

/**
 * Head h, `count` (1–4) vectors from byte `off` of the row, in registers (any C); the weights
 * are read splatted from the numerators, which `normalise` scales afterwards.
 */
// @ts-ignore: decorator
@inline
function sumChunk<D>(count: i32, begin: i32, end: i32, heads: i32, h: i32, off: usize, src: usize, x: usize, gather: usize, rowBytes: usize, alpha: usize, dropScale: usize, hsumInv: usize, zeros: usize, bias: usize, outRow: usize): void {
  const stride = <usize>heads << 2;
  let a0 = zero(), a1 = zero(), a2 = zero(), a3 = zero();
  let at = <usize>begin * stride + (<usize>h << 2);
  for (let p = begin; p < end; p++) {
    let w = v128.load32_splat(alpha + at);
    if (hasDrop<D>(dropScale)) w = f32x4.mul(w, v128.load32_splat(dropScale + at));
    const row = select<usize>(rowAt(p, begin, src, x, gather, rowBytes) + off, zeros, f32x4.extract_lane(w, 0) != 0);
    a0 = madd(w, v128.load(row), a0);
    if (count > 1) a1 = madd(w, v128.load(row + 16), a1);
    if (count > 2) a2 = madd(w, v128.load(row + 32), a2);
    if (count > 3) a3 = madd(w, v128.load(row + 48), a3);
    at += stride;
  }
  const out = outRow + off;
  const inv = v128.load32_splat(hsumInv + (<usize>h << 2));
  if (bias == 0) {
    v128.store(out, f32x4.mul(a0, inv));
    if (count > 1) v128.store(out + 16, f32x4.mul(a1, inv));
    if (count > 2) v128.store(out + 32, f32x4.mul(a2, inv));
    if (count > 3) v128.store(out + 48, f32x4.mul(a3, inv));
    return;
  }
  const b = bias + off;
  v128.store(out, madd(a0, inv, v128.load(b)));
  if (count > 1) v128.store(out + 16, madd(a1, inv, v128.load(b + 16)));
  if (count > 2) v128.store(out + 32, madd(a2, inv, v128.load(b + 32)));
  if (count > 3) v128.store(out + 48, madd(a3, inv, v128.load(b + 48)));
}

/**
 * The weighted sum of one target after softmaxSegment; leaves α normalised. `sparse`: whether
 * a numerator is 0. Without dropout none is, as a rule, and C = 4 and 8 then go without the
 * selects of zero-weight rows (on Cora, 8×8 without dropout: GATv2 3 %, GAT 6 % less time).
 */
// @ts-ignore: decorator
@inline
function weightedSum<V, D>(vecs: i32, begin: i32, end: i32, heads: i32, src: usize, x: usize, gather: usize, rowBytes: usize, alpha: usize, dropScale: usize, hsumInv: usize, zeros: usize, bias: usize, outRow: usize, sparse: bool): void {
  if (sizeof<V>() != 8) {
    for (let g = 0; g < heads >> 2; g++) {
      const inv = v128.load(hsumInv + (<usize>g << 4));
      if (hasDrop<D>(dropScale) || sparse) sumGroup<V, D, On>(begin, end, heads, g, src, x, gather, rowBytes, alpha, dropScale, inv, zeros, bias, outRow);
      else sumGroup<V, D, Off>(begin, end, heads, g, src, x, gather, rowBytes, alpha, dropScale, inv, zeros, bias, outRow);
    }
    return;
  }
  const headB = <usize>vecs << 4;
  for (let h = 0; h < heads; h++) {
    const hOff = <usize>h * headB;
    let o: usize = 0;
    for (; o + 64 <= headB; o += 64) {
      sumChunk<D>(4, begin, end, heads, h, hOff + o, src, x, gather, rowBytes, alpha, dropScale, hsumInv, zeros, bias, outRow);
    }
    const tail = <i32>(headB - o) >> 4;
    if (tail == 3) sumChunk<D>(3, begin, end, heads, h, hOff + o, src, x, gather, rowBytes, alpha, dropScale, hsumInv, zeros, bias, outRow);
    else if (tail == 2) sumChunk<D>(2, begin, end, heads, h, hOff + o, src, x, gather, rowBytes, alpha, dropScale, hsumInv, zeros, bias, outRow);
    else if (tail == 1) sumChunk<D>(1, begin, end, heads, h, hOff + o, src, x, gather, rowBytes, alpha, dropScale, hsumInv, zeros, bias, outRow);
  }
  normalise(alpha, begin, end, heads, hsumInv);
}

// ---------------------------------------------------------------------------------------------
// GATv2 forward.
// ---------------------------------------------------------------------------------------------

/** LeakyReLU(x_j + x^r_i (+ edge)) at byte offset o, x^r_i's vector given. */
// @ts-ignore: decorator
@inline
function leakyAt<E>(row: usize, edgeRow: usize, o: usize, xrV: v128, slopeV: v128): v128 {
  let z = f32x4.add(v128.load(row + o), xrV);
  if (sizeof<E>() == 2) z = f32x4.add(z, v128.load(edgeRow + o));
  return leakyRelu(z, slopeV);
}

/**
 * The scores of 64 bytes of group g's rows over all edges of a target, with x^r_i and att of
 * those bytes in registers instead of loaded again for every edge (GATv2 8×8 on Cora: 9–11 %
 * less time per call). C = 4 (Second = Off): the group's four heads, scores stored. C = 8:
 * two heads at a time; Second = Off the first two, whose partial sums (pairSums) wait in α for
 * Second = On, which completes the scores. Returns the scores' maxima (undefined for C = 8's
 * first half). xrG, attG and alphaG: from the group's start.
 */
// @ts-ignore: decorator
@inline
function scoreSpan<V, E, Second>(begin: i32, end: i32, stride: usize, groupOff: usize, src: usize, xl: usize, gather: usize, rowBytes: usize, edge: usize, xrG: usize, attG: usize, alphaG: usize, slopeV: v128): v128 {
  const o: usize = sizeof<Second>() == 2 ? 64 : 0;
  const x0 = v128.load(xrG + o), x1 = v128.load(xrG + o + 16), x2 = v128.load(xrG + o + 32), x3 = v128.load(xrG + o + 48);
  const a0 = v128.load(attG + o), a1 = v128.load(attG + o + 16), a2 = v128.load(attG + o + 32), a3 = v128.load(attG + o + 48);
  let max = k(K_NEG_INF);
  let at = alphaG + <usize>begin * stride;
  for (let p = begin; p < end; p++) {
    const row = rowAt(p, begin, src, xl, gather, rowBytes) + groupOff + o;
    const edgeRow = sizeof<E>() == 2 ? edge + <usize>p * rowBytes + groupOff + o : 0;
    const l0 = leakyAt<E>(row, edgeRow, 0, x0, slopeV);
    const l1 = leakyAt<E>(row, edgeRow, 16, x1, slopeV);
    const l2 = leakyAt<E>(row, edgeRow, 32, x2, slopeV);
    const l3 = leakyAt<E>(row, edgeRow, 48, x3, slopeV);
    if (sizeof<V>() == 1) {
      const e = hsum4(f32x4.mul(a0, l0), f32x4.mul(a1, l1), f32x4.mul(a2, l2), f32x4.mul(a3, l3));
      v128.store(at, e);
      max = f32x4.pmax(max, e);
    } else {
      const sums = pairSums(madd(a1, l1, f32x4.mul(a0, l0)), madd(a3, l3, f32x4.mul(a2, l2)));
      if (sizeof<Second>() == 2) {
        const e = joinSums(v128.load(at), sums);
        v128.store(at, e);
        max = f32x4.pmax(max, e);
      } else {
        v128.store(at, sums);
      }
    }
    at += stride;
  }
  return max;
}

/** att·LeakyReLU(x_j + x^r_i (+ edge)) at byte offset o. */
// @ts-ignore: decorator
@inline
function scoreTerm<E>(row: usize, xrG: usize, edgeRow: usize, attG: usize, o: usize, slopeV: v128): v128 {
  return f32x4.mul(v128.load(attG + o), leakyAt<E>(row, edgeRow, o, v128.load(xrG + o), slopeV));
}

/** The scores of the four heads of a group for any C (rows from the group's start). */
// @ts-ignore: decorator
@inline
function groupScore<E>(vecs: i32, row: usize, xrG: usize, edgeRow: usize, attG: usize, slopeV: v128): v128 {
  const headB = <usize>vecs << 4;
  let s0 = zero(), s1 = zero(), s2 = zero(), s3 = zero();
  for (let o: usize = 0; o < headB; o += 16) {
    s0 = f32x4.add(s0, scoreTerm<E>(row, xrG, edgeRow, attG, o, slopeV));
    s1 = f32x4.add(s1, scoreTerm<E>(row + headB, xrG + headB, edgeRow + headB, attG + headB, o, slopeV));
    s2 = f32x4.add(s2, scoreTerm<E>(row + 2 * headB, xrG + 2 * headB, edgeRow + 2 * headB, attG + 2 * headB, o, slopeV));
    s3 = f32x4.add(s3, scoreTerm<E>(row + 3 * headB, xrG + 3 * headB, edgeRow + 3 * headB, attG + 3 * headB, o, slopeV));
  }
  return hsum4(s0, s1, s2, s3);
}

// @ts-ignore: decorator
@inline
function gatv2ForwardKernel<V, E, D>(numDst: i32, heads: i32, vecs: i32, ptr: usize, src: usize, xl: usize, xr: usize, edge: usize, att: usize, slopeV: v128, dropScale: usize, bias: usize, out: usize, alpha: usize, scratch: usize, gatherCapacity: i32): void {
  const rowBytes = (<usize>(heads * vecs)) << 4;
  const stride = <usize>heads << 2;
  const groupBytes = <usize>vecsOf<V>(vecs) << 6;
  const hsumInv = scratch;
  const hmax = scratch + stride;
  const zeros = zeroRowAt(scratch, heads, vecs << 2, rowBytes, gatherCapacity, 0);
  const base = i32At(ptr, 0);
  for (let i = 0; i < numDst; i++) {
    const begin = i32At(ptr, i) - base;
    const end = i32At(ptr, i + 1) - base;
    const outRow = out + <usize>i * rowBytes;
    if (begin == end) {
      // No in-edges: the row is the bias, or zeros.
      for (let o: usize = 0; o < rowBytes; o += 16) v128.store(outRow + o, bias == 0 ? zero() : v128.load(bias + o));
      continue;
    }
    const xrRow = xr + <usize>i * rowBytes;
    const gather = gatherRows(src, begin, end, xl, rowBytes, gatherAt(scratch, heads), gatherCapacity);
    touchNextSources(ptr, src, i, numDst, base, gatherCapacity, xl, rowBytes, 0, 0);
    if (sizeof<V>() != 8) {
      // A group at a time, in spans of 64 bytes of its rows.
      let go: usize = 0;
      for (let g: usize = 0; g < stride; g += 16) {
        let max = scoreSpan<V, E, Off>(begin, end, stride, go, src, xl, gather, rowBytes, edge, xrRow + go, att + go, alpha + g, slopeV);
        if (sizeof<V>() == 2) max = scoreSpan<V, E, On>(begin, end, stride, go, src, xl, gather, rowBytes, edge, xrRow + go, att + go, alpha + g, slopeV);
        v128.store(hmax + g, max);
        go += groupBytes;
      }
    } else {
      // An edge at a time, every group of its row.
      for (let g: usize = 0; g < stride; g += 16) v128.store(hmax + g, k(K_NEG_INF));
      let at = alpha + <usize>begin * stride;
      for (let p = begin; p < end; p++) {
        const row = rowAt(p, begin, src, xl, gather, rowBytes);
        const edgeRow = sizeof<E>() == 2 ? edge + <usize>p * rowBytes : 0;
        let go: usize = 0;
        for (let g: usize = 0; g < stride; g += 16) {
          const e = groupScore<E>(vecs, row + go, xrRow + go, edgeRow + go, att + go, slopeV);
          v128.store(at + g, e);
          v128.store(hmax + g, f32x4.pmax(v128.load(hmax + g), e));
          go += groupBytes;
        }
        at += stride;
      }
    }
    const sparse = softmaxSegment(alpha, begin, end, heads, hmax, hsumInv);
    weightedSum<V, D>(vecs, begin, end, heads, src, xl, gather, rowBytes, alpha, dropScale, hsumInv, zeros, bias, outRow, sparse);
  }
}

function gatv2ForwardVariant<V>(numDst: i32, heads: i32, vecs: i32, ptr: usize, src: usize, xl: usize, xr: usize, edge: usize, att: usize, slopeV: v128, dropScale: usize, bias: usize, out: usize, alpha: usize, scratch: usize, gatherCapacity: i32): void {
  if (edge == 0) {
    if (dropScale == 0) gatv2ForwardKernel<V, Off, Off>(numDst, heads, vecs, ptr, src, xl, xr, edge, att, slopeV, dropScale, bias, out, alpha, scratch, gatherCapacity);
    else gatv2ForwardKernel<V, Off, On>(numDst, heads, vecs, ptr, src, xl, xr, edge, att, slopeV, dropScale, bias, out, alpha, scratch, gatherCapacity);
  } else {
    if (dropScale == 0) gatv2ForwardKernel<V, On, Off>(numDst, heads, vecs, ptr, src, xl, xr, edge, att, slopeV, dropScale, bias, out, alpha, scratch, gatherCapacity);
    else gatv2ForwardKernel<V, On, On>(numDst, heads, vecs, ptr, src, xl, xr, edge, att, slopeV, dropScale, bias, out, alpha, scratch, gatherCapacity);
  }
}

/** GATv2 forward for H and C multiples of 4; as attention.ts's gatv2Forward. */
export function gatv2ForwardHeads(
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
  const vecs = channels >> 2;
  const slopeV = f32x4.splat(slope);
  if (vecs == 2) gatv2ForwardVariant<C8>(numDst, heads, vecs, ptr, src, xl, xr, edge, att, slopeV, dropScale, bias, out, alpha, scratch, gatherCapacity);
  else if (vecs == 1) gatv2ForwardVariant<C4>(numDst, heads, vecs, ptr, src, xl, xr, edge, att, slopeV, dropScale, bias, out, alpha, scratch, gatherCapacity);
  else gatv2ForwardVariant<CAny>(numDst, heads, vecs, ptr, src, xl, xr, edge, att, slopeV, dropScale, bias, out, alpha, scratch, gatherCapacity);
}

// ---------------------------------------------------------------------------------------------
// GAT forward: the scores are per node, e = LeakyReLU(s_j + t_i (+ edge score)).
// ---------------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline
function gatForwardKernel<V, E, D>(numDst: i32, heads: i32, vecs: i32, ptr: usize, src: usize, x: usize, scoreSrc: usize, scoreDst: usize, scoreEdge: usize, slopeV: v128, dropScale: usize, bias: usize, out: usize, alpha: usize, scratch: usize, gatherCapacity: i32): void {
  const rowBytes = (<usize>(heads * vecs)) << 4;
  const stride = <usize>heads << 2;
  const hsumInv = scratch;
  const zeros = zeroRowAt(scratch, heads, vecs << 2, rowBytes, gatherCapacity, 0);
  const base = i32At(ptr, 0);
  for (let i = 0; i < numDst; i++) {
    const begin = i32At(ptr, i) - base;
    const end = i32At(ptr, i + 1) - base;
    const outRow = out + <usize>i * rowBytes;
    if (begin == end) {
      // No in-edges: the row is the bias, or zeros.
      for (let o: usize = 0; o < rowBytes; o += 16) v128.store(outRow + o, bias == 0 ? zero() : v128.load(bias + o));
      continue;
    }
    const gather = gatherRows(src, begin, end, x, rowBytes, gatherAt(scratch, heads), gatherCapacity);
    touchNextSources(ptr, src, i, numDst, base, gatherCapacity, x, rowBytes, scoreSrc, <usize>heads << 2);
    // The scores and their softmax numerators, a group at a time (t_i, the maximum and the
    // sum in registers); `lowest` as in softmaxSegment.
    const first = <usize>begin * stride;
    const last = <usize>end * stride;
    let lowest = zero();
    for (let g: usize = 0; g < stride; g += 16) {
      const t = v128.load(scoreDst + <usize>i * stride + g);
      let max = k(K_NEG_INF);
      let p = begin;
      for (let at = first + g; at < last; at += stride) {
        let v = f32x4.add(v128.load(scoreSrc + <usize>i32At(src, p) * stride + g), t);
        if (sizeof<E>() == 2) v = f32x4.add(v, v128.load(scoreEdge + at));
        const e = leakyRelu(v, slopeV);
        v128.store(alpha + at, e);
        max = f32x4.pmax(max, e);
        p++;
      }
      let sum = zero();
      for (let at = alpha + first + g; at < alpha + last; at += stride) {
        const d = f32x4.sub(v128.load(at), max);
        const w = expNeg4(d);
        v128.store(at, w);
        sum = f32x4.add(sum, w);
        lowest = f32x4.pmin(lowest, d);
      }
      v128.store(hsumInv + g, f32x4.div(k(K_ONE), f32x4.add(sum, k(K_EPS))));
    }
    weightedSum<V, D>(vecs, begin, end, heads, src, x, gather, rowBytes, alpha, dropScale, hsumInv, zeros, bias, outRow, v128.any_true(f32x4.lt(lowest, k(K_EXP_MIN))));
  }
}

function gatForwardVariant<V>(numDst: i32, heads: i32, vecs: i32, ptr: usize, src: usize, x: usize, scoreSrc: usize, scoreDst: usize, scoreEdge: usize, slopeV: v128, dropScale: usize, bias: usize, out: usize, alpha: usize, scratch: usize, gatherCapacity: i32): void {
  if (scoreEdge == 0) {
    if (dropScale == 0) gatForwardKernel<V, Off, Off>(numDst, heads, vecs, ptr, src, x, scoreSrc, scoreDst, scoreEdge, slopeV, dropScale, bias, out, alpha, scratch, gatherCapacity);
    else gatForwardKernel<V, Off, On>(numDst, heads, vecs, ptr, src, x, scoreSrc, scoreDst, scoreEdge, slopeV, dropScale, bias, out, alpha, scratch, gatherCapacity);
  } else {
    if (dropScale == 0) gatForwardKernel<V, On, Off>(numDst, heads, vecs, ptr, src, x, scoreSrc, scoreDst, scoreEdge, slopeV, dropScale, bias, out, alpha, scratch, gatherCapacity);
    else gatForwardKernel<V, On, On>(numDst, heads, vecs, ptr, src, x, scoreSrc, scoreDst, scoreEdge, slopeV, dropScale, bias, out, alpha, scratch, gatherCapacity);
  }
}

/** GAT forward for H and C multiples of 4; as attention.ts's gatForward. */
export function gatForwardHeads(
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
  const vecs = channels >> 2;
  const slopeV = f32x4.splat(slope);
  if (vecs == 2) gatForwardVariant<C8>(numDst, heads, vecs, ptr, src, x, scoreSrc, scoreDst, scoreEdge, slopeV, dropScale, bias, out, alpha, scratch, gatherCapacity);
  else if (vecs == 1) gatForwardVariant<C4>(numDst, heads, vecs, ptr, src, x, scoreSrc, scoreDst, scoreEdge, slopeV, dropScale, bias, out, alpha, scratch, gatherCapacity);
  else gatForwardVariant<CAny>(numDst, heads, vecs, ptr, src, x, scoreSrc, scoreDst, scoreEdge, slopeV, dropScale, bias, out, alpha, scratch, gatherCapacity);
}

// ---------------------------------------------------------------------------------------------
// Backward. Per head, with g_i = ∂L/∂out_i: ∂L/∂α̃_ij = <g_i, x_j>, D_i = Σ_j α̃_ij ∂L/∂α̃_ij,
// ∂L/∂e_ij = α_ij (scale_ij <g_i, x_j> − D_i).
// ---------------------------------------------------------------------------------------------

/** <g, x> for the four heads of a group (from the group's start); slot: see the header. */
// @ts-ignore: decorator
@inline
function groupDots<V>(vecs: i32, gG: usize, row: usize, slot: usize): v128 {
  if (sizeof<V>() == 1) {
    return hsum4(
      f32x4.mul(v128.load(gG), v128.load(row)),
      f32x4.mul(v128.load(gG + 16), v128.load(row + 16)),
      f32x4.mul(v128.load(gG + 32), v128.load(row + 32)),
      f32x4.mul(v128.load(gG + 48), v128.load(row + 48)),
    );
  }
  if (sizeof<V>() == 2) {
    v128.store(
      slot,
      pairSums(
        madd(v128.load(gG + 16), v128.load(row + 16), f32x4.mul(v128.load(gG), v128.load(row))),
        madd(v128.load(gG + 48), v128.load(row + 48), f32x4.mul(v128.load(gG + 32), v128.load(row + 32))),
      ),
    );
    const cd = pairSums(
      madd(v128.load(gG + 80), v128.load(row + 80), f32x4.mul(v128.load(gG + 64), v128.load(row + 64))),
      madd(v128.load(gG + 112), v128.load(row + 112), f32x4.mul(v128.load(gG + 96), v128.load(row + 96))),
    );
    return joinSums(v128.load(slot), cd);
  }
  const headB = <usize>vecs << 4;
  let s0 = zero(), s1 = zero(), s2 = zero(), s3 = zero();
  for (let o: usize = 0; o < headB; o += 16) {
    s0 = madd(v128.load(gG + o), v128.load(row + o), s0);
    s1 = madd(v128.load(gG + headB + o), v128.load(row + headB + o), s1);
    s2 = madd(v128.load(gG + 2 * headB + o), v128.load(row + 2 * headB + o), s2);
    s3 = madd(v128.load(gG + 3 * headB + o), v128.load(row + 3 * headB + o), s3);
  }
  return hsum4(s0, s1, s2, s3);
}

/**
 * <g, x> for the four heads of a group of two rows, g loaded once (C = 4, 8; any C: groupDots
 * twice).
 */
// @ts-ignore: decorator
@inline
function groupDotsPair<V>(vecs: i32, gG: usize, row1: usize, row2: usize, slot1: usize, slot2: usize): v128 {
  if (sizeof<V>() == 1) {
    const g0 = v128.load(gG), g1 = v128.load(gG + 16), g2 = v128.load(gG + 32), g3 = v128.load(gG + 48);
    v128.store(slot1, hsum4(f32x4.mul(g0, v128.load(row1)), f32x4.mul(g1, v128.load(row1 + 16)), f32x4.mul(g2, v128.load(row1 + 32)), f32x4.mul(g3, v128.load(row1 + 48))));
    return hsum4(f32x4.mul(g0, v128.load(row2)), f32x4.mul(g1, v128.load(row2 + 16)), f32x4.mul(g2, v128.load(row2 + 32)), f32x4.mul(g3, v128.load(row2 + 48)));
  }
  if (sizeof<V>() == 2) {
    // Heads 0 and 1 of both rows, then heads 2 and 3 (half-sums through the slots).
    let g0 = v128.load(gG), g1 = v128.load(gG + 16), g2 = v128.load(gG + 32), g3 = v128.load(gG + 48);
    v128.store(slot1, pairSums(madd(g1, v128.load(row1 + 16), f32x4.mul(g0, v128.load(row1))), madd(g3, v128.load(row1 + 48), f32x4.mul(g2, v128.load(row1 + 32)))));
    v128.store(slot2, pairSums(madd(g1, v128.load(row2 + 16), f32x4.mul(g0, v128.load(row2))), madd(g3, v128.load(row2 + 48), f32x4.mul(g2, v128.load(row2 + 32)))));
    g0 = v128.load(gG + 64);
    g1 = v128.load(gG + 80);
    g2 = v128.load(gG + 96);
    g3 = v128.load(gG + 112);
    const cd1 = pairSums(madd(g1, v128.load(row1 + 80), f32x4.mul(g0, v128.load(row1 + 64))), madd(g3, v128.load(row1 + 112), f32x4.mul(g2, v128.load(row1 + 96))));
    v128.store(slot1, joinSums(v128.load(slot1), cd1));
    const cd2 = pairSums(madd(g1, v128.load(row2 + 80), f32x4.mul(g0, v128.load(row2 + 64))), madd(g3, v128.load(row2 + 112), f32x4.mul(g2, v128.load(row2 + 96))));
    return joinSums(v128.load(slot2), cd2);
  }
  v128.store(slot1, groupDots<V>(vecs, gG, row1, slot1));
  return groupDots<V>(vecs, gG, row2, slot2);
}

/** ∂L/∂e for a group of edge slot p (α, dropout scale at byte `at`): α (scale·∂L/∂α̃ − D). */
// @ts-ignore: decorator
@inline
function gradScore<D>(alpha: usize, dropScale: usize, at: usize, gA: v128, d: v128): v128 {
  const scaled = hasDrop<D>(dropScale) ? f32x4.mul(v128.load(dropScale + at), gA) : gA;
  return f32x4.mul(v128.load(alpha + at), f32x4.sub(scaled, d));
}

/** α̃ = α·scale for a group. */
// @ts-ignore: decorator
@inline
function weightOf<D>(alpha: usize, dropScale: usize, at: usize): v128 {
  const a = v128.load(alpha + at);
  return hasDrop<D>(dropScale) ? f32x4.mul(a, v128.load(dropScale + at)) : a;
}

// ---------------------------------------------------------------------------------------------
// GATv2 backward.
// ---------------------------------------------------------------------------------------------

/**
 * One vector of the key and value paths at byte o: with z = x_j + x^r_i (+ edge) and u =
 * ∂L/∂e·LeakyReLU'(z), ∂L/∂z = u·att goes into gradXr_i, gradEdge and, with α̃·g_i, gradXl_j,
 * and u·z = ∂L/∂e·LeakyReLU(z) into gradAtt. Each update is a load, add and store in turn, so
 * rows that alias (gradXl and gradXr the same array) add up.
 */
// @ts-ignore: decorator
@inline
function backwardVector<E>(o: usize, row: usize, xrRow: usize, edgeRow: usize, att: usize, gRow: usize, gxl: usize, gxr: usize, gEdgeRow: usize, gradAtt: usize, gE: v128, value: v128, slopeV: v128, flip: v128): void {
  let z = f32x4.add(v128.load(row + o), v128.load(xrRow + o));
  if (sizeof<E>() == 2) z = f32x4.add(z, v128.load(edgeRow + o));
  const u = f32x4.mul(gE, reluSlope(z, slopeV, flip));
  const gZ = f32x4.mul(u, v128.load(att + o));
  v128.store(gxl + o, f32x4.add(v128.load(gxl + o), madd(value, v128.load(gRow + o), gZ)));
  v128.store(gxr + o, f32x4.add(v128.load(gxr + o), gZ));
  if (sizeof<E>() == 2) v128.store(gEdgeRow + o, f32x4.add(v128.load(gEdgeRow + o), gZ));
  v128.store(gradAtt + o, madd(u, z, v128.load(gradAtt + o)));
}

/** backwardVector over one head's C channels, from byte hOff. */
// @ts-ignore: decorator
@inline
function backwardHead<V, E>(vecs: i32, hOff: usize, row: usize, xrRow: usize, edgeRow: usize, att: usize, gRow: usize, gxl: usize, gxr: usize, gEdgeRow: usize, gradAtt: usize, gE: v128, value: v128, slopeV: v128, flip: v128): void {
  if (sizeof<V>() != 8) {
    backwardVector<E>(hOff, row, xrRow, edgeRow, att, gRow, gxl, gxr, gEdgeRow, gradAtt, gE, value, slopeV, flip);
    if (sizeof<V>() == 2) backwardVector<E>(hOff + 16, row, xrRow, edgeRow, att, gRow, gxl, gxr, gEdgeRow, gradAtt, gE, value, slopeV, flip);
    return;
  }
  const hEnd = hOff + (<usize>vecs << 4);
  for (let o = hOff; o < hEnd; o += 16) backwardVector<E>(o, row, xrRow, edgeRow, att, gRow, gxl, gxr, gEdgeRow, gradAtt, gE, value, slopeV, flip);
}

/**
 * backwardVector for two edges at once (rows 1 and 2), sharing the loads of x^r_i, att and g_i
 * and one update of gradXr_i and gradAtt. gradXl_1 is stored before gradXl_2 is loaded, so a
 * duplicate edge (the same source twice) adds up.
 */
// @ts-ignore: decorator
@inline
function backwardVectorPair<E>(o: usize, row1: usize, row2: usize, xrRow: usize, edge1: usize, edge2: usize, att: usize, gRow: usize, gxl1: usize, gxl2: usize, gxr: usize, gEdge1: usize, gEdge2: usize, gradAtt: usize, gE1: v128, value1: v128, gE2: v128, value2: v128, slopeV: v128, flip: v128): void {
  const xrv = v128.load(xrRow + o);
  const attv = v128.load(att + o);
  const gv = v128.load(gRow + o);
  let z1 = f32x4.add(v128.load(row1 + o), xrv);
  if (sizeof<E>() == 2) z1 = f32x4.add(z1, v128.load(edge1 + o));
  const u1 = f32x4.mul(gE1, reluSlope(z1, slopeV, flip));
  const gZ1 = f32x4.mul(u1, attv);
  v128.store(gxl1 + o, f32x4.add(v128.load(gxl1 + o), madd(value1, gv, gZ1)));
  if (sizeof<E>() == 2) v128.store(gEdge1 + o, f32x4.add(v128.load(gEdge1 + o), gZ1));
  let z2 = f32x4.add(v128.load(row2 + o), xrv);
  if (sizeof<E>() == 2) z2 = f32x4.add(z2, v128.load(edge2 + o));
  const u2 = f32x4.mul(gE2, reluSlope(z2, slopeV, flip));
  const gZ2 = f32x4.mul(u2, attv);
  v128.store(gxl2 + o, f32x4.add(v128.load(gxl2 + o), madd(value2, gv, gZ2)));
  if (sizeof<E>() == 2) v128.store(gEdge2 + o, f32x4.add(v128.load(gEdge2 + o), gZ2));
  v128.store(gxr + o, f32x4.add(v128.load(gxr + o), f32x4.add(gZ1, gZ2)));
  v128.store(gradAtt + o, madd(u2, z2, madd(u1, z1, v128.load(gradAtt + o))));
}

/** backwardVectorPair over one head's C channels, from byte hOff. */
// @ts-ignore: decorator
@inline
function backwardHeadPair<V, E>(vecs: i32, hOff: usize, row1: usize, row2: usize, xrRow: usize, edge1: usize, edge2: usize, att: usize, gRow: usize, gxl1: usize, gxl2: usize, gxr: usize, gEdge1: usize, gEdge2: usize, gradAtt: usize, gE1: v128, value1: v128, gE2: v128, value2: v128, slopeV: v128, flip: v128): void {
  if (sizeof<V>() != 8) {
    backwardVectorPair<E>(hOff, row1, row2, xrRow, edge1, edge2, att, gRow, gxl1, gxl2, gxr, gEdge1, gEdge2, gradAtt, gE1, value1, gE2, value2, slopeV, flip);
    if (sizeof<V>() == 2) backwardVectorPair<E>(hOff + 16, row1, row2, xrRow, edge1, edge2, att, gRow, gxl1, gxl2, gxr, gEdge1, gEdge2, gradAtt, gE1, value1, gE2, value2, slopeV, flip);
    return;
  }
  const hEnd = hOff + (<usize>vecs << 4);
  for (let o = hOff; o < hEnd; o += 16) backwardVectorPair<E>(o, row1, row2, xrRow, edge1, edge2, att, gRow, gxl1, gxl2, gxr, gEdge1, gEdge2, gradAtt, gE1, value1, gE2, value2, slopeV, flip);
}

/**
 * The GATv2 backward of target i; K = On: its edges' dot products go through the cache, Off:
 * they are computed again in the second pass.
 */
// @ts-ignore: decorator
@inline
function gatv2BackwardTarget<V, E, D, K>(begin: i32, end: i32, heads: i32, vecs: i32, src: usize, xl: usize, gather: usize, rowBytes: usize, gRow: usize, xrRow: usize, gxr: usize, edge: usize, att: usize, slopeV: v128, flip: v128, dropScale: usize, alpha: usize, gradXl: usize, gradEdge: usize, gradAtt: usize, dotH: usize, slot: usize, spare: usize, cache: usize): void {
  const cached_ = sizeof<K>() == 2;
  const stride = <usize>heads << 2;
  const headB = <usize>vecsOf<V>(vecs) << 4;
  const groupBytes = headB << 2;
  // D per head, two edges at a time (g_i loaded once).
  for (let g: usize = 0; g < stride; g += 16) v128.store(dotH + g, zero());
  let at = <usize>begin * stride;
  let cached = cache;
  let p = begin;
  for (; p + 1 < end; p += 2) {
    const row1 = rowAt(p, begin, src, xl, gather, rowBytes);
    const row2 = rowAt(p + 1, begin, src, xl, gather, rowBytes);
    let go: usize = 0;
    for (let g: usize = 0; g < stride; g += 16) {
      const out1 = cached_ ? cached + g : slot;
      const out2 = cached_ ? cached + stride + g : spare;
      const gA2 = groupDotsPair<V>(vecs, gRow + go, row1 + go, row2 + go, out1, out2);
      const gA1 = v128.load(out1);
      v128.store(out2, gA2);
      const w1 = weightOf<D>(alpha, dropScale, at + g);
      const w2 = weightOf<D>(alpha, dropScale, at + stride + g);
      v128.store(dotH + g, madd(w2, gA2, madd(w1, gA1, v128.load(dotH + g))));
      go += groupBytes;
    }
    at += stride << 1;
    cached += stride << 1;
  }
  if (p < end) {
    const row = rowAt(p, begin, src, xl, gather, rowBytes);
    let go: usize = 0;
    for (let g: usize = 0; g < stride; g += 16) {
      const out = cached_ ? cached + g : slot;
      const gA = groupDots<V>(vecs, gRow + go, row + go, out);
      v128.store(out, gA);
      v128.store(dotH + g, madd(weightOf<D>(alpha, dropScale, at + g), gA, v128.load(dotH + g)));
      go += groupBytes;
    }
  }

  // ∂L/∂e, then the key and value paths, two edges at a time (the loads of x^r_i, att and
  // g_i and the updates of gradXr_i and gradAtt shared) and a head at a time. The rows'
  // pointers advance a group at a time, so that within a group (C = 4, 8) every load and
  // store has a constant offset.
  at = <usize>begin * stride;
  cached = cache;
  p = begin;
  for (; p + 1 < end; p += 2) {
    const j1 = i32At(src, p);
    const j2 = i32At(src, p + 1);
    let row1 = gather != 0 ? gather + <usize>(p - begin) * rowBytes : xl + <usize>j1 * rowBytes;
    let row2 = gather != 0 ? row1 + rowBytes : xl + <usize>j2 * rowBytes;
    let gxl1 = gradXl + <usize>j1 * rowBytes;
    let gxl2 = gradXl + <usize>j2 * rowBytes;
    let edge1 = sizeof<E>() == 2 ? edge + <usize>p * rowBytes : 0;
    let gEdge1 = sizeof<E>() == 2 ? gradEdge + <usize>p * rowBytes : 0;
    let xrG = xrRow;
    let attG = att;
    let gG = gRow;
    let gxrG = gxr;
    let gAttG = gradAtt;
    for (let g: usize = 0; g < stride; g += 16) {
      const at2 = at + stride;
      const gA1 = cached_ ? v128.load(cached + g) : groupDots<V>(vecs, gG, row1, slot);
      const gA2 = cached_ ? v128.load(cached + stride + g) : groupDots<V>(vecs, gG, row2, slot);
      const d = v128.load(dotH + g);
      const gE1 = gradScore<D>(alpha, dropScale, at + g, gA1, d);
      const gE2 = gradScore<D>(alpha, dropScale, at2 + g, gA2, d);
      const value1 = weightOf<D>(alpha, dropScale, at + g);
      const value2 = weightOf<D>(alpha, dropScale, at2 + g);
      const edge2 = edge1 + rowBytes;
      const gEdge2 = gEdge1 + rowBytes;
      backwardHeadPair<V, E>(vecs, 0, row1, row2, xrG, edge1, edge2, attG, gG, gxl1, gxl2, gxrG, gEdge1, gEdge2, gAttG, lane(gE1, 0), lane(value1, 0), lane(gE2, 0), lane(value2, 0), slopeV, flip);
      backwardHeadPair<V, E>(vecs, headB, row1, row2, xrG, edge1, edge2, attG, gG, gxl1, gxl2, gxrG, gEdge1, gEdge2, gAttG, lane(gE1, 1), lane(value1, 1), lane(gE2, 1), lane(value2, 1), slopeV, flip);
      backwardHeadPair<V, E>(vecs, 2 * headB, row1, row2, xrG, edge1, edge2, attG, gG, gxl1, gxl2, gxrG, gEdge1, gEdge2, gAttG, lane(gE1, 2), lane(value1, 2), lane(gE2, 2), lane(value2, 2), slopeV, flip);
      backwardHeadPair<V, E>(vecs, 3 * headB, row1, row2, xrG, edge1, edge2, attG, gG, gxl1, gxl2, gxrG, gEdge1, gEdge2, gAttG, lane(gE1, 3), lane(value1, 3), lane(gE2, 3), lane(value2, 3), slopeV, flip);
      row1 += groupBytes;
      row2 += groupBytes;
      gxl1 += groupBytes;
      gxl2 += groupBytes;
      if (sizeof<E>() == 2) {
        edge1 += groupBytes;
        gEdge1 += groupBytes;
      }
      xrG += groupBytes;
      attG += groupBytes;
      gG += groupBytes;
      gxrG += groupBytes;
      gAttG += groupBytes;
    }
    at += 2 * stride;
    cached += 2 * stride;
  }
  if (p < end) {
    const j = i32At(src, p);
    let rowG = gather != 0 ? gather + <usize>(p - begin) * rowBytes : xl + <usize>j * rowBytes;
    let gxlG = gradXl + <usize>j * rowBytes;
    let edgeG = sizeof<E>() == 2 ? edge + <usize>p * rowBytes : 0;
    let gEdgeG = sizeof<E>() == 2 ? gradEdge + <usize>p * rowBytes : 0;
    let xrG = xrRow;
    let attG = att;
    let gG = gRow;
    let gxrG = gxr;
    let gAttG = gradAtt;
    for (let g: usize = 0; g < stride; g += 16) {
      const gA = cached_ ? v128.load(cached + g) : groupDots<V>(vecs, gG, rowG, slot);
      const gE = gradScore<D>(alpha, dropScale, at + g, gA, v128.load(dotH + g));
      const value = weightOf<D>(alpha, dropScale, at + g);
      backwardHead<V, E>(vecs, 0, rowG, xrG, edgeG, attG, gG, gxlG, gxrG, gEdgeG, gAttG, lane(gE, 0), lane(value, 0), slopeV, flip);
      backwardHead<V, E>(vecs, headB, rowG, xrG, edgeG, attG, gG, gxlG, gxrG, gEdgeG, gAttG, lane(gE, 1), lane(value, 1), slopeV, flip);
      backwardHead<V, E>(vecs, 2 * headB, rowG, xrG, edgeG, attG, gG, gxlG, gxrG, gEdgeG, gAttG, lane(gE, 2), lane(value, 2), slopeV, flip);
      backwardHead<V, E>(vecs, 3 * headB, rowG, xrG, edgeG, attG, gG, gxlG, gxrG, gEdgeG, gAttG, lane(gE, 3), lane(value, 3), slopeV, flip);
      rowG += groupBytes;
      gxlG += groupBytes;
      if (sizeof<E>() == 2) {
        edgeG += groupBytes;
        gEdgeG += groupBytes;
      }
      xrG += groupBytes;
      attG += groupBytes;
      gG += groupBytes;
      gxrG += groupBytes;
      gAttG += groupBytes;
    }
  }
}

/** gatv2BackwardTarget without the cache, for any C: a call of its own, out of the hot kernels. */
function gatv2BackwardUncached<E, D>(begin: i32, end: i32, heads: i32, vecs: i32, src: usize, xl: usize, gather: usize, rowBytes: usize, gRow: usize, xrRow: usize, gxr: usize, edge: usize, att: usize, slopeV: v128, flip: v128, dropScale: usize, alpha: usize, gradXl: usize, gradEdge: usize, gradAtt: usize, dotH: usize, slot: usize, spare: usize): void {
  gatv2BackwardTarget<CAny, E, D, Off>(begin, end, heads, vecs, src, xl, gather, rowBytes, gRow, xrRow, gxr, edge, att, slopeV, flip, dropScale, alpha, gradXl, gradEdge, gradAtt, dotH, slot, spare, 0);
}

// @ts-ignore: decorator
@inline
function gatv2BackwardKernel<V, E, D>(numDst: i32, heads: i32, vecs: i32, ptr: usize, src: usize, xl: usize, xr: usize, edge: usize, att: usize, slopeV: v128, dropScale: usize, alpha: usize, gradOut: usize, gradXl: usize, gradXr: usize, gradEdge: usize, gradAtt: usize, scratch: usize, gatherCapacity: i32, cacheEdges: i32): void {
  const rowBytes = (<usize>(heads * vecs)) << 4;
  const stride = <usize>heads << 2;
  const dotH = scratch;
  const slot = scratch + stride;
  const cacheBuf = cacheAt(scratch, heads, rowBytes, gatherCapacity);
  const spare = zeroRowAt(scratch, heads, vecs << 2, rowBytes, gatherCapacity, cacheEdges) + (<usize>vecs << 4);
  const flip = v128.xor(k(K_ONE), slopeV);
  const base = i32At(ptr, 0);
  for (let i = 0; i < numDst; i++) {
    const begin = i32At(ptr, i) - base;
    const end = i32At(ptr, i + 1) - base;
    if (begin == end) continue;
    const gRow = gradOut + <usize>i * rowBytes;
    const xrRow = xr + <usize>i * rowBytes;
    const gxr = gradXr + <usize>i * rowBytes;
    const gather = gatherRows(src, begin, end, xl, rowBytes, gatherAt(scratch, heads), gatherCapacity);
    touchNextSources(ptr, src, i, numDst, base, gatherCapacity, xl, rowBytes, gradXl, rowBytes);
    // A target too wide for the cache (none, when the wrappers size it) takes the generic code.
    if (end - begin <= cacheEdges) {
      gatv2BackwardTarget<V, E, D, On>(begin, end, heads, vecs, src, xl, gather, rowBytes, gRow, xrRow, gxr, edge, att, slopeV, flip, dropScale, alpha, gradXl, gradEdge, gradAtt, dotH, slot, spare, cacheBuf);
    } else {
      gatv2BackwardUncached<E, D>(begin, end, heads, vecs, src, xl, gather, rowBytes, gRow, xrRow, gxr, edge, att, slopeV, flip, dropScale, alpha, gradXl, gradEdge, gradAtt, dotH, slot, spare);
    }
  }
}

function gatv2BackwardVariant<V>(numDst: i32, heads: i32, vecs: i32, ptr: usize, src: usize, xl: usize, xr: usize, edge: usize, att: usize, slopeV: v128, dropScale: usize, alpha: usize, gradOut: usize, gradXl: usize, gradXr: usize, gradEdge: usize, gradAtt: usize, scratch: usize, gatherCapacity: i32, cacheEdges: i32): void {
  // Dropout only changes per-group work here: tested at run time rather than compiled apart.
  if (edge == 0) gatv2BackwardKernel<V, Off, Either>(numDst, heads, vecs, ptr, src, xl, xr, edge, att, slopeV, dropScale, alpha, gradOut, gradXl, gradXr, gradEdge, gradAtt, scratch, gatherCapacity, cacheEdges);
  else gatv2BackwardKernel<V, On, Either>(numDst, heads, vecs, ptr, src, xl, xr, edge, att, slopeV, dropScale, alpha, gradOut, gradXl, gradXr, gradEdge, gradAtt, scratch, gatherCapacity, cacheEdges);
}

/** GATv2 backward for H and C multiples of 4; as attention.ts's gatv2Backward. */
export function gatv2BackwardHeads(
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
  const vecs = channels >> 2;
  const slopeV = f32x4.splat(slope);
  if (vecs == 2) gatv2BackwardVariant<C8>(numDst, heads, vecs, ptr, src, xl, xr, edge, att, slopeV, dropScale, alpha, gradOut, gradXl, gradXr, gradEdge, gradAtt, scratch, gatherCapacity, cacheEdges);
  else if (vecs == 1) gatv2BackwardVariant<C4>(numDst, heads, vecs, ptr, src, xl, xr, edge, att, slopeV, dropScale, alpha, gradOut, gradXl, gradXr, gradEdge, gradAtt, scratch, gatherCapacity, cacheEdges);
  else gatv2BackwardVariant<CAny>(numDst, heads, vecs, ptr, src, xl, xr, edge, att, slopeV, dropScale, alpha, gradOut, gradXl, gradXr, gradEdge, gradAtt, scratch, gatherCapacity, cacheEdges);
}

// ---------------------------------------------------------------------------------------------
// GAT backward: the value path, gradX_j += α̃·g_i (a head whose α̃ is 0 skipped, as the
// reference does), rides on the first pass; the second works on per-edge scalars only.
// ---------------------------------------------------------------------------------------------

/** gx[0 .. C) += w·g for one head, g being the row of zeros where w is 0 (any C). */
// @ts-ignore: decorator
@inline
function addScaledHead<V>(vecs: i32, gx: usize, g: usize, w: v128): void {
  if (sizeof<V>() != 8) {
    v128.store(gx, madd(w, v128.load(g), v128.load(gx)));
    if (sizeof<V>() == 2) v128.store(gx + 16, madd(w, v128.load(g + 16), v128.load(gx + 16)));
    return;
  }
  for (let o: usize = 0; o < (<usize>vecs << 4); o += 16) v128.store(gx + o, madd(w, v128.load(g + o), v128.load(gx + o)));
}

/** gradX_j += α̃·g_i for the four heads of a group (rows from the group's start). */
// @ts-ignore: decorator
@inline
function scatterGroup<V>(vecs: i32, gG: usize, gx: usize, w: v128, zeros: usize): void {
  const headB = <usize>vecsOf<V>(vecs) << 4;
  const kept = i32x4.bitmask(f32x4.ne(w, zero()));
  addScaledHead<V>(vecs, gx, keptRow(kept, 1, gG, zeros), lane(w, 0));
  addScaledHead<V>(vecs, gx + headB, keptRow(kept, 2, gG + headB, zeros), lane(w, 1));
  addScaledHead<V>(vecs, gx + 2 * headB, keptRow(kept, 4, gG + 2 * headB, zeros), lane(w, 2));
  addScaledHead<V>(vecs, gx + 3 * headB, keptRow(kept, 8, gG + 3 * headB, zeros), lane(w, 3));
}

/**
 * The GAT backward of target i; K = On: its edges' dot products go through the cache, Off:
 * they are computed again in the second pass.
 */
// @ts-ignore: decorator
@inline
function gatBackwardTarget<V, E, D, K>(i: i32, begin: i32, end: i32, heads: i32, vecs: i32, src: usize, x: usize, gather: usize, rowBytes: usize, gRow: usize, scoreSrc: usize, scoreDst: usize, scoreEdge: usize, slopeV: v128, flip: v128, dropScale: usize, alpha: usize, gradX: usize, gradScoreSrc: usize, gradScoreDst: usize, gradScoreEdge: usize, dotH: usize, slot: usize, cache: usize, zeros: usize): void {
  const cached_ = sizeof<K>() == 2;
  const stride = <usize>heads << 2;
  const headB = <usize>vecsOf<V>(vecs) << 4;
  const groupBytes = headB << 2;
  // ∂L/∂α̃ (cached), D, and gradX_j += α̃·g_i, two edges at a time (g_i loaded once for
  // both dot products; gradX_j1 updated before gradX_j2 is read, for duplicate edges).
  for (let g: usize = 0; g < stride; g += 16) v128.store(dotH + g, zero());
  let at = <usize>begin * stride;
  let cached = cache;
  let p = begin;
  for (; p + 1 < end; p += 2) {
    const j1 = i32At(src, p);
    const j2 = i32At(src, p + 1);
    const row1 = gather != 0 ? gather + <usize>(p - begin) * rowBytes : x + <usize>j1 * rowBytes;
    const row2 = gather != 0 ? row1 + rowBytes : x + <usize>j2 * rowBytes;
    const gx1 = gradX + <usize>j1 * rowBytes;
    const gx2 = gradX + <usize>j2 * rowBytes;
    let go: usize = 0;
    for (let g: usize = 0; g < stride; g += 16) {
      const out1 = cached_ ? cached + g : slot;
      const out2 = cached_ ? cached + stride + g : zeros + (<usize>vecs << 4);
      const gA2 = groupDotsPair<V>(vecs, gRow + go, row1 + go, row2 + go, out1, out2);
      const gA1 = v128.load(out1);
      if (cached_) v128.store(out2, gA2);
      const w1 = weightOf<D>(alpha, dropScale, at + g);
      const w2 = weightOf<D>(alpha, dropScale, at + stride + g);
      v128.store(dotH + g, madd(w2, gA2, madd(w1, gA1, v128.load(dotH + g))));
      scatterGroup<V>(vecs, gRow + go, gx1 + go, w1, zeros);
      scatterGroup<V>(vecs, gRow + go, gx2 + go, w2, zeros);
      go += groupBytes;
    }
    at += stride << 1;
    cached += stride << 1;
  }
  if (p < end) {
    const j = i32At(src, p);
    const row = gather != 0 ? gather + <usize>(p - begin) * rowBytes : x + <usize>j * rowBytes;
    const gxRow = gradX + <usize>j * rowBytes;
    let go: usize = 0;
    for (let g: usize = 0; g < stride; g += 16) {
      const out = cached_ ? cached + g : slot;
      const gA = groupDots<V>(vecs, gRow + go, row + go, out);
      if (cached_) v128.store(out, gA);
      const w = weightOf<D>(alpha, dropScale, at + g);
      v128.store(dotH + g, madd(w, gA, v128.load(dotH + g)));
      scatterGroup<V>(vecs, gRow + go, gxRow + go, w, zeros);
      go += groupBytes;
    }
  }

  // ∂L/∂e · LeakyReLU'(v) into the three score gradients, a group at a time (its t_i, D
  // and gradient of t_i in registers).
  let go: usize = 0;
  for (let g: usize = 0; g < stride; g += 16) {
    const t = v128.load(scoreDst + <usize>i * stride + g);
    const d = v128.load(dotH + g);
    let gDst = zero();
    let at = <usize>begin * stride + g;
    let cached = cache + g;
    for (let p = begin; p < end; p++) {
      const srcAt = <usize>i32At(src, p) * stride + g;
      const gA = cached_ ? v128.load(cached) : groupDots<V>(vecs, gRow + go, rowAt(p, begin, src, x, gather, rowBytes) + go, zeros + (<usize>vecs << 4));
      let v = f32x4.add(v128.load(scoreSrc + srcAt), t);
      if (sizeof<E>() == 2) v = f32x4.add(v, v128.load(scoreEdge + at));
      const gV = f32x4.mul(gradScore<D>(alpha, dropScale, at, gA, d), reluSlope(v, slopeV, flip));
      v128.store(gradScoreSrc + srcAt, f32x4.add(v128.load(gradScoreSrc + srcAt), gV));
      if (sizeof<E>() == 2) v128.store(gradScoreEdge + at, f32x4.add(v128.load(gradScoreEdge + at), gV));
      gDst = f32x4.add(gDst, gV);
      at += stride;
      cached += stride;
    }
    const gDstAt = gradScoreDst + <usize>i * stride + g;
    v128.store(gDstAt, f32x4.add(v128.load(gDstAt), gDst));
    go += groupBytes;
  }
}

/** gatBackwardTarget without the cache, for any C: a call of its own, out of the hot kernels. */
function gatBackwardUncached<E, D>(i: i32, begin: i32, end: i32, heads: i32, vecs: i32, src: usize, x: usize, gather: usize, rowBytes: usize, gRow: usize, scoreSrc: usize, scoreDst: usize, scoreEdge: usize, slopeV: v128, flip: v128, dropScale: usize, alpha: usize, gradX: usize, gradScoreSrc: usize, gradScoreDst: usize, gradScoreEdge: usize, dotH: usize, slot: usize, zeros: usize): void {
  gatBackwardTarget<CAny, E, D, Off>(i, begin, end, heads, vecs, src, x, gather, rowBytes, gRow, scoreSrc, scoreDst, scoreEdge, slopeV, flip, dropScale, alpha, gradX, gradScoreSrc, gradScoreDst, gradScoreEdge, dotH, slot, 0, zeros);
}

// @ts-ignore: decorator
@inline
function gatBackwardKernel<V, E, D>(numDst: i32, heads: i32, vecs: i32, ptr: usize, src: usize, x: usize, scoreSrc: usize, scoreDst: usize, scoreEdge: usize, slopeV: v128, dropScale: usize, alpha: usize, gradOut: usize, gradX: usize, gradScoreSrc: usize, gradScoreDst: usize, gradScoreEdge: usize, scratch: usize, gatherCapacity: i32, cacheEdges: i32): void {
  const rowBytes = (<usize>(heads * vecs)) << 4;
  const stride = <usize>heads << 2;
  const dotH = scratch;
  const slot = scratch + stride;
  const cacheBuf = cacheAt(scratch, heads, rowBytes, gatherCapacity);
  const zeros = zeroRowAt(scratch, heads, vecs << 2, rowBytes, gatherCapacity, cacheEdges);
  const flip = v128.xor(k(K_ONE), slopeV);
  const base = i32At(ptr, 0);
  for (let i = 0; i < numDst; i++) {
    const begin = i32At(ptr, i) - base;
    const end = i32At(ptr, i + 1) - base;
    if (begin == end) continue;
    const gRow = gradOut + <usize>i * rowBytes;
    const gather = gatherRows(src, begin, end, x, rowBytes, gatherAt(scratch, heads), gatherCapacity);
    touchNextSources(ptr, src, i, numDst, base, gatherCapacity, x, rowBytes, scoreSrc, <usize>heads << 2);
    touchNextSources(ptr, src, i, numDst, base, gatherCapacity, gradX, rowBytes, gradScoreSrc, <usize>heads << 2);
    // A target too wide for the cache (none, when the wrappers size it) takes the generic code.
    if (end - begin <= cacheEdges) {
      gatBackwardTarget<V, E, D, On>(i, begin, end, heads, vecs, src, x, gather, rowBytes, gRow, scoreSrc, scoreDst, scoreEdge, slopeV, flip, dropScale, alpha, gradX, gradScoreSrc, gradScoreDst, gradScoreEdge, dotH, slot, cacheBuf, zeros);
    } else {
      gatBackwardUncached<E, D>(i, begin, end, heads, vecs, src, x, gather, rowBytes, gRow, scoreSrc, scoreDst, scoreEdge, slopeV, flip, dropScale, alpha, gradX, gradScoreSrc, gradScoreDst, gradScoreEdge, dotH, slot, zeros);
    }
  }
}

function gatBackwardVariant<V>(numDst: i32, heads: i32, vecs: i32, ptr: usize, src: usize, x: usize, scoreSrc: usize, scoreDst: usize, scoreEdge: usize, slopeV: v128, dropScale: usize, alpha: usize, gradOut: usize, gradX: usize, gradScoreSrc: usize, gradScoreDst: usize, gradScoreEdge: usize, scratch: usize, gatherCapacity: i32, cacheEdges: i32): void {
  if (scoreEdge == 0) {
    if (dropScale == 0) gatBackwardKernel<V, Off, Off>(numDst, heads, vecs, ptr, src, x, scoreSrc, scoreDst, scoreEdge, slopeV, dropScale, alpha, gradOut, gradX, gradScoreSrc, gradScoreDst, gradScoreEdge, scratch, gatherCapacity, cacheEdges);
    else gatBackwardKernel<V, Off, On>(numDst, heads, vecs, ptr, src, x, scoreSrc, scoreDst, scoreEdge, slopeV, dropScale, alpha, gradOut, gradX, gradScoreSrc, gradScoreDst, gradScoreEdge, scratch, gatherCapacity, cacheEdges);
  } else {
    if (dropScale == 0) gatBackwardKernel<V, On, Off>(numDst, heads, vecs, ptr, src, x, scoreSrc, scoreDst, scoreEdge, slopeV, dropScale, alpha, gradOut, gradX, gradScoreSrc, gradScoreDst, gradScoreEdge, scratch, gatherCapacity, cacheEdges);
    else gatBackwardKernel<V, On, On>(numDst, heads, vecs, ptr, src, x, scoreSrc, scoreDst, scoreEdge, slopeV, dropScale, alpha, gradOut, gradX, gradScoreSrc, gradScoreDst, gradScoreEdge, scratch, gatherCapacity, cacheEdges);
  }
}

/** GAT backward for H and C multiples of 4; as attention.ts's gatBackward. */
export function gatBackwardHeads(
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
  const vecs = channels >> 2;
  const slopeV = f32x4.splat(slope);
  if (vecs == 2) gatBackwardVariant<C8>(numDst, heads, vecs, ptr, src, x, scoreSrc, scoreDst, scoreEdge, slopeV, dropScale, alpha, gradOut, gradX, gradScoreSrc, gradScoreDst, gradScoreEdge, scratch, gatherCapacity, cacheEdges);
  else if (vecs == 1) gatBackwardVariant<C4>(numDst, heads, vecs, ptr, src, x, scoreSrc, scoreDst, scoreEdge, slopeV, dropScale, alpha, gradOut, gradX, gradScoreSrc, gradScoreDst, gradScoreEdge, scratch, gatherCapacity, cacheEdges);
  else gatBackwardVariant<CAny>(numDst, heads, vecs, ptr, src, x, scoreSrc, scoreDst, scoreEdge, slopeV, dropScale, alpha, gradOut, gradX, gradScoreSrc, gradScoreDst, gradScoreEdge, scratch, gatherCapacity, cacheEdges);
}
