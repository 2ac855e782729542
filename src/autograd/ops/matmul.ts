/** Dense matrix product with every transpose variant: C = op(A) · op(B). */
import { kernels } from '../../kernels/backend.js';
import { Tensor, allocate, formatShape } from '../../tensor/tensor.js';
import { type Variable, record } from '../variable.js';

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

function dims2(v: Variable, name: string): [number, number] {
  if (v.shape.length !== 2)
    throw new RangeError(`matmul: ${name} must be 2-D, found shape ${formatShape(v.shape)}`);
  return [v.shape[0]!, v.shape[1]!];
}

/** Raw product of tensors, shared by the op and its backward. */
export function gemmTensor(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const [ar, ac] = [a.shape[0]!, a.shape[1]!];
  const [br, bc] = [b.shape[0]!, b.shape[1]!];
  const m = transA ? ac : ar;
  const k = transA ? ar : ac;
  const kb = transB ? bc : br;
  const n = transB ? br : bc;
  if (k !== kb) {
    throw new RangeError(
      `matmul: inner dimensions differ: op(A) is [${m}, ${k}], op(B) is [${kb}, ${n}]`,
    );
  }
  const out = allocate(a.dtype, m * n);
  kernels().gemm({ transA, transB, m, n, k, a: a.data, b: b.data, out, accumulate: false });
  return new Tensor(out, [m, n]);
}

export function matmul(a: Variable, b: Variable, options: MatmulOptions = {}): Variable {
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  dims2(a, 'A');
  dims2(b, 'B');
  const value = gemmTensor(a.value, b.value, transA, transB);
  return record('matmul', value, [a, b], (g) => [
    // C = A B  ⇒  dA = G Bᵀ, dB = Aᵀ G; transposed operands swap roles.
    a.requiresGrad
      ? transA
        ? gemmTensor(b.value, g, transB, true)
        : gemmTensor(g, b.value, false, !transB)
      : null,
    b.requiresGrad
      ? transB
        ? gemmTensor(g, a.value, true, transA)
        : gemmTensor(a.value, g, !transA, false)
      : null,
  ]);
}
