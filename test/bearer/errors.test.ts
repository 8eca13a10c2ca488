/**
 * Bearer errors as RFC 6750 §3 / RFC 9068 spell them (issue 18.1): a refused token is told apart
 * from no token (`error="invalid_token"`), a missing permission is `insufficient_scope`, a
 * malformed header is `invalid_request` (400), and no challenge repeats the token.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Core } from '../../lib/core/engine.js';
import { ConfigError } from '../../lib/index.js';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { ALICE, CAROL, PASSWORD, logText, startApp, startDevIdp, type DevIdp, type TestApp } from '../helpers/harness.js';
import { JSON_ACCEPT, algorithmConfusion, attackerKey, claimsOf, flipChar, nowSeconds, signWith, signedInCookies, unsigned, challenge } from '../security/support.js';
import { readSession } from '../helpers/tamper.js';

const call = (app: TestApp, path: string, authorization?: string) =>
  app.send('GET', path, undefined, { headers: { ...JSON_ACCEPT, ...(authorization === undefined ? {} : { Authorization: authorization }) } });

describe.each(FRAMEWORKS)('RFC 6750 bearer errors on %s', (_name, factory) => {
  let idp: DevIdp;
  let app: TestApp;
  let strict: TestApp; // bearer.requireJwtAccessTokenType: true
  let accessToken: string; // ALICE: members:manage in her default organization
  let carolToken: string; // CAROL: no organization, no permission
  beforeAll(async () => {
    idp = await startDevIdp({ accessTokenTTL: 300 });
    app = await startApp(idp, factory, { bearer: { audience: idp.issuer } });
    strict = await startApp(idp, factory, { bearer: { audience: idp.issuer, requireJwtAccessTokenType: true } });
    ({ accessToken } = await readSession(await signedInCookies(app, ALICE)));
    ({ accessToken: carolToken } = await readSession(await signedInCookies(app, CAROL)));
  });
  afterAll(async () => {
    await app?.close();
    await strict?.close();
    await idp?.close();
  });

  test('control: a valid token passes; no token at all is the plain challenge without an error', async () => {
    expect((await call(app, '/me', `Bearer ${accessToken}`)).status).toBe(200);
    const res = await call(app, '/me');
    expect(res.status).toBe(401);
    expect(challenge(res)).toEqual({ realm: new URL(app.baseURL).host });
  });

  test('expired, wrong audience, wrong issuer, alg none, forged signature, HS256 confusion: 401 invalid_token', async () => {
    const t = nowSeconds();
    const base = { ...claimsOf(accessToken), iat: t, exp: t + 300 };
    const { privateKey } = await attackerKey();
    const cases: [string, string][] = [
      ['expired', await idp.signJwt({ ...base, iat: t - 600, exp: t - 300 }, { header: { typ: 'at+jwt' } })],
      ['wrong audience', await idp.signJwt({ ...base, aud: 'https://other-api.example.com' }, { header: { typ: 'at+jwt' } })],
      ['wrong issuer', await idp.signJwt({ ...base, iss: 'https://evil.example.com' }, { header: { typ: 'at+jwt' } })],
      ['alg none', unsigned(base)],
      ['bad signature', flipChar(accessToken, accessToken.length - 5)],
      ['attacker key', await signWith(base, privateKey, { alg: 'RS256', typ: 'at+jwt', kid: idp.currentKid })],
      ['HS256 confusion', await algorithmConfusion(idp, base)],
      ['opaque', 'not-a-jwt-at-all'],
    ];
    for (const [label, token] of cases) {
      const res = await call(app, '/me', `Bearer ${token}`);
      expect([label, res.status]).toEqual([label, 401]);
      const params = challenge(res);
      expect([label, params.error]).toEqual([label, 'invalid_token']);
      expect(params.realm).toBe(new URL(app.baseURL).host);
      expect(params.error_description).toBe(label === 'expired' ? 'The access token expired' : 'The access token is invalid');
      // nothing of the token in the challenge or the body
      for (const part of token.split('.').filter((p) => p.length > 8)) {
        expect(String(res.headers['www-authenticate'])).not.toContain(part);
        expect(res.text).not.toContain(part);
      }
      expect(res.body).toEqual({ error: 'unauthenticated' });
    }
    expect(logText(app)).not.toContain(accessToken);
  });

  test('a valid token without the permission: 403 insufficient_scope; with it: 200', async () => {
    const res = await call(app, '/admin', `Bearer ${carolToken}`);
    expect(res.status).toBe(403);
    expect(challenge(res)).toMatchObject({ error: 'insufficient_scope' });
    expect(res.body).toEqual({ error: 'forbidden' });
    expect((await call(app, '/admin', `Bearer ${accessToken}`)).status).toBe(200);
  });

  test('a session without the permission still gets the plain 403 (no bearer challenge)', async () => {
    const cookies = await signedInCookies(app, CAROL);
    const res = await app.send('GET', '/admin', cookies, { headers: JSON_ACCEPT });
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  test('malformed Authorization headers: 400 invalid_request (or 401 invalid_token), never 5xx, nothing echoed', async () => {
    const junk = 'x'.repeat(10 * 1024);
    const malformed = [`Bearer ${accessToken} Bearer ${accessToken}`, `Bearer  ${accessToken}`, 'Bearer', 'Bearer ', 'Bearer tok en', `Bearer ${accessToken},x`, 'Bearer "quoted"', `Bearer ${junk.slice(0, 5000)} ${junk.slice(0, 5000)}`];
    for (const header of malformed) {
      const res = await call(app, '/me', header);
      expect([header.slice(0, 30), res.status]).toEqual([header.slice(0, 30), 400]);
      expect(challenge(res).error).toBe('invalid_request');
      expect(res.text).not.toContain(accessToken.slice(-20));
    }
    for (const header of [`Bearer ${junk}`, `Bearer ${'a.'.repeat(5000)}b`]) {
      const res = await call(app, '/me', header);
      expect(res.status).toBe(401);
      expect(challenge(res).error).toBe('invalid_token');
    }
    // not Bearer at all: no bearer credentials, the plain challenge
    for (const header of [`Basic ${Buffer.from('a:b').toString('base64')}`, junk]) {
      const res = await call(app, '/me', header);
      expect(res.status).toBe(401);
      expect(challenge(res).error).toBeUndefined();
    }
    // an unguarded route goes on signed out
    const open = await call(app, '/public', `Bearer ${junk.slice(0, 5000)} ${junk.slice(0, 5000)}`);
    expect(open.status).toBe(200);
    expect(open.body.isAuthenticated).toBe(false);
  });

  test('requireJwtAccessTokenType: the provider\'s real access tokens pass; one without jti, client_id or iat is refused', async () => {
    const claims = claimsOf(accessToken);
    expect(claims).toEqual(expect.objectContaining({ jti: expect.any(String), client_id: expect.any(String), iat: expect.any(Number) }));
    expect((await call(strict, '/me', `Bearer ${accessToken}`)).status).toBe(200);
    for (const drop of ['jti', 'client_id', 'iat']) {
      const { [drop]: _dropped, ...rest } = claims;
      const token = await idp.signJwt({ ...rest, exp: nowSeconds() + 300 }, { header: { typ: 'at+jwt' } });
      expect([drop, (await call(app, '/me', `Bearer ${token}`)).status]).toEqual([drop, 200]);
      const res = await call(strict, '/me', `Bearer ${token}`);
      expect([drop, res.status]).toEqual([drop, 401]);
      expect(challenge(res).error).toBe('invalid_token');
    }
  });
});

test('bearer.requireJwtAccessTokenType is validated at start-up and must agree with bearer.typ', () => {
  const base = { issuer: 'https://idp.example.com', clientId: 'c', baseURL: 'https://app.example.com', cookie: { password: PASSWORD } };
  for (const bearer of [{ audience: 'api', requireJwtAccessTokenType: 'yes' as any }, { audience: 'api', requireJwtAccessTokenType: true, typ: false as const }, { audience: 'api', requireJwtAccessTokenType: true, typ: 'JWT' }]) {
    expect(() => new Core({ ...base, bearer }, {})).toThrow(ConfigError);
    expect(() => new Core({ ...base, bearer }, {})).toThrow(/bearer\.requireJwtAccessTokenType/);
  }
  for (const bearer of [{ audience: 'api', requireJwtAccessTokenType: true }, { audience: 'api', requireJwtAccessTokenType: true, typ: 'application/at+JWT' }, { audience: 'api', requireJwtAccessTokenType: false, typ: false as const }]) {
    expect(() => new Core({ ...base, bearer }, {})).not.toThrow();
  }
});
