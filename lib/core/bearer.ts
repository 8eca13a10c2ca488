/**
 * A request without a session cookie may carry `Authorization: Bearer <JWT>` (with the `bearer`
 * option): the token's view, verified, and nothing to refresh or write.
 *
 * @packageDocumentation
 */
import type { ResolvedConfig } from '../config.js';
import type { SessionRecord } from '../types/session.js';
import { incomingToken, senderAllowed } from './dpop-verify.js';
import type { RequestView, ResponseSink } from './http.js';
import { now } from './policy.js';
import type { BearerVerifier } from './tokens.js';
import { signedInFields, userFromClaims, type AuthFields } from './view.js';

/**
 * The `Auth` fields of a valid access token in the request's `Authorization` header (`Bearer`, or
 * `DPoP` with a valid proof: lib/core/dpop-verify.ts); null when there is none or it does not verify.
 */
export async function bearerFields(cfg: ResolvedConfig, verifier: BearerVerifier, request: RequestView): Promise<AuthFields | null> {
  const incoming = incomingToken(request.headers.authorization);
  if (!incoming) return null;
  const claims = await verifier.verify(incoming.token);
  if (!claims) return null;
  if (!(await senderAllowed(cfg, request, incoming, claims))) return null;
  const record: SessionRecord = {
    v: 1,
    user: userFromClaims(claims),
    accessToken: incoming.token,
    expiresAt: claims.exp as number,
    createdAt: typeof claims.iat === 'number' ? claims.iat : now(),
  };
  return signedInFields(record, claims, {}, cfg.claims);
}

/** What {@link loadBearer} needs of the request's session. */
interface BearerSession {
  readonly core: { readonly cfg: ResolvedConfig };
  readonly request: RequestView;
  readonly sink: ResponseSink;
  readonly auth: { show(fields: AuthFields): void };
}

/**
 * Show a request without a session cookie as its bearer token's view, when it carries a valid one:
 * nothing to refresh or write, and a response that depends on `Authorization`.
 */
export async function loadBearer(session: BearerSession, verifier: BearerVerifier): Promise<void> {
  const fields = await bearerFields(session.core.cfg, verifier, session.request);
  if (!fields) return;
  session.auth.show(fields);
  session.sink.append('Vary', 'Authorization');
  session.sink.set('Cache-Control', 'private, no-store');
}
