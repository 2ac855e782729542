// Sparse (CSR, float32) × dense products, SIMD over the dense width n. spmm keeps blocks of
// 16 columns of an output row in registers (wider blocks measured slower: V8 has 16 vector
// registers); spmmTransposed keeps blocks of 32 columns of an input row in registers and
// updates the output rows they scatter into. rowPtr is rebased: entries rowPtr[0] ..
import { madd } from './simd';

/** out[rows, n] (+)= A · B, B [cols, n]: 16 columns of a row at a time in registers. */
export function spmm(
  rows: i32,
  n: i32,
  rowPtr: usize,
  colIdx: usize,
  values: usize,
  b: usize,
  out: usize,
  accumulate: bool,
): void {
  const ld = <usize>n << 2;
  const base = load<i32>(rowPtr);
  const zero = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const begin = load<i32>(rowPtr + (<usize>r << 2)) - base;
    const end = load<i32>(rowPtr + (<usize>(r + 1) << 2)) - base;
    const o = out + <usize>r * ld;
    const s = accumulate ? o : 0;
    let j = 0;
    for (; j + 16 <= n; j += 16) {
      const jb = <usize>j << 2;
      let a0 = zero;
      let a1 = zero;
      let a2 = zero;
      let a3 = zero;
      if (s != 0) {
        a0 = v128.load(s + jb);
        a1 = v128.load(s + jb, 16);
        a2 = v128.load(s + jb, 32);
        a3 = v128.load(s + jb, 48);
      }
      for (let q = begin; q < end; q++) {
        const v = v128.load32_splat(values + (<usize>q << 2));
        const bj = b + <usize>load<i32>(colIdx + (<usize>q << 2)) * ld + jb;
        a0 = madd(v, v128.load(bj), a0);
        a1 = madd(v, v128.load(bj, 16), a1);
        a2 = madd(v, v128.load(bj, 32), a2);
        a3 = madd(v, v128.load(bj, 48), a3);
      }
      v128.store(o + jb, a0);
      v128.store(o + jb, a1, 16);
      v128.store(o + jb, a2, 32);
      v128.store(o + jb, a3, 48);
    }
    for (; j + 4 <= n; j += 4) {
      const jb = <usize>j << 2;
      let a0 = s != 0 ? v128.load(s + jb) : zero;
      for (let q = begin; q < end; q++) {
        const v = v128.load32_splat(values + (<usize>q << 2));
        const bj = b + <usize>load<i32>(colIdx + (<usize>q << 2)) * ld + jb;
        a0 = madd(v, v128.load(bj), a0);
      }
      v128.store(o + jb, a0);
    }
    for (; j < n; j++) {
      const jb = <usize>j << 2;
      let a: f32 = s != 0 ? load<f32>(s + jb) : 0;
      for (let q = begin; q < end; q++) {
        const v = load<f32>(values + (<usize>q << 2));
        a += v * load<f32>(b + <usize>load<i32>(colIdx + (<usize>q << 2)) * ld + jb);
      }
      store<f32>(o + jb, a);
    }
  }
}

/**
 * flags[r] = 1 where row r of A holds stored values that are all one finite number, else 0
 * (rows bytes): which sum spmmPanels takes for the row. One pass serves every product of A.
 */
export function constantRows(rows: i32, rowPtr: usize, values: usize, flags: usize): void {
  const base = load<i32>(rowPtr);
  for (let r = 0; r < rows; r++) {
    const begin = load<i32>(rowPtr + (<usize>r << 2)) - base;
    const end = load<i32>(rowPtr + (<usize>(r + 1) << 2)) - base;
    let same = false;
    if (begin < end) {
      const v = load<f32>(values + (<usize>begin << 2));
      const vv = f32x4.splat(v);
      let equal = v - v == 0 ? i32x4.splat(-1) : i32x4.splat(0); // all ones when v is finite
      let q = begin + 1;
      for (; q + 4 <= end; q += 4) equal = v128.and(equal, f32x4.eq(v128.load(values + (<usize>q << 2)), vv));
      same = v128.all_true<i32>(equal);
      for (; q < end; q++) same = same & (load<f32>(values + (<usize>q << 2)) == v);
    }
    store<u8>(flags + <usize>r, <u8>same);
  }
}

/**
 * out[rows, n] = bias + A · W for A [rows, cols] sparse and W in packPanels' layout (a panel
 * of 16 columns at a time, [cols, 16] each; bias 0: none). Panel by panel, every row of A
 * passes over the panel while it stays in L2, with 16 output columns in four registers.
 *
 * A row whose stored values are all one finite v (bag-of-words features, row-normalised, as
 * in Planetoid, and still so after dropout) takes v·Σ W[c] instead of Σ v·W[c]: additions
 * only, one multiply at the end. The two round differently (either is as exact), which is why
 * the choice is per row and written down: `flags` holds constantRows' bytes for these rows.
 * Empty rows get the bias (or zeros); rows holding NaN or ±∞ take the per-entry sum, so those
 * values reach the output as the reference's arithmetic sends them.
 */
export function spmmPanels(
  rows: i32,
  n: i32,
  rowPtr: usize,
  colIdx: usize,
  values: usize,
  panels: usize,
  cols: i32,
  bias: usize,
  out: usize,
  flags: usize,
): void {
  const ld = <usize>n << 2;
  const base = load<i32>(rowPtr);
  const zero = f32x4.splat(0);
  const panelBytes = <usize>cols << 6;
  let p0 = 0;
  for (; p0 + 16 <= n; p0 += 16) {
    const panel = panels + <usize>(p0 >> 4) * panelBytes;
    const jb = <usize>p0 << 2;
    let c0 = zero, c1 = zero, c2 = zero, c3 = zero;
    if (bias != 0) {
      c0 = v128.load(bias + jb);
      c1 = v128.load(bias + jb, 16);
      c2 = v128.load(bias + jb, 32);
      c3 = v128.load(bias + jb, 48);
    }
    for (let r = 0; r < rows; r++) {
      const begin = load<i32>(rowPtr + (<usize>r << 2)) - base;
      const end = load<i32>(rowPtr + (<usize>(r + 1) << 2)) - base;
      const o = out + <usize>r * ld + jb;
      if (load<u8>(flags + <usize>r) != 0) {
        let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
        for (let q = begin; q < end; q++) {
          const w = panel + (<usize>load<i32>(colIdx + (<usize>q << 2)) << 6);
          a0 = f32x4.add(v128.load(w), a0);
          a1 = f32x4.add(v128.load(w, 16), a1);
          a2 = f32x4.add(v128.load(w, 32), a2);
          a3 = f32x4.add(v128.load(w, 48), a3);
        }
        const v = v128.load32_splat(values + (<usize>begin << 2));
        v128.store(o, madd(a0, v, c0));
        v128.store(o, madd(a1, v, c1), 16);
        v128.store(o, madd(a2, v, c2), 32);
        v128.store(o, madd(a3, v, c3), 48);
      } else {
        let a0 = c0, a1 = c1, a2 = c2, a3 = c3;
        for (let q = begin; q < end; q++) {
          const v = v128.load32_splat(values + (<usize>q << 2));
          const w = panel + (<usize>load<i32>(colIdx + (<usize>q << 2)) << 6);
          a0 = madd(v, v128.load(w), a0);
          a1 = madd(v, v128.load(w, 16), a1);
          a2 = madd(v, v128.load(w, 32), a2);
          a3 = madd(v, v128.load(w, 48), a3);
        }
        v128.store(o, a0);
        v128.store(o, a1, 16);
        v128.store(o, a2, 32);
        v128.store(o, a3, 48);
      }
    }
  }
  if (p0 == n) return;
  // The last, narrower panel [cols, width]: per entry, a vector at a time, then single lanes.
  const width = n - p0;
  const panel = panels + <usize>(p0 >> 4) * panelBytes;
  const wld = <usize>width << 2;
  for (let r = 0; r < rows; r++) {
    const begin = load<i32>(rowPtr + (<usize>r << 2)) - base;
    const end = load<i32>(rowPtr + (<usize>(r + 1) << 2)) - base;
    const o = out + <usize>r * ld + (<usize>p0 << 2);
    let j = 0;
    for (; j + 4 <= width; j += 4) {
      const jb = <usize>j << 2;
      let a = bias != 0 ? v128.load(bias + (<usize>p0 << 2) + jb) : zero;
      for (let q = begin; q < end; q++) {
        const v = v128.load32_splat(values + (<usize>q << 2));
        a = madd(v, v128.load(panel + <usize>load<i32>(colIdx + (<usize>q << 2)) * wld + jb), a);
      }
      v128.store(o + jb, a);
    }
    for (; j < width; j++) {
      const jb = <usize>j << 2;
      let a: f32 = bias != 0 ? load<f32>(bias + (<usize>p0 << 2) + jb) : 0;
      for (let q = begin; q < end; q++) {
        a += load<f32>(values + (<usize>q << 2)) * load<f32>(panel + <usize>load<i32>(colIdx + (<usize>q << 2)) * wld + jb);
      }
      store<f32>(o + jb, a);
    }
  }
}

/**
 * out[cols, n] += Aᵀ · B for the rows of A in this call, B [rows, n] (chunk-local rows).
 * The caller zeroes out (or copies it in) once before the first chunk.
 */
export function spmmTransposed(
  rows: i32,
  n: i32,
  rowPtr: usize,
  colIdx: usize,
  values: usize,
  b: usize,
  out: usize,
): void {
  spmmTransposedRows(rows, n, rowPtr, colIdx, values, b, out, 0);
}

/**
 * out[cols, n] += Aᵀ · B (skipped when out is 0) and sums[n] += the column sums of B
 * (skipped when sums is 0), in one pass over B: a linear layer's weight and bias gradients.
 */
export function spmmTransposedSums(
  rows: i32,
  n: i32,
  rowPtr: usize,
  colIdx: usize,
  values: usize,
  b: usize,
  out: usize,
  sums: usize,
): void {
  spmmTransposedRows(rows, n, rowPtr, colIdx, values, b, out, sums);
}

/** sums[0 .. 16) += x0 .. x3 */
// @ts-ignore: decorator
@inline
function addTo4(sums: usize, x0: v128, x1: v128, x2: v128, x3: v128): void {
  v128.store(sums, f32x4.add(v128.load(sums), x0));
  v128.store(sums, f32x4.add(v128.load(sums, 16), x1), 16);
  v128.store(sums, f32x4.add(v128.load(sums, 32), x2), 32);
  v128.store(sums, f32x4.add(v128.load(sums, 48), x3), 48);
}

// @ts-ignore: decorator
@inline
function spmmTransposedRows(
  rows: i32,
  n: i32,
  rowPtr: usize,
  colIdx: usize,
  values: usize,
  b: usize,
  out: usize,
  sums: usize,
): void {
  const ld = <usize>n << 2;
  const base = load<i32>(rowPtr);
  for (let r = 0; r < rows; r++) {
    const begin = load<i32>(rowPtr + (<usize>r << 2)) - base;
    // No gradient wanted: no entries to scatter, only the sums.
    const end = out == 0 ? begin : load<i32>(rowPtr + (<usize>(r + 1) << 2)) - base;
    const br = b + <usize>r * ld;
    let j = 0;
    for (; j + 32 <= n; j += 32) {
      const jb = <usize>j << 2;
      const b0 = v128.load(br + jb);
      const b1 = v128.load(br + jb, 16);
      const b2 = v128.load(br + jb, 32);
      const b3 = v128.load(br + jb, 48);
      const b4 = v128.load(br + jb, 64);
      const b5 = v128.load(br + jb, 80);
      const b6 = v128.load(br + jb, 96);
      const b7 = v128.load(br + jb, 112);
      if (sums != 0) {
        addTo4(sums + jb, b0, b1, b2, b3);
        addTo4(sums + jb + 64, b4, b5, b6, b7);
      }
      for (let q = begin; q < end; q++) {
        const v = v128.load32_splat(values + (<usize>q << 2));
        const oj = out + <usize>load<i32>(colIdx + (<usize>q << 2)) * ld + jb;
        v128.store(oj, madd(v, b0, v128.load(oj)));
        v128.store(oj, madd(v, b1, v128.load(oj, 16)), 16);
        v128.store(oj, madd(v, b2, v128.load(oj, 32)), 32);
        v128.store(oj, madd(v, b3, v128.load(oj, 48)), 48);
        v128.store(oj, madd(v, b4, v128.load(oj, 64)), 64);
        v128.store(oj, madd(v, b5, v128.load(oj, 80)), 80);
        v128.store(oj, madd(v, b6, v128.load(oj, 96)), 96);
        v128.store(oj, madd(v, b7, v128.load(oj, 112)), 112);
      }
    }
    for (; j + 16 <= n; j += 16) {
      const jb = <usize>j << 2;
      const b0 = v128.load(br + jb);
      const b1 = v128.load(br + jb, 16);
      const b2 = v128.load(br + jb, 32);
      const b3 = v128.load(br + jb, 48);
      if (sums != 0) addTo4(sums + jb, b0, b1, b2, b3);
      for (let q = begin; q < end; q++) {
        const v = v128.load32_splat(values + (<usize>q << 2));
        const oj = out + <usize>load<i32>(colIdx + (<usize>q << 2)) * ld + jb;
        v128.store(oj, madd(v, b0, v128.load(oj)));
        v128.store(oj, madd(v, b1, v128.load(oj, 16)), 16);
        v128.store(oj, madd(v, b2, v128.load(oj, 32)), 32);
        v128.store(oj, madd(v, b3, v128.load(oj, 48)), 48);
      }
    }
    for (; j + 4 <= n; j += 4) {
      const jb = <usize>j << 2;
      const b0 = v128.load(br + jb);
      if (sums != 0) v128.store(sums + jb, f32x4.add(v128.load(sums + jb), b0));
      for (let q = begin; q < end; q++) {
        const v = v128.load32_splat(values + (<usize>q << 2));
        const oj = out + <usize>load<i32>(colIdx + (<usize>q << 2)) * ld + jb;
        v128.store(oj, madd(v, b0, v128.load(oj)));
      }
    }
    for (; j < n; j++) {
      const jb = <usize>j << 2;
      const bv = load<f32>(br + jb);
      if (sums != 0) store<f32>(sums + jb, load<f32>(sums + jb) + bv);
      for (let q = begin; q < end; q++) {
        const v = load<f32>(values + (<usize>q << 2));
        const oj = out + <usize>load<i32>(colIdx + (<usize>q << 2)) * ld + jb;
        store<f32>(oj, load<f32>(oj) + v * bv);
      }
    }
  }
}
