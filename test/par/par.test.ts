/**
 * Pushed authorization requests (issue 19.1): with `pushedAuthorizationRequests: true`, or
 * automatically when the provider's discovery says `require_pushed_authorization_requests`,
 * `/login` pushes the request (PKCE, state, nonce) with the client's authentication — every
 * `clientAuthMethod` — and redirects with `client_id` and `request_uri` only. A push the provider
 * refuses or cannot take gets the provider-unavailable 503 page, never another 5xx.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import type { SessionKitOptions } from '../../lib/index.js';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { ALICE, Jar, startApp, startDevIdp, type DevIdp } from '../helpers/harness.js';
import { readSession } from '../helpers/tamper.js';

function keyPair(kind: 'rsa' | 'ec') {
  const pair = kind === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    pem: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    jwk: { ...pair.privateKey.export({ format: 'jwk' }), kid: `k-${kind}` } as any,
    publicJwk: { ...pair.publicKey.export({ format: 'jwk' }), kid: `k-${kind}`, use: 'sig' },
  };
}
const rsa = keyPair('rsa');
const ec = keyPair('ec');

/** [name, sessionkit options, dev-provider client metadata] */
const METHODS: [string, Partial<SessionKitOptions>, Record<string, unknown>][] = [
  ['client_secret_basic', {}, { token_endpoint_auth_method: 'client_secret_basic' }],
  ['client_secret_post', { clientAuthMethod: 'client_secret_post' }, { token_endpoint_auth_method: 'client_secret_post' }],
  ['private_key_jwt (RS256 PEM)', { clientSecret: undefined, clientAuthMethod: 'private_key_jwt', clientPrivateKey: rsa.pem }, { token_endpoint_auth_method: 'private_key_jwt', client_secret: undefined, jwks: { keys: [{ ...rsa.publicJwk, kid: undefined }] } }],
  ['private_key_jwt (ES256 JWK)', { clientSecret: undefined, clientPrivateKey: ec.jwk }, { token_endpoint_auth_method: 'private_key_jwt', client_secret: undefined, jwks: { keys: [ec.publicJwk] } }],
  ['none', { clientSecret: undefined }, { token_endpoint_auth_method: 'none', client_secret: undefined }],
];

const JSON_ACCEPT = { Accept: 'application/json' };
const HTML_ACCEPT = { Accept: 'text/html,application/xhtml+xml' };

describe.each(FRAMEWORKS)('PAR on %s', (_name, factory) => {
  let required: DevIdp; // the provider requires PAR
  let optional: DevIdp; // the provider offers PAR
  beforeAll(async () => {
    required = await startDevIdp({ accessTokenTTL: 300, requirePushedAuthorizationRequests: true });
    optional = await startDevIdp({ accessTokenTTL: 300 });
  });
  afterEach(() => {
    required.setFault(null);
    optional.setFault(null);
  });
  afterAll(async () => {
    await required?.close();
    await optional?.close();
  });

  test.each(METHODS)('%s: the push authenticates with the method; sign-in, refresh and logout work', async (_method, options, client) => {
    const app = await startApp(required, factory, options, client);
    try {
      const jar = new Jar();
      const seen = required.clientAuthLog.length;
      const before = { ...required.counts };
      const res = await app.signIn(jar, ALICE, '?returnTo=/me');
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe('/me');
      expect(required.counts.pushedAuthorizationRequests).toBe(before.pushedAuthorizationRequests + 1);
      expect((await readSession(jar)).refreshToken).toBeTruthy();
      expect((await app.send('POST', '/refresh-now', jar, { headers: JSON_ACCEPT })).status).toBe(200);
      const out = await app.send('POST', '/logout', jar, { headers: { 'Sec-Fetch-Site': 'same-origin' } });
      expect(out.status).toBe(303);
      const used = required.clientAuthLog.slice(seen);
      expect(used.map((u) => u.path)).toEqual(['/request', '/token', '/token', '/token/revocation']);
      expect(new Set(used.map((u) => u.method))).toEqual(new Set([client.token_endpoint_auth_method]));
    } finally {
      await app.close();
    }
  });

  test('pushedAuthorizationRequests: true pushes to a provider that does not require it', async () => {
    const app = await startApp(optional, factory, { pushedAuthorizationRequests: true });
    try {
      const before = optional.counts.pushedAuthorizationRequests;
      const start = await app.get('/login', new Jar());
      expect(start.status).toBe(302);
      expect([...new URL(start.headers.location).searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
      expect(optional.counts.pushedAuthorizationRequests).toBe(before + 1);
      const jar = new Jar();
      expect((await app.signIn(jar)).status).toBe(302);
      expect((await app.get('/me', jar, JSON_ACCEPT)).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  test('without the option a provider that does not require PAR gets the usual front-channel request (control)', async () => {
    const app = await startApp(optional, factory);
    try {
      const before = optional.counts.pushedAuthorizationRequests;
      const url = new URL((await app.get('/login', new Jar())).headers.location);
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      expect(url.searchParams.get('request_uri')).toBeNull();
      expect(optional.counts.pushedAuthorizationRequests).toBe(before);
    } finally {
      await app.close();
    }
  });

  test.each([
    ['refused: 400 invalid_request', { status: 400, body: JSON.stringify({ error: 'invalid_request', error_description: 'no' }) }],
    ['refused: 401 invalid_client', { status: 401, body: JSON.stringify({ error: 'invalid_client' }), headers: { 'WWW-Authenticate': 'Basic realm="x"' } }],
    ['failing: 500', { status: 500, body: 'oops' }],
    ['not JSON: 200 text', { status: 200, body: 'maintenance', contentType: 'text/html' }],
  ])('a push %s → the 503 provider-unavailable answer, no transaction cookie', async (_case, fault) => {
    const app = await startApp(required, factory);
    try {
      await app.get('/login', new Jar()); // discovery done
      required.setFault(fault as any, ['/request']);
      const page = await app.get('/login', new Jar(), HTML_ACCEPT);
      expect(page.status).toBe(503);
      expect(page.headers['retry-after']).toBe('5');
      expect(page.text).toContain('Sign-in is unavailable right now');
      expect(page.headers['set-cookie']).toBeUndefined();
      const api = await app.get('/login', new Jar(), JSON_ACCEPT);
      expect(api.status).toBe(503);
      expect(api.body).toEqual({ error: 'provider_unavailable' });
    } finally {
      await app.close();
    }
  });

  test('a push that hangs past httpTimeout → 503', async () => {
    const app = await startApp(required, factory, { httpTimeout: 300 });
    try {
      await app.get('/login', new Jar());
      required.setFault({ hang: true }, ['/request']);
      const page = await app.get('/login', new Jar(), HTML_ACCEPT);
      expect(page.status).toBe(503);
    } finally {
      required.setFault(null);
      await app.close();
    }
  });
});
