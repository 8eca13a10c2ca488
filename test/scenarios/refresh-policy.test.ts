/**
 * The refresh discipline against any provider (issues 13 and 14): fresh tokens when refresh tokens
 * do not rotate, refusals without JSON are refusals, a malformed 200 is terminal and its live
 * tokens never reach a hook, the memo does not hand a thief the rotated refresh token, a refresh
 * racing a logout brings nothing back, and a circuit keeps requests off a dead provider.
 */
import { describe, expect, test } from '@jest/globals';
import { inspect } from 'node:util';
import { MemoryCoordinator, memoryStore } from '../../lib/index.js';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { ALICE, Jar, startApp, withSignedInApp, type DevIdp, suiteIdp } from '../helpers/harness.js';
import { readSession } from '../helpers/tamper.js';
import { writtenSessionCookies } from '../helpers/jar.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(FRAMEWORKS)('refresh policy on %s', (_name, factory) => {
  describe('a provider that does not rotate refresh tokens', () => {
    const idp = suiteIdp({ accessTokenTTL: 4, rotateRefreshTokens: false });

    test('4 s tokens, buffer 2 s, a request every 700 ms for 9 s: never an expired token, a grant each window', async () => {
      await withSignedInApp(idp(), factory, { refresh: { buffer: 2 } }, async (app, jar) => {
        const first = await readSession(jar);
        idp().resetCounts();
        const started = Date.now();
        while (Date.now() - started < 9000) {
          const res = await app.get('/me', jar);
          expect(res.status).toBe(200);
          expect(res.body.expiresAt).toBeGreaterThan(Date.now() / 1000);
          await sleep(700);
        }
        expect(idp().counts.refreshGrants).toBeGreaterThanOrEqual(3);
        expect((await readSession(jar)).refreshToken).toBe(first.refreshToken); // it really did not rotate
        expect(app.events.refreshError).toEqual([]);
      });
    }, 20_000);

    test('concurrent requests still share one grant, and later ones the fresh result', async () => {
      await withSignedInApp(idp(), factory, { refresh: { buffer: 2 } }, async (app, jar) => {
        await sleep(2100); // inside the buffer now
        idp().resetCounts();
        const responses = await Promise.all(Array.from({ length: 20 }, () => app.get('/me', jar.clone())));
        expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
        expect(idp().counts.refreshGrants).toBe(1);
        // a request that comes after, with the old cookie: the fresh result answers it
        expect((await app.get('/me', jar.clone())).status).toBe(200);
        expect(idp().counts.refreshGrants).toBe(1);
      });
    });
  });

  describe('with a rotating provider', () => {
    const idp = suiteIdp({ accessTokenTTL: 300 });

    const terminal: [string, Parameters<DevIdp['setFault']>[0]][] = [
      ['a bare 400', { status: 400, body: '', contentType: 'text/plain' }],
      ['a 400 with an HTML body', { status: 400, body: '<html><h1>Bad Request</h1></html>', contentType: 'text/html' }],
      ['a bare 401', { status: 401, body: '', contentType: 'text/plain' }],
      ['a 401 invalid_client with a WWW-Authenticate challenge', { status: 401, body: '{"error":"invalid_client"}', contentType: 'application/json', headers: { 'WWW-Authenticate': 'Basic realm="token", error="invalid_client"' } }],
      ['a 200 whose JSON does not parse', { malformedJson: true }],
      ['a 200 JSON without an access_token', { status: 200, body: '{"token_type":"Bearer","expires_in":300}', contentType: 'application/json' }],
    ];
    test.each(terminal)('%s from the token endpoint is the provider refusing: the session ends', async (_n, fault) => {
      await withSignedInApp(idp(), factory, { refresh: { buffer: 1000 } }, async (app, jar) => {
        idp().setFault(fault);
        const res = await app.get('/me', jar);
        idp().setFault(null);
        expect(res.status).toBe(401);
        expect(jar.sessionNames()).toEqual([]);
        expect(app.events.refreshError.map((e) => e.isTransient)).toEqual([false]);
      });
    });

    test('a malformed 200 carrying a live refresh token: terminal, and the token is nowhere in the hook or the log', async () => {
      await withSignedInApp(idp(), factory, { refresh: { buffer: 1000 } }, async (app, jar) => {
        let live = '';
        idp().setFault({
          rewrite: (body) => {
            live = body.refresh_token;
            const { token_type: _dropped, ...rest } = body;
            return rest;
          },
        });
        const res = await app.get('/me', jar);
        idp().setFault(null);
        expect(live.length).toBeGreaterThan(10);
        expect(res.status).toBe(401);
        const [event] = app.events.refreshError;
        expect(event.isTransient).toBe(false);
        const everything = `${inspect(event.error, { depth: 10, showHidden: true })} ${JSON.stringify(event.error)} ${JSON.stringify(app.events.logs)}`;
        expect(everything).not.toContain(live);
        expect(event.error.cause).toBeInstanceOf(Error);
      });
    });

    test('the memo serves a late request without handing it the rotated refresh token; after the window a replay meets reuse detection', async () => {
      const app = await startApp(idp(), factory, { refresh: { buffer: 1000 }, coordinator: new MemoryCoordinator({ memoTtl: 400 }) });
      try {
        const victim = new Jar();
        await app.signIn(victim);
        const stolen = victim.clone();
        const refreshed = await app.get('/me', victim); // the victim refreshes: the cookie rotates
        expect(writtenSessionCookies(refreshed)).toHaveLength(1);
        // the thief replays the pre-rotation cookie within the window: served, but no cookie
        const replay = await app.get('/me', stolen);
        expect(replay.status).toBe(200);
        expect(replay.body.accessToken).toBe(refreshed.body.accessToken);
        expect(writtenSessionCookies(replay)).toEqual([]);
        // after the window the stolen cookie presents a spent refresh token: the provider's reuse
        // detection revokes the grant, and the stolen copy is signed out
        await sleep(500);
        idp().resetCounts();
        const late = await app.get('/me', stolen);
        expect(late.status).toBe(401);
        expect(idp().counts.refreshTokenReuses).toBe(1);
        expect(idp().counts.grantsRevoked).toBeGreaterThanOrEqual(1);
      } finally {
        await app.close();
      }
    });

    test('a refresh racing a logout writes nothing back and revokes the refresh token it obtained', async () => {
      const store = memoryStore();
      for (const options of [{}, { store }]) {
        await withSignedInApp(idp(), factory, { refresh: { buffer: 1000 }, ...options }, async (app, jar) => {
          const record = await readSession(jar);
          let release!: () => void;
          const gate = new Promise<void>((resolve) => (release = resolve));
          let answered!: () => void;
          const reached = new Promise<void>((resolve) => (answered = resolve));
          idp().setFault({
            rewrite: async (body) => {
              answered();
              await gate; // the provider has issued new tokens; the answer is held
              return body;
            },
          });
          const refreshing = app.get('/me', jar.clone());
          await reached;
          idp().setFault(null);
          const revocations = idp().counts.revocations;
          const out = await app.send('POST', '/logout', jar.clone(), { headers: { Accept: 'application/json', Origin: app.baseURL } });
          expect(out.status).toBe(200);
          release();
          const res = await refreshing;
          expect(res.status).toBe(401);
          expect(writtenSessionCookies(res)).toEqual([]);
          expect(idp().counts.revocations).toBeGreaterThanOrEqual(revocations + 2); // the old token at logout, the new one after the race
          if ('store' in options) expect(await store.get(record.ref)).toBeUndefined();
        });
      }
    });
  });

  describe('a circuit for provider outages', () => {
    const idp = suiteIdp({ accessTokenTTL: 300 });

    test('a hung token endpoint: a handful of attempts, not 200; valid sessions answer at once; all refresh after recovery', async () => {
      const app = await startApp(idp(), factory, { refresh: { buffer: 1000 }, httpTimeout: 300 });
      try {
        const jars: Jar[] = [];
        for (let i = 0; i < 10; i++) {
          const jar = new Jar();
          await app.signIn(jar, ALICE);
          jars.push(jar);
        }
        const before = await Promise.all(jars.map((j) => readSession(j)));
        idp().setFault({ hang: true });
        idp().resetCounts();
        const started = Date.now();
        const late: number[] = [];
        for (let round = 0; round < 20; round++) {
          const t0 = Date.now();
          const responses = await Promise.all(jars.map((j) => app.get('/me', j)));
          for (const r of responses) expect(r.status).toBe(200); // still-valid tokens are served
          if (round >= 5) late.push(Date.now() - t0);
          await sleep(Math.max(0, started + (round + 1) * 150 - Date.now()));
        }
        // the first round of ten sets out before any failure is known; then a probe per cool-down
        expect(idp().counts.faultedRequests).toBeLessThanOrEqual(14);
        // once open, a round of ten requests does not wait on the provider
        expect(late.filter((ms) => ms < 250).length).toBeGreaterThanOrEqual(10);
        idp().setFault(null);
        const recovered = Date.now();
        const pending = new Set(jars.map((_, i) => i));
        while (pending.size && Date.now() - recovered < 10_000) {
          for (const i of [...pending]) {
            const res = await app.get('/me', jars[i]);
            if (res.body.accessToken !== before[i].accessToken) pending.delete(i);
          }
          if (pending.size) await sleep(200);
        }
        expect([...pending]).toEqual([]);
        expect(app.events.logs.some((l) => /circuit open/.test(l.msg ?? ''))).toBe(true);
        expect(app.events.logs.some((l) => /circuit closed/.test(l.msg ?? ''))).toBe(true);
      } finally {
        idp().setFault(null);
        await app.close();
      }
    }, 30_000);
  });
});
