/**
 * The README's TypeScript blocks are type-checked against the built package (`npm run build`
 * first, as `npm test` does), as a user's strict project would see them: the README cannot drift
 * from the types. Fragments may use `app` (an Express app) and `handler` (a request handler)
 * without declaring them.
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// Inside the package, so that `import 'sessionkit'` resolves to this package's own exports.
const dir = path.join(root, 'test', '.snippets');

/** Every ```ts block of a markdown file. */
export function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

const PRELUDE = `// Names the README's fragments use without declaring them.
declare const app: import('express').Express;
declare const handler: import('express').RequestHandler;
`;

describe('README.md', () => {
  const blocks = tsBlocks(readFileSync(path.join(root, 'README.md'), 'utf8'));

  test('has TypeScript examples, and the quick start escapes what it prints into HTML', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    for (const block of blocks) expect(block).not.toMatch(/\$\{req\.auth\.user\?\.(name|email)\}/);
  });

  test('every TypeScript block type-checks against the package (strict)', () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'prelude.d.ts'), PRELUDE);
    blocks.forEach((block, i) => writeFileSync(path.join(dir, `block-${String(i + 1).padStart(2, '0')}.ts`), `${block}\nexport {};\n`));
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023'], types: ['node'], strict: true, noEmit: true, skipLibCheck: true, esModuleInterop: true },
        include: ['*.ts'],
      }),
    );
    const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(dir, 'tsconfig.json')], { cwd: root, encoding: 'utf8' });
    const report = (tsc.stdout + tsc.stderr).replaceAll(dir + path.sep, 'README ');
    expect(report).toBe('');
    expect(tsc.status).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
