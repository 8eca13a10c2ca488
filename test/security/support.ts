/**
 * Shared tools of the security suite: a cookie list that can hold duplicates, the outcome every
 * hostile case asserts (status, cookie cleared or not, session afterwards, never 5xx), token and
 * seal forgeries, and a clock that can be moved forward.
 */
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { expect, jest } from '@jest/globals';
import { sealData, unsealData } from 'iron-session';
import { SignJWT, decodeJwt, exportJWK, exportSPKI, generateKeyPair, importJWK, type JWTPayload } from 'jose';
import { loginAtProvider } from '../../examples/dev-idp/http-login.js';
import { webClient } from '../../examples/dev-idp/index.js';
import { PASSWORD, setCookies, type DevIdp, type TestApp } from '../helpers/harness.js';
import type { Jar } from '../helpers/jar.js';

export const SESSION_COOKIE = /^sessionkit(\.\d+)?$/;
export const FOURTEEN_DAYS = 14 * 24 * 3600;
export const JSON_ACCEPT = { Accept: 'application/json' };
export const HTML_ACCEPT = { Accept: 'text/html,application/xhtml+xml' };

type Res = { status: number; headers: Record<string, any>; body: any; text: string };

// ---------------------------------------------------------------------------------------------
// cookies

/** The name and value of each Set-Cookie line, and whether it deletes the cookie. */
export function parsedSetCookies(res: { headers: Record<string, unknown> }): { name: string; value: string; deleted: boolean; line: string }[] {
  return setCookies(res).map((line) => {
    const [pair, ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const deleted = value === '' || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
    return { name, value, deleted, line };
  });
}

/** Session cookie names (`sessionkit`, `sessionkit.N`) the response deletes. */
export function clearedSessionCookies(res: { headers: Record<string, unknown> }): string[] {
  return parsedSetCookies(res).filter((c) => SESSION_COOKIE.test(c.name) && c.deleted).map((c) => c.name);
}

/** Session cookie names the response writes a value into. */
export function writtenSessionCookies(res: { headers: Record<string, unknown> }): string[] {
  return parsedSetCookies(res).filter((c) => SESSION_COOKIE.test(c.name) && !c.deleted).map((c) => c.name);
}

/**
 * A browser's cookies for this app as an ordered list of pairs, so that duplicate names (a cookie
 * tossed from another path or subdomain) can be sent. A deletion removes every pair of that name.
 */
export class CookieList {
  pairs: [string, string][];

  constructor(pairs: [string, string][] = []) {
    this.pairs = pairs.map(([k, v]) => [k, v]);
  }

  static fromJar(jar: Jar): CookieList {
    return new CookieList([...jar.cookies]);
  }

  get(name: string): string | undefined {
    return this.pairs.find(([k]) => k === name)?.[1];
  }

  set(name: string, value: string): this {
    const i = this.pairs.findIndex(([k]) => k === name);
    if (i < 0) this.pairs.push([name, value]);
    else this.pairs[i] = [name, value];
    return this;
  }

  delete(name: string): this {
    this.pairs = this.pairs.filter(([k]) => k !== name);
    return this;
  }

  add(name: string, value: string, first = false): this {
    if (first) this.pairs.unshift([name, value]);
    else this.pairs.push([name, value]);
    return this;
  }

  names(): string[] {
    return this.pairs.map(([k]) => k);
  }

  sessionNames(): string[] {
    return this.names().filter((n) => SESSION_COOKIE.test(n));
  }

  header(): string {
    return this.pairs.map(([k, v]) => `${k}=${v}`).join('; ');
  }

  take(res: { headers: Record<string, unknown> }): this {
    for (const c of parsedSetCookies(res)) {
      if (c.deleted) this.delete(c.name);
      else {
        this.delete(c.name);
        this.pairs.push([c.name, c.value]);
      }
    }
    return this;
  }

  clone(): CookieList {
    return new CookieList(this.pairs);
  }
}

/** Send with an explicit Cookie header (duplicates allowed); the list takes the response's Set-Cookie. */
export async function sendWith(
  app: TestApp,
  method: string,
  path: string,
  cookies: CookieList | null,
  options: { headers?: Record<string, string>; body?: string | object; form?: Record<string, string> } = {},
): Promise<Res> {
  const headers = { ...(options.headers ?? {}) };
  if (cookies && cookies.pairs.length && !('Cookie' in headers)) headers.Cookie = cookies.header();
  const res = (await app.send(method, path, undefined, { ...options, headers })) as unknown as Res;
  cookies?.take(res);
  return res;
}

/** True when the app sees a signed-in user for these cookies (GET /public). */
export async function isSignedIn(app: TestApp, cookies: CookieList): Promise<boolean> {
  const res = await sendWith(app, 'GET', '/public', cookies.clone());
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
export async function expectOutcome(app: TestApp, res: Res, after: CookieList, expected: Outcome): Promise<void> {
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

/** Seal like the library does (iron-session, the test password unless told). */
export function seal(data: unknown, password: string | Record<string, string> = PASSWORD, ttl = FOURTEEN_DAYS): Promise<string> {
  return sealData(data as Record<string, unknown>, { password, ttl });
}

export async function unseal(value: string, password: string | Record<string, string> = PASSWORD, ttl = FOURTEEN_DAYS): Promise<any> {
  return unsealData(value, { password, ttl });
}

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
export async function beginLogin(app: TestApp, cookies: CookieList, query = ''): Promise<{ authorizationUrl: string; state: string; txName: string }> {
  const res = await sendWith(app, 'GET', `/login${query}`, cookies);
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
export async function signedInCookies(app: TestApp, account: { email: string; password: string }, query = ''): Promise<CookieList> {
  const cookies = new CookieList();
  const { authorizationUrl } = await beginLogin(app, cookies, query);
  const cb = await atProvider(authorizationUrl, account);
  const res = await sendWith(app, 'GET', cb.pathname + cb.search, cookies);
  expect(res.status).toBe(302);
  return cookies;
}

/** The session record the cookies carry (chunks joined). */
export async function sessionRecord(cookies: CookieList): Promise<any> {
  const names = cookies.sessionNames().sort((a, b) => a.length - b.length || a.localeCompare(b, 'en', { numeric: true }));
  return unseal(names.map((n) => cookies.get(n)).join(''));
}

/** Replace the session by `record` sealed with the test password (one cookie). */
export async function withRecord(cookies: CookieList, record: unknown): Promise<CookieList> {
  const out = cookies.clone();
  for (const n of out.sessionNames()) out.delete(n);
  out.set('sessionkit', await seal(record));
  return out;
}

/**
 * Let `extra` (started with `{ clientId: owner.clientId, clientSecret: clientSecretOf(owner) }`) sign in as
 * `owner`'s client too: register both apps' redirect URIs for that client.
 */
export async function shareClient(idp: DevIdp, owner: TestApp, extra: TestApp): Promise<void> {
  await idp.addClient(webClient({ clientId: owner.clientId, clientSecret: clientSecretOf(owner), baseURL: [owner.baseURL, extra.baseURL] }));
}

export function clientSecretOf(app: TestApp): string {
  return `secret-${app.clientId}-0123456789abcdef`;
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
