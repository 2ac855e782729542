/**
 * Per-head operations on features laid out heads-major: a row of width H·C holds head h in
 * columns h·C .. h·C + C − 1 (PyG's `view(-1, H, C)`).
 */
import { Tensor, allocate, allocateOverwritten, formatShape } from '../../tensor/tensor.js';
import { kernels } from '../../kernels/backend.js';
import { type Variable, record } from '../variable.js';
import { channelsPerHead, expect2d, expectSameDtype } from './validate.js';

/**
 * Per-head dot product with an attention vector: out[r, h] = Σ_c x[r, h·C + c] · att[h·C + c].
 * x [R, H·C], att any shape with H·C elements (PyG stores it as [1, H, C]) → [R, H].
 */
export function headDot(x: Variable, att: Variable, heads: number): Variable {
  const op = 'headDot';
  const [rows, width] = expect2d(op, 'x', x);
  const c = channelsPerHead(op, width, heads);
  if (att.value.size !== width) {
    throw new RangeError(
      `${op}: att must have ${width} elements (the last dimension of x), found ${att.value.size} (shape ${formatShape(att.shape)})`,
    );
  }
  expectSameDtype(op, 'x', x, 'att', att);
  const xs = x.data;
  const a = att.data;
  const out = allocateOverwritten(x.value.dtype, rows * heads); // [R, H]
  kernels().headDot(xs, a, rows, heads, c, out);
  return record(op, new Tensor(out, [rows, heads]), [x, att], (g) => {
    // dx[r, h·C + k] = g[r, h] · att[h·C + k];  datt[h·C + k] = Σ_r g[r, h] · x[r, h·C + k]
    const dx = x.requiresGrad ? allocate(x.value.dtype, rows * width) : null;
    const dAtt = att.requiresGrad ? allocate(att.value.dtype, width) : null;
    kernels().headDotBackward(xs, a, g.data, rows, heads, c, dx, dAtt);
    return [
      dx === null ? null : new Tensor(dx, [rows, width]),
      dAtt === null ? null : new Tensor(dAtt, att.shape),
    ];
  });
}

/** Scales each head's channels by its weight: out[e, h·C + c] = alpha[e, h] · x[e, h·C + c]. */
export function mulHeads(alpha: Variable, x: Variable, heads: number): Variable {
  const op = 'mulHeads';
  const [e, width] = expect2d(op, 'x', x);
  const c = channelsPerHead(op, width, heads);
  const [ea, ha] = expect2d(op, 'alpha', alpha);
  if (ea !== e || ha !== heads) {
    throw new RangeError(
      `${op}: alpha must have shape [${e}, ${heads}] (rows of x, heads), found ${formatShape(alpha.shape)}`,
    );
  }
  expectSameDtype(op, 'alpha', alpha, 'x', x);
  const al = alpha.data;
  const xs = x.data;
  const out = allocate(x.value.dtype, e * width); // [E, H·C]
  for (let p = 0; p < e; p++) {
    for (let h = 0; h < heads; h++) {
      const w = al[p * heads + h]!;
      const o = p * width + h * c;
      for (let k = 0; k < c; k++) out[o + k] = w * xs[o + k]!;
    }
  }
  return record(op, new Tensor(out, [e, width]), [alpha, x], (g) => {
    const gs = g.data; // [E, H·C]
    const dAlpha = alpha.requiresGrad ? allocate(alpha.value.dtype, e * heads) : null;
    const dx = x.requiresGrad ? allocate(x.value.dtype, e * width) : null;
    for (let p = 0; p < e; p++) {
      for (let h = 0; h < heads; h++) {
        const w = al[p * heads + h]!;
        const o = p * width + h * c;
        if (dAlpha !== null) {
          let s = 0;
          for (let k = 0; k < c; k++) s += gs[o + k]! * xs[o + k]!;
          dAlpha[p * heads + h] = s;
        }
        if (dx !== null) for (let k = 0; k < c; k++) dx[o + k] = w * gs[o + k]!;
      }
    }
    return [
      dAlpha === null ? null : new Tensor(dAlpha, [e, heads]),
      dx === null ? null : new Tensor(dx, [e, width]),
    ];
  });
}

/**
 * Mean over heads (PyG's concat=False): x [N, H·C] → [N, C]. With one head that is x itself,
 * returned as is (no copy, no op recorded).
 */
export function headMean(x: Variable, heads: number): Variable {
  const op = 'headMean';
  const [n, width] = expect2d(op, 'x', x);
  const c = channelsPerHead(op, width, heads);
  if (heads === 1) return x;
  const xs = x.data;
  const out = allocate(x.value.dtype, n * c); // [N, C]
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < c; k++) {
      let s = 0;
      for (let h = 0; h < heads; h++) s += xs[r * width + h * c + k]!;
      out[r * c + k] = s / heads;
    }
  }
  return record(op, new Tensor(out, [n, c]), [x], (g) => {
    const gs = g.data; // [N, C]
    const dx = allocate(x.value.dtype, n * width); // every head gets g / H
    for (let r = 0; r < n; r++) {
      for (let h = 0; h < heads; h++) {
        for (let k = 0; k < c; k++) dx[r * width + h * c + k] = gs[r * c + k]! / heads;
      }
    }
    return [new Tensor(dx, [n, width])];
  });
}
