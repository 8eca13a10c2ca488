/**
 * The dev provider's test-only abilities the security suite relies on: key rotation, signing as
 * the provider, rewriting a real token response, and the JWKS / discovery counters.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { DEFAULT_CLIENT, startDevIdp } from '../../examples/dev-idp/index.js';
import { loginAtProvider } from '../../examples/dev-idp/http-login.js';

type DevIdp = Awaited<ReturnType<typeof startDevIdp>>;

const BASIC = `Basic ${Buffer.from(`${DEFAULT_CLIENT.client_id}:${DEFAULT_CLIENT.client_secret}`).toString('base64')}`;

let idp: DevIdp;
beforeAll(async () => {
  idp = await startDevIdp();
});
afterAll(() => idp.close());
beforeEach(() => {
  idp.setFault(null);
  idp.resetCounts();
});

async function jwks() {
  return (await (await fetch(`${idp.issuer}/jwks`)).json()) as { keys: { kid: string }[] };
}

/** A real code flow for the default client; the token response. */
async function tokens(): Promise<Record<string, any>> {
  const verifier = randomBytes(32).toString('base64url');
  const url = new URL(`${idp.issuer}/auth`);
  const params = {
    client_id: DEFAULT_CLIENT.client_id,
    redirect_uri: DEFAULT_CLIENT.redirect_uris[0],
    response_type: 'code',
    scope: 'openid profile email offline_access',
    state: 'st',
    nonce: 'no',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const { callbackUrl } = await loginAtProvider(url, { email: 'alice@example.com', password: 'alice-password' });
  const code = new URL(callbackUrl).searchParams.get('code')!;
  const res = await fetch(`${idp.issuer}/token`, {
    method: 'POST',
    headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: DEFAULT_CLIENT.redirect_uris[0], code_verifier: verifier }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, any>;
}

describe('dev IdP test abilities', () => {
  test('counts JWKS and discovery fetches', async () => {
    await jwks();
    await fetch(`${idp.issuer}/.well-known/openid-configuration`);
    await fetch(`${idp.issuer}/.well-known/openid-configuration`);
    expect(idp.counts).toMatchObject({ jwksRequests: 1, discoveryRequests: 2 });
  });

  test('signJwt signs as the provider: its JWKS verifies it; crit parameters are signed as given', async () => {
    const token = await idp.signJwt({ sub: 'x', iss: idp.issuer, aud: 'a' }, { header: { typ: 'at+jwt' } });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', kid: idp.currentKid, typ: 'at+jwt' });
    const { payload } = await jwtVerify(token, createLocalJWKSet((await jwks()) as any));
    expect(payload).toEqual({ sub: 'x', iss: idp.issuer, aud: 'a' });
    const crit = await idp.signJwt({ sub: 'x' }, { header: { crit: ['x-ext'], 'x-ext': 1 } });
    expect(decodeProtectedHeader(crit)).toMatchObject({ crit: ['x-ext'], 'x-ext': 1 });
    await expect(idp.signJwt({}, { kid: 'nope' })).rejects.toThrow(/no key/);
  });

  test('rotateKeys: the new key signs ID and access tokens, both keys are published; retire drops the old ones', async () => {
    const first = idp.currentKid;
    const before = await tokens();
    expect(decodeProtectedHeader(before.id_token).kid).toBe(first);
    const second = await idp.rotateKeys();
    expect(second).not.toBe(first);
    expect(idp.currentKid).toBe(second);
    expect((await jwks()).keys.map((k) => k.kid)).toEqual([second, first]);
    const after = await tokens();
    expect(decodeProtectedHeader(after.id_token).kid).toBe(second);
    expect(decodeProtectedHeader(after.access_token).kid).toBe(second);
    const set = createLocalJWKSet((await jwks()) as any);
    await jwtVerify(after.access_token, set);
    await jwtVerify(before.access_token, set);
    // the old key still signs on request
    expect(decodeProtectedHeader(await idp.signJwt({}, { kid: first })).kid).toBe(first);
    const third = await idp.rotateKeys({ retire: true });
    expect((await jwks()).keys.map((k) => k.kid)).toEqual([third]);
    await expect(jwtVerify(before.access_token, createLocalJWKSet((await jwks()) as any))).rejects.toThrow();
  });

  test('a rewrite fault lets the real token endpoint answer, then rewrites its JSON', async () => {
    idp.setFault({ rewrite: async (body) => ({ ...body, id_token: await idp.signJwt({ ...decodeJwt(body.id_token), aud: 'someone-else' }) }) });
    const t = await tokens();
    expect(decodeJwt(t.id_token).aud).toBe('someone-else');
    expect(typeof t.access_token).toBe('string');
    expect(idp.counts.authorizationCodeGrants).toBe(1); // the grant really happened
    expect(idp.counts.faultedRequests).toBe(1);
    // an error answer is passed through untouched
    const res = await fetch(`${idp.issuer}/token`, { method: 'POST', headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=refresh_token&refresh_token=nope' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
    expect(() => idp.setFault({ rewrite: 'nope' } as any)).toThrow(TypeError);
  });
});
