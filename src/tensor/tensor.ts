/**
 * Dense tensors: a flat typed array in row-major order plus a shape.
 *
 * Storage is float32 for real work and float64 for gradient checks: every kernel is written
 * over `FloatArray`, so the same code runs in both precisions.
 */

export type DType = 'float32' | 'float64';
export type FloatArray = Float32Array | Float64Array;
export type Shape = readonly number[];

/**
 * Creates the storage of a float32 tensor of `length` elements: zero-filled, unless `zeroed`
 * is false (the caller overwrites every element before reading; see `allocateOverwritten`).
 */
export type Float32Allocator = (length: number, zeroed?: boolean) => Float32Array;

let float32Allocator: Float32Allocator | null = null;

/**
 * Replaces how float32 storage is allocated (null: `new Float32Array`) and returns the
 * previous allocator. The parallel kernels switch in shared memory (SharedArrayBuffer) so
 * that worker threads see tensors without copies, and restore the previous one when they
 * terminate.
 */
export function setFloat32Allocator(allocator: Float32Allocator | null): Float32Allocator | null {
  const previous = float32Allocator;
  float32Allocator = allocator;
  return previous;
}

/** Creates zero-filled int32 storage (graph index arrays: CSR offsets, sources). */
export type Int32Allocator = (length: number) => Int32Array;

let int32Allocator: Int32Allocator | null = null;

/** As setFloat32Allocator, for `allocateInt32`. */
export function setInt32Allocator(allocator: Int32Allocator | null): Int32Allocator | null {
  const previous = int32Allocator;
  int32Allocator = allocator;
  return previous;
}

/**
 * Zero-filled int32 storage for index arrays the kernels read (a prepared graph's CSR):
 * shared memory while the parallel kernels are active, so workers read it without a copy.
 */
export function allocateInt32(length: number): Int32Array {
  return int32Allocator === null ? new Int32Array(length) : int32Allocator(length);
}

export function allocate(dtype: DType, length: number): FloatArray {
  if (dtype === 'float64') return new Float64Array(length);
  return float32Allocator === null ? new Float32Array(length) : float32Allocator(length);
}

/**
 * As `allocate`, for storage the caller overwrites entirely before reading it (a kernel's
 * output): inside a StoragePool run it may hold the previous step's numbers instead of
 * zeros, which saves clearing it. Elsewhere it is zero-filled like any other.
 */
export function allocateOverwritten(dtype: DType, length: number): FloatArray {
  if (dtype === 'float64') return new Float64Array(length);
  return float32Allocator === null ? new Float32Array(length) : float32Allocator(length, false);
}

export function dtypeOf(data: FloatArray): DType {
  return data instanceof Float32Array ? 'float32' : 'float64';
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export class Tensor {
  readonly data: FloatArray;
  readonly shape: Shape;

  constructor(data: FloatArray, shape: Shape) {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) {
        throw new RangeError(
          `Tensor: shape ${formatShape(shape)} has a dimension that is not a non-negative integer`,
        );
      }
    }
    if (sizeOf(shape) !== data.length) {
      throw new RangeError(
        `Tensor: shape ${formatShape(shape)} needs ${sizeOf(shape)} elements, found ${data.length}`,
      );
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
  }

  static zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
    return new Tensor(allocate(dtype, sizeOf(shape)), shape);
  }

  static full(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
    const t = Tensor.zeros(shape, dtype);
    t.data.fill(value);
    return t;
  }

  /** Copies `values` (any array-like of numbers) into a new tensor. */
  static from(values: ArrayLike<number>, shape: Shape, dtype: DType = 'float32'): Tensor {
    const data = allocate(dtype, values.length);
    data.set(values);
    return new Tensor(data, shape);
  }

  get dtype(): DType {
    return dtypeOf(this.data);
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Dimension `axis` (negative counts from the end); throws when out of range. */
  dim(axis: number): number {
    const a = axis < 0 ? this.shape.length + axis : axis;
    const d = this.shape[a];
    if (d === undefined)
      throw new RangeError(
        `Tensor.dim: axis ${axis} out of range for shape ${formatShape(this.shape)}`,
      );
    return d;
  }

  /** Same data, new shape (no copy). */
  reshape(shape: Shape): Tensor {
    return new Tensor(this.data, shape);
  }

  /** A copy in storage from `allocate` (shared memory while the parallel kernels are on). */
  clone(): Tensor {
    return this.to(this.dtype);
  }

  /** A copy in another precision (or the same one). */
  to(dtype: DType): Tensor {
    const data = allocate(dtype, this.size);
    data.set(this.data);
    return new Tensor(data, this.shape);
  }

  toArray(): number[] {
    return Array.from(this.data);
  }
}
