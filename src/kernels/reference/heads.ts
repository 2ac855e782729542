/** Per-head dot products with an attention vector and row-vector helpers, reference versions. */
import type { FloatArray } from '../../tensor/tensor.js';

export function headDotReference(
  x: FloatArray,
  att: FloatArray,
  rows: number,
  heads: number,
  channels: number,
  out: FloatArray,
): void {
  const width = heads * channels;
  for (let r = 0; r < rows; r++) {
    for (let h = 0; h < heads; h++) {
      const xo = r * width + h * channels;
      let s = 0;
      for (let k = 0; k < channels; k++) s += x[xo + k]! * att[h * channels + k]!;
      out[r * heads + h] = s;
    }
  }
}

export function headDotBackwardReference(
  x: FloatArray,
  att: FloatArray,
  gradOut: FloatArray,
  rows: number,
  heads: number,
  channels: number,
  gradX: FloatArray | null,
  gradAtt: FloatArray | null,
): void {
  const width = heads * channels;
  if (gradAtt !== null) gradAtt.fill(0, 0, width);
  for (let r = 0; r < rows; r++) {
    for (let h = 0; h < heads; h++) {
      const gv = gradOut[r * heads + h]!;
      const xo = r * width + h * channels;
      const ao = h * channels;
      if (gradX !== null) for (let k = 0; k < channels; k++) gradX[xo + k] = gv * att[ao + k]!;
      if (gradAtt !== null) for (let k = 0; k < channels; k++) gradAtt[ao + k]! += gv * x[xo + k]!;
    }
  }
}

export function addRowVectorReference(
  x: FloatArray,
  v: FloatArray,
  rows: number,
  n: number,
  out: FloatArray,
): void {
  for (let r = 0, o = 0; r < rows; r++, o += n) {
    for (let c = 0; c < n; c++) out[o + c] = x[o + c]! + v[c]!;
  }
}

export function columnSumsReference(g: FloatArray, rows: number, n: number, out: FloatArray): void {
  out.fill(0, 0, n);
  for (let r = 0, o = 0; r < rows; r++, o += n) {
    for (let c = 0; c < n; c++) out[c]! += g[o + c]!;
  }
}

export function addIntoReference(target: FloatArray, source: FloatArray, length: number): void {
  for (let i = 0; i < length; i++) target[i]! += source[i]!;
}
