/**
 * A session record's `Auth` view with its access token verified, computed once per record.
 *
 * @packageDocumentation
 */
import { TokenError } from '../errors.js';
import type { SessionRecord } from '../types/session.js';
import type { CoreContext } from './context.js';
import { idTokenClaims } from './tokens.js';
import { deepFreeze, signedInFields, type AuthFields } from './view.js';

/**
 * `record`'s view, its access token verified (JWT: signature, issuer, expiry): computed once per
 * record and shared frozen. Null (logged) when the token does not verify.
 */
export async function verifiedFields(core: CoreContext, record: SessionRecord): Promise<Readonly<AuthFields> | null> {
  const known = core.views.get(record);
  if (known) return known;
  let info;
  try {
    info = await core.inspector.inspect(record.accessToken, record.expiresAt);
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    core.cfg.logger.warn({ reason: error.message }, 'sessionkit: session access token does not verify; signed out');
    return null;
  }
  const fields = signedInFields(record, info.claims, idTokenClaims(record.idToken), core.cfg.claims);
  // The same record (same cookie value) shows the same view: compute it once, share it frozen.
  if (info.final) core.views.set(record, deepFreeze(fields));
  return fields;
}
