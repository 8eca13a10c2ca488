/**
 * What an unsealed cookie must look like to be taken for a session (or a reference to a stored
 * one): anything else that unseals is refused as if it had not.
 *
 * @packageDocumentation
 */
import type { SessionRecord } from '../types/session.js';

/** What a session cookie holds: the whole session, or (with a `store`) a reference to it. */
export type CookiePayload = SessionRecord | SessionRef;

/** A sealed reference to a session kept in the `store`. */
export interface SessionRef {
  v: 1;
  ref: string;
}

/** True for a well-formed reference to a stored session. */
export function isSessionRef(data: unknown): data is SessionRef {
  const r = data as Partial<SessionRef> | null;
  return !!r && typeof r === 'object' && r.v === 1 && typeof r.ref === 'string' && r.ref.length > 0 && r.ref.length <= 64;
}

/** True for a well-formed session record of this version. */
export function isSessionRecord(data: unknown): data is SessionRecord {
  const r = data as Partial<SessionRecord> | null;
  return (
    !!r &&
    typeof r === 'object' &&
    r.v === 1 &&
    // Every session has its own id (what a logout ends): a record without one is not ours.
    typeof r.id === 'string' &&
    r.id.length > 0 &&
    typeof r.accessToken === 'string' &&
    typeof r.expiresAt === 'number' &&
    typeof r.createdAt === 'number' &&
    !!r.user &&
    typeof r.user === 'object' &&
    typeof r.user.id === 'string'
  );
}
