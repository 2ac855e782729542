/**
 * Fuzz: mutate the real Cora files (seeded) and parse. Every case must either load or throw
 * a DataFormatError (PickleError / PlanetoidFormatError) — never another exception type,
 * never hang (the reader is linear-time, so a hang would show as this test timing out).
 */
import { describe, expect, it } from 'vitest';

import { DataFormatError } from '../../src/data/errors.js';
import {
  PLANETOID_EXTENSIONS,
  type PlanetoidExtension,
  parsePlanetoid,
} from '../../src/data/planetoid.js';
import { Random } from '../../src/tensor/random.js';
import { readPlanetoidFiles } from './planetoid-files.js';

const CASES = 4000;

/** One random mutation: flip bits, overwrite, truncate, insert, delete or duplicate bytes. */
function mutate(bytes: Uint8Array, rng: Random): Uint8Array {
  const n = bytes.length;
  const at = rng.int(n);
  switch (rng.int(7)) {
    case 0: {
      const out = bytes.slice();
      out[at] = out[at]! ^ (1 << rng.int(8));
      return out;
    }
    case 1: {
      const out = bytes.slice();
      for (let k = 0; k < 1 + rng.int(8); k++) out[rng.int(n)] = rng.int(256);
      return out;
    }
    case 2:
      return bytes.slice(0, at);
    case 3: {
      const extra = Uint8Array.from({ length: 1 + rng.int(16) }, () => rng.int(256));
      const out = new Uint8Array(n + extra.length);
      out.set(bytes.subarray(0, at));
      out.set(extra, at);
      out.set(bytes.subarray(at), at + extra.length);
      return out;
    }
    case 4: {
      const len = 1 + rng.int(Math.min(64, n - at));
      const out = new Uint8Array(n - len);
      out.set(bytes.subarray(0, at));
      out.set(bytes.subarray(at + len), at);
      return out;
    }
    case 5: {
      // Set a 4-byte little-endian field to a large value (lengths, ints).
      const out = bytes.slice();
      const v = [0x7fffffff, 0xffffffff, 0x80000000, 65536, 2708][rng.int(5)]!;
      for (let k = 0; k < 4 && at + k < n; k++) out[at + k] = (v >>> (8 * k)) & 0xff;
      return out;
    }
    default: {
      const len = 1 + rng.int(Math.min(64, n - at));
      const to = rng.int(n);
      const out = new Uint8Array(n + len);
      out.set(bytes.subarray(0, to));
      out.set(bytes.subarray(at, at + len), to);
      out.set(bytes.subarray(to), to + len);
      return out;
    }
  }
}

describe('Planetoid fuzz', () => {
  it(`${CASES} seeded mutations of the Cora files load or throw DataFormatError`, () => {
    const cora = readPlanetoidFiles('Cora');
    const rng = new Random(20240601);
    // Small files more often: their structure (headers, dicts) is where parsing can go wrong.
    const weights: Record<PlanetoidExtension, number> = {
      x: 3,
      tx: 2,
      allx: 1,
      y: 3,
      ty: 2,
      ally: 2,
      graph: 3,
      'test.index': 2,
    };
    const pool = PLANETOID_EXTENSIONS.flatMap((ext) =>
      Array<PlanetoidExtension>(weights[ext]).fill(ext),
    );
    const outcomes = { loaded: 0, refused: 0 };
    const unexpected: string[] = [];
    for (let c = 0; c < CASES; c++) {
      const ext = pool[rng.int(pool.length)]!;
      const mutated = mutate(cora[ext], rng);
      try {
        parsePlanetoid('Cora', { ...cora, [ext]: mutated });
        outcomes.loaded++;
      } catch (e) {
        if (e instanceof DataFormatError) {
          outcomes.refused++;
          expect(e.message.startsWith(`ind.cora.`)).toBe(true);
        } else {
          unexpected.push(`case ${c} (${ext}): ${e instanceof Error ? e.stack : String(e)}`);
        }
      }
    }
    expect(unexpected).toEqual([]);
    expect(outcomes.loaded + outcomes.refused).toBe(CASES);
    expect(outcomes.refused).toBeGreaterThan(CASES / 4);
  });
});
