/** The package as users install it: the built entry points, ESM and CommonJS, and what each loads. */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const refuse = fileURLToPath(new URL('./fixtures/refuse-frameworks.mjs', import.meta.url));

function node(code: string, options: { refuse?: string; type?: 'module' | 'commonjs' } = {}) {
  const args = ['--disable-warning=ExperimentalWarning'];
  if (options.refuse) args.push('--import', refuse);
  args.push(options.type === 'commonjs' ? '-e' : '--input-type=module', ...(options.type === 'commonjs' ? [code] : ['-e', code]));
  return spawnSync(process.execPath, args, { cwd: root, env: { ...process.env, NODE_OPTIONS: '', REFUSE: options.refuse ?? '' }, encoding: 'utf8' });
}

describe('package entry points (after npm run build)', () => {
  test("import('sessionkit') and require('sessionkit') both work", () => {
    const esm = node(`const m = await import('sessionkit'); console.log(typeof m.authMiddleware, typeof m.requireAuth, typeof m.ConfigError)`);
    expect(esm.stderr).toBe('');
    expect(esm.stdout.trim()).toBe('function function function');
    const cjs = node(`const m = require('sessionkit'); console.log(typeof m.authMiddleware, typeof m.requireAuth)`, { type: 'commonjs' });
    expect(cjs.stdout.trim()).toBe('function function');
  });

  test("importing 'sessionkit' never loads Koa; 'sessionkit/koa' never loads Express", () => {
    const express = node(`const m = await import('sessionkit'); m.authMiddleware({ issuer: 'https://idp.example', clientId: 'c', baseURL: 'https://app.example', cookie: { password: 'x'.repeat(32) } }); console.log('ok')`, { refuse: 'koa' });
    expect(express.stderr).toBe('');
    expect(express.stdout.trim()).toBe('ok');
    const koa = node(`const m = await import('sessionkit/koa'); m.koaAuth({ issuer: 'https://idp.example', clientId: 'c', baseURL: 'https://app.example', cookie: { password: 'x'.repeat(32) } }); console.log(typeof m.requireAuth)`, { refuse: 'express' });
    expect(koa.stderr).toBe('');
    expect(koa.stdout.trim()).toBe('function');
    // the refusing hook works: loading the refused framework does fail
    const proof = node(`await import('koa')`, { refuse: 'koa' });
    expect(proof.stderr).toMatch(/loaded koa/);
  });

  // issue 18.3: the test kit is its own entry; nothing of it (nor its optional peers) loads with the library
  test("'sessionkit', 'sessionkit/koa' and 'sessionkit/redis' never load the test kit, oidc-provider or supertest", () => {
    const kit = 'oidc-provider,supertest,./testing.js,./testing/dev-idp/index.js,./testing/dev-idp/http-login.js';
    const options = `{ issuer: 'https://idp.example', clientId: 'c', baseURL: 'https://app.example', cookie: { password: 'x'.repeat(32) } }`;
    const run = node(`const a = await import('sessionkit'); a.authMiddleware(${options}); const k = await import('sessionkit/koa'); k.koaAuth(${options}); await import('sessionkit/redis'); console.log('ok')`, { refuse: kit });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('ok');
    // the kit itself loads its provider only when started, and the hook does refuse it then
    const lazy = node(`const t = await import('sessionkit/testing'); console.log(typeof t.startTestProvider); await t.startTestProvider({ users: [{ id: 'u', email: 'u@example.com' }] })`, { refuse: 'oidc-provider' });
    expect(lazy.stdout.trim()).toBe('function');
    expect(lazy.stderr).toMatch(/loaded oidc-provider/);
    const cjs = node(`const t = require('sessionkit/testing'); console.log(typeof t.startTestProvider)`, { type: 'commonjs' });
    expect(cjs.stdout.trim()).toBe('function');
  });

  test("each entry loads only its own framework: 'sessionkit/fastify' no Express or Koa, 'sessionkit/node' none, the others no Fastify", () => {
    const options = `{ issuer: 'https://idp.example', clientId: 'c', baseURL: 'https://app.example', cookie: { password: 'x'.repeat(32) } }`;
    const fastify = node(`const { default: Fastify } = await import('fastify'); const m = await import('sessionkit/fastify'); const app = Fastify(); await app.register(m.fastifyAuth, ${options}); await app.ready(); console.log(typeof m.requireAuth, app.hasRequestDecorator('auth'))`, { refuse: 'express,koa' });
    expect(fastify.stderr).toBe('');
    expect(fastify.stdout.trim()).toBe('function true');
    const plain = node(`const m = await import('sessionkit/node'); m.nodeAuth(${options}); console.log(typeof m.requireAuth)`, { refuse: 'express,koa,fastify,fastify-plugin' });
    expect(plain.stderr).toBe('');
    expect(plain.stdout.trim()).toBe('function');
    for (const entry of ['sessionkit', 'sessionkit/koa']) {
      const other = node(`await import('${entry}'); console.log('ok')`, { refuse: 'fastify,fastify-plugin' });
      expect({ entry, stderr: other.stderr, stdout: other.stdout.trim() }).toEqual({ entry, stderr: '', stdout: 'ok' });
    }
    const cjs = node(`const m = require('sessionkit/fastify'); const n = require('sessionkit/node'); console.log(typeof m.fastifyAuth, typeof n.nodeAuth)`, { type: 'commonjs' });
    expect(cjs.stdout.trim()).toBe('function function');
    expect(node(`await import('fastify')`, { refuse: 'fastify' }).stderr).toMatch(/loaded fastify/);
  });
});
