/**
 * Issue 19 against the dev provider with PAR required and DPoP nonces demanded, on both
 * frameworks: sign-in (pushed, DPoP-bound), the refresh storm (one grant, the nonce challenge
 * answered inside the single flight), switch-org, logout with revocation, `auth.fetch()` against a
 * resource server that verifies the proofs with jose, and a stolen access token replayed without
 * the key.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { decodeJwt } from 'jose';
import { Dpop } from '../../lib/core/dpop.js';
import { ALICE, Jar, logText, startApp, startDevIdp, type DevIdp, type TestApp, clientSecretOf, clientBasic } from '../helpers/harness.js';
import { readSession } from '../helpers/tamper.js';
import { shareClient } from '../security/support.js';
import { DPOP_FRAMEWORKS, seenFetches, startResourceServer, type ResourceServer } from './support.js';

const TTL = 300;
const JSON_ACCEPT = { Accept: 'application/json' };
const SAME_ORIGIN = { 'Sec-Fetch-Site': 'same-origin' };

/** The public-key thumbprint of a sealed session key. */
async function jktOf(key: { crv: 'P-256' | 'Ed25519'; d: string }): Promise<string> {
  return new Dpop({}).thumbprint(key);
}

describe.each(DPOP_FRAMEWORKS)('PAR + DPoP on %s', (_name, factory) => {
  let idp: DevIdp;
  let app: TestApp; // dpop: true; PAR because the provider requires it
  let due: TestApp; // the same client and cookie password, every request inside the refresh buffer
  let api: ResourceServer;
  beforeAll(async () => {
    idp = await startDevIdp({ accessTokenTTL: TTL, requirePushedAuthorizationRequests: true, dpopNonces: true, logger: process.env.IDP_LOG ? (l) => console.log(l) : undefined });
    app = await startApp(idp, factory, { dpop: true });
    due = await startApp(idp, factory, { dpop: true, clientId: app.clientId, clientSecret: clientSecretOf(app.clientId), refresh: { buffer: TTL + 600 } });
    await shareClient(idp, app, due);
    api = await startResourceServer(idp.issuer, idp.issuer);
  });
  afterAll(async () => {
    await app?.close();
    await due?.close();
    await api?.close();
    await idp?.close();
  });

  test('discovery requires PAR; /login pushes and redirects with client_id and request_uri only', async () => {
    const discovery = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as any;
    expect(discovery.require_pushed_authorization_requests).toBe(true);
    const before = idp.counts.pushedAuthorizationRequests;
    const res = await app.get('/login?returnTo=/me', new Jar());
    expect(res.status).toBe(302);
    const url = new URL(res.headers.location);
    expect(url.origin + url.pathname).toBe(`${idp.issuer}/auth`);
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect(idp.counts.pushedAuthorizationRequests).toBe(before + 1);
  });

  test('sign-in: the tokens are bound to the session\'s own key, sealed in the session; the nonce challenge is answered', async () => {
    const jar = new Jar();
    const before = { ...idp.counts };
    const res = await app.signIn(jar, ALICE, '?returnTo=/me');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/me');
    expect(idp.counts.authorizationCodeGrants).toBe(before.authorizationCodeGrants + 1);
    // the provider demands nonces: the first proof was answered use_dpop_nonce, the retry carried it
    expect(idp.counts.dpopNonceChallenges).toBeGreaterThan(before.dpopNonceChallenges);
    const record = await readSession(jar);
    expect(record.dpopKey).toEqual({ crv: 'P-256', d: expect.stringMatching(/^[\w-]{43}$/) });
    const claims = decodeJwt(record.accessToken) as any;
    expect(claims.cnf).toEqual({ jkt: await jktOf(record.dpopKey) });
    // the browser never sees the key: only the sealed cookie carries it
    expect(JSON.stringify(res.headers)).not.toContain(record.dpopKey.d);
    const me = await app.get('/me', jar, JSON_ACCEPT);
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe('user_alice');
    expect(JSON.stringify(me.body)).not.toContain(record.dpopKey.d);
    // two sessions, two keys
    const other = new Jar();
    await app.signIn(other, ALICE);
    expect((await readSession(other)).dpopKey.d).not.toBe(record.dpopKey.d);
  });

  test('refresh storm: exactly one grant, with a proof, the nonce challenge answered without spending the refresh token twice', async () => {
    const jar = new Jar();
    await app.signIn(jar);
    const before = await readSession(jar);
    const counts = { ...idp.counts };
    // `due` has never used this session's key: its first proof has no nonce and is challenged
    const answers = await Promise.all(Array.from({ length: 8 }, () => due.get('/me', jar.clone(), JSON_ACCEPT)));
    for (const a of answers) expect(a.status).toBe(200);
    expect(idp.counts.refreshGrants).toBe(counts.refreshGrants + 1);
    expect(idp.counts.dpopNonceChallenges).toBe(counts.dpopNonceChallenges + 1);
    expect(idp.counts.refreshTokenReuses).toBe(counts.refreshTokenReuses);
    expect(idp.counts.grantsRevoked).toBe(counts.grantsRevoked);
    // challenge + retry: two proofs for one grant
    expect(idp.counts.dpopProofs).toBe(counts.dpopProofs + 2);
    jar.take(answers.flatMap((a) => ([] as string[]).concat(a.headers['set-cookie'] ?? [])));
    const after = await readSession(jar);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.dpopKey).toEqual(before.dpopKey);
    expect((decodeJwt(after.accessToken) as any).cnf.jkt).toBe(await jktOf(before.dpopKey));
    // and the rotated refresh token works (the grant was not revoked by a double spend)
    const again = await app.send('POST', '/refresh-now', jar, { headers: JSON_ACCEPT });
    expect(again.status).toBe(200);
    expect(idp.counts.refreshGrants).toBe(counts.refreshGrants + 2);
  });

  test('switch-org: a DPoP-bound refresh into another organization, still bound to the same key', async () => {
    const jar = new Jar();
    await app.signIn(jar);
    const key = (await readSession(jar)).dpopKey;
    const res = await app.send('POST', '/switch-org', jar, { headers: { ...JSON_ACCEPT, ...SAME_ORIGIN }, body: { organizationId: 'org_globex' } });
    expect(res.status).toBe(200);
    expect(res.body.organizationId).toBe('org_globex');
    const record = await readSession(jar);
    expect(record.organizationId).toBe('org_globex');
    expect(record.dpopKey).toEqual(key);
    expect((decodeJwt(record.accessToken) as any).cnf.jkt).toBe(await jktOf(key));
  });

  test('logout revokes the DPoP-bound refresh token', async () => {
    const jar = new Jar();
    await app.signIn(jar);
    const { refreshToken } = await readSession(jar);
    const before = idp.counts.revocations;
    const out = await app.send('POST', '/logout', jar, { headers: SAME_ORIGIN });
    expect(out.status).toBe(303);
    expect(idp.counts.revocations).toBe(before + 1);
    // the revoked refresh token is dead at the provider
    const res = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: clientBasic(app) },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    });
    expect(res.status).toBe(400);
  });

  test('auth.fetch: DPoP with a fresh proof (htm, htu, ath) per call; one retry on use_dpop_nonce, the nonce then remembered', async () => {
    const jar = new Jar();
    await app.signIn(jar);
    api.requireNonce = true;
    try {
      api.seen.length = 0;
      const first = await app.get(`/call-api?to=${encodeURIComponent(`${api.url}/orders?page=1`)}`, jar, JSON_ACCEPT);
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ status: 200, body: { sub: 'user_alice', scheme: 'DPoP', jkt: await jktOf((await readSession(jar)).dpopKey) } });
      expect(api.seen.map((s) => [s.ok, s.reason ?? s.nonce])).toEqual([[false, 'use_dpop_nonce'], [true, 'nonce-1']]);
      // remembered for the origin: no challenge on the next call (a POST with a body)
      api.seen.length = 0;
      const second = await app.send('POST', `/call-api?to=${encodeURIComponent(`${api.url}/orders`)}`, jar, { headers: JSON_ACCEPT });
      expect(second.status).toBe(200);
      expect(api.seen).toEqual([{ scheme: 'DPoP', ok: true, nonce: 'nonce-1', body: '{"hello":"api"}' }]);
      // a new nonce: challenged once more, and the body goes again with the retry
      api.rotateNonce();
      api.seen.length = 0;
      const third = await app.send('POST', `/call-api?to=${encodeURIComponent(`${api.url}/orders`)}`, jar, { headers: JSON_ACCEPT });
      expect(third.body.status).toBe(200);
      expect(api.seen.map((s) => [s.ok, s.reason ?? s.nonce, s.body])).toEqual([[false, 'use_dpop_nonce', undefined], [true, 'nonce-2', '{"hello":"api"}']]);
    } finally {
      api.requireNonce = false;
    }
  });

  test('auth.fetch refreshes first when the access token is inside the buffer', async () => {
    const jar = new Jar();
    await app.signIn(jar);
    const before = await readSession(jar);
    const grants = idp.counts.refreshGrants;
    const res = await due.get(`/call-api?to=${encodeURIComponent(`${api.url}/x`)}`, jar, JSON_ACCEPT);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe(200);
    // every token is inside this app's buffer: the proactive refresh before the handler, then
    // auth.fetch's own before the call
    expect(idp.counts.refreshGrants).toBe(grants + 2);
    expect((await readSession(jar)).accessToken).not.toBe(before.accessToken);
    expect(api.seen.at(-1)).toMatchObject({ scheme: 'DPoP', ok: true });
  });

  test('auth.fetch after the response has started: no refresh (its cookie could not be written), the valid token is used', async () => {
    const jar = new Jar();
    await app.signIn(jar);
    // the proactive refresh first (every token is inside `due`'s buffer)
    expect((await due.get('/me', jar, JSON_ACCEPT)).status).toBe(200);
    const record = await readSession(jar);
    const grants = idp.counts.refreshGrants;
    const res = await due.get(`/stream-then-call?to=${encodeURIComponent(`${api.url}/x`)}`, jar);
    const grantsAfter = idp.counts.refreshGrants;
    expect(res.status).toBe(200);
    expect(res.text.split('\n')[0]).toBe('started');
    expect(JSON.parse(res.text.split('\n')[1])).toMatchObject({ status: 200, body: { scheme: 'DPoP' } });
    // one grant: the proactive refresh of this request; none by auth.fetch after the headers went
    expect(grantsAfter).toBe(grants + 1);
    expect(record.refreshToken).toBeTruthy();
  });

  test('a stolen access token without the key is refused by the resource server', async () => {
    const jar = new Jar();
    await app.signIn(jar);
    const { accessToken } = await readSession(jar);
    const asBearer = await fetch(`${api.url}/orders`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(asBearer.status).toBe(401);
    const asDpopNoProof = await fetch(`${api.url}/orders`, { headers: { authorization: `DPoP ${accessToken}` } });
    expect(asDpopNoProof.status).toBe(401);
    // a proof by the thief's own key
    const thief = new Dpop({});
    const key = thief.newSessionKey(undefined)!;
    const proof = await thief.proof(key, 'GET', new URL(`${api.url}/orders`), accessToken);
    const withOwnKey = await fetch(`${api.url}/orders`, { headers: { authorization: `DPoP ${accessToken}`, dpop: proof } });
    expect(withOwnKey.status).toBe(401);
    expect(((await withOwnKey.json()) as any).reason).toBe('jkt mismatch');
  });

  test('no token or key in any log line', async () => {
    const jar = new Jar();
    await app.signIn(jar);
    await app.get(`/call-api?to=${encodeURIComponent(`${api.url}/x`)}`, jar, JSON_ACCEPT);
    await due.get('/me', jar, JSON_ACCEPT);
    const record = await readSession(jar);
    for (const text of [logText(app), logText(due)]) {
      for (const secret of [record.accessToken, record.refreshToken, record.dpopKey.d]) expect(text).not.toContain(secret);
    }
  });

  test('auth.fetch is one shared prototype method, not a closure made per request', async () => {
    const jar = new Jar();
    await app.signIn(jar);
    seenFetches.length = 0;
    for (const j of [jar, jar, new Jar()]) {
      const res = await app.get('/auth-shape', j, JSON_ACCEPT);
      expect(res.body).toEqual({ own: false, type: 'function' });
    }
    expect(seenFetches).toHaveLength(3);
    expect(new Set(seenFetches).size).toBe(1);
  });
});
