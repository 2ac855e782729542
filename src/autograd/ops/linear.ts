/**
 * The fused linear map y = x Wᵀ + b, W stored [out, in] (PyTorch's layout), for dense x or a
 * constant sparse x (CSR rows of bag-of-words features). One op instead of
 * transpose → product → bias: Wᵀ is never materialised (the kernels read W as stored), the
 * bias is added in the same pass, and backward yields dW [out, in] and db directly.
 *
 *   dense:  dX = G W,  dW = Gᵀ X,  db = column sums of G
 *   sparse: dW = Gᵀ X, db = column sums of G   (x is a constant)
 */
import { kernels } from '../../kernels/backend.js';
import type { CsrMatrix } from '../../kernels/kernels.js';
import {
  type FloatArray,
  Tensor,
  allocate,
  allocateOverwritten,
  formatShape,
} from '../../tensor/tensor.js';
import { type Variable, record } from '../variable.js';
import { checkCsr } from './sparse.js';
import { expect2d, expectSameDtype } from './validate.js';

/** [N, in] → [N, out] */
export function linear(x: Variable | CsrMatrix, weight: Variable, bias: Variable | null): Variable {
  checkParameters(weight, bias);
  return 'rowPtr' in x ? sparseLinears(x, [{ weight, bias }])[0]! : denseLinear(x, weight, bias);
}

/** The weight and bias of one map. */
export interface LinearParameters {
  readonly weight: Variable; // [out, in]
  readonly bias: Variable | null; // [out]
}

/**
 * linear(a, W_k, b_k) for several maps of one constant sparse a (GATv2's lin_l and lin_r of
 * the same features): the kernel reads a's structure once for all of them. Each output is
 * its own op, with its own backward.
 */
export function linearMany(a: CsrMatrix, maps: readonly LinearParameters[]): Variable[] {
  for (const { weight, bias } of maps) checkParameters(weight, bias);
  return sparseLinears(a, maps);
}

/** [out, in] of a valid weight (with a bias of [out] and its dtype, if any). */
function checkParameters(weight: Variable, bias: Variable | null): [number, number] {
  const op = 'linear';
  const [outF, inF] = expect2d(op, 'weight', weight);
  if (bias !== null) {
    if (bias.value.size !== outF) {
      throw new RangeError(
        `${op}: bias must have ${outF} elements (the rows of weight), found shape ${formatShape(bias.shape)}`,
      );
    }
    expectSameDtype(op, 'weight', weight, 'bias', bias);
  }
  return [outF, inF];
}

function sparseLinears(a: CsrMatrix, maps: readonly LinearParameters[]): Variable[] {
  for (const { weight } of maps) {
    const inF = weight.shape[1]!;
    if (a.cols !== inF) {
      throw new RangeError(
        `linear: x has ${a.cols} columns, weight expects ${inF} (weight shape ${formatShape(weight.shape)})`,
      );
    }
  }
  checkCsr('linear', a);
  const outs = maps.map(({ weight }) =>
    allocateOverwritten(weight.value.dtype, a.rows * weight.shape[0]!),
  );
  kernels().sparseLinearMany(
    a,
    maps.map(({ weight, bias }, k) => ({
      weight: weight.data,
      outFeatures: weight.shape[0]!,
      bias: bias === null ? null : bias.data,
      out: outs[k]!,
    })),
  );
  return maps.map(({ weight, bias }, k) => {
    const [outF, inF] = [weight.shape[0]!, weight.shape[1]!];
    const dtype = weight.value.dtype;
    const inputs = bias === null ? [weight] : [weight, bias];
    return record('linear', new Tensor(outs[k]!, [a.rows, outF]), inputs, (g) => {
      const dW = weight.requiresGrad ? allocateOverwritten(dtype, outF * inF) : null; // [out, in]
      const db = bias !== null && bias.requiresGrad ? allocate(dtype, outF) : null; // [out]
      kernels().sparseLinearBackward(a, g.data, outF, dW, db);
      const grads = [dW === null ? null : new Tensor(dW, weight.shape)];
      if (bias !== null) grads.push(db === null ? null : new Tensor(db, bias.shape));
      return grads;
    });
  });
}

function denseLinear(x: Variable, weight: Variable, bias: Variable | null): Variable {
  const [n, inF] = expect2d('linear', 'x', x);
  const [outF, wIn] = [weight.shape[0]!, weight.shape[1]!];
  if (wIn !== inF) {
    throw new RangeError(
      `linear: x has shape ${formatShape(x.shape)}, weight expects ${wIn} columns (weight shape ${formatShape(weight.shape)})`,
    );
  }
  expectSameDtype('linear', 'x', x, 'weight', weight);
  const dtype = x.value.dtype;
  const out = allocateOverwritten(dtype, n * outF); // [N, out]
  const k = kernels();
  k.gemm({
    transA: false,
    transB: true,
    m: n,
    n: outF,
    k: inF,
    a: x.data,
    b: weight.data,
    out,
    accumulate: false,
  });
  if (bias !== null) addBias(out, bias.data, n, outF);
  const inputs = bias === null ? [x, weight] : [x, weight, bias];
  return record('linear', new Tensor(out, [n, outF]), inputs, (g) => {
    const gd = g.data;
    let dx: Tensor | null = null;
    if (x.requiresGrad) {
      const d = allocateOverwritten(dtype, n * inF); // G [N, out] · W [out, in]
      kernels().gemm({
        transA: false,
        transB: false,
        m: n,
        n: inF,
        k: outF,
        a: gd,
        b: weight.data,
        out: d,
        accumulate: false,
      });
      dx = new Tensor(d, x.shape);
    }
    let dW: Tensor | null = null;
    if (weight.requiresGrad) {
      const d = allocateOverwritten(dtype, outF * inF); // Gᵀ [out, N] · X [N, in]
      kernels().gemm({
        transA: true,
        transB: false,
        m: outF,
        n: inF,
        k: n,
        a: gd,
        b: x.data,
        out: d,
        accumulate: false,
      });
      dW = new Tensor(d, weight.shape);
    }
    const grads = [dx, dW];
    if (bias !== null) {
      grads.push(bias.requiresGrad ? new Tensor(columnSums(gd, n, outF), bias.shape) : null);
    }
    return grads;
  });
}

/** out[r, o] += bias[o] */
function addBias(out: FloatArray, bias: FloatArray, rows: number, cols: number): void {
  kernels().addRowVector(out, bias, rows, cols, out);
}

/** Column sums of g [rows, cols] → [cols] */
function columnSums(g: FloatArray, rows: number, cols: number): FloatArray {
  const sums = allocate(g instanceof Float32Array ? 'float32' : 'float64', cols);
  kernels().columnSums(g, rows, cols, sums);
  return sums;
}
