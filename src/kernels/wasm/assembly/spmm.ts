// Sparse (CSR, float32) × dense products, SIMD over the dense width n. Blocks of 16
// columns of the output row (spmm) or of the input row (spmmTransposed) live in registers.

/** out[rows, n] (+)= A · B, B [cols, n]. rowPtr is rebased: entries rowPtr[0] .. */
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
  if (!accumulate) memory.fill(out, 0, (<usize>rows * <usize>n) << 2);
  const ld = <usize>n << 2;
  const base = load<i32>(rowPtr);
  for (let r = 0; r < rows; r++) {
    const begin = load<i32>(rowPtr + (<usize>r << 2)) - base;
    const end = load<i32>(rowPtr + (<usize>(r + 1) << 2)) - base;
    if (begin == end) continue;
    const o = out + <usize>r * ld;
    let j = 0;
    for (; j + 16 <= n; j += 16) {
      const oj = o + (<usize>j << 2);
      let a0 = v128.load(oj);
      let a1 = v128.load(oj, 16);
      let a2 = v128.load(oj, 32);
      let a3 = v128.load(oj, 48);
      for (let q = begin; q < end; q++) {
        const v = v128.load32_splat(values + (<usize>q << 2));
        const bj = b + <usize>load<i32>(colIdx + (<usize>q << 2)) * ld + (<usize>j << 2);
        a0 = f32x4.add(a0, f32x4.mul(v, v128.load(bj)));
        a1 = f32x4.add(a1, f32x4.mul(v, v128.load(bj, 16)));
        a2 = f32x4.add(a2, f32x4.mul(v, v128.load(bj, 32)));
        a3 = f32x4.add(a3, f32x4.mul(v, v128.load(bj, 48)));
      }
      v128.store(oj, a0);
      v128.store(oj, a1, 16);
      v128.store(oj, a2, 32);
      v128.store(oj, a3, 48);
    }
    for (; j + 4 <= n; j += 4) {
      const oj = o + (<usize>j << 2);
      let a0 = v128.load(oj);
      for (let q = begin; q < end; q++) {
        const v = v128.load32_splat(values + (<usize>q << 2));
        const bj = b + <usize>load<i32>(colIdx + (<usize>q << 2)) * ld + (<usize>j << 2);
        a0 = f32x4.add(a0, f32x4.mul(v, v128.load(bj)));
      }
      v128.store(oj, a0);
    }
    for (; j < n; j++) {
      const oj = o + (<usize>j << 2);
      let s = load<f32>(oj);
      for (let q = begin; q < end; q++) {
        const v = load<f32>(values + (<usize>q << 2));
        s += v * load<f32>(b + <usize>load<i32>(colIdx + (<usize>q << 2)) * ld + (<usize>j << 2));
      }
      store<f32>(oj, s);
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
  const ld = <usize>n << 2;
  const base = load<i32>(rowPtr);
  for (let r = 0; r < rows; r++) {
    const begin = load<i32>(rowPtr + (<usize>r << 2)) - base;
    const end = load<i32>(rowPtr + (<usize>(r + 1) << 2)) - base;
    if (begin == end) continue;
    const br = b + <usize>r * ld;
    let j = 0;
    for (; j + 16 <= n; j += 16) {
      const bj = br + (<usize>j << 2);
      const b0 = v128.load(bj);
      const b1 = v128.load(bj, 16);
      const b2 = v128.load(bj, 32);
      const b3 = v128.load(bj, 48);
      for (let q = begin; q < end; q++) {
        const v = v128.load32_splat(values + (<usize>q << 2));
        const oj = out + <usize>load<i32>(colIdx + (<usize>q << 2)) * ld + (<usize>j << 2);
        v128.store(oj, f32x4.add(v128.load(oj), f32x4.mul(v, b0)));
        v128.store(oj, f32x4.add(v128.load(oj, 16), f32x4.mul(v, b1)), 16);
        v128.store(oj, f32x4.add(v128.load(oj, 32), f32x4.mul(v, b2)), 32);
        v128.store(oj, f32x4.add(v128.load(oj, 48), f32x4.mul(v, b3)), 48);
      }
    }
    for (; j + 4 <= n; j += 4) {
      const b0 = v128.load(br + (<usize>j << 2));
      for (let q = begin; q < end; q++) {
        const v = v128.load32_splat(values + (<usize>q << 2));
        const oj = out + <usize>load<i32>(colIdx + (<usize>q << 2)) * ld + (<usize>j << 2);
        v128.store(oj, f32x4.add(v128.load(oj), f32x4.mul(v, b0)));
      }
    }
    for (; j < n; j++) {
      const bv = load<f32>(br + (<usize>j << 2));
      for (let q = begin; q < end; q++) {
        const v = load<f32>(values + (<usize>q << 2));
        const oj = out + <usize>load<i32>(colIdx + (<usize>q << 2)) * ld + (<usize>j << 2);
        store<f32>(oj, load<f32>(oj) + v * bv);
      }
    }
  }
}
