import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  parseSafetensors,
  serializeSafetensors,
  toInt32,
  toTensor,
  type SafeTensor,
} from '../../src/io/safetensors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures', import.meta.url));

/** Assembles a file from a header object and raw data bytes, with no padding or checks. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function headerOf(bytes: Uint8Array): { length: number; text: string } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { length, text: new TextDecoder().decode(bytes.subarray(8, 8 + length)) };
}

function get(parsed: { tensors: Map<string, SafeTensor> }, name: string): SafeTensor {
  const t = parsed.tensors.get(name);
  if (t === undefined) throw new Error(`missing tensor ${name}`);
  return t;
}

describe('serializeSafetensors / parseSafetensors round trip', () => {
  const weight = Tensor.from([1.5, -2.25, 3, 0.1, 1e-30, -7], [2, 3]);
  const bias64 = Tensor.from([Math.PI, -Math.E, 1e300], [3], 'float64');
  const edgeIndex = { data: Int32Array.from([0, 1, 2, 2, 0, 1]), shape: [2, 3] };
  const big = { data: BigInt64Array.from([-(2n ** 40n), 5n]), shape: [2] };

  it('restores dtypes, shapes, values and metadata', () => {
    const bytes = serializeSafetensors(
      { weight, bias64, edge_index: edgeIndex, big, scalar: Tensor.from([4], []) },
      { case: '{"a":1}', format: 'pt' },
    );
    const parsed = parseSafetensors(bytes, 'roundtrip');
    expect(parsed.metadata).toEqual({ case: '{"a":1}', format: 'pt' });
    expect([...parsed.tensors.keys()].sort()).toEqual(
      ['big', 'bias64', 'edge_index', 'scalar', 'weight'].sort(),
    );

    const w = toTensor(get(parsed, 'weight'));
    expect(w.dtype).toBe('float32');
    expect(w.shape).toEqual([2, 3]);
    expect(Array.from(w.data)).toEqual(Array.from(weight.data));

    const b = toTensor(get(parsed, 'bias64'));
    expect(b.dtype).toBe('float64');
    expect(Array.from(b.data)).toEqual([Math.PI, -Math.E, 1e300]);

    const e = get(parsed, 'edge_index');
    expect(e.dtype).toBe('I64');
    expect(e.shape).toEqual([2, 3]);
    expect(Array.from(toInt32(e))).toEqual([0, 1, 2, 2, 0, 1]);

    const g = get(parsed, 'big');
    if (g.dtype !== 'I64') throw new Error(`big: expected I64, found ${g.dtype}`);
    expect(Array.from(g.data)).toEqual([-(2n ** 40n), 5n]);

    expect(toTensor(get(parsed, 'scalar')).shape).toEqual([]);
  });

  it('round-trips empty tensors and files without tensors', () => {
    const parsed = parseSafetensors(serializeSafetensors({ empty: Tensor.zeros([0, 4]) }));
    expect(get(parsed, 'empty').shape).toEqual([0, 4]);
    const none = parseSafetensors(serializeSafetensors({}));
    expect(none.tensors.size).toBe(0);
    expect(none.metadata).toEqual({});
  });

  it('re-serialises parsed tensors in their own dtype', () => {
    const first = serializeSafetensors({ weight, edge_index: edgeIndex });
    const parsed = parseSafetensors(first);
    const again = serializeSafetensors(Object.fromEntries(parsed.tensors));
    expect(again).toEqual(first);
  });

  it('is deterministic, sorts the header by name and pads it with spaces to 8 bytes', () => {
    const a = serializeSafetensors({ b: weight, a: bias64, '10': edgeIndex, c: big }, { z: '1' });
    const b = serializeSafetensors({ c: big, '10': edgeIndex, a: bias64, b: weight }, { z: '1' });
    expect(a).toEqual(b);
    const { length, text } = headerOf(a);
    expect(length % 8).toBe(0);
    const trimmed = text.trimEnd();
    expect(text.slice(trimmed.length)).toMatch(/^ *$/);
    expect(text.length - trimmed.length).toBeLessThan(8);
    const keys = [...trimmed.matchAll(/"([^"]+)":\{/g)].map((m) => m[1]);
    expect(keys).toEqual(['__metadata__', '10', 'a', 'b', 'c']);
  });

  it('lays data out so every tensor is aligned for its dtype (parsing shares memory)', () => {
    const bytes = serializeSafetensors({ a: Tensor.from([1, 2, 3], [3]), b: bias64, c: big });
    const parsed = parseSafetensors(bytes);
    for (const t of parsed.tensors.values()) {
      expect(t.data.buffer).toBe(bytes.buffer);
      expect(t.data.byteOffset % t.data.BYTES_PER_ELEMENT).toBe(0);
    }
  });

  it('reads tensors that sit inside a larger buffer', () => {
    const bytes = serializeSafetensors({ weight });
    const outer = new Uint8Array(bytes.length + 3);
    outer.set(bytes, 3);
    const w = toTensor(get(parseSafetensors(outer.subarray(3)), 'weight'));
    expect(Array.from(w.data)).toEqual(Array.from(weight.data));
  });

  it('rejects a tensor named __metadata__ and a shape that does not match its data', () => {
    expect(() => serializeSafetensors({ __metadata__: weight })).toThrow(/reserved/);
    expect(() => serializeSafetensors({ e: { data: new Int32Array(3), shape: [2, 2] } })).toThrow(
      /tensor 'e' has shape \[2, 2\] \(4 elements\) but 3 values/,
    );
  });
});

describe('parseSafetensors reading', () => {
  it('copies misaligned data instead of viewing it', () => {
    // An F32 tensor at data offset 1, after one U8: its bytes are not 4-byte aligned.
    const data = new Uint8Array(9);
    data[0] = 7;
    new DataView(data.buffer).setFloat32(1, 1.25, true);
    new DataView(data.buffer).setFloat32(5, -3.5, true);
    const header = {
      u: { dtype: 'U8', shape: [1], data_offsets: [0, 1] },
      f: { dtype: 'F32', shape: [2], data_offsets: [1, 9] },
    };
    const file = rawFile(header, data);
    expect((8 + headerOf(file).length + 1) % 4).not.toBe(0);
    const parsed = parseSafetensors(file, 'misaligned');
    const f = get(parsed, 'f');
    expect(f.data.buffer).not.toBe(file.buffer);
    expect(Array.from(toTensor(f).data)).toEqual([1.25, -3.5]);
    expect(Array.from(toInt32(get(parsed, 'u')))).toEqual([7]);
  });

  it('widens F16 and BF16 to float32', () => {
    const half = Uint16Array.from([0x3c00, 0xc000, 0x3555, 0x0001, 0x7c00, 0x0000]);
    const bf = Uint16Array.from([0x3f80, 0xc040, 0x4049]);
    const file = serializeSafetensors({
      h: { name: 'h', source: 'test', dtype: 'F16', shape: [6], data: half },
      b: { name: 'b', source: 'test', dtype: 'BF16', shape: [3], data: bf },
    });
    const parsed = parseSafetensors(file);
    expectAllClose(
      toTensor(get(parsed, 'h')).data,
      [1, -2, 0.333251953125, 2 ** -24, Infinity, 0],
      { atol: 0, rtol: 0 },
      'F16',
    );
    expectAllClose(
      toTensor(get(parsed, 'b')).data,
      [1, -3, 3.140625],
      { atol: 0, rtol: 0 },
      'BF16',
    );
    expect(toTensor(get(parsed, 'b'), 'float64').dtype).toBe('float64');
  });

  it('toInt32 rejects values outside int32 and float data; toTensor rejects integers', () => {
    const file = serializeSafetensors({
      idx: { data: BigInt64Array.from([0n, 2n ** 31n]), shape: [2] },
      w: Tensor.zeros([2]),
    });
    const parsed = parseSafetensors(file, 'big.safetensors');
    expect(() => toInt32(get(parsed, 'idx'))).toThrow(
      "big.safetensors: tensor 'idx' (I64 [2]): element 1 is 2147483648, outside the int32 range",
    );
    expect(() => toInt32(get(parsed, 'w'))).toThrow(
      /tensor 'w' \(F32 \[2\]\): expected an integer/,
    );
    expect(() => toTensor(get(parsed, 'idx'))).toThrow(/expected a float dtype/);
  });
});

describe('parseSafetensors validation', () => {
  const f32 = (offsets: [number, number], shape = [2]): unknown => ({
    dtype: 'F32',
    shape,
    data_offsets: offsets,
  });

  it.each<[string, Uint8Array, RegExp]>([
    ['a file shorter than the length field', new Uint8Array(5), /^bad: expected at least 8 bytes/],
    [
      'a header length beyond the file',
      (() => {
        const b = rawFile({});
        new DataView(b.buffer).setBigUint64(0, 1000n, true);
        return b;
      })(),
      /^bad: header length 1000 runs past the end of the file \(2 bytes/,
    ],
    [
      'bad JSON',
      (() => {
        const json = new TextEncoder().encode('{"a": ');
        const b = new Uint8Array(8 + json.length);
        new DataView(b.buffer).setBigUint64(0, BigInt(json.length), true);
        b.set(json, 8);
        return b;
      })(),
      /^bad: header is not valid JSON/,
    ],
    ['a header that is not an object', rawFile([1, 2]), /expected a JSON object, found \[1,2\]/],
    [
      'an unknown dtype',
      rawFile({ w: { dtype: 'F128', shape: [1], data_offsets: [0, 16] } }, new Uint8Array(16)),
      /^bad: tensor 'w': unknown dtype "F128" \(expected one of F64, F32/,
    ],
    [
      'a bad shape',
      rawFile({ w: f32([0, 8], [2, -1]) }, new Uint8Array(8)),
      /tensor 'w': shape must be an array of non-negative integers, found \[2,-1\]/,
    ],
    [
      'reversed offsets',
      rawFile({ w: f32([8, 0]) }, new Uint8Array(8)),
      /tensor 'w': data_offsets must be \[begin, end\]/,
    ],
    [
      'offsets out of range',
      rawFile({ w: f32([0, 8]) }, new Uint8Array(4)),
      /tensor 'w': data_offsets \[0, 8\] run past the 4 data bytes after the header/,
    ],
    [
      'a byte length that does not match the shape',
      rawFile({ w: f32([0, 12]) }, new Uint8Array(12)),
      /tensor 'w': F32 of shape \[2\] needs 8 bytes, data_offsets \[0, 12\] hold 12/,
    ],
    [
      'overlapping tensors',
      rawFile({ a: f32([0, 8]), b: f32([4, 12]) }, new Uint8Array(12)),
      /tensor 'b' \(bytes \[4, 12\]\) overlaps tensor 'a' \(bytes \[0, 8\]\)/,
    ],
    [
      'non-string metadata',
      rawFile({ __metadata__: { epochs: 3 } }),
      /__metadata__\.epochs: expected a string, found 3/,
    ],
  ])('rejects %s', (_what, bytes, message) => {
    expect(() => parseSafetensors(bytes, 'bad')).toThrow(message);
  });
});

describe('reference fixtures', () => {
  const files = ['pyg', 'models'].flatMap((dir) =>
    readdirSync(join(FIXTURES, dir))
      .filter((f) => f.endsWith('.safetensors'))
      .map((f) => join(dir, f)),
  );

  it('finds the fixture files', () => {
    expect(files.length).toBeGreaterThanOrEqual(11);
  });

  it.each(files)('reads %s with the shapes its header lists', (file) => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, file)));
    const parsed = parseSafetensors(bytes, file);
    const header = JSON.parse(headerOf(bytes).text) as Record<
      string,
      { dtype: string; shape: number[] }
    >;
    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    expect(names.length).toBeGreaterThan(0);
    expect([...parsed.tensors.keys()].sort()).toEqual(names.sort());
    for (const name of names) {
      const t = get(parsed, name);
      expect(t.dtype, name).toBe(header[name]!.dtype);
      expect(t.shape, name).toEqual(header[name]!.shape);
      if (t.dtype === 'F32') {
        const v = toTensor(t);
        expect(v.shape).toEqual(header[name]!.shape);
        expect(v.data.every(Number.isFinite), `${name} is finite`).toBe(true);
      } else {
        expect(t.dtype).toBe('I64');
        expect(toInt32(t).length).toBe(t.data.length);
      }
    }
    expect(() => JSON.parse(parsed.metadata.case ?? '') as unknown).not.toThrow();
    const edgeIndex = parsed.tensors.get('edge_index');
    if (edgeIndex !== undefined) {
      expect(edgeIndex.shape[0]).toBe(2);
      expect(Math.min(...toInt32(edgeIndex))).toBeGreaterThanOrEqual(0);
    }
  });
});
