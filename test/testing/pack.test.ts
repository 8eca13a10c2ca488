/** `sessionkit/testing` ships what it needs: the entry and the development provider (after npm run build). */
import { expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('the package ships dist/testing.* and the dev provider under dist/testing/dev-idp', () => {
  const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  const files: string[] = JSON.parse(packed.stdout)[0].files.map((f: { path: string }) => f.path);
  for (const name of ['index', 'http-login', 'accounts', 'adapter', 'views']) expect(files).toContain(`dist/testing/dev-idp/${name}.js`);
  for (const name of ['index', 'http-login', 'accounts']) expect(files).toContain(`dist/testing/dev-idp/${name}.d.ts`);
  expect(files).toEqual(expect.arrayContaining(['dist/testing.js', 'dist/testing.d.ts']));
  const manifest = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));
  expect(manifest.exports['./testing']).toEqual({ types: './dist/testing.d.ts', default: './dist/testing.js' });
  expect(manifest.peerDependenciesMeta['oidc-provider']).toEqual({ optional: true });
  expect(manifest.peerDependenciesMeta.supertest).toEqual({ optional: true });
  expect(Object.keys(manifest.dependencies)).not.toContain('oidc-provider');
});
