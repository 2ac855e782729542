// Sparse (CSR, float32) × dense products, SIMD over the dense width n. spmm keeps blocks of
// 16 columns of an output row in registers (wider blocks measured slower: V8 has 16 vector
// registers); spmmTransposed keeps blocks of 32 columns of an input row in registers and
// updates the output rows they scatter into. rowPtr is rebased: entries rowPtr[0] ..
import { madd } from './simd';

/** out[rows, n] (+)= A · B, B [cols, n]. */
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
  spmmRows(rows, n, rowPtr, colIdx, values, b, accumulate ? out : 0, accumulate, out);
}

/**
 * out[rows, n] = bias + A · B, B [cols, n], bias [n] (0: none). Every row of out is written
 * (an empty row gets the bias or zeros), so out needs no filling beforehand.
 */
export function spmmBias(
  rows: i32,
  n: i32,
  rowPtr: usize,
  colIdx: usize,
  values: usize,
  b: usize,
  bias: usize,
  out: usize,
): void {
  spmmRows(rows, n, rowPtr, colIdx, values, b, bias, false, out);
}

/**
 * The accumulators of row r start from `init` (row r of it when `initPerRow`, else the one
 * row it holds; zeros when init is 0) and are stored to row r of out.
 */
// @ts-ignore: decorator
@inline
function spmmRows(
  rows: i32,
  n: i32,
  rowPtr: usize,
  colIdx: usize,
  values: usize,
  b: usize,
  init: usize,
  initPerRow: bool,
  out: usize,
): void {
  const ld = <usize>n << 2;
  const base = load<i32>(rowPtr);
  const zero = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const begin = load<i32>(rowPtr + (<usize>r << 2)) - base;
    const end = load<i32>(rowPtr + (<usize>(r + 1) << 2)) - base;
    const o = out + <usize>r * ld;
    const s = init == 0 ? 0 : initPerRow ? init + <usize>r * ld : init;
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
