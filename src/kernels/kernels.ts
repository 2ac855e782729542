/**
 * The hot kernels, declared once. Every implementation (the plain TypeScript reference,
 * WebAssembly SIMD, ...) provides this whole table, and the kernel tests run against each.
 *
 * Kernels work on flat row-major typed arrays with explicit sizes, write into caller-owned
 * outputs and never allocate what the caller could reuse. They accept float32 and float64
 * alike (gradient checks run in float64); a fast implementation may serve float32 itself and
 * hand float64 to the reference.
 */
import type { PoolStorage } from '../tensor/pool.js';
import type { FloatArray } from '../tensor/tensor.js';

/** Compressed sparse rows: row r holds entries colIdx/values[rowPtr[r] .. rowPtr[r+1]). */
export interface CsrMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly rowPtr: Int32Array; // [rows + 1]
  readonly colIdx: Int32Array; // [nnz]
  readonly values: FloatArray; // [nnz]
}

/** One product A · Wᵀ (+ bias) of sparseLinearMany: W [O, F] as PyTorch stores it. */
export interface SparseProjection {
  readonly weight: FloatArray; // [O, F]
  readonly outFeatures: number; // O
  readonly bias: FloatArray | null; // [O]
  readonly out: FloatArray; // [rows, O], overwritten
}

/**
 * A graph's edges j → i grouped by target i (CSR over targets). Edge slot p in
 * ptr[i] .. ptr[i+1] has source src[p]; per-edge arrays ([E, ...]) follow slot order.
 */
export interface TargetCsr {
  readonly numSrc: number;
  readonly numDst: number;
  readonly ptr: Int32Array; // [numDst + 1]
  readonly src: Int32Array; // [E]
}

/** `accumulate`: add into the output instead of overwriting it. */
export interface GemmArgs {
  /** op(A) is [m, k]: A is stored [m, k], or [k, m] when transA. */
  readonly transA: boolean;
  /** op(B) is [k, n]: B is stored [k, n], or [n, k] when transB. */
  readonly transB: boolean;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly a: FloatArray;
  readonly b: FloatArray;
  readonly out: FloatArray; // [m, n]
  readonly accumulate: boolean;
}

/** Inputs shared by the GATv2 attention kernels. Widths are H·C, heads-major. */
export interface Gatv2AttentionArgs {
  readonly graph: TargetCsr;
  readonly heads: number;
  readonly channels: number;
  readonly xl: FloatArray; // [numSrc, H·C]  source projection (key and value)
  readonly xr: FloatArray; // [numDst, H·C]  target projection
  readonly edge: FloatArray | null; // [E, H·C]  projected edge features, slot order
  readonly att: FloatArray; // [H·C]
  readonly negativeSlope: number;
  /** Attention dropout: per-edge factor (0 or 1/(1−p)) applied to α, or null. [E, H] */
  readonly dropScale: FloatArray | null;
  /**
   * [H·C] the layer's output bias, added to every output row of the forward as the row is
   * stored (a target without in-edges gets the bias itself), which saves the layer a pass
   * over its [numDst, H·C] output; null or absent: none. The backward kernels ignore it:
   * its gradient, the column sums of ∂L/∂out, is the caller's.
   */
  readonly bias?: FloatArray | null;
}

export interface Gatv2ForwardOutputs {
  readonly out: FloatArray; // [numDst, H·C]   Σ_j dropout(α_ij) x^l_j (+ bias)
  readonly alpha: FloatArray; // [E, H]        α before dropout
}

export interface Gatv2BackwardOutputs {
  readonly gradXl: FloatArray; // [numSrc, H·C]  added into
  readonly gradXr: FloatArray; // [numDst, H·C]  added into
  readonly gradEdge: FloatArray | null; // [E, H·C]  added into
  readonly gradAtt: FloatArray; // [H·C]          added into
}

/** Inputs shared by the GAT attention kernels: per-node scores, per-edge values. */
export interface GatAttentionArgs {
  readonly graph: TargetCsr;
  readonly heads: number;
  readonly channels: number;
  readonly x: FloatArray; // [numSrc, H·C]  source values x'_j
  readonly scoreSrc: FloatArray; // [numSrc, H]  <a_src, x'_j>
  readonly scoreDst: FloatArray; // [numDst, H]  <a_dst, x'_i>
  readonly scoreEdge: FloatArray | null; // [E, H]  <a_edge, W_e e_ji>, slot order
  readonly negativeSlope: number;
  readonly dropScale: FloatArray | null; // [E, H]
  /** [H·C] output bias, or null / absent: as Gatv2AttentionArgs.bias. */
  readonly bias?: FloatArray | null;
}

export interface GatForwardOutputs {
  readonly out: FloatArray; // [numDst, H·C]   Σ_j dropout(α_ij) x'_j (+ bias)
  readonly alpha: FloatArray; // [E, H]
}

export interface GatBackwardOutputs {
  readonly gradX: FloatArray; // [numSrc, H·C]  added into
  readonly gradScoreSrc: FloatArray; // [numSrc, H]  added into
  readonly gradScoreDst: FloatArray; // [numDst, H]  added into
  readonly gradScoreEdge: FloatArray | null; // [E, H]  added into
}

/**
 * A dropout mask drawn by hashing, not by a generator stream: element i is dropped when
 * dropoutHash(seedLo, seedHi, i) (reference/elementwise.ts) is below `threshold`, so a mask is
 * a pure function of its seeds — forward and backward regenerate it instead of storing it, and
 * every implementation produces the same bits.
 */
export interface DropoutMask {
  readonly seedLo: number; // uint32
  readonly seedHi: number; // uint32
  /** An element whose hash (uint32) is below this is dropped: ceil(p · 2^32), at most 2^32 − 1. */
  readonly threshold: number;
  /** 1/(1−p), the factor of kept elements, applied in the output's precision. */
  readonly keepScale: number;
}

/** Hyper-parameters of one Adam step (torch.optim.Adam, L2 weight decay, amsgrad off). */
export interface AdamStepArgs {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** 1 − β₁ᵗ */
  readonly biasCorrection1: number;
  /** √(1 − β₂ᵗ) */
  readonly sqrtBiasCorrection2: number;
}

export interface Kernels {
  readonly name: string;
  /**
   * Where StoragePools should take new arrays from while these kernels are active: memory
   * the kernels read in place (the WebAssembly kernels' own). Absent: ordinary arrays.
   */
  readonly poolStorage?: PoolStorage;
  /** out = op(A) · op(B)  (+ out when accumulate). */
  gemm(args: GemmArgs): void;
  /** out[rows, n] = A · B for sparse A, dense B [cols, n]  (+ out when accumulate). */
  spmm(a: CsrMatrix, b: FloatArray, n: number, out: FloatArray, accumulate: boolean): void;
  /** out[cols, n] = Aᵀ · B for sparse A, dense B [rows, n]  (+ out when accumulate). */
  spmmTransposed(
    a: CsrMatrix,
    b: FloatArray,
    n: number,
    out: FloatArray,
    accumulate: boolean,
  ): void;
  /** Fused GATv2 attention: scores, segment softmax, weighted sum; no [E, H, C] buffer. */
  gatv2AttentionForward(args: Gatv2AttentionArgs, outputs: Gatv2ForwardOutputs): void;
  /** Its backward, recomputing z_ij = x^l_j + x^r_i (+ edge) per edge instead of storing it. */
  gatv2AttentionBackward(
    args: Gatv2AttentionArgs,
    alpha: FloatArray,
    gradOut: FloatArray,
    outputs: Gatv2BackwardOutputs,
  ): void;
  gatAttentionForward(args: GatAttentionArgs, outputs: GatForwardOutputs): void;
  gatAttentionBackward(
    args: GatAttentionArgs,
    alpha: FloatArray,
    gradOut: FloatArray,
    outputs: GatBackwardOutputs,
  ): void;
  /**
   * out[i] = x[i] · m_i for i < length, m_i = 0 or keepScale by the mask; with x null, m_i
   * itself. Backward is the same call on the gradient.
   */
  dropout(mask: DropoutMask, x: FloatArray | null, out: FloatArray, length: number): void;
  /**
   * Dropout on sparse rows that keeps only the survivors: stored value q (its index in
   * a.values, the element index of `dropout`'s hash) is dropped when its hash is below the
   * threshold, and a kept one is scaled by keepScale in the values' precision. Writes
   * outRowPtr [rows + 1] (from 0) and the kept columns and values, in order, at the start of
   * outColIdx and outValues (each sized for every stored value). Returns how many were kept.
   */
  dropoutCsr(
    mask: DropoutMask,
    a: CsrMatrix,
    outRowPtr: Int32Array,
    outColIdx: Int32Array,
    outValues: FloatArray,
  ): number;
  /**
   * Per-head dot products with an attention vector: out[r, h] = Σ_c x[r, h·C + c] · att[h·C + c]
   * for x [rows, H·C], att [H·C]; out [rows, H] overwritten.
   */
  headDot(
    x: FloatArray,
    att: FloatArray,
    rows: number,
    heads: number,
    channels: number,
    out: FloatArray,
  ): void;
  /**
   * Its backward, given gradOut [rows, H]: gradX[r, h·C + c] = gradOut[r, h] · att[h·C + c] and
   * gradAtt[h·C + c] = Σ_r gradOut[r, h] · x[r, h·C + c], both overwritten (either may be null).
   */
  headDotBackward(
    x: FloatArray,
    att: FloatArray,
    gradOut: FloatArray,
    rows: number,
    heads: number,
    channels: number,
    gradX: FloatArray | null,
    gradAtt: FloatArray | null,
  ): void;
  /** out[r, c] = x[r, c] + v[c] for x [rows, n], v [n]; out may be x itself. */
  addRowVector(x: FloatArray, v: FloatArray, rows: number, n: number, out: FloatArray): void;
  /** The index of the first NaN or ±∞ among x[0 .. length), or −1 (input validation). */
  firstNonFinite(x: FloatArray, length: number): number;
  /** target[i] += source[i] for i < length (gradient accumulation). */
  addInto(target: FloatArray, source: FloatArray, length: number): void;
  /** out[c] = Σ_r g[r, c] for g [rows, n]; out [n] overwritten. */
  columnSums(g: FloatArray, rows: number, n: number, out: FloatArray): void;
  /** out = x where x > 0, alpha·(eˣ − 1) elsewhere; length elements. */
  elu(x: FloatArray, alpha: number, out: FloatArray, length: number): void;
  /** gradX = gradOut · (1 where x > 0, alpha·eˣ elsewhere); length elements. */
  eluBackward(
    x: FloatArray,
    gradOut: FloatArray,
    alpha: number,
    gradX: FloatArray,
    length: number,
  ): void;
  /**
   * The same gradient from the forward output y = elu(x) as well: alpha·eˣ = y + alpha where
   * x ≤ 0, so no exponential is evaluated. gradX = gradOut · (1 where x > 0, y + alpha
   * elsewhere); length elements.
   */
  eluBackwardFromOutput(
    x: FloatArray,
    y: FloatArray,
    gradOut: FloatArray,
    alpha: number,
    gradX: FloatArray,
    length: number,
  ): void;
  /**
   * out[rows, O] = A · Wᵀ (+ bias on every row) for sparse A [rows, F] and W [O, F] as
   * PyTorch stores it: the transpose is the kernel's business, not the caller's.
   */
  sparseLinear(
    a: CsrMatrix,
    weight: FloatArray,
    outFeatures: number,
    bias: FloatArray | null,
    out: FloatArray,
  ): void;
  /**
   * Several of those products of one A (GATv2's lin_l and lin_r of the same sparse x), each
   * as sparseLinear computes it: A's structure is read, copied and classified once for all.
   */
  sparseLinearMany(a: CsrMatrix, projections: readonly SparseProjection[]): void;
  /**
   * Its backward for the parameters: gradWeight [O, F] = Gᵀ · A and gradBias [O] = column
   * sums of G [rows, O] (either may be null), both overwritten.
   */
  sparseLinearBackward(
    a: CsrMatrix,
    gradOut: FloatArray,
    outFeatures: number,
    gradWeight: FloatArray | null,
    gradBias: FloatArray | null,
  ): void;
  /**
   * One Adam step over `length` elements in one pass: m, v updated in place; θ += u with
   * u = −lr·(m/bc1) / (√v/√bc2 + ε) and g ← g + λθ first — or, with `update` given, u written
   * there and θ left alone.
   */
  adamStep(
    args: AdamStepArgs,
    param: FloatArray,
    grad: FloatArray,
    m: FloatArray,
    v: FloatArray,
    update: FloatArray | null,
    length: number,
  ): void;
}
