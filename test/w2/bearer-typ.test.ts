/**
 * Bearer typing (issue 13.9): an ID token (or any other JWT the provider signs for this client)
 * is not an access token. `bearer.typ` defaults to `at+jwt` (RFC 9068 §4), and a token with a
 * `nonce` or `events` claim is refused whatever `typ` says.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { decodeProtectedHeader } from 'jose';
import { Core } from '../../lib/core/engine.js';
import { ConfigError } from '../../lib/index.js';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { ALICE, PASSWORD, startApp, startDevIdp, type DevIdp, type TestApp, clientSecretOf } from '../helpers/harness.js';
import { claimsOf, shareClient, nowSeconds, signedInCookies, bearerGet } from '../security/support.js';
import { readSession } from '../helpers/tamper.js';

describe.each(FRAMEWORKS)('bearer token typing on %s', (_name, factory) => {
  let idp: DevIdp;
  let owner: TestApp; // registers the client
  let byClient: TestApp; // bearer.audience = the client id (what an ID token's aud is)
  let untyped: TestApp; // bearer.typ: false
  let accessToken: string;
  let idToken: string;
  beforeAll(async () => {
    idp = await startDevIdp({ accessTokenTTL: 300 });
    owner = await startApp(idp, factory, {});
    // the audience (the client id) must be known before the app starts: apps on the owner's client
    const on = { clientId: owner.clientId, clientSecret: clientSecretOf(owner.clientId) };
    byClient = await startApp(idp, factory, { ...on, bearer: { audience: [owner.clientId, idp.issuer] } });
    await shareClient(idp, owner, byClient);
    untyped = await startApp(idp, factory, { ...on, bearer: { audience: [owner.clientId, idp.issuer], typ: false } });
    ({ accessToken, idToken } = await readSession(await signedInCookies(byClient, ALICE)));
  });
  afterAll(async () => {
    await owner?.close();
    await byClient?.close();
    await untyped?.close();
    await idp?.close();
  });

  test('the dev provider types its JWT access tokens at+jwt (control: the access token is accepted)', async () => {
    expect(decodeProtectedHeader(accessToken).typ).toBe('at+jwt');
    const res = await bearerGet(byClient, accessToken);
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe('user_alice');
  });

  test('an ID token is refused as a bearer token even when the audience is the client id', async () => {
    expect(claimsOf(idToken).aud).toBe(owner.clientId);
    const res = await bearerGet(byClient, idToken);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'unauthenticated' });
  });

  test('with typ: false an ID token is still refused (it carries a nonce)', async () => {
    expect(claimsOf(idToken).nonce).toBeDefined();
    expect((await bearerGet(untyped, idToken)).status).toBe(401);
    expect((await bearerGet(untyped, accessToken)).status).toBe(200);
  });

  test('a provider-signed token with a nonce or events claim is refused whatever its typ', async () => {
    const t = nowSeconds();
    const base = { ...claimsOf(accessToken), iat: t, exp: t + 300 };
    const events = { 'http://schemas.openid.net/event/backchannel-logout': {} };
    for (const app of [byClient, untyped]) {
      expect((await bearerGet(app, await idp.signJwt(base, { header: { typ: 'at+jwt' } }))).status).toBe(200);
      expect((await bearerGet(app, await idp.signJwt({ ...base, nonce: 'n' }, { header: { typ: 'at+jwt' } }))).status).toBe(401);
      expect((await bearerGet(app, await idp.signJwt({ ...base, events }, { header: { typ: 'at+jwt' } }))).status).toBe(401);
    }
  });

  test('by default an untyped or otherwise typed token is refused; typ: false accepts it', async () => {
    const t = nowSeconds();
    const base = { ...claimsOf(accessToken), iat: t, exp: t + 300 };
    const plain = await idp.signJwt(base);
    const jwtTyped = await idp.signJwt(base, { header: { typ: 'JWT' } });
    const logoutTyped = await idp.signJwt(base, { header: { typ: 'logout+jwt' } });
    const applicationTyped = await idp.signJwt(base, { header: { typ: 'application/AT+JWT' } });
    expect((await bearerGet(byClient, plain)).status).toBe(401);
    expect((await bearerGet(byClient, jwtTyped)).status).toBe(401);
    expect((await bearerGet(byClient, logoutTyped)).status).toBe(401);
    expect((await bearerGet(byClient, applicationTyped)).status).toBe(200);
    expect((await bearerGet(untyped, plain)).status).toBe(200);
    expect((await bearerGet(untyped, jwtTyped)).status).toBe(200);
  });
});

test('bearer.typ is validated at start-up, naming the option', () => {
  const base = { issuer: 'https://idp.example.com', clientId: 'c', baseURL: 'https://app.example.com', cookie: { password: PASSWORD } };
  for (const typ of [5, '', 'a b', true]) {
    expect(() => new Core({ ...base, bearer: { audience: 'api', typ: typ as any } }, {})).toThrow(ConfigError);
    expect(() => new Core({ ...base, bearer: { audience: 'api', typ: typ as any } }, {})).toThrow(/bearer\.typ/);
  }
  expect(() => new Core({ ...base, bearer: { audience: 'api', typ: 'JWT' } }, {})).not.toThrow();
});

