/** Locating and reading the PyG reference fixtures (see ../shared/fixtures/README.md). */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type SafeTensor, parseSafetensors } from '../../src/io/safetensors.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The folder named by env `variable`, else `fallback` relative to the repository root. */
export function fixtureDir(variable: string, fallback: string): string {
  return resolve(repoRoot, process.env[variable] ?? fallback);
}

export function listFixtures(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.safetensors'))
    .sort();
}

export interface Fixture {
  readonly file: string;
  readonly tensors: Map<string, SafeTensor>;
  readonly caseInfo: Record<string, unknown>;
}

export function readFixture(dir: string, file: string): Fixture {
  const path = join(dir, file);
  const { tensors, metadata } = parseSafetensors(new Uint8Array(readFileSync(path)), path);
  const raw = metadata.case;
  if (raw === undefined) throw new Error(`${path}: no __metadata__.case`);
  const caseInfo = JSON.parse(raw) as Record<string, unknown>;
  return { file, tensors, caseInfo };
}

export function need(f: Fixture, name: string): SafeTensor {
  const t = f.tensors.get(name);
  if (t === undefined) throw new Error(`${f.file}: tensor '${name}' is missing`);
  return t;
}
