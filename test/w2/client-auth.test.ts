/**
 * Every client-authentication method (issue 14.4): client_secret_basic, client_secret_post,
 * private_key_jwt (PEM or JWK; RS256, ES256, EdDSA) and none, each registered at the dev provider
 * with that method only (it refuses any other), through sign-in, refresh, revocation and logout.
 * Misconfiguration fails at construction, naming the option.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { Core } from '../../lib/core/engine.js';
import { ConfigError, type SessionKitOptions } from '../../lib/index.js';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { ALICE, Jar, PASSWORD, startApp, startDevIdp, type DevIdp } from '../helpers/harness.js';
import { readSession } from '../helpers/tamper.js';

type KeyKind = 'rsa' | 'ec' | 'ed25519';

function keyPair(kind: KeyKind) {
  const pair = kind === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : kind === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
  const kid = `k-${kind}`;
  return {
    pem: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    jwk: { ...pair.privateKey.export({ format: 'jwk' }), kid } as any,
    publicJwk: { ...pair.publicKey.export({ format: 'jwk' }), kid, use: 'sig' },
    publicPem: pair.publicKey.export({ format: 'pem', type: 'spki' }) as string,
  };
}

const rsa = keyPair('rsa');
const ec = keyPair('ec');
const ed = keyPair('ed25519');

/** [name, sessionkit options, dev-provider client metadata] */
const METHODS: [string, Partial<SessionKitOptions>, Record<string, unknown>][] = [
  ['client_secret_basic (default with a secret)', {}, { token_endpoint_auth_method: 'client_secret_basic' }],
  ['client_secret_post', { clientAuthMethod: 'client_secret_post' }, { token_endpoint_auth_method: 'client_secret_post' }],
  ['private_key_jwt, RS256 PEM', { clientSecret: undefined, clientAuthMethod: 'private_key_jwt', clientPrivateKey: rsa.pem }, { token_endpoint_auth_method: 'private_key_jwt', client_secret: undefined, jwks: { keys: [{ ...rsa.publicJwk, kid: undefined }] } }],
  ['private_key_jwt, ES256 JWK (method by default with a key)', { clientSecret: undefined, clientPrivateKey: ec.jwk }, { token_endpoint_auth_method: 'private_key_jwt', client_secret: undefined, jwks: { keys: [ec.publicJwk] } }],
  ['private_key_jwt, EdDSA JWK as JSON text', { clientSecret: undefined, clientAuthMethod: 'private_key_jwt', clientPrivateKey: JSON.stringify(ed.jwk) }, { token_endpoint_auth_method: 'private_key_jwt', client_secret: undefined, jwks: { keys: [ed.publicJwk] } }],
  ['none (default without a secret)', { clientSecret: undefined }, { token_endpoint_auth_method: 'none', client_secret: undefined }],
];

describe.each(FRAMEWORKS)('client authentication on %s', (_name, factory) => {
  let idp: DevIdp;
  beforeAll(async () => {
    idp = await startDevIdp({ accessTokenTTL: 300 });
  });
  afterAll(async () => {
    await idp?.close();
  });

  test.each(METHODS)('%s: sign-in, refresh, revocation and logout', async (_method, options, client) => {
    const app = await startApp(idp, factory, options, client);
    try {
      const jar = new Jar();
      const before = { ...idp.counts };
      const seen = idp.clientAuthLog.length;
      expect((await app.signIn(jar)).status).toBe(302);
      expect(idp.counts.authorizationCodeGrants).toBe(before.authorizationCodeGrants + 1);
      const { refreshToken } = await readSession(jar);
      expect(refreshToken).toBeTruthy();
      const refreshed = await app.send('POST', '/refresh-now', jar, { headers: { Accept: 'application/json' } });
      expect(refreshed.status).toBe(200);
      expect(idp.counts.refreshGrants).toBe(before.refreshGrants + 1);
      expect((await readSession(jar)).refreshToken).not.toBe(refreshToken);
      const out = await app.send('POST', '/logout', jar, { headers: { 'Sec-Fetch-Site': 'same-origin' } });
      expect(out.status).toBe(303);
      expect(out.headers.location.startsWith(`${idp.issuer}/session/end`)).toBe(true);
      expect(idp.counts.revocations).toBe(before.revocations + 1);
      expect(app.events.logs.filter((l) => l.level === 'warn')).toEqual([]);
      // what the provider saw: the code grant, the refresh grant and the revocation, each with this method
      const used = idp.clientAuthLog.slice(seen);
      expect(used.map((u) => u.path)).toEqual(['/token', '/token', '/token/revocation']);
      expect(new Set(used.map((u) => u.method))).toEqual(new Set([client.token_endpoint_auth_method]));
    } finally {
      await app.close();
    }
  });
});

describe('client-authentication misconfiguration fails at construction, naming the option', () => {
  const base = { issuer: 'https://idp.example.com', clientId: 'c', baseURL: 'https://app.example.com', cookie: { password: PASSWORD } };
  const cases: [string, Record<string, unknown>, Record<string, string>, RegExp][] = [
    ['an unknown method', { clientAuthMethod: 'client_secret_jwt', clientSecret: 's' }, {}, /clientAuthMethod.*SESSIONKIT_CLIENT_AUTH_METHOD/],
    ['none with a secret', { clientAuthMethod: 'none', clientSecret: 's' }, {}, /clientAuthMethod.*none.*clientSecret/],
    ['none with a secret from the environment', { clientAuthMethod: 'none' }, { SESSIONKIT_CLIENT_SECRET: 's' }, /clientAuthMethod.*none/],
    ['a secret method without a secret', { clientAuthMethod: 'client_secret_post' }, {}, /clientSecret.*SESSIONKIT_CLIENT_SECRET.*client_secret_post/],
    ['private_key_jwt without a key', { clientAuthMethod: 'private_key_jwt' }, {}, /clientPrivateKey.*SESSIONKIT_CLIENT_PRIVATE_KEY.*required/],
    ['a public key PEM', { clientPrivateKey: rsa.publicPem }, {}, /clientPrivateKey.*not a PEM private key/],
    ['a garbled PEM', { clientPrivateKey: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' }, {}, /clientPrivateKey.*not a usable private key/],
    ['a public JWK', { clientPrivateKey: ec.publicJwk }, {}, /clientPrivateKey.*public JWK/],
    ['a key with a secret method', { clientSecret: 's', clientAuthMethod: 'client_secret_basic', clientPrivateKey: ec.jwk }, {}, /clientPrivateKey.*only used with/],
    ['a key and a secret without a method', { clientSecret: 's', clientPrivateKey: ec.jwk }, {}, /clientAuthMethod.*is required/],
    ['a key in the environment that is not one', {}, { SESSIONKIT_CLIENT_PRIVATE_KEY: 'not a key', SESSIONKIT_CLIENT_AUTH_METHOD: 'private_key_jwt' }, /clientPrivateKey.*SESSIONKIT_CLIENT_PRIVATE_KEY/],
  ];
  test.each(cases)('%s', (_what, options, env, message) => {
    let error: unknown;
    try {
      new Core({ ...base, ...options } as SessionKitOptions, env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
  });

  test('valid combinations construct (also from the environment)', () => {
    expect(() => new Core({ ...base, clientPrivateKey: ed.pem }, {})).not.toThrow();
    expect(() => new Core({ ...base }, { SESSIONKIT_CLIENT_AUTH_METHOD: 'private_key_jwt', SESSIONKIT_CLIENT_PRIVATE_KEY: rsa.pem })).not.toThrow();
    expect(() => new Core({ ...base }, { SESSIONKIT_CLIENT_AUTH_METHOD: 'client_secret_post', SESSIONKIT_CLIENT_SECRET: 's' })).not.toThrow();
    expect(() => new Core({ ...base }, {})).not.toThrow();
  });
});
