/**
 * Shared tools of the security suite: the outcome every
 * hostile case asserts (status, cookie cleared or not, session afterwards, never 5xx), token and
 * seal forgeries, and a clock that can be moved forward.
 */
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { expect, jest } from '@jest/globals';
import { SignJWT, decodeJwt, exportJWK, exportSPKI, generateKeyPair, importJWK, type JWTPayload } from 'jose';
import { loginAtProvider } from '../../examples/dev-idp/http-login.js';
import { webClient } from '../../examples/dev-idp/index.js';
import { PASSWORD, clientSecretOf, type DevIdp, type TestApp } from '../helpers/harness.js';
import { FOURTEEN_DAYS, seal } from '../helpers/tamper.js';
import { Jar, clearedSessionCookies } from '../helpers/jar.js';

export const JSON_ACCEPT = { Accept: 'application/json' };
export const HTML_ACCEPT = { Accept: 'text/html,application/xhtml+xml' };

type Res = { status: number; headers: Record<string, any>; body: any; text: string };

// ---------------------------------------------------------------------------------------------
// cookies

/** True when the app sees a signed-in user for these cookies (GET /public). */
export async function isSignedIn(app: TestApp, cookies: Jar): Promise<boolean> {
  const res = await app.send('GET', '/public', cookies.clone());
  expect(res.status).toBe(200);
  return res.body.isAuthenticated === true;
}

export interface Outcome {
  /** The exact status of the hostile request. */
  status: number;
  /** Whether the response deletes a session cookie. */
  cleared: boolean;
  /** Whether the browser is signed in afterwards (GET /public with the cookies it now holds). */
  session: boolean;
}

/** The assertions every hostile case makes. `after` is the browser's cookies once it took the response. */
export async function expectOutcome(app: TestApp, res: Res, after: Jar, expected: Outcome): Promise<void> {
  // never 5xx, except where the contract documents one (login and switch-org answer 503 JSON while the provider is down)
  if (expected.status !== 503) expect(res.status).toBeLessThan(500);
  const actual = {
    status: res.status,
    cleared: clearedSessionCookies(res).length > 0,
    session: await isSignedIn(app, after),
  };
  expect(actual).toEqual(expected);
}

// ---------------------------------------------------------------------------------------------
// seals

/** Run `fn` while `Date.now()` reads `offsetMs` from now (only Date.now; timers are untouched). */
export async function atClock<T>(offsetMs: number, fn: () => Promise<T>): Promise<T> {
  const restore = shiftClock(offsetMs);
  try {
    return await fn();
  } finally {
    restore();
  }
}

/** Move `Date.now()` by `offsetMs` until the returned function is called. */
export function shiftClock(offsetMs: number): () => void {
  const real = Date.now.bind(Date);
  const spy = jest.spyOn(Date, 'now').mockImplementation(() => real() + offsetMs);
  return () => spy.mockRestore();
}

/** A genuine seal that has already expired (sealed 15 days ago with the 14-day lifetime). */
export function expiredSeal(data: unknown, password: string | Record<string, string> = PASSWORD, ttl = FOURTEEN_DAYS): Promise<string> {
  return atClock(-(ttl + 24 * 3600) * 1000, () => seal(data, password, ttl));
}

/** Replace one `*`-separated field of an iron seal (0 = `Fe26.2`, 1 = password id, 2 = salt, 3 = iv, 4 = ciphertext, 5 = expiration, 6 = HMAC salt, 7 = HMAC~2). */
export function withField(value: string, index: number, replace: (field: string) => string): string {
  const [body, version] = value.split('~');
  const parts = body.split('*');
  parts[index] = replace(parts[index]);
  return `${parts.join('*')}${version !== undefined ? `~${version}` : ''}`;
}

/** Flip one base64url character (A↔B) at `at` (negative: from the end). */
export function flipChar(s: string, at = 0): string {
  const i = at < 0 ? s.length + at : at;
  const c = s[i];
  const next = c === 'A' ? 'B' : 'A';
  return s.slice(0, i) + next + s.slice(i + 1);
}

/** The transaction cookie name of a sign-in attempt, as the library derives it. */
export function transactionName(state: string, cookieName = 'sessionkit'): string {
  return `${cookieName}.tx.${createHash('sha256').update(state).digest('base64url').slice(0, 16)}`;
}

// ---------------------------------------------------------------------------------------------
// sign-in steps

/** GET /login: the authorization URL, its state, and the transaction cookie the browser got. */
export async function beginLogin(app: TestApp, cookies: Jar, query = ''): Promise<{ authorizationUrl: string; state: string; txName: string }> {
  const res = await app.send('GET', `/login${query}`, cookies);
  expect(res.status).toBe(302);
  const authorizationUrl = res.headers.location as string;
  const state = new URL(authorizationUrl).searchParams.get('state')!;
  return { authorizationUrl, state, txName: transactionName(state) };
}

/** Sign in at the provider's pages; the callback URL the provider sends the browser to (not fetched). */
export async function atProvider(authorizationUrl: string, account: { email: string; password: string }): Promise<URL> {
  const { callbackUrl } = await loginAtProvider(authorizationUrl, account);
  return new URL(callbackUrl);
}

/** A full sign-in; the browser's cookies afterwards. */
export async function signedInCookies(app: TestApp, account: { email: string; password: string }, query = ''): Promise<Jar> {
  const cookies = new Jar();
  expect((await app.signIn(cookies, account, query)).status).toBe(302);
  return cookies;
}

/**
 * Let `extra` (started with `{ clientId: owner.clientId, clientSecret: clientSecretOf(owner.clientId) }`) sign in as
 * `owner`'s client too: register both apps' redirect URIs for that client.
 */
export async function shareClient(idp: DevIdp, owner: TestApp, extra: TestApp): Promise<void> {
  await idp.addClient(webClient({ clientId: owner.clientId, clientSecret: clientSecretOf(owner.clientId), baseURL: [owner.baseURL, extra.baseURL] }));
}


// ---------------------------------------------------------------------------------------------
// tokens

/** What jose signs with (a CryptoKey or KeyObject, or HMAC secret bytes). */
type SigningKey = Parameters<SignJWT['sign']>[0];
type KeyLike = Parameters<typeof exportSPKI>[0];

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** An attacker's RSA key pair (not the provider's). */
export async function attackerKey() {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { privateKey, publicKey, publicJwk: await exportJWK(publicKey) };
}

/** A JWT with `alg: none` and an empty signature. */
export function unsigned(payload: JWTPayload, typ = 'at+jwt'): string {
  return `${b64({ alg: 'none', typ })}.${b64(payload)}.`;
}

/** Sign `payload` with any key and header. */
export function signWith(payload: JWTPayload, key: SigningKey, header: Record<string, unknown>): Promise<string> {
  return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(key);
}

/** The token with its payload replaced, header and signature kept. */
export function withPayload(token: string, payload: JWTPayload): string {
  const [h, , s] = token.split('.');
  return `${h}.${b64(payload)}.${s}`;
}

/** The token with its header replaced, payload and signature kept. */
export function withHeader(token: string, header: Record<string, unknown>): string {
  const [, p, s] = token.split('.');
  return `${b64(header)}.${p}.${s}`;
}

/** HS256 with the provider's public key (PEM) as the HMAC secret: the classic algorithm confusion. */
export async function algorithmConfusion(idp: DevIdp, payload: JWTPayload): Promise<string> {
  const { keys } = (await (await fetch(`${idp.issuer}/jwks`)).json()) as { keys: Record<string, unknown>[] };
  const jwk = keys.find((k) => k.kid === idp.currentKid)!;
  const pem = await exportSPKI((await importJWK(jwk as any, 'RS256', { extractable: true })) as KeyLike);
  return signWith(payload, new TextEncoder().encode(pem), { alg: 'HS256', typ: 'at+jwt', kid: idp.currentKid });
}

export function claimsOf(token: string): Record<string, any> {
  return decodeJwt(token) as Record<string, any>;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** GET `path` with no cookies, JSON accepted, and `Authorization: Bearer <token>`. */
export function bearerGet(app: TestApp, token: string, path = '/me') {
  return app.send('GET', path, undefined, { headers: { ...JSON_ACCEPT, Authorization: `Bearer ${token}` } });
}

/** The auth-params of a `WWW-Authenticate: Bearer …` challenge. */
export function challenge(res: { headers: Record<string, unknown> }): Record<string, string> {
  const header = String(res.headers['www-authenticate'] ?? '');
  expect(header).toMatch(/^Bearer /);
  const params: Record<string, string> = {};
  for (const m of header.slice(7).matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/g)) params[m[1]] = m[2] ?? m[3];
  return params;
}

// ---------------------------------------------------------------------------------------------
// raw HTTP (for what supertest refuses to send)

/** Send raw bytes to the app and read the status line (null when the connection closes without one). */
export function rawRequest(baseURL: string, raw: string | Buffer): Promise<{ status: number | null; text: string }> {
  const url = new URL(baseURL);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(raw));
    socket.setTimeout(5000, () => socket.destroy());
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d) => (text += d));
    socket.on('error', () => resolve({ status: null, text }));
    socket.on('close', () => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : null, text });
    });
  });
}
