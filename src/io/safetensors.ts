/**
 * The safetensors format (https://github.com/huggingface/safetensors), read and written
 * without any Node API so the browser bundle can load weights and fixtures too.
 *
 * Layout: an 8-byte little-endian u64 N, then N bytes of UTF-8 JSON mapping each tensor name
 * to `{ dtype, shape, data_offsets: [begin, end] }` (offsets into the byte buffer that follows
 * the header) plus an optional `__metadata__` map of string → string, then the raw
 * little-endian tensor bytes.
 */
import { Tensor, formatShape, sizeOf, type DType, type Shape } from '../tensor/tensor.js';

/** Every dtype of the format; F16 and BF16 are kept as raw 16-bit patterns. */
export type SafeDType =
  | 'F64'
  | 'F32'
  | 'F16'
  | 'BF16'
  | 'I64'
  | 'I32'
  | 'I16'
  | 'I8'
  | 'U64'
  | 'U32'
  | 'U16'
  | 'U8'
  | 'BOOL';

/** The typed array each dtype is read into. */
export interface SafeDataOf {
  F64: Float64Array;
  F32: Float32Array;
  F16: Uint16Array;
  BF16: Uint16Array;
  I64: BigInt64Array;
  I32: Int32Array;
  I16: Int16Array;
  I8: Int8Array;
  U64: BigUint64Array;
  U32: Uint32Array;
  U16: Uint16Array;
  U8: Uint8Array;
  BOOL: Uint8Array;
}

export type SafeData = SafeDataOf[SafeDType];

/** One stored tensor. `data` may share memory with the parsed bytes (copied only if misaligned). */
export type SafeTensor = {
  [D in SafeDType]: {
    readonly name: string;
    readonly source: string;
    readonly dtype: D;
    readonly shape: Shape;
    readonly data: SafeDataOf[D];
  };
}[SafeDType];

export interface ParsedSafetensors {
  readonly tensors: Map<string, SafeTensor>;
  readonly metadata: Record<string, string>;
}

interface DTypeInfo<D extends SafeDType> {
  readonly itemSize: number;
  readonly view: (buffer: ArrayBufferLike, byteOffset: number, length: number) => SafeDataOf[D];
}

const DTYPES: { readonly [D in SafeDType]: DTypeInfo<D> } = {
  F64: { itemSize: 8, view: (b, o, n) => new Float64Array(b, o, n) },
  F32: { itemSize: 4, view: (b, o, n) => new Float32Array(b, o, n) },
  F16: { itemSize: 2, view: (b, o, n) => new Uint16Array(b, o, n) },
  BF16: { itemSize: 2, view: (b, o, n) => new Uint16Array(b, o, n) },
  I64: { itemSize: 8, view: (b, o, n) => new BigInt64Array(b, o, n) },
  I32: { itemSize: 4, view: (b, o, n) => new Int32Array(b, o, n) },
  I16: { itemSize: 2, view: (b, o, n) => new Int16Array(b, o, n) },
  I8: { itemSize: 1, view: (b, o, n) => new Int8Array(b, o, n) },
  U64: { itemSize: 8, view: (b, o, n) => new BigUint64Array(b, o, n) },
  U32: { itemSize: 4, view: (b, o, n) => new Uint32Array(b, o, n) },
  U16: { itemSize: 2, view: (b, o, n) => new Uint16Array(b, o, n) },
  U8: { itemSize: 1, view: (b, o, n) => new Uint8Array(b, o, n) },
  BOOL: { itemSize: 1, view: (b, o, n) => new Uint8Array(b, o, n) },
};

const METADATA_KEY = '__metadata__';
/** The reference implementation refuses headers above 100 MB; so do we. */
const MAX_HEADER_BYTES = 100_000_000;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isSafeDType(s: string): s is SafeDType {
  return Object.prototype.hasOwnProperty.call(DTYPES, s);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? typeof v : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function isNonNegativeInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Builds the typed array for a tensor's bytes: a view when the bytes are aligned for the
 * dtype (and the platform is little-endian), a copy otherwise.
 */
function readData<D extends SafeDType>(
  dtype: D,
  bytes: Uint8Array,
  byteOffset: number,
  length: number,
): SafeDataOf[D] {
  const info: DTypeInfo<D> = DTYPES[dtype];
  const absolute = bytes.byteOffset + byteOffset;
  const byteLength = length * info.itemSize;
  if (absolute % info.itemSize === 0 && LITTLE_ENDIAN) {
    return info.view(bytes.buffer, absolute, length);
  }
  const copy = bytes.slice(byteOffset, byteOffset + byteLength);
  if (!LITTLE_ENDIAN) swapBytes(copy, info.itemSize);
  return info.view(copy.buffer, 0, length);
}

function swapBytes(bytes: Uint8Array, itemSize: number): void {
  if (itemSize === 1) return;
  for (let i = 0; i < bytes.length; i += itemSize) {
    for (let a = i, b = i + itemSize - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

/**
 * Parses a safetensors file. `source` names the file in every error message. Everything in
 * the header is checked: its length, its JSON, each dtype, shape and offset range, that byte
 * lengths match shapes and that no two tensors overlap.
 */
export function parseSafetensors(bytes: Uint8Array, source = 'safetensors'): ParsedSafetensors {
  function fail(message: string): never {
    throw new Error(`${source}: ${message}`);
  }
  if (bytes.length < 8) {
    fail(`expected at least 8 bytes (the header length), found ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) {
    fail(
      `header length ${headerLength} runs past the end of the file (${bytes.length - 8} bytes after the length field)`,
    );
  }
  const n = Number(headerLength);
  if (n > MAX_HEADER_BYTES) fail(`header of ${n} bytes is above the ${MAX_HEADER_BYTES} limit`);

  let headerText: string;
  try {
    headerText = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    fail(`header (${n} bytes) is not valid UTF-8`);
  }
  let header: unknown;
  try {
    header = JSON.parse(headerText);
  } catch (e) {
    fail(`header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isRecord(header)) fail(`header: expected a JSON object, found ${describe(header)}`);
  const entries = header;

  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const data = bytes.subarray(dataStart);

  const metadata: Record<string, string> = {};
  const rawMetadata = entries[METADATA_KEY];
  if (rawMetadata !== undefined) {
    if (!isRecord(rawMetadata)) {
      fail(`${METADATA_KEY}: expected an object of strings, found ${describe(rawMetadata)}`);
    }
    for (const [key, value] of Object.entries(rawMetadata)) {
      if (typeof value !== 'string') {
        fail(`${METADATA_KEY}.${key}: expected a string, found ${describe(value)}`);
      }
      metadata[key] = value;
    }
  }

  const tensors = new Map<string, SafeTensor>();
  const ranges: { name: string; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(entries)) {
    if (name === METADATA_KEY) continue;
    const where = `tensor '${name}'`;
    if (!isRecord(raw))
      fail(`${where}: expected {dtype, shape, data_offsets}, found ${describe(raw)}`);
    const info = raw;

    const dtype = info.dtype;
    if (typeof dtype !== 'string' || !isSafeDType(dtype)) {
      fail(
        `${where}: unknown dtype ${describe(dtype)} (expected one of ${Object.keys(DTYPES).join(', ')})`,
      );
    }
    const d = dtype;

    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
      fail(`${where}: shape must be an array of non-negative integers, found ${describe(shape)}`);
    }
    const dims: number[] = shape;

    const offsets = info.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !isNonNegativeInteger(offsets[0]) ||
      !isNonNegativeInteger(offsets[1]) ||
      offsets[0] > offsets[1]
    ) {
      fail(
        `${where}: data_offsets must be [begin, end] with 0 <= begin <= end, found ${describe(offsets)}`,
      );
    }
    const begin: number = offsets[0];
    const end: number = offsets[1];
    if (end > dataLength) {
      fail(
        `${where}: data_offsets [${begin}, ${end}] run past the ${dataLength} data bytes after the header`,
      );
    }
    const itemSize = DTYPES[d].itemSize;
    const count = sizeOf(dims);
    if (end - begin !== count * itemSize) {
      fail(
        `${where}: ${d} of shape ${formatShape(dims)} needs ${count * itemSize} bytes, data_offsets [${begin}, ${end}] hold ${end - begin}`,
      );
    }
    ranges.push({ name, begin, end });
    tensors.set(name, {
      name,
      source,
      dtype: d,
      shape: Object.freeze([...dims]),
      data: readData(d, data, begin, count),
    } as SafeTensor);
  }

  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < ranges.length; i++) {
    const prev = ranges[i - 1]!;
    const cur = ranges[i]!;
    if (cur.begin < prev.end) {
      fail(
        `tensor '${cur.name}' (bytes [${cur.begin}, ${cur.end}]) overlaps tensor '${prev.name}' (bytes [${prev.begin}, ${prev.end}])`,
      );
    }
  }
  return { tensors, metadata };
}

function label(t: SafeTensor): string {
  return `${t.source}: tensor '${t.name}' (${t.dtype} ${formatShape(t.shape)})`;
}

/** Half-precision bits → number. */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * A float tensor as a `Tensor`: F32 → float32 and F64 → float64 (sharing memory when the
 * file's bytes were aligned), F16 and BF16 widened to float32. Pass `dtype` to convert.
 */
export function toTensor(t: SafeTensor, dtype?: DType): Tensor {
  let tensor: Tensor;
  switch (t.dtype) {
    case 'F32':
    case 'F64':
      tensor = new Tensor(t.data, t.shape);
      break;
    case 'F16': {
      const out = new Float32Array(t.data.length);
      for (let i = 0; i < out.length; i++) out[i] = halfToNumber(t.data[i]!);
      tensor = new Tensor(out, t.shape);
      break;
    }
    case 'BF16': {
      const bits = new Uint32Array(t.data.length);
      for (let i = 0; i < bits.length; i++) bits[i] = t.data[i]! << 16;
      tensor = new Tensor(new Float32Array(bits.buffer), t.shape);
      break;
    }
    case 'I64':
    case 'I32':
    case 'I16':
    case 'I8':
    case 'U64':
    case 'U32':
    case 'U16':
    case 'U8':
    case 'BOOL':
      throw new TypeError(
        `${label(t)}: expected a float dtype (F32, F64, F16, BF16) for toTensor; use toInt32 for integer data`,
      );
    default:
      return t satisfies never;
  }
  return dtype === undefined || dtype === tensor.dtype ? tensor : tensor.to(dtype);
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * Integer data (edge indices, labels, predictions) as an Int32Array, checked: every value
 * must fit in int32. I32 data is returned as stored (possibly a view into the file's bytes).
 */
export function toInt32(t: SafeTensor): Int32Array {
  switch (t.dtype) {
    case 'I32':
      return t.data;
    case 'I64':
    case 'U64': {
      const src = t.data;
      const out = new Int32Array(src.length);
      const lo = BigInt(INT32_MIN);
      const hi = BigInt(INT32_MAX);
      for (let i = 0; i < src.length; i++) {
        const v = src[i]!;
        if (v < lo || v > hi) {
          throw new RangeError(
            `${label(t)}: element ${i} is ${v}, outside the int32 range [${INT32_MIN}, ${INT32_MAX}]`,
          );
        }
        out[i] = Number(v);
      }
      return out;
    }
    case 'U32': {
      const src = t.data;
      for (let i = 0; i < src.length; i++) {
        if (src[i]! > INT32_MAX) {
          throw new RangeError(
            `${label(t)}: element ${i} is ${src[i]}, outside the int32 range [${INT32_MIN}, ${INT32_MAX}]`,
          );
        }
      }
      return Int32Array.from(src);
    }
    case 'I16':
    case 'I8':
    case 'U16':
    case 'U8':
    case 'BOOL':
      return Int32Array.from(t.data);
    case 'F64':
    case 'F32':
    case 'F16':
    case 'BF16':
      throw new TypeError(
        `${label(t)}: expected an integer dtype (I64, I32, ...) for toInt32; use toTensor for float data`,
      );
    default:
      return t satisfies never;
  }
}

/** Integer data to store: written as I64, the dtype PyTorch uses for indices. */
export interface IndexArray {
  readonly data: Int32Array | BigInt64Array;
  readonly shape: Shape;
}

/** A float `Tensor` (F32/F64), an integer array (I64), or a parsed tensor (its own dtype). */
export type Serializable = Tensor | IndexArray | SafeTensor;

interface Prepared {
  readonly name: string;
  readonly dtype: SafeDType;
  readonly shape: Shape;
  readonly bytes: Uint8Array;
}

/** A typed array's bytes in little-endian order: a view on little-endian platforms. */
function bytesOf(data: SafeData | Float32Array | Float64Array): Uint8Array {
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN) return view;
  const copy = view.slice();
  swapBytes(copy, data.BYTES_PER_ELEMENT);
  return copy;
}

function prepare(name: string, value: Serializable): Prepared {
  if (name === METADATA_KEY) {
    throw new Error(`serializeSafetensors: '${METADATA_KEY}' is reserved and cannot name a tensor`);
  }
  if (value instanceof Tensor) {
    const dtype = value.dtype === 'float32' ? 'F32' : 'F64';
    return { name, dtype, shape: value.shape, bytes: bytesOf(value.data) };
  }
  const count = sizeOf(value.shape);
  if (count !== value.data.length) {
    throw new RangeError(
      `serializeSafetensors: tensor '${name}' has shape ${formatShape(value.shape)} (${count} elements) but ${value.data.length} values`,
    );
  }
  if ('dtype' in value) {
    return { name, dtype: value.dtype, shape: value.shape, bytes: bytesOf(value.data) };
  }
  const wide =
    value.data instanceof BigInt64Array ? value.data : BigInt64Array.from(value.data, BigInt);
  return { name, dtype: 'I64', shape: value.shape, bytes: bytesOf(wide) };
}

/**
 * Writes a safetensors file. The header lists tensors by name (code-unit order) and is
 * padded with spaces to a multiple of 8 bytes, as the reference implementation does; the
 * data is laid out widest dtype first, then by name, so every tensor is aligned for its
 * dtype. The same input always gives the same bytes.
 */
export function serializeSafetensors(
  tensors: Readonly<Record<string, Serializable>>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const byName = (a: { name: string }, b: { name: string }): number =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  const prepared = Object.entries(tensors)
    .map(([name, value]) => prepare(name, value))
    .sort(byName);
  const layout = [...prepared].sort(
    (a, b) => DTYPES[b.dtype].itemSize - DTYPES[a.dtype].itemSize || byName(a, b),
  );
  const offsets = new Map<string, [number, number]>();
  let offset = 0;
  for (const p of layout) {
    offsets.set(p.name, [offset, offset + p.bytes.length]);
    offset += p.bytes.length;
  }

  // Built by hand so key order is exactly ours (JS objects put integer-like keys first).
  const parts: string[] = [];
  if (metadata !== undefined) {
    const sortedMeta = Object.keys(metadata)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`);
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${sortedMeta.join(',')}}`);
  }
  for (const p of prepared) {
    const entry = { dtype: p.dtype, shape: [...p.shape], data_offsets: offsets.get(p.name) };
    parts.push(`${JSON.stringify(p.name)}:${JSON.stringify(entry)}`);
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const padded = Math.ceil(json.length / 8) * 8;

  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  for (const p of layout) out.set(p.bytes, 8 + padded + offsets.get(p.name)![0]);
  return out;
}
