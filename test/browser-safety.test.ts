/**
 * The main entry must load in a browser: nothing reachable from src/index.ts may import a
 * Node built-in ('node:fs', 'fs', ...). Walks the static import graph.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
const builtins = new Set(builtinModules);
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function walk(entry: string): { files: Set<string>; offenders: string[] } {
  const files = new Set<string>();
  const offenders: string[] = [];
  const stack = [entry];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2]!;
      if (spec.startsWith('node:') || builtins.has(spec))
        offenders.push(`${file.slice(root.length)} imports ${spec}`);
      else if (spec.startsWith('.'))
        stack.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
    }
  }
  return { files, offenders };
}

describe('browser safety', () => {
  it('src/index.ts reaches no Node built-in module', () => {
    const { files, offenders } = walk(resolve(root, 'src/index.ts'));
    expect(files.size).toBeGreaterThan(20);
    expect(offenders).toEqual([]);
  });
});
