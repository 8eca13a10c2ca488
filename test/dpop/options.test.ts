/**
 * The `dpop` and `pushedAuthorizationRequests` options (issue 19): validated at start-up naming
 * the option; `dpop: { privateKey }` binds every session to the app's key (nothing sealed per
 * session); DPoP with a server-side store and with a public client; and what DPoP adds to the
 * session cookie.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt } from 'jose';
import { Core } from '../../lib/core/engine.js';
import { Dpop } from '../../lib/core/dpop.js';
import { isNonceChallenge } from '../../lib/core/auth-fetch.js';
import { ConfigError, memoryStore } from '../../lib/index.js';
import { ALICE, Jar, PASSWORD, startApp, withSignedInApp, startDevIdp, type DevIdp } from '../helpers/harness.js';
import { readSession } from '../helpers/tamper.js';
import { DPOP_FRAMEWORKS, startResourceServer, type ResourceServer } from './support.js';

const BASE = { issuer: 'https://idp.example.com', clientId: 'c', clientSecret: 's', baseURL: 'https://app.example.com', cookie: { password: PASSWORD } };
const JSON_ACCEPT = { Accept: 'application/json' };

function configError(options: Record<string, unknown>, env: Record<string, string> = {}): ConfigError {
  try {
    new Core({ ...BASE, ...options } as any, env);
  } catch (error) {
    return error as ConfigError;
  }
  throw new Error('no ConfigError');
}

describe('options are validated at start-up, naming the option', () => {
  test('dpop must be true, false or { privateKey }', () => {
    expect(configError({ dpop: 'yes' }).message).toMatch(/option `dpop` \(env SESSIONKIT_DPOP\) must be true, false or \{ privateKey \}/);
    expect(configError({ dpop: { key: 'x' } }).option).toBe('dpop.key');
  });

  test('dpop.privateKey must be an EC P-256 or Ed25519 private key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(configError({ dpop: { privateKey: rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }) } }).message).toMatch(/`dpop.privateKey` must be an EC P-256 \(ES256\) or Ed25519 \(EdDSA\) key, got rsa/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(configError({ dpop: { privateKey: ec.publicKey.export({ format: 'jwk' }) } }).message).toMatch(/`dpop.privateKey` is a public JWK/);
    expect(configError({ dpop: { privateKey: 'not a key' } }).option).toBe('dpop.privateKey');
    expect(() => new Core({ ...BASE, dpop: { privateKey: ec.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string } }, {})).not.toThrow();
    expect(() => new Core({ ...BASE, dpop: { privateKey: generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as any } }, {})).not.toThrow();
  });

  test('pushedAuthorizationRequests must be a boolean; both read their variables', () => {
    expect(configError({ pushedAuthorizationRequests: 'yes' }).message).toMatch(/option `pushedAuthorizationRequests` \(env SESSIONKIT_PUSHED_AUTHORIZATION_REQUESTS\) must be true or false/);
    const core = new Core(BASE as any, { SESSIONKIT_PUSHED_AUTHORIZATION_REQUESTS: '1', SESSIONKIT_DPOP: 'true' });
    expect(core.cfg.par).toBe(true);
    expect(core.cfg.dpop).toEqual({});
    const off = new Core(BASE as any, {});
    expect(off.cfg.par).toBe(false);
    expect(off.cfg.dpop).toBeUndefined();
    expect(off.provider.dpop).toBeNull();
  });
});

describe('session keys', () => {
  test('P-256 by default; Ed25519 when the provider lists only EdDSA; each derives a usable, stable thumbprint', async () => {
    const dpop = new Dpop({});
    expect(dpop.newSessionKey(undefined)!.crv).toBe('P-256');
    expect(dpop.newSessionKey(['ES256', 'EdDSA'])!.crv).toBe('P-256');
    const ed = dpop.newSessionKey(['EdDSA'])!;
    expect(ed.crv).toBe('Ed25519');
    expect(ed.d).toMatch(/^[\w-]{43}$/);
    for (let i = 0; i < 50; i++) expect(dpop.newSessionKey(undefined)!.d).toMatch(/^[\w-]{43}$/); // 32 bytes, leading zeros kept
    const proof = await dpop.proof(ed, 'get', new URL('https://api.example.com/a?b=c#d'), 'token');
    const header = JSON.parse(Buffer.from(proof.split('.')[0], 'base64url').toString());
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'dpop+jwt', jwk: { kty: 'OKP', crv: 'Ed25519' } });
    expect(header.jwk.d).toBeUndefined();
    expect(await calculateJwkThumbprint(header.jwk)).toBe(await dpop.thumbprint(ed));
    expect(decodeJwt(proof)).toMatchObject({ htm: 'GET', htu: 'https://api.example.com/a' });
  });
});

describe('a resource server\'s use_dpop_nonce challenge', () => {
  const answer = (status: number, headers: Record<string, string>) => new Response(null, { status, headers });
  test.each([
    ['DPoP error="use_dpop_nonce"', true],
    ['DPoP error=use_dpop_nonce', true],
    ['Bearer realm="api", DPoP algs="ES256", error="use_dpop_nonce"', true],
    ['dpop ERROR="use_dpop_nonce"', true],
    ['DPoP error="invalid_token"', false],
    ['Bearer error="invalid_token"', false],
  ])('%s → %s (with a DPoP-Nonce, on a 401)', (challenge, expected) => {
    expect(isNonceChallenge(answer(401, { 'www-authenticate': challenge, 'dpop-nonce': 'n' }))).toBe(expected);
  });
  test('no DPoP-Nonce header, or not a 401: no challenge', () => {
    expect(isNonceChallenge(answer(401, { 'www-authenticate': 'DPoP error="use_dpop_nonce"' }))).toBe(false);
    expect(isNonceChallenge(answer(400, { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'n' }))).toBe(false);
  });
});

describe.each(DPOP_FRAMEWORKS)('DPoP variants on %s', (_name, factory) => {
  let idp: DevIdp;
  let api: ResourceServer;
  beforeAll(async () => {
    idp = await startDevIdp({ accessTokenTTL: 300, dpopNonces: true });
    api = await startResourceServer(idp.issuer, idp.issuer);
  });
  afterAll(async () => {
    await api?.close();
    await idp?.close();
  });

  test('dpop: { privateKey }: every session is bound to the app\'s key, none is sealed in the cookie', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await withSignedInApp(idp, factory, { dpop: { privateKey: privateKey.export({ format: 'jwk' }) as any } }, async (app, jar) => {
      const record = await readSession(jar);
      expect(record.dpopKey).toBeUndefined();
      const jkt = await calculateJwkThumbprint(publicKey.export({ format: 'jwk' }) as any);
      expect((decodeJwt(record.accessToken) as any).cnf.jkt).toBe(jkt);
      expect((await app.send('POST', '/refresh-now', jar, { headers: JSON_ACCEPT })).status).toBe(200);
      expect((decodeJwt((await readSession(jar)).accessToken) as any).cnf.jkt).toBe(jkt);
      const call = await app.get(`/call-api?to=${encodeURIComponent(`${api.url}/x`)}`, jar, JSON_ACCEPT);
      expect(call.body).toMatchObject({ status: 200, body: { scheme: 'DPoP', jkt } });
    });
  });

  test('with a server-side store the key is kept in the store, the cookie holds only a reference', async () => {
    await withSignedInApp(idp, factory, { dpop: true, store: memoryStore() }, async (app, jar) => {
      const sealed = await readSession(jar);
      expect(Object.keys(sealed).sort()).toEqual(['ref', 'v']);
      expect((await app.send('POST', '/refresh-now', jar, { headers: JSON_ACCEPT })).status).toBe(200);
      const call = await app.get(`/call-api?to=${encodeURIComponent(`${api.url}/x`)}`, jar, JSON_ACCEPT);
      expect(call.body).toMatchObject({ status: 200, body: { scheme: 'DPoP' } });
    });
  });

  test('a public client (none): its refresh tokens are DPoP-bound too, and refresh works with the session key', async () => {
    const app = await startApp(idp, factory, { dpop: true, clientSecret: undefined }, { token_endpoint_auth_method: 'none', client_secret: undefined });
    try {
      const jar = new Jar();
      await app.signIn(jar);
      const before = idp.counts.refreshGrants;
      expect((await app.send('POST', '/refresh-now', jar, { headers: JSON_ACCEPT })).status).toBe(200);
      expect(idp.counts.refreshGrants).toBe(before + 1);
      // the refresh token without the key is useless to a thief
      const { refreshToken, dpopKey } = await readSession(jar);
      const stolen = await fetch(`${idp.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: app.clientId }),
      });
      expect(stolen.status).toBe(400);
      expect(dpopKey).toBeDefined();
      // logout revokes it with the client's own authentication (client_id only, for a public client)
      const revocations = idp.counts.revocations;
      expect((await app.send('POST', '/logout', jar, { headers: { 'Sec-Fetch-Site': 'same-origin' } })).status).toBe(303);
      expect(idp.counts.revocations).toBe(revocations + 1);
    } finally {
      await app.close();
    }
  });

  test('auth.fetch without DPoP sends Bearer; signed out it throws', async () => {
    await withSignedInApp(idp, factory, {}, async (app, jar) => {
      const call = await app.get(`/call-api?to=${encodeURIComponent(`${api.url}/x`)}`, jar, JSON_ACCEPT);
      expect(call.body).toEqual({ status: 200, body: { sub: 'user_alice', scheme: 'Bearer' } });
      expect((await app.get(`/call-api?to=${encodeURIComponent(`${api.url}/x`)}`, new Jar(), JSON_ACCEPT)).status).toBe(401);
    });
  });

  test('what DPoP adds to the session cookie (the key, and cnf in the access token)', async () => {
    const plain = await startApp(idp, factory, {});
    const bound = await startApp(idp, factory, { dpop: true });
    try {
      const size = async (app: typeof plain) => {
        const jar = new Jar();
        await app.signIn(jar, ALICE);
        return jar.sessionNames().reduce((n, name) => n + name.length + 1 + jar.get(name)!.length, 0);
      };
      const samples = async (app: typeof plain) => {
        const all = [];
        for (let i = 0; i < 3; i++) all.push(await size(app));
        return Math.round(all.reduce((a, b) => a + b) / all.length);
      };
      const without = await samples(plain);
      const withDpop = await samples(bound);
      const growth = withDpop - without;
      if (process.env.REPORT_COOKIE_GROWTH) console.log(`session cookie: ${without} bytes without DPoP, ${withDpop} with (+${growth})`);
      expect(growth).toBeGreaterThan(0);
      expect(growth).toBeLessThan(300);
    } finally {
      await plain.close();
      await bound.close();
    }
  });
});
