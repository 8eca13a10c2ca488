/**
 * Hostile access tokens, on Express and Koa, against the real dev provider:
 *  - through the `bearer` option (`Authorization: Bearer`, audience = the issuer);
 *  - inside a sealed session record, as if the seal or the provider's token endpoint had been
 *    compromised (the library verifies access tokens of its provider on every fresh unseal);
 *  - key changes at the provider: an unknown `kid` (one refetch, then refused), a rotation.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { ALICE, BOB, startApp, startDevIdp, type DevIdp, type TestApp } from '../helpers/harness.js';
import {
  JSON_ACCEPT,
  algorithmConfusion,
  atClock,
  atProvider,
  attackerKey,
  bearerGet,
  beginLogin,
  claimsOf,
  expectOutcome,
  nowSeconds,
  signWith,
  signedInCookies,
  unsigned,
  withHeader,
  withPayload,
  type Outcome,
} from './support.js';
import { Jar, writtenSessionCookies } from '../helpers/jar.js';
import { readSession, withRecord } from '../helpers/tamper.js';

interface Ctx {
  idp: DevIdp;
  app: TestApp;
  alice: Jar;
  /** Alice's genuine access token, ID token and claims */
  token: string;
  idToken: string;
  claims: Record<string, any>;
  bobToken: string;
  attacker: Awaited<ReturnType<typeof attackerKey>>;
}

const REFUSED_BEARER: Outcome = { status: 401, cleared: false, session: false };

/** Claims of a fresh token like Alice's, with `patch` applied (undefined removes a claim). */
function like(c: Ctx, patch: Record<string, unknown> = {}): Record<string, any> {
  const t = nowSeconds();
  const out: Record<string, any> = { ...c.claims, iat: t, exp: t + 300, ...patch };
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out;
}

const bearerCases: [string, (c: Ctx) => Promise<string> | string][] = [
  ['alg none with an empty signature', (c) => unsigned(like(c))],
  ['alg none with the genuine signature kept', (c) => withHeader(c.token, { alg: 'none', typ: 'at+jwt', kid: c.idp.currentKid })],
  ['signed by an unknown key under the provider’s kid', (c) => signWith(like(c), c.attacker.privateKey, { alg: 'RS256', typ: 'at+jwt', kid: c.idp.currentKid })],
  ['signed by an unknown key under its own kid', (c) => signWith(like(c), c.attacker.privateKey, { alg: 'RS256', typ: 'at+jwt', kid: 'attacker-key' })],
  ['HS256 with the provider’s public key as the secret (algorithm confusion)', (c) => algorithmConfusion(c.idp, like(c))],
  ['payload tampered (role: owner), signature kept', (c) => withPayload(c.token, { ...c.claims, role: 'owner', permissions: ['members:manage', 'billing:manage'] })],
  ['header tampered (alg RS512), signature kept', (c) => withHeader(c.token, { alg: 'RS512', typ: 'at+jwt', kid: c.idp.currentKid })],
  ['another user’s payload under this signature', (c) => withPayload(c.token, claimsOf(c.bobToken))],
  ['wrong issuer, signed by the provider’s key', (c) => c.idp.signJwt(like(c, { iss: 'https://evil.example' }), { header: { typ: 'at+jwt' } })],
  ['wrong audience, signed by the provider’s key', (c) => c.idp.signJwt(like(c, { aud: 'https://api.other.example' }), { header: { typ: 'at+jwt' } })],
  ['no audience, signed by the provider’s key', (c) => c.idp.signJwt(like(c, { aud: undefined }), { header: { typ: 'at+jwt' } })],
  ['expired, signed by the provider’s key', (c) => c.idp.signJwt(like(c, { iat: nowSeconds() - 900, exp: nowSeconds() - 600 }), { header: { typ: 'at+jwt' } })],
  ['not yet valid (nbf in an hour), signed by the provider’s key', (c) => c.idp.signJwt(like(c, { nbf: nowSeconds() + 3600 }), { header: { typ: 'at+jwt' } })],
  ['no exp, signed by the provider’s key', (c) => c.idp.signJwt(like(c, { exp: undefined }), { header: { typ: 'at+jwt' } })],
  ['no sub, signed by the provider’s key', (c) => c.idp.signJwt(like(c, { sub: undefined }), { header: { typ: 'at+jwt' } })],
  ['the ID token presented as an access token', (c) => c.idToken],
  ['an embedded jwk header with the attacker’s key', async (c) =>
    signWith(like(c), c.attacker.privateKey, { alg: 'RS256', typ: 'at+jwt', jwk: c.attacker.publicJwk })],
  ['a jku header pointing to the attacker’s key set', (c) =>
    signWith(like(c), c.attacker.privateKey, { alg: 'RS256', typ: 'at+jwt', kid: 'attacker-key', jku: 'https://evil.example/jwks.json' })],
  ['an unknown critical header, signed by the provider’s key', (c) => c.idp.signJwt(like(c), { header: { typ: 'at+jwt', crit: ['x-evil'], 'x-evil': true } })],
  ['the signature stripped (RS256, empty third part)', (c) => c.token.split('.').slice(0, 2).join('.') + '.'],
];

const malformedAuthorization: [string, (c: Ctx) => string][] = [
  ['two tokens in one Authorization header', (c) => `Bearer ${c.token} ${c.token}`],
  ['Basic credentials instead of a bearer token', () => `Basic ${Buffer.from('alice:alice-password').toString('base64')}`],
  ['a bearer token wrapped in quotes', (c) => `Bearer "${c.token}"`],
];

/** Forged access tokens sealed into Alice's session record (a seal or provider compromise). */
const sessionCases: [string, (c: Ctx) => Promise<string> | string][] = [
  ['alg none', (c) => unsigned(like(c))],
  ['signed by an unknown key under the provider’s kid', (c) => signWith(like(c), c.attacker.privateKey, { alg: 'RS256', typ: 'at+jwt', kid: c.idp.currentKid })],
  ['a kid the JWKS does not have', (c) => signWith(like(c), c.attacker.privateKey, { alg: 'RS256', typ: 'at+jwt', kid: 'not-in-the-jwks' })],
  ['HS256 with the provider’s public key as the secret', (c) => algorithmConfusion(c.idp, like(c))],
  ['payload tampered (role: owner), signature kept', (c) => withPayload(c.token, { ...c.claims, role: 'owner' })],
];

describe.each(FRAMEWORKS)('hostile access tokens on %s', (_name, factory) => {
  const c = {} as Ctx;
  beforeAll(async () => {
    c.idp = await startDevIdp({ accessTokenTTL: 300 });
    c.app = await startApp(c.idp, factory, { bearer: { audience: c.idp.issuer } });
    c.alice = await signedInCookies(c.app, ALICE);
    const record = await readSession(c.alice);
    c.token = record.accessToken;
    c.idToken = record.idToken;
    c.claims = claimsOf(c.token);
    c.bobToken = (await readSession(await signedInCookies(c.app, BOB))).accessToken;
    c.attacker = await attackerKey();
  });
  afterAll(async () => {
    await c.app?.close();
    await c.idp?.close();
  });

  describe('bearer tokens (bearer: { audience: issuer })', () => {
    test('a genuine access token of the provider is accepted (control)', async () => {
      const res = await c.app.send('GET', '/me', undefined, { headers: { Authorization: `Bearer ${c.token}` } });
      expect(res.status).toBe(200);
      expect(res.body.user.id).toBe('user_alice');
    });

    test.each(bearerCases)('%s → 401', async (_what, make) => {
      const token = await make(c);
      const res = await c.app.send('GET', '/me', new Jar(), { headers: { ...JSON_ACCEPT, Authorization: `Bearer ${token}` } });
      await expectOutcome(c.app, res, new Jar(), REFUSED_BEARER);
      expect(res.body).toEqual({ error: 'unauthenticated' });
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm=/);
      expect(res.headers['set-cookie']).toBeUndefined();
    });

    // issue 18.1: a malformed `Bearer` header is RFC 6750's invalid_request, 400 (Basic: no bearer credentials, 401)
    test.each(malformedAuthorization)('%s → 400 (Basic: 401)', async (what, make) => {
      const res = await c.app.send('GET', '/me', new Jar(), { headers: { ...JSON_ACCEPT, Authorization: make(c) } });
      await expectOutcome(c.app, res, new Jar(), { ...REFUSED_BEARER, status: what.startsWith('Basic') ? 401 : 400 });
    });
  });

  describe('forged access tokens inside a sealed session (seal or provider compromise)', () => {
    test.each(sessionCases)('%s → signed out, cookie cleared', async (_what, make) => {
      const record = await readSession(c.alice);
      const forged = await make(c);
      const cookies = await withRecord(c.alice, { ...record, accessToken: forged, expiresAt: claimsOf(forged).exp ?? record.expiresAt });
      const res = await c.app.send('GET', '/me', cookies, { headers: JSON_ACCEPT });
      await expectOutcome(c.app, res, cookies, { status: 401, cleared: true, session: false });
    });

    test('wrong issuer (signed by the provider’s key) → treated as opaque: none of its claims are used', async () => {
      const record = await readSession(c.alice);
      const forged = await c.idp.signJwt(like(c, { iss: 'https://evil.example', role: 'owner', permissions: ['members:manage'], org_id: 'org_evil' }));
      const cookies = await withRecord(c.alice, { ...record, accessToken: forged });
      const res = await c.app.send('GET', '/me', cookies, { headers: JSON_ACCEPT });
      await expectOutcome(c.app, res, cookies, { status: 200, cleared: false, session: true });
      // the view comes from the (validated at sign-in) ID token, not from the forged claims
      expect(res.body.role).toBeUndefined();
      expect(res.body.permissions).toBeUndefined();
      expect(res.body.organizationId).toBe('org_acme');
      expect(res.body.claims.iss).toBe(c.idp.issuer);
      const admin = await c.app.send('GET', '/admin', cookies, { headers: JSON_ACCEPT });
      expect(admin.status).toBe(403);
    });

    test('expired (signed by the provider’s key) → the library refreshes it, it does not refuse it', async () => {
      const cookies = await signedInCookies(c.app, ALICE);
      const record = await readSession(cookies);
      const expired = await c.idp.signJwt(like(c, { iat: nowSeconds() - 900, exp: nowSeconds() - 600 }), { header: { typ: 'at+jwt' } });
      const sent = await withRecord(cookies, { ...record, accessToken: expired, expiresAt: claimsOf(expired).exp });
      const grants = c.idp.counts.refreshGrants;
      const res = await c.app.send('GET', '/me', sent, { headers: JSON_ACCEPT });
      await expectOutcome(c.app, res, sent, { status: 200, cleared: false, session: true });
      expect(c.idp.counts.refreshGrants).toBe(grants + 1);
      expect(writtenSessionCookies(res)).toEqual(['sessionkit']);
      expect(res.body.accessToken).not.toBe(expired);
      expect(res.body.expiresAt).toBeGreaterThan(nowSeconds());
    });
  });
});

describe.each(FRAMEWORKS)('key changes at the provider on %s', (_name, factory) => {
  let idp: DevIdp;
  beforeAll(async () => {
    idp = await startDevIdp({ accessTokenTTL: 300 });
  });
  afterAll(() => idp.close());

  test('a kid the JWKS does not have: refetched once, then refused (no refetch storm)', async () => {
    const app = await startApp(idp, factory, { bearer: { audience: idp.issuer } });
    try {
      const { accessToken } = await readSession(await signedInCookies(app, ALICE));
      expect((await bearerGet(app, accessToken)).status).toBe(200); // the JWKS is in the app's cache now
      const { privateKey } = await attackerKey();
      const forged = await signWith({ ...claimsOf(accessToken) }, privateKey, { alg: 'RS256', typ: 'at+jwt', kid: 'kid-nobody-published' });
      // 31 s later (past jose's 30 s cooldown): an unknown kid makes the app fetch the JWKS again, once
      await atClock(31_000, async () => {
        const before = idp.counts.jwksRequests;
        const res = await bearerGet(app, forged);
        expect(res.status).toBe(401);
        expect(idp.counts.jwksRequests).toBe(before + 1);
        for (let i = 0; i < 5; i++) expect((await bearerGet(app, forged)).status).toBe(401);
        expect(idp.counts.jwksRequests).toBe(before + 1);
        expect((await bearerGet(app, accessToken)).status).toBe(200); // the real key is still trusted
      });
    } finally {
      await app.close();
    }
  });

  test('a JWKS rotation is picked up without a restart (bearer), and tokens of the previous key stay valid', async () => {
    const app = await startApp(idp, factory, { bearer: { audience: idp.issuer } });
    try {
      const before = (await readSession(await signedInCookies(app, ALICE))).accessToken;
      expect((await bearerGet(app, before)).status).toBe(200);
      const kid = await idp.rotateKeys();
      // 31 s later (past the cooldown of the app's cached JWKS)
      await atClock(31_000, async () => {
        const jwks = idp.counts.jwksRequests;
        const after = (await readSession(await signedInCookies(app, ALICE))).accessToken;
        expect(JSON.parse(Buffer.from(after.split('.')[0], 'base64url').toString()).kid).toBe(kid);
        expect((await bearerGet(app, after)).status).toBe(200);
        expect((await bearerGet(app, before)).status).toBe(200);
        expect(idp.counts.jwksRequests).toBe(jwks + 1);
      });
    } finally {
      await app.close();
    }
  });

  test('a key the provider retired is refused once the cached JWKS is stale', async () => {
    const app = await startApp(idp, factory, { bearer: { audience: idp.issuer } });
    try {
      const old = (await readSession(await signedInCookies(app, ALICE))).accessToken;
      expect((await bearerGet(app, old)).status).toBe(200);
      await idp.rotateKeys({ retire: true });
      const fetched = idp.counts.jwksRequests;
      await atClock(11 * 60_000, async () => {
        expect((await bearerGet(app, old)).status).toBe(401);
      });
      expect(idp.counts.jwksRequests).toBe(fetched + 1); // refused because the fresh key set lacks its kid
    } finally {
      await app.close();
    }
  });

  test('a rotation used at once (within 30 s of the last JWKS fetch): a bearer token of the new key is accepted', async () => {
    const app = await startApp(idp, factory, { bearer: { audience: idp.issuer } });
    const fresh = await startApp(idp, factory); // no JWKS cached yet: only to obtain a token of the new key
    try {
      const before = (await readSession(await signedInCookies(app, ALICE))).accessToken;
      expect((await bearerGet(app, before)).status).toBe(200);
      await idp.rotateKeys();
      const after = (await readSession(await signedInCookies(fresh, ALICE))).accessToken;
      const res = await bearerGet(app, after);
      expect(res.status).toBe(200);
    } finally {
      await app.close();
      await fresh.close();
    }
  });

  test('a rotation used at once: a sign-in right after it completes', async () => {
    const app = await startApp(idp, factory);
    try {
      await signedInCookies(app, ALICE); // the app has the JWKS now
      await idp.rotateKeys();
      const cookies = new Jar();
      const { authorizationUrl } = await beginLogin(app, cookies);
      const cb = await atProvider(authorizationUrl, ALICE);
      const res = await app.send('GET', cb.pathname + cb.search, cookies);
      expect({ status: res.status, signedIn: (await app.send('GET', '/public', cookies)).body.isAuthenticated }).toEqual({ status: 302, signedIn: true });
    } finally {
      await app.close();
    }
  });

  test('a rotation used at once: the session whose refresh brings the new key is not logged out', async () => {
    const app = await startApp(idp, factory, { refresh: { buffer: 1000 } }); // every request refreshes
    try {
      const cookies = await signedInCookies(app, ALICE);
      expect((await app.send('GET', '/me', cookies, { headers: JSON_ACCEPT })).status).toBe(200);
      await idp.rotateKeys();
      idp.resetCounts();
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await app.send('GET', '/me', cookies, { headers: JSON_ACCEPT })).status);
      expect({ statuses, grantsRevoked: idp.counts.grantsRevoked, reuses: idp.counts.refreshTokenReuses }).toEqual({ statuses: [200, 200, 200], grantsRevoked: 0, reuses: 0 });
      expect((await readSession(cookies)).accessToken.split('.')[0]).toBe(Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'at+jwt', kid: idp.currentKid })).toString('base64url'));
    } finally {
      await app.close();
    }
  });

  test('a rotation picked up by a session once the cooldown has passed: the refresh goes on with the new key', async () => {
    const app = await startApp(idp, factory, { refresh: { buffer: 1000 } });
    try {
      const cookies = await signedInCookies(app, ALICE);
      expect((await app.send('GET', '/me', cookies, { headers: JSON_ACCEPT })).status).toBe(200);
      await idp.rotateKeys();
      idp.resetCounts();
      await atClock(31_000, async () => {
        for (let i = 0; i < 3; i++) expect((await app.send('GET', '/me', cookies, { headers: JSON_ACCEPT })).status).toBe(200);
      });
      expect(idp.counts).toMatchObject({ refreshGrants: 3, grantsRevoked: 0, refreshTokenReuses: 0 });
    } finally {
      await app.close();
    }
  });
});
