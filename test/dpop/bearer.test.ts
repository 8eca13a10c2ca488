/**
 * Bearer mode with DPoP (issue 19.4): `Authorization: DPoP <token>` is accepted only with a valid
 * proof of the key the token is bound to (`cnf.jkt`), for this request (`htm`, `htu`), recent
 * (`iat`), for this token (`ath`), and never twice (`jti`, remembered by the coordinator: shared
 * by instances). A DPoP-bound token presented as `Bearer` — a stolen one — is refused.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SignJWT, importJWK } from 'jose';
import { createHash, randomBytes } from 'node:crypto';
import { MemoryCoordinator } from '../../lib/core/coordinator.js';
import { Dpop } from '../../lib/core/dpop.js';
import { ALICE, Jar, startApp, startDevIdp, type DevIdp, type TestApp } from '../helpers/harness.js';
import { readSession } from '../helpers/tamper.js';
import { DPOP_FRAMEWORKS } from './support.js';

const JSON_ACCEPT = { Accept: 'application/json' };

describe.each(DPOP_FRAMEWORKS)('bearer mode with DPoP on %s', (_name, factory) => {
  let idp: DevIdp;
  let signer: TestApp; // signs users in with dpop: true (their tokens are DPoP-bound)
  let plain: TestApp; // signs users in without DPoP (unbound tokens)
  let api: TestApp; // bearer mode: an API of the provider's tokens
  let twin: TestApp; // another instance of the API, sharing its coordinator
  let session: { accessToken: string; dpopKey: { crv: 'P-256' | 'Ed25519'; d: string } };
  let unbound: string;
  const client = new Dpop({});
  beforeAll(async () => {
    idp = await startDevIdp({ accessTokenTTL: 300, requirePushedAuthorizationRequests: true, dpopNonces: true });
    signer = await startApp(idp, factory, { dpop: true });
    plain = await startApp(idp, factory, {});
    const coordinator = new MemoryCoordinator();
    api = await startApp(idp, factory, { bearer: { audience: idp.issuer }, coordinator });
    // the same API behind a load balancer: the same public baseURL, another process (port)
    twin = await startApp(idp, factory, { bearer: { audience: idp.issuer }, coordinator, baseURL: api.baseURL });
    const jar = new Jar();
    await signer.signIn(jar, ALICE);
    session = await readSession(jar);
    const other = new Jar();
    await plain.signIn(other, ALICE);
    unbound = (await readSession(other)).accessToken;
  });
  afterAll(async () => {
    for (const app of [signer, plain, api, twin]) await app?.close();
    await idp?.close();
  });

  const proofFor = (app: TestApp, path = '/me', method = 'GET', token = session.accessToken) => client.proof(session.dpopKey, method, new URL(path, app.baseURL), token);
  const me = (app: TestApp, headers: Record<string, string>) => app.send('GET', '/me', undefined, { headers: { ...JSON_ACCEPT, ...headers } });

  test('a DPoP-bound token with a valid proof is accepted', async () => {
    const res = await me(api, { Authorization: `DPoP ${session.accessToken}`, DPoP: await proofFor(api) });
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe('user_alice');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  test('the same proof twice is refused, also by another instance sharing the coordinator', async () => {
    const proof = await proofFor(api);
    expect((await me(api, { Authorization: `DPoP ${session.accessToken}`, DPoP: proof })).status).toBe(200);
    const again = await me(api, { Authorization: `DPoP ${session.accessToken}`, DPoP: proof });
    expect(again.status).toBe(401);
    expect(again.headers['www-authenticate']).toMatch(/^DPoP .*error="invalid_token"/);
    // replayed at the other instance of the same API: refused there too (the coordinator remembers the jti)
    expect((await me(twin, { Authorization: `DPoP ${session.accessToken}`, DPoP: proof })).status).toBe(401);
    // control: a fresh proof is accepted by the other instance
    expect((await me(twin, { Authorization: `DPoP ${session.accessToken}`, DPoP: await proofFor(api) })).status).toBe(200);
  });

  test('a stolen DPoP-bound token presented as Bearer is refused: 401 invalid_token', async () => {
    const res = await me(api, { Authorization: `Bearer ${session.accessToken}` });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'unauthenticated' });
    expect(res.headers['www-authenticate']).toBe(`Bearer realm="${new URL(api.baseURL).host}", error="invalid_token"`);
  });

  test('a stolen token with a proof by the thief\'s own key, or without a proof, is refused', async () => {
    const thiefKey = client.newSessionKey(undefined)!;
    const proof = await client.proof(thiefKey, 'GET', new URL('/me', api.baseURL), session.accessToken);
    expect((await me(api, { Authorization: `DPoP ${session.accessToken}`, DPoP: proof })).status).toBe(401);
    expect((await me(api, { Authorization: `DPoP ${session.accessToken}` })).status).toBe(401);
  });

  test('a proof for another method, another URL, another token, or an old one is refused', async () => {
    const auth = { Authorization: `DPoP ${session.accessToken}` };
    expect((await me(api, { ...auth, DPoP: await proofFor(api, '/me', 'POST') })).status).toBe(401);
    expect((await me(api, { ...auth, DPoP: await proofFor(api, '/other') })).status).toBe(401);
    expect((await me(api, { ...auth, DPoP: await proofFor(signer) })).status).toBe(401); // another origin
    expect((await me(api, { ...auth, DPoP: await proofFor(api, '/me', 'GET', unbound) })).status).toBe(401); // ath of another token
    // an old proof, correct otherwise
    const material = await importJWK({ ...(await publicAndPrivate(session.dpopKey)) }, 'ES256');
    const old = await new SignJWT({ htm: 'GET', htu: `${api.baseURL}/me`, jti: randomBytes(8).toString('hex'), ath: createHash('sha256').update(session.accessToken).digest('base64url') })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await publicOnly(session.dpopKey) })
      .setIssuedAt(Math.floor(Date.now() / 1000) - 300)
      .sign(material);
    expect((await me(api, { ...auth, DPoP: old })).status).toBe(401);
    // control: the same, recent
    const fresh = await new SignJWT({ htm: 'GET', htu: `${api.baseURL}/me?page=2`, jti: randomBytes(8).toString('hex'), ath: createHash('sha256').update(session.accessToken).digest('base64url') })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await publicOnly(session.dpopKey) })
      .setIssuedAt()
      .sign(material);
    expect((await me(api, { ...auth, DPoP: fresh })).status).toBe(200);
  });

  test('an unbound token is accepted as Bearer and refused as DPoP', async () => {
    expect((await me(api, { Authorization: `Bearer ${unbound}` })).status).toBe(200);
    const res = await me(api, { Authorization: `DPoP ${unbound}`, DPoP: await proofFor(api, '/me', 'GET', unbound) });
    expect(res.status).toBe(401);
  });
});

/** The public JWK of a sealed session key. */
async function publicOnly(key: { crv: 'P-256' | 'Ed25519'; d: string }) {
  const { createECDH } = await import('node:crypto');
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(key.d, 'base64url'));
  const point = ecdh.getPublicKey();
  return { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') };
}

async function publicAndPrivate(key: { crv: 'P-256' | 'Ed25519'; d: string }) {
  return { ...(await publicOnly(key)), d: key.d };
}
