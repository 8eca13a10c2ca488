// Tests of the development OpenID provider itself (examples/dev-idp), over real HTTP.

import { createHash, randomBytes } from 'node:crypto';

import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';

import { DEFAULT_CLIENT, DEMO_USERS, ORGANIZATIONS, startDevIdp } from '../examples/dev-idp/index.js';
import { CookieJar, ProviderLoginError, loginAtProvider, logoutAtProvider } from '../examples/dev-idp/http-login.js';

type DevIdp = Awaited<ReturnType<typeof startDevIdp>>;
type Json = Record<string, any>;

const CALLBACK = DEFAULT_CLIENT.redirect_uris[0];
const BASIC = `Basic ${Buffer.from(`${DEFAULT_CLIENT.client_id}:${DEFAULT_CLIENT.client_secret}`).toString('base64')}`;
const FORM = 'application/x-www-form-urlencoded';

const ALICE = { email: 'alice@example.com', password: 'alice-password' };
const BOB = { email: 'bob@example.com', password: 'bob-password' };
const CAROL = { email: 'carol@example.com', password: 'carol-password' };

let idp: DevIdp;
let jwks: ReturnType<typeof createLocalJWKSet>;

beforeAll(async () => {
  idp = await startDevIdp();
  jwks = createLocalJWKSet(await (await fetch(`${idp.issuer}/jwks`)).json() as Parameters<typeof createLocalJWKSet>[0]);
});

afterAll(async () => {
  await idp?.close();
});

beforeEach(() => {
  idp.setFault(null);
  idp.resetCounts();
});

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizationUrl(params: Record<string, string | undefined> = {}, challenge = pkce().challenge) {
  const url = new URL(`${idp.issuer}/auth`);
  const all: Record<string, string | undefined> = {
    client_id: DEFAULT_CLIENT.client_id,
    redirect_uri: CALLBACK,
    response_type: 'code',
    scope: 'openid profile email offline_access',
    state: randomBytes(8).toString('hex'),
    nonce: randomBytes(8).toString('hex'),
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...params,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) url.searchParams.set(k, v);
  return url;
}

async function post(path: string, body: Record<string, string>, authorization = BASIC) {
  const res = await fetch(`${idp.issuer}${path}`, {
    method: 'POST',
    headers: { authorization, 'content-type': FORM, accept: 'application/json' },
    body: new URLSearchParams(body),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as Json };
}

async function signIn(user: { email: string; password: string }, params: Record<string, string | undefined> = {}, jar?: CookieJar) {
  const { verifier, challenge } = pkce();
  const url = authorizationUrl(params, challenge);
  const result = await loginAtProvider(url, { ...user, jar });
  return { ...result, callback: new URL(result.callbackUrl), url, verifier };
}

async function signInAndExchange(user: { email: string; password: string }, params: Record<string, string | undefined> = {}, jar?: CookieJar) {
  const s = await signIn(user, params, jar);
  const code = s.callback.searchParams.get('code');
  if (!code) throw new Error(`no code in ${s.callbackUrl}`);
  const { status, json } = await post('/token', {
    grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: s.verifier,
  });
  expect(status).toBe(200);
  return { ...s, tokens: json };
}

function refresh(refreshToken: string, extra: Record<string, string> = {}) {
  return post('/token', { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra });
}

async function verifyAccessToken(token: string) {
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    issuer: idp.issuer, audience: idp.issuer, typ: 'at+jwt', algorithms: ['RS256'],
  });
  return { payload: payload as Json, protectedHeader };
}

describe('dev IdP: discovery and demo data', () => {
  test('publishes the endpoints and capabilities the library relies on', async () => {
    const res = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
    const d = await res.json() as Json;
    expect(idp.issuer).toBe(`http://127.0.0.1:${idp.port}`);
    expect(d.issuer).toBe(idp.issuer);
    expect(d.code_challenge_methods_supported).toEqual(['S256']);
    expect(d.response_types_supported).toEqual(['code']);
    expect(d.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'offline_access']));
    expect(d.claims_supported).toEqual(expect.arrayContaining(['org_id', 'sid', 'email', 'name']));
    for (const endpoint of ['token_endpoint', 'userinfo_endpoint', 'revocation_endpoint', 'introspection_endpoint', 'end_session_endpoint', 'jwks_uri']) {
      expect(d[endpoint]).toMatch(new RegExp(`^${idp.issuer}/`));
    }
  });

  test('exports the demo organizations and users', () => {
    expect(ORGANIZATIONS.map((o) => o.id)).toEqual(['org_acme', 'org_globex', 'org_initech']);
    expect(ORGANIZATIONS.find((o) => o.id === 'org_initech')?.requiresReauthentication).toBe(true);
    const alice = DEMO_USERS.find((u) => u.email === 'alice@example.com')!;
    expect(alice.memberships.map((m) => [m.organizationId, m.role])).toEqual([['org_acme', 'admin'], ['org_globex', 'member'], ['org_initech', 'member']]);
    expect(DEMO_USERS.find((u) => u.email === 'carol@example.com')!.memberships).toEqual([]);
  });
});

describe('dev IdP: authorization code flow', () => {
  test('code flow with PKCE, state and nonce; ID token and JWT access token claims', async () => {
    const state = 'state-123';
    const nonce = 'nonce-456';
    const { callback, tokens } = await signInAndExchange(ALICE, { state, nonce });
    expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK);
    expect(callback.searchParams.get('state')).toBe(state);
    expect(callback.searchParams.get('iss')).toBe(idp.issuer);
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: 'openid profile email offline_access' });
    expect(typeof tokens.refresh_token).toBe('string');
    expect(idp.counts.authorizationCodeGrants).toBe(1);

    const { payload: id } = await jwtVerify(tokens.id_token, jwks, { issuer: idp.issuer, audience: DEFAULT_CLIENT.client_id });
    expect(id).toMatchObject({
      sub: 'user_alice',
      email: 'alice@example.com',
      email_verified: true,
      name: 'Alice Anderson',
      given_name: 'Alice',
      family_name: 'Anderson',
      org_id: 'org_acme',
      nonce,
    });
    expect(typeof id.sid).toBe('string');

    const { payload: at, protectedHeader } = await verifyAccessToken(tokens.access_token);
    expect(protectedHeader.alg).toBe('RS256');
    expect(at).toMatchObject({
      sub: 'user_alice',
      aud: idp.issuer,
      client_id: DEFAULT_CLIENT.client_id,
      sid: id.sid,
      org_id: 'org_acme',
      role: 'admin',
      roles: ['admin'],
      permissions: ['widgets:read', 'widgets:write', 'members:manage'],
      feature_flags: ['new-dashboard', 'beta-reports'],
    });
    expect(at.exp! - at.iat!).toBe(300);
  });

  test('a user without organization gets no org_id', async () => {
    const { tokens } = await signInAndExchange(CAROL);
    const { payload: at } = await verifyAccessToken(tokens.access_token);
    expect(at.sub).toBe('user_carol');
    expect(at).not.toHaveProperty('org_id');
    expect(at).not.toHaveProperty('role');
    expect(at).toMatchObject({ roles: [], permissions: [], feature_flags: [] });
    expect(decodeJwt(tokens.id_token)).not.toHaveProperty('org_id');
  });

  test('organization_id on the authorization request selects the organization', async () => {
    const { tokens } = await signInAndExchange(ALICE, { organization_id: 'org_globex' });
    const { payload: at } = await verifyAccessToken(tokens.access_token);
    expect(at).toMatchObject({ org_id: 'org_globex', role: 'member', permissions: ['widgets:read'] });
    expect(decodeJwt(tokens.id_token).org_id).toBe('org_globex');
  });

  test('organization_id of an organization the user is not in ends with access_denied', async () => {
    const { callback } = await signIn(BOB, { organization_id: 'org_acme' });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('error_description')).toBe('not a member of organization org_acme');
  });

  test('without offline_access there is no refresh token', async () => {
    const { tokens } = await signInAndExchange(ALICE, { scope: 'openid profile email' });
    expect(tokens.refresh_token).toBeUndefined();
  });

  test('PKCE is required and checked', async () => {
    const missing = await signIn(ALICE, { code_challenge: undefined, code_challenge_method: undefined });
    expect(missing.callback.searchParams.get('error')).toBe('invalid_request');

    const s = await signIn(ALICE);
    const { status, json } = await post('/token', {
      grant_type: 'authorization_code', code: s.callback.searchParams.get('code')!, redirect_uri: CALLBACK, code_verifier: pkce().verifier,
    });
    expect(status).toBe(400);
    expect(json.error).toBe('invalid_grant');
  });

  test('the provider session gives single sign-on on a second authorization', async () => {
    const jar = new CookieJar();
    await signIn(ALICE, {}, jar);
    const res = await fetch(authorizationUrl(), { headers: { cookie: jar.header(idp.issuer) }, redirect: 'manual' });
    const location = new URL(res.headers.get('location')!);
    expect(res.status).toBe(303);
    expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
    expect(location.searchParams.get('code')).toBeTruthy();
  });
});

describe('dev IdP: login page', () => {
  async function openLoginPage(params: Record<string, string> = {}) {
    const jar = new CookieJar();
    const url = authorizationUrl(params);
    const res = await fetch(url, { redirect: 'manual' });
    jar.store(url, res.headers);
    expect(res.status).toBe(303);
    const page = new URL(res.headers.get('location')!, idp.issuer);
    expect(page.pathname).toMatch(/^\/interaction\/[\w-]+$/);
    const html = await fetch(page, { headers: { cookie: jar.header(page) } });
    return { jar, page, status: html.status, html: await html.text() };
  }

  test('renders the form and the demo accounts; login_hint prefills the email', async () => {
    const { status, html } = await openLoginPage({ login_hint: 'bob@example.com' });
    expect(status).toBe(200);
    expect(html).toContain('<h1>Sign in</h1>');
    expect(html).toMatch(/<input id="email" name="email" type="email"[^>]*value="bob@example.com"/);
    expect(html).toMatch(/<input id="password" name="password" type="password"/);
    expect(html).toContain('<button id="sign-in" type="submit">');
    for (const u of DEMO_USERS) {
      expect(html).toContain(u.email);
      expect(html).toContain(u.password);
    }
  });

  test('prompt=create and screen_hint=sign-up show "Create account"', async () => {
    expect((await openLoginPage({ prompt: 'create' })).html).toContain('<h1>Create account</h1>');
    expect((await openLoginPage({ screen_hint: 'sign-up' })).html).toContain('<h1>Create account</h1>');
    const { callback } = await signIn(ALICE, { prompt: 'create' });
    expect(callback.searchParams.get('code')).toBeTruthy();
  });

  test('wrong password re-renders the page with an error (200)', async () => {
    const { jar, page } = await openLoginPage();
    const res = await fetch(`${page.href}/login`, {
      method: 'POST',
      headers: { cookie: jar.header(page), 'content-type': FORM },
      body: new URLSearchParams({ email: 'alice@example.com', password: 'nope' }),
      redirect: 'manual',
    });
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('Invalid email or password.');
    expect(html).toMatch(/id="email"[^>]*value="alice@example.com"/);

    await expect(loginAtProvider(authorizationUrl(), { email: 'alice@example.com', password: 'nope' }))
      .rejects.toThrow(ProviderLoginError);
  });
});

describe('dev IdP: refresh tokens', () => {
  test('every refresh rotates the refresh token and is counted', async () => {
    const { tokens } = await signInAndExchange(ALICE);
    const first = await refresh(tokens.refresh_token);
    expect(first.status).toBe(200);
    expect(first.json.refresh_token).not.toBe(tokens.refresh_token);
    const second = await refresh(first.json.refresh_token);
    expect(second.status).toBe(200);
    expect(second.json.refresh_token).not.toBe(first.json.refresh_token);
    const { payload } = await verifyAccessToken(second.json.access_token);
    expect(payload.org_id).toBe('org_acme');
    expect(decodeJwt(second.json.id_token)).toMatchObject({ sub: 'user_alice', org_id: 'org_acme' });
    expect(idp.counts).toMatchObject({ refreshGrants: 2, refreshGrantErrors: 0, grantsRevoked: 0 });
  });

  test('presenting a spent refresh token revokes the whole grant', async () => {
    const { tokens } = await signInAndExchange(ALICE);
    const rotated = await refresh(tokens.refresh_token);
    expect(rotated.status).toBe(200);

    const reuse = await refresh(tokens.refresh_token);
    expect(reuse.status).toBe(400);
    expect(reuse.json.error).toBe('invalid_grant');
    expect(idp.counts).toMatchObject({ grantsRevoked: 1, refreshTokenReuses: 1, refreshGrantErrors: 1 });

    const afterRevocation = await refresh(rotated.json.refresh_token);
    expect(afterRevocation.status).toBe(400);
    expect(afterRevocation.json.error).toBe('invalid_grant');
  });

  test('organization switch on refresh changes the claims and sticks', async () => {
    const { tokens } = await signInAndExchange(ALICE);
    const switched = await refresh(tokens.refresh_token, { organization_id: 'org_globex' });
    expect(switched.status).toBe(200);
    expect((await verifyAccessToken(switched.json.access_token)).payload).toMatchObject({
      org_id: 'org_globex', role: 'member', roles: ['member'], permissions: ['widgets:read'], feature_flags: [],
    });
    expect(decodeJwt(switched.json.id_token).org_id).toBe('org_globex');

    const ordinary = await refresh(switched.json.refresh_token);
    expect(ordinary.status).toBe(200);
    expect((await verifyAccessToken(ordinary.json.access_token)).payload.org_id).toBe('org_globex');

    const back = await refresh(ordinary.json.refresh_token, { organization_id: 'org_acme' });
    expect((await verifyAccessToken(back.json.access_token)).payload).toMatchObject({ org_id: 'org_acme', role: 'admin' });
  });

  test('a refused switch (not a member) is access_denied and does not spend the refresh token', async () => {
    const { tokens } = await signInAndExchange(BOB);
    for (const organization_id of ['org_acme', 'org_nope']) {
      const refused = await refresh(tokens.refresh_token, { organization_id });
      expect(refused).toEqual({
        status: 400,
        json: { error: 'access_denied', error_description: `not a member of organization ${organization_id}` },
      });
    }
    const ordinary = await refresh(tokens.refresh_token);
    expect(ordinary.status).toBe(200);
    expect((await verifyAccessToken(ordinary.json.access_token)).payload).toMatchObject({ sub: 'user_bob', org_id: 'org_globex', role: 'admin' });
    expect(idp.counts).toMatchObject({ refreshGrants: 1, refreshGrantErrors: 2, grantsRevoked: 0, refreshTokenReuses: 0 });
  });

  test('switching into an organization that requires re-authentication is interaction_required', async () => {
    const { tokens } = await signInAndExchange(ALICE);
    const refused = await refresh(tokens.refresh_token, { organization_id: 'org_initech' });
    expect(refused.status).toBe(400);
    expect(refused.json.error).toBe('interaction_required');
    const ordinary = await refresh(tokens.refresh_token);
    expect(ordinary.status).toBe(200);
    expect((await verifyAccessToken(ordinary.json.access_token)).payload.org_id).toBe('org_acme');
  });

  test('an organization that requires re-authentication forces the login page even with a session', async () => {
    const jar = new CookieJar();
    await signIn(ALICE, {}, jar);
    const url = authorizationUrl({ organization_id: 'org_initech' });
    const res = await fetch(url, { headers: { cookie: jar.header(url) }, redirect: 'manual' });
    jar.store(url, res.headers);
    const page = new URL(res.headers.get('location')!, idp.issuer);
    expect(page.pathname).toMatch(/^\/interaction\//);
    const html = await (await fetch(page, { headers: { cookie: jar.header(page) } })).text();
    expect(html).toContain('Initech requires you to sign in again.');

    const { tokens } = await signInAndExchange(ALICE, { organization_id: 'org_initech' }, jar);
    const { payload } = await verifyAccessToken(tokens.access_token);
    expect(payload).toMatchObject({ org_id: 'org_initech', role: 'member', feature_flags: ['tps-reports'] });
    // already in it: an explicit organization_id=org_initech on refresh is fine
    const again = await refresh(tokens.refresh_token, { organization_id: 'org_initech' });
    expect(again.status).toBe(200);
  });
});

describe('dev IdP: revocation, end-session, userinfo, introspection, clients', () => {
  test('revoking a refresh token kills it (and its grant)', async () => {
    const { tokens } = await signInAndExchange(ALICE);
    const revoked = await post('/token/revocation', { token: tokens.refresh_token, token_type_hint: 'refresh_token' });
    expect(revoked.status).toBe(200);
    expect(idp.counts).toMatchObject({ revocations: 1, grantsRevoked: 1 });
    const after = await refresh(tokens.refresh_token);
    expect(after.json.error).toBe('invalid_grant');
  });

  test('RP-initiated logout completes without a click and ends the provider session', async () => {
    const jar = new CookieJar();
    const { tokens } = await signInAndExchange(ALICE, {}, jar);
    const endSession = new URL(`${idp.issuer}/session/end`);
    endSession.search = new URLSearchParams({
      id_token_hint: tokens.id_token, post_logout_redirect_uri: DEFAULT_CLIENT.post_logout_redirect_uris[0], state: 'bye',
    }).toString();

    const page = await fetch(endSession, { headers: { cookie: jar.header(endSession) } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('<form id="op.logoutForm" method="post"');
    expect(html).toContain('<input type="hidden" name="logout" value="yes"/>');

    const { redirectUrl } = await logoutAtProvider(endSession, { jar });
    expect(redirectUrl).toBe('http://localhost:3000/?state=bye');
    expect(idp.counts.endSessions).toBe(1);

    const res = await fetch(authorizationUrl(), { headers: { cookie: jar.header(idp.issuer) }, redirect: 'manual' });
    expect(new URL(res.headers.get('location')!, idp.issuer).pathname).toMatch(/^\/interaction\//);
  });

  test('a client registered at run time works; access_token_format "opaque" gives userinfo and introspection', async () => {
    const redirectUri = 'http://127.0.0.1:1/opaque/callback';
    await idp.addClient({
      client_id: 'opaque-client',
      client_secret: 'opaque-secret',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      access_token_format: 'opaque',
    });
    const basic = `Basic ${Buffer.from('opaque-client:opaque-secret').toString('base64')}`;
    const { verifier, challenge } = pkce();
    const { callbackUrl } = await loginAtProvider(
      authorizationUrl({ client_id: 'opaque-client', redirect_uri: redirectUri, organization_id: 'org_globex' }, challenge),
      ALICE,
    );
    const code = new URL(callbackUrl).searchParams.get('code')!;
    const { status, json: tokens } = await post('/token', { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }, basic);
    expect(status).toBe(200);
    expect(tokens.access_token.split('.')).toHaveLength(1);

    const userinfo = await fetch(`${idp.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(userinfo.status).toBe(200);
    expect(await userinfo.json()).toMatchObject({ sub: 'user_alice', email: 'alice@example.com', name: 'Alice Anderson', org_id: 'org_globex' });

    const introspection = await post('/token/introspection', { token: tokens.access_token }, basic);
    expect(introspection.json).toMatchObject({
      active: true, sub: 'user_alice', client_id: 'opaque-client', org_id: 'org_globex', role: 'member', permissions: ['widgets:read'],
    });
    expect(typeof introspection.json.sid).toBe('string');
  });

  test('JWT access tokens (with an audience) are refused at userinfo, as oidc-provider does', async () => {
    const { tokens } = await signInAndExchange(ALICE);
    const res = await fetch(`${idp.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(res.status).toBe(401);
  });

  test('addClient can replace a client, e.g. to add the redirect URI of an app on an ephemeral port', async () => {
    const other = await startDevIdp({ clients: [] });
    try {
      const redirectUri = 'http://127.0.0.1:45678/callback';
      await other.addClient({ ...DEFAULT_CLIENT, redirect_uris: [redirectUri] });
      const url = new URL(authorizationUrl({ redirect_uri: redirectUri }).href.replace(idp.issuer, other.issuer));
      const { callbackUrl } = await loginAtProvider(url, ALICE);
      expect(callbackUrl.startsWith(`${redirectUri}?code=`)).toBe(true);
      await expect(other.addClient({ client_id: 'broken', redirect_uris: ['not a url'] })).rejects.toThrow();
    } finally {
      await other.close();
    }
  });
});

describe('dev IdP: faults and outages', () => {
  test('status fault answers the token endpoint only, until cleared', async () => {
    const { tokens } = await signInAndExchange(ALICE);
    idp.setFault({ status: 503 });
    const failed = await refresh(tokens.refresh_token);
    expect(failed).toEqual({ status: 503, json: { error: 'temporarily_unavailable', error_description: 'injected fault' } });
    expect((await fetch(`${idp.issuer}/jwks`)).status).toBe(200);

    idp.setFault({ status: 502, body: '<html>bad gateway</html>', contentType: 'text/html' });
    const res = await fetch(`${idp.issuer}/token`, { method: 'POST', headers: { authorization: BASIC, 'content-type': FORM }, body: 'grant_type=refresh_token' });
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toBe('<html>bad gateway</html>');

    idp.setFault(null);
    expect((await refresh(tokens.refresh_token)).status).toBe(200);
    expect(idp.counts.faultedRequests).toBe(2);
  });

  test('malformed JSON fault', async () => {
    idp.setFault({ malformedJson: true });
    const res = await fetch(`${idp.issuer}/token`, { method: 'POST', headers: { authorization: BASIC, 'content-type': FORM }, body: 'grant_type=refresh_token&refresh_token=x' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    await expect(res.json()).rejects.toThrow(/JSON/);
  });

  test('hang holds the request until the fault is cleared; the refresh token is not spent', async () => {
    const { tokens } = await signInAndExchange(ALICE);
    idp.setFault({ hang: true });
    const pending = refresh(tokens.refresh_token);
    await idp.waitForHangingRequests(1);
    expect(idp.hangingRequests).toBe(1);
    idp.setFault(null);
    expect((await pending).status).toBe(503);
    expect(idp.hangingRequests).toBe(0);
    expect((await refresh(tokens.refresh_token)).status).toBe(200);
  });

  test('faults can target other paths', async () => {
    idp.setFault({ status: 500 }, ['/jwks', '/.well-known/openid-configuration']);
    expect((await fetch(`${idp.issuer}/jwks`)).status).toBe(500);
    expect((await fetch(`${idp.issuer}/.well-known/openid-configuration`)).status).toBe(500);
    expect((await post('/token', { grant_type: 'refresh_token', refresh_token: 'x' })).json.error).toBe('invalid_grant');
  });

  test('stop() keeps state, start() listens on the same port again', async () => {
    const { tokens } = await signInAndExchange(ALICE);
    idp.setFault({ hang: true });
    const hung = refresh(tokens.refresh_token).then(() => 'answered', () => 'connection lost');
    await idp.waitForHangingRequests(1);
    const port = idp.port;

    await idp.stop();
    expect(['answered', 'connection lost']).toContain(await hung);
    await expect(fetch(`${idp.issuer}/jwks`)).rejects.toThrow();

    await idp.start();
    idp.setFault(null);
    expect(idp.port).toBe(port);
    const after = await refresh(tokens.refresh_token);
    expect(after.status).toBe(200);
    expect((await verifyAccessToken(after.json.access_token)).payload.org_id).toBe('org_acme');
  });
});
