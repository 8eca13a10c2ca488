/**
 * `auth.fetch(input, init?)`: `fetch` to a resource server with the session's access token —
 * `Authorization: Bearer`, or `Authorization: DPoP` plus a fresh proof when `dpop` is on —
 * refreshed first when inside the buffer, retried once on a `use_dpop_nonce` challenge.
 *
 * @packageDocumentation
 */
import { RefreshError, UnauthenticatedError } from '../errors.js';
import type { SessionRecord } from '../types/session.js';
import type { Dpop } from './dpop.js';
import { needsRefresh, now } from './policy.js';

/** What `auth.fetch` needs of the request's session (a `RequestSession`). */
export interface FetchingSession {
  readonly record: SessionRecord | null;
  readonly sink: { sent(): boolean };
  readonly core: { readonly cfg: { readonly refreshBuffer: number }; readonly provider: { readonly dpop: Dpop | null } };
  refreshNow(): Promise<unknown>;
}

/**
 * True when `response` is a resource server's `use_dpop_nonce` challenge (RFC 9449 §9): a `401`
 * with `WWW-Authenticate: DPoP error="use_dpop_nonce"` and a `DPoP-Nonce` header.
 */
export function isNonceChallenge(response: Response): boolean {
  if (response.status !== 401 || !response.headers.get('dpop-nonce')) return false;
  const challenge = response.headers.get('www-authenticate') ?? '';
  return /(^|,)\s*dpop\b[^]*?\berror\s*=\s*"?use_dpop_nonce"?/i.test(challenge);
}

/**
 * Send `input`/`init` with the session's access token. Signed out (or a request authenticated by
 * a bearer token, which has no token of its own to forward): {@link UnauthenticatedError}.
 */
export async function authFetch(session: FetchingSession, input: string | URL | Request, init?: RequestInit): Promise<Response> {
  if (!session.record) throw new UnauthenticatedError('auth.fetch() needs a signed-in session');
  // Once the response has started, a refreshed session could not be written to the cookie (and a
  // rotated refresh token must never be lost): the current token serves while it is valid.
  if (needsRefresh(session.record, session.core.cfg.refreshBuffer) && !session.sink.sent()) {
    try {
      await session.refreshNow();
    } catch (error) {
      // A provider outage keeps the session: its token serves while it is still valid.
      if (!(error instanceof RefreshError && error.isTransient)) throw error;
    }
  }
  const record = session.record as SessionRecord | null;
  if (!record || record.expiresAt <= now()) throw new UnauthenticatedError('auth.fetch(): the session has no valid access token');
  const dpop = session.core.provider.dpop;
  const key = dpop?.keyOf(record);
  const request = new Request(input, init);
  if (!dpop || !key) {
    const plain = request;
    plain.headers.set('authorization', `Bearer ${record.accessToken}`);
    return fetch(plain);
  }
  const url = new URL(request.url);
  // A body that is a stream can be read once: then the challenge is answered, not retried.
  const replayable = init?.body === undefined || init.body === null || !(init.body instanceof ReadableStream);
  const attempt = async (req: Request): Promise<Response> => {
    req.headers.set('authorization', `DPoP ${record.accessToken}`);
    req.headers.set('dpop', await dpop.proof(key, req.method, url, record.accessToken));
    const response = await fetch(req);
    const nonce = response.headers.get('dpop-nonce');
    if (nonce) dpop.nonces.set(url.origin, nonce);
    return response;
  };
  const spare = replayable ? request.clone() : null;
  const response = await attempt(request);
  if (!spare || !isNonceChallenge(response)) return response;
  await response.body?.cancel();
  return attempt(spare);
}
