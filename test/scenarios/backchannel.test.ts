import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { loginAtProvider, logoutAtProvider } from '../../examples/dev-idp/http-login.js';
import { webClient } from '../../examples/dev-idp/index.js';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { ALICE, Jar, setCookies, startApp, startDevIdp, type DevIdp, type TestApp, clientSecretOf } from '../helpers/harness.js';
import { readSession } from '../helpers/tamper.js';

describe.each(FRAMEWORKS)('ended sessions on %s', (_name, factory) => {
  let idp: DevIdp;
  let app: TestApp;
  beforeAll(async () => {
    idp = await startDevIdp({ accessTokenTTL: 300 });
    app = await startApp(idp, factory, {}, {});
    // the provider posts logout tokens to the app's back-channel route
    await idp.addClient(
      webClient({
        clientId: app.clientId,
        clientSecret: clientSecretOf(app.clientId),
        baseURL: app.baseURL,
        backchannel_logout_uri: `${app.baseURL}/backchannel-logout`,
        backchannel_logout_session_required: true,
      }),
    );
  });
  afterAll(async () => {
    await app.close();
    await idp.close();
  });

  test('a cookie replayed after logout is refused', async () => {
    const jar = new Jar();
    await app.signIn(jar);
    const stolen = jar.clone();
    await app.send('POST', '/logout', jar, { headers: { 'Sec-Fetch-Site': 'same-origin' } });
    const replay = await app.get('/public', stolen);
    expect(replay.body.isAuthenticated).toBe(false);
    expect(setCookies(replay).some((c) => /^sessionkit=;.*Max-Age=0/.test(c))).toBe(true);
    // another session of the same user is untouched
    const other = new Jar();
    await app.signIn(other);
    expect((await app.get('/me', other)).status).toBe(200);
  });

  test('a logout at the provider ends the session here through the back channel', async () => {
    const jar = new Jar();
    const start = await app.get('/login', jar);
    const login = await loginAtProvider(start.headers.location, ALICE);
    const cb = new URL(login.callbackUrl);
    await app.get(cb.pathname + cb.search, jar);
    const { idToken } = await readSession(jar);
    expect((await app.get('/me', jar)).status).toBe(200);
    // the user signs out at the provider itself (another app, or the provider's own page)
    const end = new URL(`${idp.issuer}/session/end`);
    end.searchParams.set('id_token_hint', idToken);
    end.searchParams.set('post_logout_redirect_uri', `${app.baseURL}/`);
    await logoutAtProvider(end.href, { jar: login.jar });
    const after = await app.get('/me', jar, { Accept: 'application/json' });
    expect(after.status).toBe(401);
    expect(jar.sessionNames()).toEqual([]);
  });

  test('forged or malformed logout tokens are refused with 400 and end nothing', async () => {
    const jar = new Jar();
    await app.signIn(jar);
    const { sid, user } = await readSession(jar);
    const unsigned = [
      Buffer.from(JSON.stringify({ alg: 'none', typ: 'logout+jwt' })).toString('base64url'),
      Buffer.from(JSON.stringify({ iss: idp.issuer, aud: app.clientId, iat: Math.floor(Date.now() / 1000), jti: 'x', sid, sub: user.id, events: { 'http://schemas.openid.net/event/backchannel-logout': {} } })).toString('base64url'),
      '',
    ].join('.');
    for (const body of [{}, { logout_token: 'garbage' }, { logout_token: unsigned }]) {
      const res = await app.send('POST', '/backchannel-logout', undefined, { form: body as Record<string, string> });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
    }
    // a logout token for another client (audience) is refused too
    const foreign = await idp.signJwt({ iss: idp.issuer, aud: 'another-client', iat: Math.floor(Date.now() / 1000), jti: 'y', sid, events: { 'http://schemas.openid.net/event/backchannel-logout': {} } });
    expect((await app.send('POST', '/backchannel-logout', undefined, { form: { logout_token: foreign } })).status).toBe(400);
    // an ID token is not a logout token
    const idLike = await idp.signJwt({ iss: idp.issuer, aud: app.clientId, iat: Math.floor(Date.now() / 1000), jti: 'z', sid, nonce: 'n', events: { 'http://schemas.openid.net/event/backchannel-logout': {} } });
    expect((await app.send('POST', '/backchannel-logout', undefined, { form: { logout_token: idLike } })).status).toBe(400);
    expect((await app.get('/me', jar)).status).toBe(200);
    expect((await app.get('/backchannel-logout')).status).toBe(405);
    // a genuine one for this session, by sid, ends it
    const genuine = await idp.signJwt({ iss: idp.issuer, aud: app.clientId, iat: Math.floor(Date.now() / 1000), jti: 'w', sid, events: { 'http://schemas.openid.net/event/backchannel-logout': {} } });
    const ok = await app.send('POST', '/backchannel-logout', undefined, { form: { logout_token: genuine } });
    expect(ok.status).toBe(200);
    expect(ok.headers['cache-control']).toBe('no-store');
    expect((await app.get('/me', jar, { Accept: 'application/json' })).status).toBe(401);
  });
});
