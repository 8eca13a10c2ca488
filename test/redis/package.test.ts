/** The `sessionkit/redis` entry as users install it: built, separate, and never loaded by `sessionkit` itself. */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const refuse = fileURLToPath(new URL('../fixtures/refuse-frameworks.mjs', import.meta.url));

function node(code: string, refused = '') {
  const args = ['--disable-warning=ExperimentalWarning', '--import', refuse, '--input-type=module', '-e', code];
  return spawnSync(process.execPath, args, { cwd: root, env: { ...process.env, NODE_OPTIONS: '', REFUSE: refused }, encoding: 'utf8' });
}

describe('package entry sessionkit/redis (after npm run build)', () => {
  test("importing 'sessionkit' or 'sessionkit/koa' never loads ioredis", () => {
    const options = `{ issuer: 'https://idp.example', clientId: 'c', baseURL: 'https://app.example', cookie: { password: 'x'.repeat(32) } }`;
    const express = node(`const m = await import('sessionkit'); m.authMiddleware(${options}); console.log('ok')`, 'ioredis');
    expect(express.stderr).toBe('');
    expect(express.stdout.trim()).toBe('ok');
    const koa = node(`const m = await import('sessionkit/koa'); m.koaAuth(${options}); console.log('ok')`, 'ioredis');
    expect(koa.stderr).toBe('');
    expect(koa.stdout.trim()).toBe('ok');
    // the refusing hook works for ioredis too
    expect(node(`await import('ioredis')`, 'ioredis').stderr).toMatch(/loaded ioredis/);
  });

  test("'sessionkit/redis' exports redisStore and redisCoordinator, takes the application's client, and refuses anything else", () => {
    const ok = node(
      `const { redisStore, redisCoordinator } = await import('sessionkit/redis');
       const { Redis } = await import('ioredis');
       const client = new Redis({ lazyConnect: true });
       const store = redisStore({ client });
       console.log(typeof redisCoordinator({ client }).coordinate, typeof store.get, typeof store.setIfNewer, typeof store.coordinator.endedAt);
       try { redisCoordinator({ client: {} }); } catch (e) { console.log(e.code, e.option); }
       try { redisStore({ client, lockTtl: -1 }); } catch (e) { console.log(e.code, e.option); }`,
    );
    expect(ok.stderr).toBe('');
    expect(ok.stdout.trim().split('\n')).toEqual(['function function function function', 'SESSIONKIT_CONFIG_INVALID client', 'SESSIONKIT_CONFIG_INVALID lockTtl']);
  });
});
