/**
 * Bearer-token errors as RFC 6750 §3 and RFC 9470 §3 spell them: what went wrong with the
 * `Authorization` header of a request (remembered per `Auth` object while the session loads), and
 * the `WWW-Authenticate` challenge a refusal carries. No challenge ever quotes the token.
 *
 * @packageDocumentation
 */
import type { Auth } from '../types/session.js';

/**
 * What was wrong with a request's bearer credentials: `invalid_request` for a malformed
 * `Authorization: Bearer` header (RFC 6750 §3.1, answered 400), `invalid_token` for a token that
 * is expired, revoked, malformed, or for another audience or issuer (answered 401).
 */
export type BearerProblem =
  | { error: 'invalid_request'; description: string }
  | { error: 'invalid_token'; description: string };

/** Longest bearer token looked at (longer ones are refused unread as `invalid_token`). */
export const MAX_BEARER_TOKEN = 8192;

/** A JWT in compact form: three base64url parts. */
const COMPACT_JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;
/** RFC 6750 §2.1 `b64token`. */
const B64TOKEN = /^[\w.~+/-]+=*$/;

/** How the request's `Authorization` header reads. */
export type BearerCredentials =
  /** No bearer credentials at all (no header, or another scheme such as Basic). */
  | { kind: 'none' }
  /** A compact JWT to verify. */
  | { kind: 'jwt'; token: string }
  /** Bearer credentials refused without verifying anything. */
  | { kind: 'refused'; problem: BearerProblem };

/**
 * Read an `Authorization` header value. Anything that says `Bearer` but is not exactly
 * `Bearer <one b64token>` is `invalid_request`; a well-formed token that is no compact JWT (or is
 * longer than {@link MAX_BEARER_TOKEN}) is `invalid_token`.
 */
export function readBearer(header: unknown): BearerCredentials {
  if (Array.isArray(header)) return { kind: 'refused', problem: INVALID_REQUEST };
  if (typeof header !== 'string') return { kind: 'none' };
  const scheme = /^\s*(\S+)/.exec(header)?.[1];
  if (!scheme || scheme.toLowerCase() !== 'bearer') return { kind: 'none' };
  const match = /^Bearer ([^ ]+)$/i.exec(header);
  if (!match || !B64TOKEN.test(match[1])) return { kind: 'refused', problem: INVALID_REQUEST };
  const token = match[1];
  if (token.length > MAX_BEARER_TOKEN || !COMPACT_JWT.test(token)) return { kind: 'refused', problem: INVALID_TOKEN };
  return { kind: 'jwt', token };
}

/** The malformed-header problem (fixed words: nothing of the header is repeated). */
export const INVALID_REQUEST: BearerProblem = { error: 'invalid_request', description: 'The Authorization header is not of the form "Bearer <token>"' };
/** A token that does not verify, for any reason but expiry. */
export const INVALID_TOKEN: BearerProblem = { error: 'invalid_token', description: 'The access token is invalid' };
/** A token that verified but for its expiry. */
export const EXPIRED_TOKEN: BearerProblem = { error: 'invalid_token', description: 'The access token expired' };

/** Requests whose bearer credentials were refused, by their `Auth` object. */
const problems = new WeakMap<object, BearerProblem>();
/** `Auth` objects signed in by a bearer token (not a session). */
const bearerAuths = new WeakSet<object>();

/** Remember that `auth`'s request carried refused bearer credentials. */
export function noteBearerProblem(auth: Auth, problem: BearerProblem): void {
  problems.set(auth, problem);
}

/** Remember that `auth` is signed in by a bearer token. */
export function noteBearerAuth(auth: Auth): void {
  bearerAuths.add(auth);
}

/** Why `auth`'s bearer credentials were refused; undefined when there were none or they were fine. */
export function bearerProblemOf(auth: Auth): BearerProblem | undefined {
  return problems.get(auth);
}

/** True when `auth` is signed in by a bearer token. */
export function isBearerAuth(auth: Auth): boolean {
  return bearerAuths.has(auth);
}

/** A `quoted-string` (RFC 9110 §5.6.4) of a value that sessionkit chose: quotes and backslashes escaped. */
function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * The `WWW-Authenticate: Bearer` challenge: `realm`, then the given auth-params in order (values
 * are quoted except `max_age`, a number).
 */
export function bearerChallenge(realm: string, params: Record<string, string | number | undefined> = {}): string {
  const parts = [`realm=${quoted(realm)}`];
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    parts.push(`${name}=${typeof value === 'number' ? String(value) : quoted(value)}`);
  }
  return `Bearer ${parts.join(', ')}`;
}
