/** The session's rules as pure functions: refresh due, timeouts, ended, end keys. */
import { describe, expect, test } from '@jest/globals';
import { endedTtl, endKeys, isEnded, needsReauthentication, needsRefresh, timing } from '../../lib/core/policy.js';
import type { SessionRecord } from '../../lib/types.js';

const T = 1_800_000_000;
const record = (over: Partial<SessionRecord> = {}): SessionRecord => ({
  v: 1,
  id: 'abc',
  user: { id: 'user_1', email: null, emailVerified: false, name: null, firstName: null, lastName: null, picture: null },
  accessToken: 'at',
  expiresAt: T + 300,
  createdAt: T - 1000,
  ...over,
});

describe('needsRefresh', () => {
  test('due exactly when the token expires within the buffer', () => {
    expect(needsRefresh(record(), 60, T)).toBe(false);
    expect(needsRefresh(record(), 300, T)).toBe(true);
    expect(needsRefresh(record(), 299, T)).toBe(false);
    expect(needsRefresh(record({ expiresAt: T - 1 }), 0, T)).toBe(true);
  });
});

describe('timing', () => {
  test('no timeouts: always live', () => {
    expect(timing(record({ createdAt: 0 }), { idleTimeout: 0, absoluteTimeout: 0 }, T)).toBe('live');
  });
  test('absolute timeout counts from sign-in, whatever the activity', () => {
    const r = record({ createdAt: T - 100, touchedAt: T });
    expect(timing(r, { idleTimeout: 0, absoluteTimeout: 101 }, T)).toBe('live');
    expect(timing(r, { idleTimeout: 0, absoluteTimeout: 100 }, T)).toBe('expired');
  });
  test('idle timeout counts from the last activity written (else sign-in)', () => {
    expect(timing(record({ createdAt: T - 500, touchedAt: T - 50 }), { idleTimeout: 60, absoluteTimeout: 0 }, T)).toBe('touch');
    expect(timing(record({ createdAt: T - 500, touchedAt: T - 60 }), { idleTimeout: 60, absoluteTimeout: 0 }, T)).toBe('expired');
    expect(timing(record({ createdAt: T - 500 }), { idleTimeout: 600, absoluteTimeout: 0 }, T)).toBe('touch');
  });
  test('activity is written at most every tenth of the idle timeout', () => {
    expect(timing(record({ touchedAt: T - 59 }), { idleTimeout: 600, absoluteTimeout: 0 }, T)).toBe('live');
    expect(timing(record({ touchedAt: T - 60 }), { idleTimeout: 600, absoluteTimeout: 0 }, T)).toBe('touch');
  });
});

describe('ended', () => {
  test('an end applies to sessions that began before it, not after', () => {
    const r = record({ createdAt: T });
    expect(isEnded(r, undefined)).toBe(false);
    expect(isEnded(r, T - 1)).toBe(false);
    expect(isEnded(r, T)).toBe(true);
  });
  test('end keys: the session id first, then the user, then the provider session; one array per record', () => {
    const r = record({ sid: 'sid_1' });
    expect(endKeys(r)).toEqual(['session:abc', 'sub:user_1', 'sid:sid_1']);
    expect(endKeys(r)).toBe(endKeys(r));
    expect(endKeys(record())).toEqual(['session:abc', 'sub:user_1']);
  });
  test('an end outlives every cookie sealed before it', () => {
    expect(endedTtl(3600)).toBeGreaterThan(3600);
  });
});

describe('needsReauthentication', () => {
  test('only the errors that ask the user to sign in again', () => {
    expect(['login_required', 'interaction_required', 'consent_required', 'mfa_required', 'sso_required'].every(needsReauthentication)).toBe(true);
    expect(needsReauthentication('invalid_grant')).toBe(false);
    expect(needsReauthentication(undefined)).toBe(false);
  });
});

describe('freshUntil', () => {
  test('before it, never due for refresh and always live; from it on, one of the two is not so', async () => {
    const { freshUntil } = await import('../../lib/core/policy.js');
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(
        fc.integer({ min: -5000, max: 5000 }), // expiresAt − T
        fc.oneof(fc.integer({ min: -5000, max: 0 }), fc.constantFrom(-0.5, -10.25)), // createdAt − T (whole seconds when sessionkit writes it)
        fc.option(fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.constantFrom(0.5, 7.75)), { nil: undefined }), // touchedAt − createdAt
        fc.constantFrom(0, 1, 59.5, 60, 300),
        fc.constantFrom(0, 0.5, 1, 9, 10, 15.5, 600, 3600),
        fc.constantFrom(0, 1, 7, 1800, 86400),
        fc.integer({ min: -6000, max: 6000 }), // at − T
        (expires, created, touched, buffer, idleTimeout, absoluteTimeout, at) => {
          const r = record({ expiresAt: T + expires, createdAt: T + created, touchedAt: touched === undefined ? undefined : T + created + touched });
          const timeouts = { idleTimeout, absoluteTimeout };
          const fresh = !needsRefresh(r, buffer, T + at) && timing(r, timeouts, T + at) === 'live';
          expect(T + at < freshUntil(r, buffer, timeouts)).toBe(fresh);
        },
      ),
      { numRuns: 20_000 },
    );
  });
});
