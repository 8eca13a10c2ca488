/**
 * `requireAuth()`'s decision as a pure function: who may pass, and if not, why. The adapters turn
 * a {@link Denial} into the default reply (see `Core.denialReply`) or hand it to `onDenied`.
 *
 * @packageDocumentation
 */
import type { Auth } from '../types/session.js';
import type { Denial, RequireAuthOptions } from '../types/hooks.js';

/** The fields of `Auth` the guard reads. */
type Guarded = Pick<Auth, 'isAuthenticated' | 'permissions' | 'roles' | 'role' | 'organizationId'>;

/**
 * Null when `auth` meets `options`; otherwise why not: signed out, or signed in without every
 * listed permission, any listed role, or an organization. Allocates nothing on the way through.
 */
export function denialOf(auth: Guarded, options: RequireAuthOptions<any, any>, loginUrl: string | null): Denial | null {
  if (!auth.isAuthenticated) return { reason: 'unauthenticated', status: 401, loginUrl };
  const { permissions, roles, organization } = options;
  const lacksPermission = !!permissions?.length && permissions.some((p) => !auth.permissions?.includes(p));
  const lacksRole = !!roles?.length && !roles.some((r) => r === auth.role || !!auth.roles?.includes(r));
  const lacksOrganization = !!organization && !auth.organizationId;
  if (!lacksPermission && !lacksRole && !lacksOrganization) return null;
  return {
    reason: 'forbidden',
    status: 403,
    missing: {
      permissions: lacksPermission ? permissions!.filter((p) => !auth.permissions?.includes(p)) : [],
      roles: lacksRole ? [...roles!] : [],
      organization: lacksOrganization,
    },
  };
}
