import { describe, expect, test } from '@jest/globals';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { Jar, PASSWORD, setCookies, startApp, clientSecretOf, suiteApps } from '../helpers/harness.js';
import { readSession, writeSession, seal } from '../helpers/tamper.js';

const OTHER = 'another-password-of-at-least-thirty-two-chars!!';

describe.each(FRAMEWORKS)('session cookies on %s', (_name, factory) => {
  const s = suiteApps(factory, { app: {}, due: { refresh: { buffer: 1000 } } });

  async function signedIn(): Promise<Jar> {
    const jar = new Jar();
    await s.app.signIn(jar);
    return jar;
  }

  /** The request is signed out, answered without 5xx, and the bad cookie is cleared. */
  async function expectSignedOutAndCleared(jar: Jar) {
    const names = jar.sessionNames();
    const res = await s.app.get('/public', jar);
    expect(res.status).toBe(200);
    expect(res.body.isAuthenticated).toBe(false);
    for (const name of names) expect(setCookies(res).some((c) => c.startsWith(`${name}=;`) && /Max-Age=0/.test(c))).toBe(true);
    const me = await s.app.get('/me', jar);
    expect(me.status).toBe(401);
  }

  const forgeries: [string, (value: string) => string | Promise<string>][] = [
    ['a flipped MAC', (v) => v.replace(/\*([\w-]{10})([\w-]+)~2$/, (_m, a, b) => `*${a}${b[0] === 'A' ? 'B' : 'A'}${b.slice(1)}~2`)],
    ['a flipped ciphertext byte', (v) => { const parts = v.split('*'); parts[4] = (parts[4][0] === 'A' ? 'B' : 'A') + parts[4].slice(1); return parts.join('*'); }],
    ['a truncated seal', (v) => v.slice(0, Math.floor(v.length / 2))],
    ['an extended seal', (v) => `${v}AAAA`],
    ['garbage', () => 'not-a-session'],
    ['percent-encoding junk', () => '%E0%A4%A%ZZ%00'],
    ['a seal of another password', async () => seal({ v: 1, user: { id: 'x' }, accessToken: 'a', expiresAt: 9e9, createdAt: 0 }, OTHER)],
    ['a well-sealed record that is not a session', async () => seal({ admin: true })],
  ];
  test.each(forgeries)('%s is a signed-out request, cookie cleared, never 5xx', async (_what, forge) => {
    const jar = await signedIn();
    jar.set('sessionkit', await forge(jar.get('sessionkit')!));
    await expectSignedOutAndCleared(jar);
  });

  test('an empty session cookie is signed out', async () => {
    const res = await s.app.get('/public', undefined, { Cookie: 'sessionkit=' });
    expect(res.status).toBe(200);
    expect(res.body.isAuthenticated).toBe(false);
  });

  test('an oversized cookie header is signed out, never 5xx', async () => {
    const res = await s.app.get('/public', undefined, { Cookie: `sessionkit=${'A'.repeat(9000)}` });
    expect(res.status).toBeLessThan(500);
    if (res.status === 200) expect(res.body.isAuthenticated).toBe(false);
  });

  test('a session larger than 4 KB is chunked, read back, and unchunked when it shrinks', async () => {
    const jar = new Jar();
    await s.due.signIn(jar);
    const record = await readSession(jar);
    const picture = `https://cdn.example/${'p'.repeat(3500)}`;
    await writeSession(jar, { ...record, user: { ...record.user, picture } });
    const res = await s.due.get('/me', jar); // refreshes, so the big record is sealed by the library
    expect(res.status).toBe(200);
    const written = setCookies(res).filter((c) => /^sessionkit\.\d+=Fe26|^sessionkit\.\d+=/.test(c) && !/Max-Age=0/.test(c));
    expect(written.length).toBeGreaterThanOrEqual(2);
    for (const header of setCookies(res)) expect(Buffer.byteLength(header)).toBeLessThanOrEqual(4096);
    expect(setCookies(res).some((c) => /^sessionkit=;.*Max-Age=0/.test(c))).toBe(true); // the single cookie is gone
    expect(jar.sessionNames().sort()).toEqual(written.map((c) => c.slice(0, c.indexOf('='))).sort());
    const again = await s.due.get('/me', jar);
    expect(again.status).toBe(200);
    expect(again.body.user.picture).toBe(picture);

    // shrink: a small session arrives as one cookie beside stale chunks, and the chunks are cleared
    // (the current record, with its current refresh token: an old one would be answered from the
    // rotation memo, which serves that request only and writes no cookie)
    const chunks = jar.sessionNames().filter((n) => n !== 'sessionkit');
    const current = await readSession(jar);
    const small = { ...current, user: { ...current.user, picture: null } };
    jar.set('sessionkit', await seal(small));
    const shrunk = await s.due.get('/me', jar);
    expect(shrunk.status).toBe(200);
    for (const name of chunks) expect(setCookies(shrunk).some((c) => c.startsWith(`${name}=;`))).toBe(true);
    expect(jar.sessionNames()).toEqual(['sessionkit']);
  });

  test('a missing chunk is a signed-out request', async () => {
    const jar = new Jar();
    await s.due.signIn(jar);
    const record = await readSession(jar);
    await writeSession(jar, { ...record, user: { ...record.user, picture: 'x'.repeat(4000) } });
    await s.due.get('/me', jar);
    expect(jar.sessionNames().length).toBeGreaterThanOrEqual(2);
    jar.delete('sessionkit.1');
    const res = await s.due.get('/public', jar);
    expect(res.body.isAuthenticated).toBe(false);
  });

  describe('password rotation', () => {
    test('an old password still unseals, the newest seals; a removed password is refused', async () => {
      const jar = await signedIn(); // sealed with PASSWORD (id 1)
      // the same client as `app`, so that its refresh tokens are good here
      const client = { clientId: s.app.clientId, clientSecret: clientSecretOf(s.app.clientId) };
      const rotated = await startApp(s.idp, factory, { ...client, cookie: { password: { 1: PASSWORD, 2: OTHER } }, refresh: { buffer: 1000 } });
      const removed = await startApp(s.idp, factory, { ...client, cookie: { password: { 2: OTHER } } });
      try {
        const res = await rotated.get('/me', jar); // accepted, and refreshed → re-sealed with id 2
        expect(res.status).toBe(200);
        expect(jar.get('sessionkit')).toMatch(/^Fe26\.2\*2\*/);
        expect((await removed.get('/me', jar)).status).toBe(200); // id 2 only: fine
        const old = await signedIn(); // id 1 again
        const refused = await removed.get('/public', old);
        expect(refused.body.isAuthenticated).toBe(false);
      } finally {
        await rotated.close();
        await removed.close();
      }
    });
  });
});
