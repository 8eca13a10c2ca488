/** The guard as a pure function: every requirement, alone and together. */
import { describe, expect, test } from '@jest/globals';
import { denialOf } from '../../lib/core/guard.js';

const member = { isAuthenticated: true, permissions: ['widgets:read'], roles: ['member'], role: 'member', organizationId: 'org_a' };

describe('denialOf', () => {
  test('signed out: unauthenticated, with the login URL given', () => {
    expect(denialOf({ isAuthenticated: false }, {}, '/login?returnTo=%2Fx')).toEqual({ reason: 'unauthenticated', status: 401, loginUrl: '/login?returnTo=%2Fx' });
    expect(denialOf({ isAuthenticated: false }, { permissions: ['a'] }, null)).toEqual({ reason: 'unauthenticated', status: 401, loginUrl: null });
  });

  test('signed in and no requirement: through', () => {
    expect(denialOf(member, {}, null)).toBeNull();
    expect(denialOf({ isAuthenticated: true }, { permissions: [], roles: [] }, null)).toBeNull();
  });

  test('permissions: every one is needed; the missing ones are named', () => {
    expect(denialOf(member, { permissions: ['widgets:read'] }, null)).toBeNull();
    expect(denialOf(member, { permissions: ['widgets:read', 'widgets:write', 'x'] }, null)).toEqual({
      reason: 'forbidden',
      status: 403,
      missing: { permissions: ['widgets:write', 'x'], roles: [], organization: false },
    });
  });

  test('roles: any one is enough, from `role` or `roles`', () => {
    expect(denialOf(member, { roles: ['admin', 'member'] }, null)).toBeNull();
    expect(denialOf({ isAuthenticated: true, role: 'owner' }, { roles: ['owner'] }, null)).toBeNull();
    expect(denialOf(member, { roles: ['admin'] }, null)).toMatchObject({ missing: { roles: ['admin'] } });
  });

  test('organization', () => {
    expect(denialOf(member, { organization: true }, null)).toBeNull();
    expect(denialOf({ ...member, organizationId: undefined }, { organization: true }, null)).toMatchObject({ missing: { organization: true } });
  });
});
