/** Issue 16: the development provider is small modules (none over 250 lines), and the package ships every one of them. */
import { expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = `${root}lib/testing/dev-idp`;
const sources = readdirSync(dir).filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'));

test('no file of the dev provider (lib/testing/dev-idp) is over 250 lines', () => {
  expect(sources).toEqual(expect.arrayContaining(['index.js', 'index.d.ts', 'http-login.js', 'http-login.d.ts']));
  const lines = (file: string) => readFileSync(`${dir}/${file}`, 'utf8').split('\n').length - 1;
  expect(sources.map((file) => ({ file, lines: lines(file) })).filter((f) => f.lines > 250)).toEqual([]);
});

test('npm pack ships every file of the dev provider under dist/testing/dev-idp (after npm run build)', () => {
  const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  const files: string[] = JSON.parse(packed.stdout)[0].files.map((f: { path: string }) => f.path);
  expect(sources.filter((file) => !files.includes(`dist/testing/dev-idp/${file}`))).toEqual([]);
});
