/**
 * A request without a session cookie may carry `Authorization: Bearer <JWT>` (with the `bearer`
 * option): the token's view, verified, and nothing to refresh or write.
 *
 * @packageDocumentation
 */
import type { ClaimNames, SessionRecord } from '../types/session.js';
import { now } from './policy.js';
import type { BearerVerifier } from './tokens.js';
import { signedInFields, userFromClaims, type AuthFields } from './view.js';

const BEARER = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/i;

/** The `Auth` fields of a valid bearer access token in `header`; null when there is none or it does not verify. */
export async function bearerFields(verifier: BearerVerifier, header: string | string[] | undefined, names: ClaimNames): Promise<AuthFields | null> {
  const match = typeof header === 'string' ? BEARER.exec(header) : null;
  if (!match) return null;
  const claims = await verifier.verify(match[1]);
  if (!claims) return null;
  const record: SessionRecord = {
    v: 1,
    user: userFromClaims(claims),
    accessToken: match[1],
    expiresAt: claims.exp as number,
    createdAt: typeof claims.iat === 'number' ? claims.iat : now(),
  };
  return signedInFields(record, claims, {}, names);
}
