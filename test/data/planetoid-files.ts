/** The real Planetoid files as bytes, for tests that mutate them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  PLANETOID_EXTENSIONS,
  type PlanetoidExtension,
  type PlanetoidFiles,
  type PlanetoidName,
  planetoidFileName,
} from '../../src/data/planetoid.js';
import { PLANETOID_DIR } from './paths.js';

export function readPlanetoidFiles(name: PlanetoidName): PlanetoidFiles {
  const read = (ext: PlanetoidExtension): Uint8Array =>
    new Uint8Array(readFileSync(join(PLANETOID_DIR, planetoidFileName(name, ext))));
  return {
    x: read('x'),
    tx: read('tx'),
    allx: read('allx'),
    y: read('y'),
    ty: read('ty'),
    ally: read('ally'),
    graph: read('graph'),
    'test.index': read('test.index'),
  };
}

export { PLANETOID_EXTENSIONS };

/** Bytes of a pickle written by hand: numbers are bytes, strings are latin-1 text. */
export function pickleBytes(...parts: (number | string)[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else for (const ch of p) out.push(ch.charCodeAt(0));
  }
  return Uint8Array.from(out);
}
