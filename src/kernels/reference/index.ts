/** The plain TypeScript kernels: obvious loops, the reference every faster kernel must match. */
import type { Kernels } from '../kernels.js';
import { gatAttentionBackwardReference, gatAttentionForwardReference } from './gat-attention.js';
import {
  gatv2AttentionBackwardReference,
  gatv2AttentionForwardReference,
} from './gatv2-attention.js';
import { adamStepReference } from './adam.js';
import {
  dropoutCsrReference,
  dropoutReference,
  eluBackwardFromOutputReference,
  eluBackwardReference,
  eluReference,
  firstNonFiniteReference,
} from './elementwise.js';
import { gemmReference } from './gemm.js';
import {
  addIntoReference,
  addRowVectorReference,
  columnSumsReference,
  headDotBackwardReference,
  headDotReference,
} from './heads.js';
import {
  sparseLinearBackwardReference,
  sparseLinearManyReference,
  sparseLinearReference,
} from './linear.js';
import { spmmReference, spmmTransposedReference } from './spmm.js';

export const referenceKernels: Kernels = {
  name: 'reference',
  gemm: gemmReference,
  spmm: spmmReference,
  spmmTransposed: spmmTransposedReference,
  gatv2AttentionForward: gatv2AttentionForwardReference,
  gatv2AttentionBackward: gatv2AttentionBackwardReference,
  gatAttentionForward: gatAttentionForwardReference,
  gatAttentionBackward: gatAttentionBackwardReference,
  dropout: dropoutReference,
  dropoutCsr: dropoutCsrReference,
  headDot: headDotReference,
  headDotBackward: headDotBackwardReference,
  firstNonFinite: firstNonFiniteReference,
  addInto: addIntoReference,
  addRowVector: addRowVectorReference,
  columnSums: columnSumsReference,
  elu: eluReference,
  eluBackward: eluBackwardReference,
  eluBackwardFromOutput: eluBackwardFromOutputReference,
  sparseLinear: sparseLinearReference,
  sparseLinearMany: sparseLinearManyReference,
  sparseLinearBackward: sparseLinearBackwardReference,
  adamStep: adamStepReference,
};
