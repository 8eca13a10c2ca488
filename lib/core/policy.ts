/**
 * The session's rules as pure functions of a record and the clock: is it due for refresh, has it
 * timed out, was it ended, under which names can it be ended, and for how long an end is kept.
 * Each has unit tests of its own (`test/unit/policy.test.ts`).
 *
 * @packageDocumentation
 */
import type { SessionRecord } from '../types/session.js';

/** Unix seconds now. */
export function now(): number {
  return Math.floor(Date.now() / 1000);
}

/** True when the session's access token expires within `buffer` seconds (`at` = now). */
export function needsRefresh(record: SessionRecord, buffer: number, at = now()): boolean {
  return record.expiresAt - at <= buffer;
}

/** The `session` option's timeouts, seconds (0 = none). */
export interface Timeouts {
  idleTimeout: number;
  absoluteTimeout: number;
}

/**
 * `expired` past a timeout; `touch` when idle tracking wants the activity written (at most every
 * tenth of the idle timeout); else `live`.
 */
export function timing(record: SessionRecord, { absoluteTimeout, idleTimeout }: Timeouts, at = now()): 'expired' | 'touch' | 'live' {
  if (!absoluteTimeout && !idleTimeout) return 'live';
  const lastSeen = record.touchedAt ?? record.createdAt;
  if ((absoluteTimeout && record.createdAt + absoluteTimeout <= at) || (idleTimeout && lastSeen + idleTimeout <= at)) return 'expired';
  return idleTimeout && at - lastSeen >= Math.max(1, Math.floor(idleTimeout / 10)) ? 'touch' : 'live';
}

/**
 * The first second (Unix s, an integer or Infinity) at which `record` is due for refresh or is
 * no longer `live` (to be touched or timed out): before it, {@link needsRefresh} is false and
 * {@link timing} is `live`. One number for the cached path to compare the clock with.
 */
export function freshUntil(record: SessionRecord, buffer: number, { absoluteTimeout, idleTimeout }: Timeouts): number {
  let until = record.expiresAt - buffer; // needsRefresh ⇔ at ≥ expiresAt − buffer
  if (absoluteTimeout) until = Math.min(until, record.createdAt + absoluteTimeout);
  if (idleTimeout) {
    const lastSeen = record.touchedAt ?? record.createdAt;
    until = Math.min(until, lastSeen + idleTimeout, lastSeen + Math.max(1, Math.floor(idleTimeout / 10))); // expired, or to be touched
  }
  return Math.ceil(until); // `at` is whole seconds: at < until ⇔ at < ⌈until⌉
}

/** True when an end recorded at `endedAt` (undefined: none) applies to `record` (it began before). */
export function isEnded(record: SessionRecord, endedAt: number | undefined): boolean {
  return endedAt !== undefined && endedAt >= record.createdAt;
}

/**
 * The names under which a session can be ended: its own id first, then the provider's session
 * and the user (back-channel logout). Computed once per record.
 */
export function endKeys(record: SessionRecord): readonly string[] {
  let keys = END_KEYS.get(record);
  if (!keys) {
    // Cookies without an id are refused when unsealed (isSessionRecord); only a bearer view lacks one.
    keys = [`session:${record.id ?? ''}`, `sub:${record.user.id}`];
    if (record.sid) keys.push(`sid:${record.sid}`);
    END_KEYS.set(record, keys);
  }
  return keys;
}
const END_KEYS = new WeakMap<SessionRecord, string[]>();

/** Seconds past a cookie's own lifetime that iron-session may still accept it (clock skew). */
const SEAL_SKEW = 120;

/**
 * How long an end must be remembered: longer than any cookie sealed before it can live, so that
 * no ended session comes back when its entry expires.
 */
export function endedTtl(maxAge: number): number {
  return maxAge + SEAL_SKEW;
}

/** Provider errors that mean "sign in again to enter that organization". */
const REAUTHENTICATE = new Set(['interaction_required', 'login_required', 'consent_required', 'mfa_required', 'sso_required']);

/** True when the provider's OAuth `error` asks the user to sign in again (an organization switch). */
export function needsReauthentication(oauthError: string | undefined): boolean {
  return !!oauthError && REAUTHENTICATE.has(oauthError);
}
