/** Every ```ts block of README.md runs as written (imports of 'graphattn' resolve to src/). */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const dir = join(root, 'test', '.readme-snippets');

describe('README code', () => {
  it('has TypeScript examples', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });
  blocks.forEach((code, i) => {
    it(`example ${i + 1} runs`, async () => {
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `example-${i + 1}.ts`);
      // Snippets that load datasets read the offline mirror, never the network.
      process.env.GRAPHATTN_DATA ??= join(root, '..', 'shared', 'datasets', 'planetoid');
      writeFileSync(file, `${code}\nexport {};\n`);
      await import(file);
    });
  });
});
