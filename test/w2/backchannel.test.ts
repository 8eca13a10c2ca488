/**
 * Back-channel logout (issue 13.5 and 13.14): the cut-off is the token's `iat`, a `jti` is used
 * once (a replay answers 400), `exp` is checked when present, `typ` is `logout+jwt` or absent, and
 * junk posts are logged at a bounded rate.
 */
import { describe, expect, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { BOB, Jar, suiteApps } from '../helpers/harness.js';
import { readSession } from '../helpers/tamper.js';

const EVENTS = { 'http://schemas.openid.net/event/backchannel-logout': {} };
const JSON_ACCEPT = { Accept: 'application/json' };
const seconds = () => Math.floor(Date.now() / 1000);

describe.each(FRAMEWORKS)('back-channel logout tokens on %s', (_name, factory) => {
  const s = suiteApps(factory, { app: {} });

  const logoutToken = (claims: Record<string, unknown>, header: Record<string, unknown> = { typ: 'logout+jwt' }) =>
    s.idp.signJwt({ iss: s.idp.issuer, aud: s.app.clientId, iat: seconds(), jti: randomUUID(), events: EVENTS, ...claims }, { header });
  const post = (token: string) => s.app.send('POST', '/backchannel-logout', undefined, { form: { logout_token: token } });
  const signedIn = async (jar: Jar) => (await s.app.get('/me', jar, JSON_ACCEPT)).status === 200;

  test('the cut-off is the token’s iat: a session that began after it survives, one that began before ends', async () => {
    const before = new Jar();
    await s.app.signIn(before, BOB);
    // issued a minute ago (delivered late, or replayed under a fresh jti): Bob's current session began after it
    const late = await logoutToken({ sub: 'user_bob', iat: seconds() - 60 });
    expect((await post(late)).status).toBe(200);
    expect(await signedIn(before)).toBe(true);
    // issued now: the session that began before it ends
    expect((await post(await logoutToken({ sub: 'user_bob' }))).status).toBe(200);
    expect(await signedIn(before)).toBe(false);
  });

  test('a logout token is used once: the replay answers 400 and ends nothing (also a session begun since)', async () => {
    const jar = new Jar();
    await s.app.signIn(jar);
    const { sid } = await readSession(jar);
    const token = await logoutToken({ sid });
    expect((await post(token)).status).toBe(200);
    expect(await signedIn(jar)).toBe(false);
    const again = new Jar();
    await s.app.signIn(again);
    const replay = await post(token);
    expect(replay.status).toBe(400);
    expect(replay.body).toMatchObject({ error: 'invalid_request' });
    expect(replay.body.error_description).toMatch(/already used/);
    expect(await signedIn(again)).toBe(true);
  });

  test('exp is checked when present', async () => {
    const jar = new Jar();
    await s.app.signIn(jar);
    const { sid } = await readSession(jar);
    const expired = await logoutToken({ sid, iat: seconds() - 120, exp: seconds() - 60 });
    expect((await post(expired)).status).toBe(400);
    expect(await signedIn(jar)).toBe(true);
    const valid = await logoutToken({ sid, exp: seconds() + 120 });
    expect((await post(valid)).status).toBe(200);
    expect(await signedIn(jar)).toBe(false);
  });

  test('typ logout+jwt or none is accepted; any other typ is refused', async () => {
    for (const typ of ['JWT', 'at+jwt', 'secevent+jwt', 'application/jwt']) {
      const jar = new Jar();
      await s.app.signIn(jar);
      const { sid } = await readSession(jar);
      const res = await post(await logoutToken({ sid }, { typ }));
      expect([typ, res.status]).toEqual([typ, 400]);
      expect(await signedIn(jar)).toBe(true);
    }
    for (const header of [{}, { typ: 'logout+jwt' }, { typ: 'application/logout+jwt' }]) {
      const jar = new Jar();
      await s.app.signIn(jar);
      const { sid } = await readSession(jar);
      expect((await post(await logoutToken({ sid }, header))).status).toBe(200);
      expect(await signedIn(jar)).toBe(false);
    }
  });

  test('junk posts are logged at a bounded rate, not one warn line each', async () => {
    const warnings = () => s.app.events.logs.filter((l) => l.level === 'warn' && /back-channel/.test(l.msg ?? '')).length;
    const start = warnings();
    for (let i = 0; i < 40; i++) {
      const body: Record<string, string> = i % 2 ? { logout_token: `junk.${i}.junk` } : { something: 'else' };
      expect((await s.app.send('POST', '/backchannel-logout', undefined, { form: body })).status).toBe(400);
    }
    expect(warnings() - start).toBeLessThanOrEqual(1);
  });
});
