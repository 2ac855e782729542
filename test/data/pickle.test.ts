/** The pickle reader and the Planetoid checks refuse bad input with a clear, typed error. */
import { describe, expect, it } from 'vitest';

import { DataError, PickleError, PlanetoidFormatError } from '../../src/data/errors.js';
import { NdArray, PyDefaultDict, PyList, readPickle, ScipyCsr } from '../../src/data/pickle.js';
import { type PlanetoidFiles, parsePlanetoid } from '../../src/data/planetoid.js';
import { pickleBytes, readPlanetoidFiles } from './planetoid-files.js';

const cora = readPlanetoidFiles('Cora');

function pickleError(bytes: Uint8Array, source = 'test.pkl'): PickleError {
  try {
    readPickle(bytes, source);
  } catch (e) {
    expect(e).toBeInstanceOf(PickleError);
    if (e instanceof PickleError) return e;
  }
  return expect.fail('expected a PickleError');
}

function planetoidError(files: Partial<PlanetoidFiles>): DataError {
  try {
    parsePlanetoid('Cora', { ...cora, ...files });
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    if (e instanceof DataError) return e;
  }
  return expect.fail('expected a DataError');
}

describe('readPickle on the real files', () => {
  it('reads arrays, CSR matrices and the adjacency dict', () => {
    expect(readPickle(cora.y, 'ind.cora.y')).toBeInstanceOf(NdArray);
    expect(readPickle(cora.x, 'ind.cora.x')).toBeInstanceOf(ScipyCsr);
    const graph = readPickle(cora.graph, 'ind.cora.graph');
    expect(graph).toBeInstanceOf(PyDefaultDict);
    if (!(graph instanceof PyDefaultDict)) return;
    expect(graph.entries.size).toBe(2708);
    const first = graph.entries.get(0);
    expect(first).toBeInstanceOf(PyList);
    if (first instanceof PyList) expect(first.items).toEqual([633, 1862, 2582]);
  });
});

describe('readPickle refuses', () => {
  it('an empty file', () => {
    const e = pickleError(new Uint8Array(0), 'ind.cora.x');
    expect(e.message).toBe('ind.cora.x: expected a pickle (protocol 2), found an empty file');
  });

  it('truncated files, at every cut of a small file', () => {
    for (let cut = 1; cut < cora.y.length; cut += 7) {
      const e = pickleError(cora.y.subarray(0, cut), 'ind.cora.y');
      expect(e.message).toMatch(/^ind\.cora\.y \(byte \d+\): expected /);
    }
  });

  it('a truncated BINSTRING, without allocating its declared length', () => {
    const e = pickleError(cora.x.subarray(0, 300), 'ind.cora.x');
    expect(e.message).toContain('more bytes for BINSTRING');
    expect(e.message).toContain('before the end of file');
  });

  it('unknown opcodes', () => {
    // 'i' (INST) and 0x8c (SHORT_BINUNICODE) are real pickle opcodes the files never use.
    expect(pickleError(pickleBytes(0x80, 2, 'i')).message).toContain('found the opcode 0x69');
    expect(pickleError(pickleBytes(0x80, 2, 0x8c, 1, 'a', '.')).message).toContain('0x8c');
    expect(pickleError(pickleBytes(0x80, 3, 'N.')).message).toContain('found protocol 3');
  });

  it('globals outside the allow-list, before anything is called', () => {
    const posix = pickleError(
      pickleBytes(0x80, 2, 'cposix\nsystem\n', 'U', 2, 'ls', 0x85, 'R.'),
      'ind.cora.graph',
    );
    expect(posix.message).toContain('ind.cora.graph (byte 2)');
    expect(posix.message).toContain('found the global posix.system');
    expect(posix.message).toContain(
      'expected one of the globals numpy.core.multiarray._reconstruct',
    );
    const evil = pickleError(pickleBytes(0x80, 2, 'c__builtin__\neval\n'));
    expect(evil.message).toContain('found the global __builtin__.eval');
    // An allowed global may not be called in a way the files never use.
    const listCall = pickleError(pickleBytes(0x80, 2, 'c__builtin__\nlist\n)R.'));
    expect(listCall.message).toContain('a call of __builtin__.list');
  });

  it('absurd declared lengths', () => {
    const huge = pickleError(pickleBytes(0x80, 2, 'T', 0xff, 0xff, 0xff, 0x7f, 'abc'));
    expect(huge.message).toContain('expected 2147483647 more bytes for BINSTRING, found only 3');
    const negative = pickleError(pickleBytes(0x80, 2, 'T', 0xff, 0xff, 0xff, 0xff));
    expect(negative.message).toContain('a non-negative length for BINSTRING, found -1');
    // An array whose shape promises 10^10 elements but carries 4 bytes.
    const array = pickleBytes(
      0x80, 2,
      'cnumpy.core.multiarray\n_reconstruct\n', 'cnumpy\nndarray\n', 'K', 0, 0x85, 'U', 1, 'b', 0x87, 'R',
      '(', 'K', 1, 'J', 0x00, 0xe4, 0x0b, 0x54, 'J', 0x00, 0xe4, 0x0b, 0x54, 0x86,
      'cnumpy\ndtype\n', 'U', 2, 'f4', 'K', 0, 'K', 1, 0x87, 'R',
      '(', 'K', 3, 'U', 1, '<', 'N', 'N', 'N', 'J', 0xff, 0xff, 0xff, 0xff, 'J', 0xff, 0xff, 0xff, 0xff, 'K', 0, 't', 'b',
      0x89, 'U', 4, 0, 0, 0, 0, 't', 'b', '.',
    ); // prettier-ignore
    expect(pickleError(array).message).toContain('found 4 bytes');
  });

  it('memo lookups of keys never stored, and malformed stacks', () => {
    expect(pickleError(pickleBytes(0x80, 2, 'h', 9, '.')).message).toContain('memo key 9');
    expect(pickleError(pickleBytes(0x80, 2, 't.')).message).toContain('no open MARK');
    expect(pickleError(pickleBytes(0x80, 2, 'NN.')).message).toContain('one value on the stack');
    expect(pickleError(pickleBytes(0x80, 2, 'N.', 'extra')).message).toContain('5 trailing bytes');
    expect(pickleError(pickleBytes(0x80, 2, 'Na.')).message).toContain('a list for APPEND');
  });
});

describe('parsePlanetoid refuses files that disagree', () => {
  it('an out-of-range node id in the graph', () => {
    const graph = cora.graph.slice();
    // Byte 60 is the BININT2 of node 0's first neighbour (633); make it 65535.
    expect(graph[60]).toBe(0x4d);
    graph[61] = 0xff;
    graph[62] = 0xff;
    const e = planetoidError({ graph });
    expect(e).toBeInstanceOf(PlanetoidFormatError);
    expect(e.message).toBe('ind.cora.graph: expected node ids in [0, 2708), found node id 65535');
  });

  it('an out-of-range or malformed test index', () => {
    const text = new TextDecoder().decode(cora['test.index']);
    const big = new TextEncoder().encode(text.replace(/^\d+/, '99999999'));
    expect(planetoidError({ 'test.index': big }).message).toContain(
      'ind.cora.test.index: expected node ids below 2708',
    );
    const negative = new TextEncoder().encode(text.replace(/^\d+/, '-1'));
    expect(planetoidError({ 'test.index': negative }).message).toBe(
      'ind.cora.test.index (line 1): expected a non-negative node id, found "-1"',
    );
    const duplicate = new TextEncoder().encode(text.replace(/^\d+\n\d+/, '2000\n2000'));
    expect(planetoidError({ 'test.index': duplicate }).message).toContain('distinct node ids');
  });

  it('label and feature row counts that disagree', () => {
    expect(planetoidError({ y: cora.ty }).message).toBe(
      'ind.cora.y: expected 140 label rows (one per row of x), found 1000',
    );
    expect(planetoidError({ ally: cora.y }).message).toBe(
      'ind.cora.ally: expected 1708 label rows (one per row of allx), found 140',
    );
    const citeseer = readPlanetoidFiles('CiteSeer');
    expect(planetoidError({ tx: citeseer.tx }).message).toBe(
      'ind.cora.tx: expected 1433 feature columns (as allx), found 3703',
    );
  });

  it('a file of the wrong kind', () => {
    expect(planetoidError({ x: cora.y }).message).toBe(
      'ind.cora.x: expected a scipy csr_matrix, found a numpy array of shape (140, 7)',
    );
    expect(planetoidError({ graph: cora.x }).message).toBe(
      'ind.cora.graph: expected a dict of adjacency lists, found a scipy csr_matrix',
    );
  });
});
