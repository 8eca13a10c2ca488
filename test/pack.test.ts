/** What `npm pack` ships: the built entries, the licence the manifest names, and source maps that resolve. */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('the published package (after npm run build)', () => {
  const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  const files: string[] = JSON.parse(packed.stdout)[0].files.map((f: { path: string }) => f.path);

  test('ships LICENSE, README and SECURITY next to dist, and no test or example', () => {
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'SECURITY.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/koa.js']));
    expect(files).toEqual(expect.arrayContaining(['dist/fastify.js', 'dist/fastify.d.ts', 'dist/node.js', 'dist/node.d.ts']));
    expect(files.filter((f) => !f.startsWith('dist/') && !['LICENSE', 'README.md', 'SECURITY.md', 'package.json'].includes(f))).toEqual([]);
    const manifest = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));
    expect(manifest.license).toBe('MIT');
    expect(readFileSync(`${root}/LICENSE`, 'utf8')).toMatch(/^MIT License/);
  });

  test('every source map carries the sources it points at (lib/ is not shipped)', () => {
    const maps = files.filter((f) => f.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(0);
    for (const file of maps) {
      const map = JSON.parse(readFileSync(`${root}/${file}`, 'utf8'));
      expect({ file, contents: map.sourcesContent?.length }).toEqual({ file, contents: map.sources.length });
      expect(map.sourcesContent.every((s: unknown) => typeof s === 'string' && s.length > 0)).toBe(true);
    }
  });
});
