/**
 * What a browser can carry (issue 13, items 4, 8 and 10): abandoned sign-ins are capped so that
 * the Cookie header never grows into Node's 431, a `__Host-` cookie name works (and unsafe
 * combinations are refused at start-up), and a session too large for cookies fails the sign-in
 * with advice instead of locking the browser out.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { decodeJwt } from 'jose';
import { memoryStore } from '../../lib/index.js';
import { resolveConfig } from '../../lib/config.js';
import { BUDGET, MAX_LIVE } from '../../lib/core/transactions.js';
import { loginAtProvider } from '../../examples/dev-idp/http-login.js';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { ALICE, Jar, PASSWORD, setCookies, startApp, startDevIdp, type DevIdp, type TestApp } from '../helpers/harness.js';

const txNames = (jar: Jar) => [...jar.names()].filter((k) => k.startsWith('sessionkit.tx.'));
const txBytes = (jar: Jar) => txNames(jar).reduce((n, k) => n + jar.get(k)!.length, 0);

/** Start a sign-in; the provider URL it redirects to. */
async function begin(app: TestApp, jar: Jar, query = ''): Promise<string> {
  const res = await app.get(`/login${query}`, jar);
  expect(res.status).toBe(302);
  return res.headers.location as string;
}

/** Finish a sign-in begun at `authorizationUrl`: the callback's response. */
async function finish(app: TestApp, jar: Jar, authorizationUrl: string) {
  const { callbackUrl } = await loginAtProvider(authorizationUrl, ALICE);
  const back = new URL(callbackUrl);
  return app.get(back.pathname + back.search, jar);
}

describe.each(FRAMEWORKS)('what a browser carries, on %s', (_name, factory) => {
  let idp: DevIdp;
  let app: TestApp;
  beforeAll(async () => {
    idp = await startDevIdp();
    app = await startApp(idp, factory);
  });
  afterAll(async () => {
    idp.setFault(null);
    await app.close();
    await idp.close();
  });

  test('40 abandoned sign-ins leave a handful of transactions, and a normal sign-in then works', async () => {
    const jar = new Jar();
    for (let i = 0; i < 40; i++) await begin(app, jar, `?returnTo=${encodeURIComponent(`/page-${i}-${'x'.repeat(1500)}`)}`);
    expect(txNames(jar).length).toBeLessThanOrEqual(MAX_LIVE);
    expect(txBytes(jar)).toBeLessThanOrEqual(BUDGET);
    expect(jar.header().length).toBeLessThan(8 * 1024);
    const done = await finish(app, jar, await begin(app, jar, '?returnTo=%2Fme'));
    expect(done.status).toBe(302);
    expect(done.headers.location).toBe('/me');
    expect((await app.get('/me', jar)).status).toBe(200);
  });

  test('every parameter at its limit still makes one transaction cookie a browser keeps (≤ 4 KB)', async () => {
    const jar = new Jar();
    const long = `?returnTo=${encodeURIComponent(`/${'r'.repeat(2040)}`)}&state=${'s'.repeat(1024)}&organizationId=${'o'.repeat(256)}&loginHint=${'h'.repeat(1024)}`;
    const res = await app.get(`/login${long}`, jar);
    expect(res.status).toBe(302);
    const written = setCookies(res).filter((c) => c.startsWith('sessionkit.tx.') && !/Max-Age=0/.test(c));
    expect(written).toHaveLength(1);
    expect(Buffer.byteLength(written[0])).toBeLessThanOrEqual(4096);
  });

  test('two tabs signing in at once both succeed', async () => {
    const jar = new Jar();
    const first = await begin(app, jar, '?returnTo=%2Fone');
    const second = await begin(app, jar, '?returnTo=%2Ftwo');
    const a = await finish(app, jar, first);
    expect(a.headers.location).toBe('/one');
    const b = await finish(app, jar, second);
    expect(b.headers.location).toBe('/two');
    expect((await app.get('/me', jar)).status).toBe(200);
  });

  test('a session too large for cookies: the sign-in fails with advice, no cookie is written; with a store it works', async () => {
    const huge = async (body: Record<string, any>) => ({ ...body, access_token: await idp.signJwt({ ...decodeJwt(body.access_token), padding: 'p'.repeat(12_000) }, { header: { typ: 'at+jwt' } }) });
    idp.setFault({ rewrite: huge });
    try {
      const jar = new Jar();
      const res = await finish(app, jar, await begin(app, jar));
      expect(res.status).toBe(400);
      expect(res.text).toMatch(/too large/);
      expect(jar.sessionNames()).toEqual([]);
      expect(app.events.logs.some((l) => l.level === 'error' && /`store` option/.test(l.msg ?? ''))).toBe(true);
      const stored = await startApp(idp, factory, { store: memoryStore() });
      try {
        const ok = new Jar();
        const done = await finish(stored, ok, await begin(stored, ok));
        expect(done.status).toBe(302);
        expect((await stored.get('/me', ok)).status).toBe(200);
      } finally {
        await stored.close();
      }
    } finally {
      idp.setFault(null);
    }
  });

  test('a refresh that would grow the session past the limit ends it (no cookie that 431s every request)', async () => {
    const due = await startApp(idp, factory, { refresh: { buffer: 1000 } });
    try {
      const jar = new Jar();
      await finish(due, jar, await begin(due, jar));
      idp.setFault({ rewrite: async (body) => ({ ...body, access_token: await idp.signJwt({ ...decodeJwt(body.access_token), padding: 'p'.repeat(12_000) }, { header: { typ: 'at+jwt' } }) }) });
      const res = await due.get('/me', jar);
      idp.setFault(null);
      expect(res.status).toBe(401);
      expect(jar.sessionNames()).toEqual([]);
      expect(due.events.logs.some((l) => l.level === 'error' && /`store` option/.test(l.msg ?? ''))).toBe(true);
    } finally {
      idp.setFault(null);
      await due.close();
    }
  });

  test('a __Host- cookie name works end to end: Secure, Path=/, no Domain on every cookie', async () => {
    const host = await startApp(idp, factory, { cookie: { password: PASSWORD, name: '__Host-sk', secure: true } });
    try {
      const jar = new Jar();
      const start = await host.get('/login', jar);
      const url = start.headers.location as string;
      const { callbackUrl } = await loginAtProvider(url, ALICE);
      const back = new URL(callbackUrl);
      const done = await host.get(back.pathname + back.search, jar);
      expect(done.status).toBe(302);
      for (const c of [...setCookies(start), ...setCookies(done)].filter((h) => h.startsWith('__Host-'))) {
        expect(c).toMatch(/; Path=\/(;|$)/);
        expect(c).toMatch(/; Secure/);
        expect(c).not.toMatch(/Domain=/i);
      }
      expect(jar.has('__Host-sk')).toBe(true);
      expect((await host.get('/me', jar)).status).toBe(200);
    } finally {
      await host.close();
    }
  });
});

describe('cookie name prefixes are checked at start-up', () => {
  const base = { issuer: 'https://idp.example', clientId: 'c', baseURL: 'https://app.example', cookie: { password: PASSWORD } };
  test.each([
    ['__Host- with a domain', { cookie: { password: PASSWORD, name: '__Host-sk', domain: 'app.example' } }, /cookie\.domain.*__Host-/],
    ['__Host- with a path', { cookie: { password: PASSWORD, name: '__Host-sk', path: '/app' } }, /cookie\.path.*__Host-/],
    ['__Host- without Secure', { baseURL: 'http://localhost:3000', cookie: { password: PASSWORD, name: '__Host-sk' } }, /cookie\.name.*Secure/],
    ['__Secure- without Secure', { baseURL: 'http://localhost:3000', cookie: { password: PASSWORD, name: '__Secure-sk' } }, /cookie\.name.*Secure/],
  ])('%s is refused, naming the option', (_n, patch, message) => {
    expect(() => resolveConfig({ ...base, ...patch } as any, {})).toThrow(message);
  });
  test('a __Host- name on https is accepted', () => {
    expect(resolveConfig({ ...base, cookie: { password: PASSWORD, name: '__Host-sk' } }, {}).cookie.name).toBe('__Host-sk');
  });
});
