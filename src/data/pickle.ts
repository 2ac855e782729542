/**
 * A reader for the Python pickles (protocol 2) of the Planetoid datasets, and nothing more.
 *
 * Unpickling in Python runs code: every GLOBAL names a callable and REDUCE calls it. This
 * reader never calls anything. It knows six globals (numpy's array reconstruction, numpy
 * dtypes, scipy's csr_matrix, collections.defaultdict and the builtin list used as its
 * factory) and builds plain data objects for them; any other global, and any opcode outside
 * the handful the Planetoid files use, is refused with a PickleError.
 *
 * Safety properties (the fuzz test checks them on mutated real files):
 * - every length read from the stream is checked against the bytes that remain before
 *   anything is allocated; byte strings are views into the input, not copies;
 * - every opcode consumes at least one byte and does work proportional to what it pops, so
 *   the reader runs in time linear in the input and cannot hang;
 * - failures are PickleErrors naming the file, the byte offset, what was expected and what
 *   was found.
 */
import { PickleError } from './errors.js';

/** The globals a Planetoid pickle may name, as "module.name". */
export const ALLOWED_GLOBALS = [
  'numpy.core.multiarray._reconstruct',
  'numpy.ndarray',
  'numpy.dtype',
  'scipy.sparse.csr.csr_matrix',
  'collections.defaultdict',
  '__builtin__.list',
] as const;
export type AllowedGlobal = (typeof ALLOWED_GLOBALS)[number];

function isAllowedGlobal(name: string): name is AllowedGlobal {
  return (ALLOWED_GLOBALS as readonly string[]).includes(name);
}

/** A Python 2 `str`: raw bytes (a view into the pickle), decoded as latin-1 on demand. */
export class PyBytes {
  constructor(readonly data: Uint8Array) {}

  text(): string {
    let s = '';
    for (let i = 0; i < this.data.length; i++) s += String.fromCharCode(this.data[i]!);
    return s;
  }
}

export class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}

export class PyList {
  readonly items: PyValue[] = [];
}

/** A dict whose keys are ints or byte strings (decoded to JS strings). */
export class PyDict {
  readonly entries = new Map<number | string, PyValue>();
}

/** `collections.defaultdict(list)`: the Planetoid adjacency lists. */
export class PyDefaultDict extends PyDict {}

/** A reference to one of the allowed globals (never resolved to anything callable). */
export class PyGlobal {
  constructor(readonly name: AllowedGlobal) {}
}

/** numpy dtype codes the reader decodes, with their item sizes in bytes. */
const DTYPE_SIZES = {
  b1: 1,
  i1: 1,
  u1: 1,
  i2: 2,
  u2: 2,
  i4: 4,
  u4: 4,
  i8: 8,
  u8: 8,
  f4: 4,
  f8: 8,
} as const;
export type DtypeCode = keyof typeof DTYPE_SIZES;

function isDtypeCode(code: string): code is DtypeCode {
  return Object.hasOwn(DTYPE_SIZES, code);
}

export class NumpyDtype {
  /** '<' little, '>' big, '|' not applicable, '=' native (little on every platform we run). */
  byteOrder: '<' | '>' | '|' | '=' = '=';
  constructor(readonly code: DtypeCode) {}

  get itemSize(): number {
    return DTYPE_SIZES[this.code];
  }

  get littleEndian(): boolean {
    return this.byteOrder !== '>';
  }
}

/** A numpy array: filled in by BUILD with (version, shape, dtype, isFortran, rawBytes). */
export class NdArray {
  dtype: NumpyDtype | null = null;
  shape: readonly number[] = [];
  fortranOrder = false;
  raw: Uint8Array | null = null;

  get size(): number {
    let n = 1;
    for (const d of this.shape) n *= d;
    return n;
  }
}

/** A scipy.sparse.csr_matrix: its BUILD state is the instance __dict__. */
export class ScipyCsr {
  state: PyDict | null = null;
}

export type PyValue =
  | null
  | boolean
  | number
  | PyBytes
  | PyTuple
  | PyList
  | PyDict
  | PyGlobal
  | NumpyDtype
  | NdArray
  | ScipyCsr;

/** A short description of a value for error messages (never recursive). */
export function describePy(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return `the int ${v}`;
  if (v instanceof PyBytes) return `a byte string of length ${v.data.length}`;
  if (v instanceof PyTuple) return `a tuple of ${v.items.length}`;
  if (v instanceof PyList) return `a list of ${v.items.length}`;
  if (v instanceof PyDefaultDict) return `a defaultdict of ${v.entries.size} keys`;
  if (v instanceof PyDict) return `a dict of ${v.entries.size} keys`;
  if (v instanceof PyGlobal) return `the global ${v.name}`;
  if (v instanceof NumpyDtype) return `numpy.dtype(${v.code})`;
  if (v instanceof NdArray) return `a numpy array of shape (${v.shape.join(', ')})`;
  return 'a scipy csr_matrix';
}

// Opcodes of protocol 2 that the Planetoid files use (plus LONG_BINGET, LONG_BINPUT's twin).
const OP = {
  PROTO: 0x80,
  STOP: 0x2e, // .
  GLOBAL: 0x63, // c
  BINPUT: 0x71, // q
  LONG_BINPUT: 0x72, // r
  BINGET: 0x68, // h
  LONG_BINGET: 0x6a, // j
  MARK: 0x28, // (
  EMPTY_TUPLE: 0x29, // )
  EMPTY_LIST: 0x5d, // ]
  EMPTY_DICT: 0x7d, // }
  TUPLE: 0x74, // t
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  SHORT_BINSTRING: 0x55, // U
  BINSTRING: 0x54, // T
  BININT: 0x4a, // J
  BININT1: 0x4b, // K
  BININT2: 0x4d, // M
  NONE: 0x4e, // N
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  REDUCE: 0x52, // R
  NEWOBJ: 0x81,
  BUILD: 0x62, // b
  SETITEMS: 0x75, // u
  APPEND: 0x61, // a
  APPENDS: 0x65, // e
} as const;

/** The longest "module\nname\n" line a GLOBAL may carry: far above any allowed name. */
const MAX_GLOBAL_LINE = 128;

/**
 * Parses one pickle from `bytes`. `source` (a file name) prefixes every error message.
 * Returns the unpickled value tree; nothing in it is executable.
 */
export function readPickle(bytes: Uint8Array, source: string): PyValue {
  return new PickleReader(bytes, source).run();
}

class PickleReader {
  private pos = 0;
  private opStart = 0;
  private readonly stack: PyValue[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, PyValue>();
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly source: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private fail(expected: string, found: string): never {
    throw new PickleError({ source: this.source, at: `byte ${this.opStart}`, expected, found });
  }

  private need(n: number, what: string): void {
    const left = this.bytes.length - this.pos;
    if (n > left) this.fail(`${n} more bytes for ${what}`, `only ${left} before the end of file`);
  }

  private u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++]!;
  }

  private u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  private i32(what: string): number {
    this.need(4, what);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  private u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  private take(n: number, what: string): Uint8Array {
    if (n < 0) this.fail(`a non-negative length for ${what}`, `${n}`);
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private line(what: string): string {
    const limit = Math.min(this.bytes.length, this.pos + MAX_GLOBAL_LINE);
    let end = this.pos;
    while (end < limit && this.bytes[end] !== 0x0a) end++;
    if (end >= limit) {
      this.fail(`a newline-terminated ${what} of at most ${MAX_GLOBAL_LINE} bytes`, 'none');
    }
    const text = new PyBytes(this.bytes.subarray(this.pos, end)).text();
    this.pos = end + 1;
    return text;
  }

  private push(v: PyValue): void {
    this.stack.push(v);
  }

  private pop(what: string): PyValue {
    const floor = this.marks.length > 0 ? this.marks[this.marks.length - 1]! : 0;
    if (this.stack.length <= floor) this.fail(what, 'an empty stack');
    return this.stack.pop()!;
  }

  private top(what: string): PyValue {
    const floor = this.marks.length > 0 ? this.marks[this.marks.length - 1]! : 0;
    if (this.stack.length <= floor) this.fail(what, 'an empty stack');
    return this.stack[this.stack.length - 1]!;
  }

  private popMark(what: string): PyValue[] {
    const mark = this.marks.pop();
    if (mark === undefined) this.fail(`a MARK before ${what}`, 'no open MARK');
    return this.stack.splice(mark);
  }

  run(): PyValue {
    const n = this.bytes.length;
    if (n === 0) {
      throw new PickleError({
        source: this.source,
        expected: 'a pickle (protocol 2)',
        found: 'an empty file',
      });
    }
    while (this.pos < n) {
      this.opStart = this.pos;
      const op = this.bytes[this.pos++]!;
      if (op === OP.STOP) return this.stop();
      this.step(op);
    }
    this.opStart = this.pos;
    return this.fail('a STOP opcode', 'the end of file (truncated pickle)');
  }

  private stop(): PyValue {
    if (this.marks.length > 0) this.fail('no open MARK at STOP', `${this.marks.length} open`);
    if (this.stack.length !== 1)
      this.fail('one value on the stack at STOP', `${this.stack.length}`);
    if (this.pos !== this.bytes.length) {
      this.fail('the end of file after STOP', `${this.bytes.length - this.pos} trailing bytes`);
    }
    return this.stack[0]!;
  }

  private step(op: number): void {
    switch (op) {
      case OP.PROTO: {
        const version = this.u8('PROTO');
        if (version !== 2) this.fail('pickle protocol 2', `protocol ${version}`);
        return;
      }
      case OP.GLOBAL: {
        const module = this.line('module name');
        const name = this.line('global name');
        const full = `${module}.${name}`;
        if (!isAllowedGlobal(full)) {
          this.fail(`one of the globals ${ALLOWED_GLOBALS.join(', ')}`, `the global ${full}`);
        }
        this.push(new PyGlobal(full));
        return;
      }
      case OP.BINPUT:
        this.memo.set(this.u8('BINPUT'), this.top('a value to memoise'));
        return;
      case OP.LONG_BINPUT:
        this.memo.set(this.u32('LONG_BINPUT'), this.top('a value to memoise'));
        return;
      case OP.BINGET:
      case OP.LONG_BINGET: {
        const key = op === OP.BINGET ? this.u8('BINGET') : this.u32('LONG_BINGET');
        const v = this.memo.get(key);
        if (v === undefined) this.fail('a memoised value', `nothing stored under memo key ${key}`);
        this.push(v);
        return;
      }
      case OP.MARK:
        this.marks.push(this.stack.length);
        return;
      case OP.EMPTY_TUPLE:
        this.push(new PyTuple([]));
        return;
      case OP.EMPTY_LIST:
        this.push(new PyList());
        return;
      case OP.EMPTY_DICT:
        this.push(new PyDict());
        return;
      case OP.TUPLE:
        this.push(new PyTuple(this.popMark('TUPLE')));
        return;
      case OP.TUPLE1:
      case OP.TUPLE2:
      case OP.TUPLE3: {
        const count = op - OP.TUPLE1 + 1;
        const items: PyValue[] = [];
        for (let i = 0; i < count; i++) items.unshift(this.pop(`${count} tuple items`));
        this.push(new PyTuple(items));
        return;
      }
      case OP.SHORT_BINSTRING:
        this.push(new PyBytes(this.take(this.u8('SHORT_BINSTRING length'), 'SHORT_BINSTRING')));
        return;
      case OP.BINSTRING:
        this.push(new PyBytes(this.take(this.i32('BINSTRING length'), 'BINSTRING')));
        return;
      case OP.BININT:
        this.push(this.i32('BININT'));
        return;
      case OP.BININT1:
        this.push(this.u8('BININT1'));
        return;
      case OP.BININT2:
        this.push(this.u16('BININT2'));
        return;
      case OP.NONE:
        this.push(null);
        return;
      case OP.NEWTRUE:
        this.push(true);
        return;
      case OP.NEWFALSE:
        this.push(false);
        return;
      case OP.REDUCE: {
        const args = this.pop('REDUCE arguments');
        const callable = this.pop('a callable for REDUCE');
        this.push(this.reduce(callable, args));
        return;
      }
      case OP.NEWOBJ: {
        const args = this.pop('NEWOBJ arguments');
        const cls = this.pop('a class for NEWOBJ');
        if (!(cls instanceof PyGlobal) || cls.name !== 'scipy.sparse.csr.csr_matrix') {
          this.fail('NEWOBJ of scipy.sparse.csr.csr_matrix', describePy(cls));
        }
        if (!(args instanceof PyTuple) || args.items.length !== 0) {
          this.fail('empty NEWOBJ arguments', describePy(args));
        }
        this.push(new ScipyCsr());
        return;
      }
      case OP.BUILD: {
        const state = this.pop('BUILD state');
        this.build(this.top('an object to BUILD'), state);
        return;
      }
      case OP.SETITEMS: {
        const items = this.popMark('SETITEMS');
        const dict = this.top('a dict for SETITEMS');
        if (!(dict instanceof PyDict)) this.fail('a dict for SETITEMS', describePy(dict));
        if (items.length % 2 !== 0) this.fail('key/value pairs', `${items.length} items`);
        for (let i = 0; i < items.length; i += 2) {
          dict.entries.set(this.dictKey(items[i]!), items[i + 1]!);
        }
        return;
      }
      case OP.APPEND: {
        const item = this.pop('an item to APPEND');
        const list = this.top('a list for APPEND');
        if (!(list instanceof PyList)) this.fail('a list for APPEND', describePy(list));
        list.items.push(item);
        return;
      }
      case OP.APPENDS: {
        const items = this.popMark('APPENDS');
        const list = this.top('a list for APPENDS');
        if (!(list instanceof PyList)) this.fail('a list for APPENDS', describePy(list));
        for (const item of items) list.items.push(item);
        return;
      }
      default:
        this.fail(
          'an opcode used by Planetoid pickles',
          `the opcode 0x${op.toString(16).padStart(2, '0')}`,
        );
    }
  }

  private dictKey(key: PyValue): number | string {
    if (typeof key === 'number') return key;
    if (key instanceof PyBytes) return key.text();
    return this.fail('an int or string dict key', describePy(key));
  }

  private reduce(callable: PyValue, args: PyValue): PyValue {
    if (!(callable instanceof PyGlobal))
      this.fail('an allowed global to call', describePy(callable));
    if (!(args instanceof PyTuple))
      this.fail(`a tuple of arguments for ${callable.name}`, describePy(args));
    const a = args.items;
    switch (callable.name) {
      case 'numpy.core.multiarray._reconstruct': {
        // _reconstruct(numpy.ndarray, (0,), 'b'): an empty array that BUILD fills in.
        const cls = a[0];
        if (a.length !== 3 || !(cls instanceof PyGlobal) || cls.name !== 'numpy.ndarray') {
          this.fail('_reconstruct(numpy.ndarray, shape, typecode)', `${a.length} arguments`);
        }
        return new NdArray();
      }
      case 'numpy.dtype': {
        const code = a[0];
        if (a.length !== 3 || !(code instanceof PyBytes)) {
          this.fail('numpy.dtype(code, align, copy)', `${a.length} arguments`);
        }
        const text = code.text();
        if (!isDtypeCode(text)) {
          this.fail(`a dtype code among ${Object.keys(DTYPE_SIZES).join(', ')}`, `'${text}'`);
        }
        return new NumpyDtype(text);
      }
      case 'collections.defaultdict': {
        const factory = a[0];
        if (
          a.length !== 1 ||
          !(factory instanceof PyGlobal) ||
          factory.name !== '__builtin__.list'
        ) {
          this.fail('defaultdict(list)', `defaultdict with ${a.length} arguments`);
        }
        return new PyDefaultDict();
      }
      default:
        return this.fail(
          'a callable among _reconstruct, dtype, defaultdict',
          `a call of ${callable.name}`,
        );
    }
  }

  private build(obj: PyValue, state: PyValue): void {
    if (obj instanceof NdArray) return this.buildArray(obj, state);
    if (obj instanceof NumpyDtype) {
      // (version, byteorder, subdtype, names, fields, elsize, alignment, flags)
      const order = state instanceof PyTuple ? state.items[1] : undefined;
      const text = order instanceof PyBytes ? order.text() : '';
      if (text !== '<' && text !== '>' && text !== '|' && text !== '=') {
        this.fail("a dtype state with byte order '<', '>', '|' or '='", describePy(state));
      }
      obj.byteOrder = text;
      return;
    }
    if (obj instanceof ScipyCsr) {
      if (!(state instanceof PyDict)) this.fail('a dict as csr_matrix state', describePy(state));
      obj.state = state;
      return;
    }
    this.fail('a numpy array, dtype or csr_matrix to BUILD', describePy(obj));
  }

  private buildArray(arr: NdArray, state: PyValue): void {
    // (version, shape, dtype, isFortran, rawData); version is absent in old pickles.
    if (!(state instanceof PyTuple)) this.fail('a tuple as array state', describePy(state));
    const items = state.items.length === 5 ? state.items.slice(1) : state.items;
    const [shape, dtype, fortran, raw] = items;
    if (items.length !== 4 || !(shape instanceof PyTuple)) {
      this.fail('array state (version, shape, dtype, isFortran, data)', describePy(state));
    }
    if (!(dtype instanceof NumpyDtype))
      this.fail('a numpy dtype in array state', describePy(dtype ?? null));
    if (typeof fortran !== 'boolean')
      this.fail('a bool isFortran in array state', describePy(fortran ?? null));
    if (!(raw instanceof PyBytes)) this.fail('raw array bytes', describePy(raw ?? null));
    const dims: number[] = [];
    let size = 1;
    for (const d of shape.items) {
      if (typeof d !== 'number' || d < 0) this.fail('non-negative int dimensions', describePy(d));
      dims.push(d);
      size *= d;
    }
    if (size * dtype.itemSize !== raw.data.length) {
      this.fail(
        `${size} × ${dtype.itemSize} bytes of data for shape (${dims.join(', ')})`,
        `${raw.data.length} bytes`,
      );
    }
    if (fortran && dims.length > 2)
      this.fail('a C-ordered array or a 2-d Fortran one', `a ${dims.length}-d Fortran array`);
    arr.shape = dims;
    arr.dtype = dtype;
    arr.fortranOrder = fortran;
    arr.raw = raw.data;
  }
}

/** One element of a decoded array as a JS number (int64 beyond 2^53 loses precision). */
function elementReader(dtype: NumpyDtype, view: DataView): (i: number) => number {
  const le = dtype.littleEndian;
  switch (dtype.code) {
    case 'b1':
    case 'u1':
      return (i) => view.getUint8(i);
    case 'i1':
      return (i) => view.getInt8(i);
    case 'i2':
      return (i) => view.getInt16(2 * i, le);
    case 'u2':
      return (i) => view.getUint16(2 * i, le);
    case 'i4':
      return (i) => view.getInt32(4 * i, le);
    case 'u4':
      return (i) => view.getUint32(4 * i, le);
    case 'i8':
      return (i) => Number(view.getBigInt64(8 * i, le));
    case 'u8':
      return (i) => Number(view.getBigUint64(8 * i, le));
    case 'f4':
      return (i) => view.getFloat32(4 * i, le);
    case 'f8':
      return (i) => view.getFloat64(8 * i, le);
    default:
      return dtype.code satisfies never;
  }
}

function filledArray(
  arr: NdArray,
  source: string,
  what: string,
): { dtype: NumpyDtype; raw: Uint8Array } {
  if (arr.dtype === null || arr.raw === null) {
    throw new PickleError({ source, expected: `${what} with data`, found: 'an array never built' });
  }
  return { dtype: arr.dtype, raw: arr.raw };
}

/** The array's elements in C (row-major) order as float32. */
export function ndarrayToFloat32(arr: NdArray, source: string, what: string): Float32Array {
  const { dtype, raw } = filledArray(arr, source, what);
  const read = elementReader(dtype, new DataView(raw.buffer, raw.byteOffset, raw.byteLength));
  const out = new Float32Array(arr.size);
  for (let i = 0; i < out.length; i++) out[i] = read(i);
  if (arr.fortranOrder) fortranToRowMajor(out, arr.shape);
  return out;
}

/** The array's elements in C order as int32; refuses non-integers and values out of range. */
export function ndarrayToInt32(arr: NdArray, source: string, what: string): Int32Array {
  const { dtype, raw } = filledArray(arr, source, what);
  const read = elementReader(dtype, new DataView(raw.buffer, raw.byteOffset, raw.byteLength));
  const out = new Int32Array(arr.size);
  for (let i = 0; i < out.length; i++) {
    const v = read(i);
    if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
      throw new PickleError({
        source,
        expected: `${what} of 32-bit integers`,
        found: `${v} at element ${i}`,
      });
    }
    out[i] = v;
  }
  if (arr.fortranOrder) fortranToRowMajor(out, arr.shape);
  return out;
}

/** Reorders a 2-d Fortran-order array to C order, in place. */
function fortranToRowMajor(data: Float32Array | Int32Array, shape: readonly number[]): void {
  if (shape.length !== 2) return; // 0-d and 1-d arrays read the same in both orders; BUILD refuses more
  const rows = shape[0]!;
  const cols = shape[1]!;
  const copy = data.slice();
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) data[r * cols + c] = copy[c * rows + r]!;
  }
}
