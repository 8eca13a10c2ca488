/**
 * A request without a session cookie may carry an access token (with the `bearer` option):
 * `Authorization: Bearer <JWT>`, or `Authorization: DPoP <JWT>` with its proof. The token's view,
 * verified, and nothing to refresh or write; refused credentials are remembered for the RFC 6750
 * challenge (lib/core/bearer-errors.ts, lib/core/dpop-verify.ts).
 *
 * @packageDocumentation
 */
import type { ResolvedConfig } from '../config.js';
import type { Auth, SessionRecord } from '../types/session.js';
import { noteBearerAuth, noteBearerProblem, readBearer } from './bearer-errors.js';
import { incomingToken, senderAllowed } from './dpop-verify.js';
import type { RequestView, ResponseSink } from './http.js';
import { now } from './policy.js';
import type { BearerVerifier } from './tokens.js';
import { signedInFields, userFromClaims, type AuthFields } from './view.js';

/** The scheme and token of the request's `Authorization` header; a refusal is noted on `auth`. */
function credentialsOf(auth: Auth, header: string | string[] | undefined): { scheme: 'Bearer' | 'DPoP'; token: string } | null {
  const dpop = incomingToken(header);
  if (dpop?.scheme === 'DPoP') return dpop;
  const read = readBearer(header);
  if (read.kind === 'none') return null;
  if (read.kind === 'refused') {
    noteBearerProblem(auth, read.problem);
    return null;
  }
  return { scheme: 'Bearer', token: read.token };
}

/** What {@link loadBearer} needs of the request's session. */
interface BearerSession {
  readonly core: { readonly cfg: ResolvedConfig };
  readonly request: RequestView;
  readonly sink: ResponseSink;
  readonly auth: Auth & { show(fields: AuthFields): void };
}

/**
 * Show a request without a session cookie as its access token's view, when it carries a valid one
 * (for its scheme: a DPoP-bound token only as `DPoP` with a valid proof): nothing to refresh or
 * write, and a response that depends on `Authorization`.
 */
export async function loadBearer(session: BearerSession, verifier: BearerVerifier): Promise<void> {
  const { auth, request } = session;
  const incoming = credentialsOf(auth, request.headers.authorization);
  if (!incoming) return;
  const checked = await verifier.check(incoming.token);
  if ('problem' in checked) return noteBearerProblem(auth, checked.problem);
  const { claims } = checked;
  // A refused sender is answered by dpop-verify's own challenge (DPoP or Bearer, invalid_token).
  if (!(await senderAllowed(session.core.cfg, request, incoming, claims))) return;
  noteBearerAuth(auth);
  const record: SessionRecord = {
    v: 1,
    user: userFromClaims(claims),
    accessToken: incoming.token,
    expiresAt: claims.exp as number,
    createdAt: typeof claims.iat === 'number' ? claims.iat : now(),
  };
  auth.show(signedInFields(record, claims, {}, session.core.cfg.claims));
  session.sink.append('Vary', 'Authorization');
  session.sink.set('Cache-Control', 'private, no-store');
}
