/**
 * Instantiates the kernel module: the relaxed-SIMD build (fused multiply-add) where the
 * engine validates it, the plain SIMD build otherwise. Browser-safe: the bytes come from a
 * generated module (build-wasm.ts), decoded with `atob`.
 */
import { relaxedSimdWasmBase64, simdWasmBase64 } from './build/kernels-wasm.js';

/** Pages of 64 KiB; must match build-wasm.ts (2 GiB). */
export const MAXIMUM_PAGES = 32768;

type I32 = number; // an i32 (or a byte offset / pointer) passed to WebAssembly
type F32 = number;

/** The functions of assembly/index.ts, with their WebAssembly signatures. */
export interface WasmExports {
  readonly memory: WebAssembly.Memory;
  readonly variant: 'simd' | 'relaxed-simd';
  heapBase(): I32;
  gemmPackABytes(): I32;
  gemmPackBBytes(): I32;
  gemm(
    transA: boolean,
    transB: boolean,
    m: I32,
    n: I32,
    k: I32,
    a: I32,
    lda: I32,
    b: I32,
    ldb: I32,
    c: I32,
    accumulate: boolean,
    packA: I32,
    packB: I32,
  ): void;
  spmm(
    rows: I32,
    n: I32,
    rowPtr: I32,
    colIdx: I32,
    values: I32,
    b: I32,
    out: I32,
    accumulate: boolean,
  ): void;
  spmmTransposed(rows: I32, n: I32, rowPtr: I32, colIdx: I32, values: I32, b: I32, out: I32): void;
  constantRows(rows: I32, rowPtr: I32, values: I32, flags: I32): void;
  spmmPanels(
    rows: I32,
    n: I32,
    rowPtr: I32,
    colIdx: I32,
    values: I32,
    panels: I32,
    cols: I32,
    bias: I32,
    out: I32,
    flags: I32,
  ): void;
  spmmTransposedSums(
    rows: I32,
    n: I32,
    rowPtr: I32,
    colIdx: I32,
    values: I32,
    b: I32,
    out: I32,
    sums: I32,
  ): void;
  gatv2Forward(
    numDst: I32,
    heads: I32,
    channels: I32,
    ptr: I32,
    src: I32,
    xl: I32,
    xr: I32,
    edge: I32,
    att: I32,
    slope: F32,
    dropScale: I32,
    /** [H·C] output bias added to every row, 0: none. */
    bias: I32,
    out: I32,
    alpha: I32,
    scratch: I32,
    gatherRows: I32,
  ): void;
  gatv2Backward(
    numDst: I32,
    heads: I32,
    channels: I32,
    ptr: I32,
    src: I32,
    xl: I32,
    xr: I32,
    edge: I32,
    att: I32,
    slope: F32,
    dropScale: I32,
    alpha: I32,
    gradOut: I32,
    gradXl: I32,
    gradXr: I32,
    gradEdge: I32,
    gradAtt: I32,
    scratch: I32,
    gatherRows: I32,
    cacheEdges: I32,
  ): void;
  gatForward(
    numDst: I32,
    heads: I32,
    channels: I32,
    ptr: I32,
    src: I32,
    x: I32,
    scoreSrc: I32,
    scoreDst: I32,
    scoreEdge: I32,
    slope: F32,
    dropScale: I32,
    /** [H·C] output bias added to every row, 0: none. */
    bias: I32,
    out: I32,
    alpha: I32,
    scratch: I32,
    gatherRows: I32,
  ): void;
  gatBackward(
    numDst: I32,
    heads: I32,
    channels: I32,
    ptr: I32,
    src: I32,
    x: I32,
    scoreSrc: I32,
    scoreDst: I32,
    scoreEdge: I32,
    slope: F32,
    dropScale: I32,
    alpha: I32,
    gradOut: I32,
    gradX: I32,
    gradScoreSrc: I32,
    gradScoreDst: I32,
    gradScoreEdge: I32,
    scratch: I32,
    gatherRows: I32,
    cacheEdges: I32,
  ): void;
  gatv2ForwardHeads(
    numDst: I32,
    heads: I32,
    channels: I32,
    ptr: I32,
    src: I32,
    xl: I32,
    xr: I32,
    edge: I32,
    att: I32,
    slope: F32,
    dropScale: I32,
    /** [H·C] output bias added to every row, 0: none. */
    bias: I32,
    out: I32,
    alpha: I32,
    scratch: I32,
    gatherRows: I32,
  ): void;
  gatv2BackwardHeads(
    numDst: I32,
    heads: I32,
    channels: I32,
    ptr: I32,
    src: I32,
    xl: I32,
    xr: I32,
    edge: I32,
    att: I32,
    slope: F32,
    dropScale: I32,
    alpha: I32,
    gradOut: I32,
    gradXl: I32,
    gradXr: I32,
    gradEdge: I32,
    gradAtt: I32,
    scratch: I32,
    gatherRows: I32,
    cacheEdges: I32,
  ): void;
  gatForwardHeads(
    numDst: I32,
    heads: I32,
    channels: I32,
    ptr: I32,
    src: I32,
    x: I32,
    scoreSrc: I32,
    scoreDst: I32,
    scoreEdge: I32,
    slope: F32,
    dropScale: I32,
    /** [H·C] output bias added to every row, 0: none. */
    bias: I32,
    out: I32,
    alpha: I32,
    scratch: I32,
    gatherRows: I32,
  ): void;
  gatBackwardHeads(
    numDst: I32,
    heads: I32,
    channels: I32,
    ptr: I32,
    src: I32,
    x: I32,
    scoreSrc: I32,
    scoreDst: I32,
    scoreEdge: I32,
    slope: F32,
    dropScale: I32,
    alpha: I32,
    gradOut: I32,
    gradX: I32,
    gradScoreSrc: I32,
    gradScoreDst: I32,
    gradScoreEdge: I32,
    scratch: I32,
    gatherRows: I32,
    cacheEdges: I32,
  ): void;
  dropoutCsr(
    rows: I32,
    seedLo: I32,
    seedHi: I32,
    threshold: I32,
    scale: F32,
    ptr: I32,
    idx: I32,
    val: I32,
    outPtr: I32,
    outIdx: I32,
    outVal: I32,
    keep: I32,
  ): I32;
  dropout(
    length: I32,
    offset: I32,
    seedLo: I32,
    seedHi: I32,
    threshold: I32,
    scale: F32,
    x: I32,
    out: I32,
  ): void;
  headDot(rows: I32, heads: I32, channels: I32, x: I32, att: I32, out: I32): void;
  headDotBackward(
    rows: I32,
    heads: I32,
    channels: I32,
    x: I32,
    att: I32,
    g: I32,
    gradX: I32,
    gradAtt: I32,
  ): void;
  elu(length: I32, alpha: F32, x: I32, out: I32): void;
  eluBackward(length: I32, alpha: F32, x: I32, g: I32, gradX: I32): void;
  eluBackwardFromOutput(length: I32, alpha: F32, x: I32, y: I32, g: I32, gradX: I32): void;
  transpose(rows: I32, cols: I32, src: I32, dst: I32): void;
  transposeStrips(rows: I32, cols: I32, src: I32, dst: I32): void;
  packPanels(rows: I32, cols: I32, src: I32, dst: I32): void;
  columnSums(rows: I32, n: I32, g: I32, sums: I32): void;
  addRows(rows: I32, n: I32, x: I32, tile: I32, out: I32): void;
  firstNonFinite(length: I32, x: I32): I32;
  addInto(length: I32, target: I32, source: I32): void;
  adamStep(
    length: I32,
    lr: F32,
    beta1: F32,
    beta2: F32,
    eps: F32,
    weightDecay: F32,
    bc1: F32,
    sbc2: F32,
    param: I32,
    grad: I32,
    m: I32,
    v: I32,
    update: I32,
  ): void;
}

type FunctionName = Exclude<keyof WasmExports, 'memory' | 'variant'>;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function exportedFunction<N extends FunctionName>(
  exports: WebAssembly.Exports,
  name: N,
): WasmExports[N] {
  const value = exports[name];
  if (typeof value !== 'function') {
    throw new Error(`graphattn wasm: the module does not export the function ${name}`);
  }
  return value as WasmExports[N];
}

/**
 * Which build to run: 'auto' the relaxed-SIMD build where the engine validates it, else the
 * plain one; 'relaxed' that build or an error; 'plain' the plain SIMD build (no fused
 * multiply-add: the same float32 results on every machine, where 'auto' rounds differently
 * on CPUs with and without FMA).
 */
export type SimdChoice = 'auto' | 'relaxed' | 'plain';

/** Whether this engine runs the relaxed-SIMD build (Node ≥ 22 and Chromium ≥ 114 by default). */
export function supportsRelaxedSimd(): boolean {
  return WebAssembly.validate(decodeBase64(relaxedSimdWasmBase64));
}

export async function instantiateKernels(simd: SimdChoice = 'auto'): Promise<WasmExports> {
  const relaxed = simd === 'plain' ? null : decodeBase64(relaxedSimdWasmBase64);
  const useRelaxed = relaxed !== null && WebAssembly.validate(relaxed);
  if (simd === 'relaxed' && !useRelaxed) {
    throw new Error(
      "graphattn wasm: simd 'relaxed' asked for, but this engine does not validate relaxed-SIMD " +
        "WebAssembly (Node 20 needs enableRelaxedSimd() from 'graphattn/node' first; use 'auto' to fall back)",
    );
  }
  const bytes = useRelaxed ? relaxed : decodeBase64(simdWasmBase64);
  const { instance } = await WebAssembly.instantiate(bytes, {});
  const { exports } = instance;
  const memory = exports['memory'];
  if (!(memory instanceof WebAssembly.Memory)) {
    throw new Error('graphattn wasm: the module does not export its memory');
  }
  return {
    memory,
    variant: useRelaxed ? 'relaxed-simd' : 'simd',
    heapBase: exportedFunction(exports, 'heapBase'),
    gemmPackABytes: exportedFunction(exports, 'gemmPackABytes'),
    gemmPackBBytes: exportedFunction(exports, 'gemmPackBBytes'),
    gemm: exportedFunction(exports, 'gemm'),
    spmm: exportedFunction(exports, 'spmm'),
    spmmTransposed: exportedFunction(exports, 'spmmTransposed'),
    constantRows: exportedFunction(exports, 'constantRows'),
    spmmPanels: exportedFunction(exports, 'spmmPanels'),
    spmmTransposedSums: exportedFunction(exports, 'spmmTransposedSums'),
    gatv2Forward: exportedFunction(exports, 'gatv2Forward'),
    gatv2Backward: exportedFunction(exports, 'gatv2Backward'),
    gatForward: exportedFunction(exports, 'gatForward'),
    gatBackward: exportedFunction(exports, 'gatBackward'),
    gatv2ForwardHeads: exportedFunction(exports, 'gatv2ForwardHeads'),
    gatv2BackwardHeads: exportedFunction(exports, 'gatv2BackwardHeads'),
    gatForwardHeads: exportedFunction(exports, 'gatForwardHeads'),
    gatBackwardHeads: exportedFunction(exports, 'gatBackwardHeads'),
    dropout: exportedFunction(exports, 'dropout'),
    dropoutCsr: exportedFunction(exports, 'dropoutCsr'),
    headDot: exportedFunction(exports, 'headDot'),
    headDotBackward: exportedFunction(exports, 'headDotBackward'),
    elu: exportedFunction(exports, 'elu'),
    eluBackward: exportedFunction(exports, 'eluBackward'),
    eluBackwardFromOutput: exportedFunction(exports, 'eluBackwardFromOutput'),
    transpose: exportedFunction(exports, 'transpose'),
    transposeStrips: exportedFunction(exports, 'transposeStrips'),
    packPanels: exportedFunction(exports, 'packPanels'),
    columnSums: exportedFunction(exports, 'columnSums'),
    addRows: exportedFunction(exports, 'addRows'),
    firstNonFinite: exportedFunction(exports, 'firstNonFinite'),
    addInto: exportedFunction(exports, 'addInto'),
    adamStep: exportedFunction(exports, 'adamStep'),
  };
}
