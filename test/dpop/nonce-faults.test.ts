/**
 * A provider that keeps answering `use_dpop_nonce` (issue 19.2): openid-client answers one
 * challenge inside the grant; a second one in a row is the provider's nonce machinery failing, not
 * a refusal of the session. The refresh token was not spent (the proof is checked first), so the
 * session is kept (transient), and the next request tries again.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { Jar, setCookies, startApp, startDevIdp, type DevIdp, type TestApp } from '../helpers/harness.js';
import { readSession } from '../helpers/tamper.js';
import { DPOP_FRAMEWORKS } from './support.js';

const TTL = 300;
const JSON_ACCEPT = { Accept: 'application/json' };

describe.each(DPOP_FRAMEWORKS)('use_dpop_nonce that does not go away on %s', (_name, factory) => {
  let idp: DevIdp;
  let app: TestApp;
  beforeAll(async () => {
    idp = await startDevIdp({ accessTokenTTL: TTL, dpopNonces: true });
    app = await startApp(idp, factory, { dpop: true, refresh: { buffer: TTL + 600 } });
  });
  afterEach(() => idp.setFault(null));
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  test('the session is kept (transient), its refresh token unspent; the next request refreshes', async () => {
    const jar = new Jar();
    await app.signIn(jar);
    const before = await readSession(jar);
    idp.setFault({ status: 400, body: JSON.stringify({ error: 'use_dpop_nonce', error_description: 'nonce is required' }), headers: { 'DPoP-Nonce': 'eyJ7S_zG.eyJH0-Z.HX4w-7v' } }, ['/token']);
    const errors = app.events.refreshError.length;
    const faulted = idp.counts.faultedRequests;
    const res = await app.get('/me', jar, JSON_ACCEPT);
    expect(res.status).toBe(200); // the access token is still valid
    expect(setCookies(res).filter((c) => /^sessionkit=/.test(c))).toEqual([]);
    expect(idp.counts.faultedRequests).toBe(faulted + 2); // the challenge answered once, then given up
    expect(app.events.refreshError.slice(errors).map((e) => e.isTransient)).toEqual([true]);
    idp.setFault(null);
    const grants = idp.counts.refreshGrants;
    const next = await app.get('/me', jar, JSON_ACCEPT);
    expect(next.status).toBe(200);
    expect(idp.counts.refreshGrants).toBe(grants + 1);
    expect((await readSession(jar)).refreshToken).not.toBe(before.refreshToken);
  });
});
