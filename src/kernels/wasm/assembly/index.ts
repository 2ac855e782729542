// Entry point of the WebAssembly kernels (AssemblyScript). All pointers are byte offsets
// into the module's one memory; the host copies inputs in, calls, and copies outputs out.
export { gemm, gemmPackABytes, gemmPackBBytes } from './gemm';
export { dropoutCsr } from './sparse-dropout';
export { constantRows, spmm, spmmPanels, spmmTransposed, spmmTransposedSums } from './spmm';

/** First free byte after the static data: the host's scratch arena starts here. */
export function heapBase(): usize {
  return __heap_base;
}
export {
  gatBackward,
  gatForward,
  gatv2Backward,
  gatv2Forward,
  headDot,
  headDotBackward,
} from './attention';
export { adamStep, addInto, addRows, columnSums, dropout, elu, eluBackward, eluBackwardFromOutput, firstNonFinite, packPanels, transpose, transposeStrips } from './elementwise';
export { gatBackwardHeads, gatForwardHeads, gatv2BackwardHeads, gatv2ForwardHeads } from './attention-heads';
