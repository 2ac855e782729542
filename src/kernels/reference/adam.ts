/**
 * One Adam step, reference version: the arithmetic of the composed optimiser chain
 * (addDecayedWeights → scaleByAdam → scaleByLearningRate, src/optim) in float64, rounded
 * to float32 exactly where the chain's float32 buffers round, so the two give the same bits.
 */
import type { FloatArray } from '../../tensor/tensor.js';
import type { AdamStepArgs } from '../kernels.js';

export function adamStepReference(
  args: AdamStepArgs,
  param: FloatArray,
  grad: FloatArray,
  m: FloatArray,
  v: FloatArray,
  update: FloatArray | null,
  length: number,
): void {
  const { lr, beta1, beta2, eps, weightDecay } = args;
  const bc1 = args.biasCorrection1;
  const sbc2 = args.sqrtBiasCorrection2;
  const factor = -lr;
  // float32: Math.fround where a buffer of the chain would hold the value; float64: never.
  const round = param instanceof Float32Array ? Math.fround : (x: number): number => x;
  for (let j = 0; j < length; j++) {
    const gj = weightDecay === 0 ? grad[j]! : round(grad[j]! + weightDecay * param[j]!);
    const mj = beta1 * m[j]! + (1 - beta1) * gj;
    const vj = beta2 * v[j]! + (1 - beta2) * gj * gj;
    m[j] = mj;
    v[j] = vj;
    const u = round(factor * round(mj / bc1 / (Math.sqrt(vj) / sbc2 + eps)));
    if (update === null) param[j]! += u;
    else update[j] = u;
  }
}
