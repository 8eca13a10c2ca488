// Demo organizations and users of the development identity provider.
// Everything here is fake and public on purpose: the passwords are shown on the login page.

/**
 * @typedef {object} Organization
 * @property {string} id
 * @property {string} name
 * @property {boolean} [requiresReauthentication] switching into it needs a fresh sign-in
 */

/**
 * @typedef {object} Membership
 * @property {string} organizationId
 * @property {string} role
 * @property {string[]} permissions
 * @property {string[]} featureFlags
 */

/**
 * @typedef {object} DemoUser
 * @property {string} id            the `sub`
 * @property {string} email
 * @property {string} password
 * @property {string} name
 * @property {string} given_name
 * @property {string} family_name
 * @property {boolean} email_verified
 * @property {Membership[]} memberships the first one is the user's default organization
 */

/**
 * @template T
 * @param {T} value
 * @returns {T}
 */
function deepFreeze(value) {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** @type {readonly Organization[]} */
export const ORGANIZATIONS = deepFreeze([
  { id: 'org_acme', name: 'Acme Corp' },
  { id: 'org_globex', name: 'Globex' },
  { id: 'org_initech', name: 'Initech', requiresReauthentication: true },
]);

const ALL_WIDGETS = ['widgets:read', 'widgets:write', 'members:manage'];

/** @type {readonly DemoUser[]} */
export const DEMO_USERS = deepFreeze([
  {
    id: 'user_alice',
    email: 'alice@example.com',
    password: 'alice-password',
    name: 'Alice Anderson',
    given_name: 'Alice',
    family_name: 'Anderson',
    email_verified: true,
    memberships: [
      { organizationId: 'org_acme', role: 'admin', permissions: [...ALL_WIDGETS], featureFlags: ['new-dashboard', 'beta-reports'] },
      { organizationId: 'org_globex', role: 'member', permissions: ['widgets:read'], featureFlags: [] },
      { organizationId: 'org_initech', role: 'member', permissions: ['widgets:read'], featureFlags: ['tps-reports'] },
    ],
  },
  {
    id: 'user_bob',
    email: 'bob@example.com',
    password: 'bob-password',
    name: 'Bob Brown',
    given_name: 'Bob',
    family_name: 'Brown',
    email_verified: true,
    memberships: [
      { organizationId: 'org_globex', role: 'admin', permissions: [...ALL_WIDGETS], featureFlags: ['new-dashboard'] },
    ],
  },
  {
    id: 'user_carol',
    email: 'carol@example.com',
    password: 'carol-password',
    name: 'Carol Clark',
    given_name: 'Carol',
    family_name: 'Clark',
    email_verified: true,
    memberships: [],
  },
]);

const usersById = new Map(DEMO_USERS.map((u) => [u.id, u]));
const usersByEmail = new Map(DEMO_USERS.map((u) => [u.email.toLowerCase(), u]));
const orgsById = new Map(ORGANIZATIONS.map((o) => [o.id, o]));

/** @param {string | undefined} id */
export function findUserById(id) {
  return id === undefined ? undefined : usersById.get(id);
}

/** @param {string | undefined} email */
export function findUserByEmail(email) {
  return typeof email === 'string' ? usersByEmail.get(email.trim().toLowerCase()) : undefined;
}

/** @param {unknown} id */
export function findOrganization(id) {
  return typeof id === 'string' ? orgsById.get(id) : undefined;
}

/**
 * @param {DemoUser | undefined} user
 * @param {string | null | undefined} organizationId
 * @returns {Membership | undefined}
 */
export function membershipOf(user, organizationId) {
  if (!user || !organizationId) return undefined;
  return user.memberships.find((m) => m.organizationId === organizationId);
}

/**
 * @param {DemoUser | undefined} user
 * @returns {string | null}
 */
export function defaultOrganizationId(user) {
  return user?.memberships[0]?.organizationId ?? null;
}

/**
 * Checks a password without leaking timing about its length.
 * @param {DemoUser} user
 * @param {string} password
 */
export async function verifyPassword(user, password) {
  const { timingSafeEqual, createHash } = await import('node:crypto');
  const a = createHash('sha256').update(user.password).digest();
  const b = createHash('sha256').update(String(password)).digest();
  return timingSafeEqual(a, b);
}

/**
 * @typedef {object} Directory
 * @property {readonly DemoUser[]} users
 * @property {readonly Organization[]} organizations
 * @property {(id: string | undefined) => DemoUser | undefined} findUserById
 * @property {(email: string | undefined) => DemoUser | undefined} findUserByEmail
 * @property {(id: unknown) => Organization | undefined} findOrganization
 */

/**
 * A user directory of its own (`startDevIdp({ users, organizations })`): the same lookups as the
 * module's functions, over the given users and organizations (frozen copies).
 * @param {readonly DemoUser[]} users
 * @param {readonly Organization[]} organizations
 * @returns {Directory}
 */
export function createDirectory(users, organizations) {
  const frozenUsers = deepFreeze(structuredClone([...users]));
  const frozenOrgs = deepFreeze(structuredClone([...organizations]));
  const byId = new Map(frozenUsers.map((u) => [u.id, u]));
  const byEmail = new Map(frozenUsers.map((u) => [u.email.toLowerCase(), u]));
  const orgs = new Map(frozenOrgs.map((o) => [o.id, o]));
  if (byId.size !== frozenUsers.length || byEmail.size !== frozenUsers.length) throw new TypeError('dev-idp: user ids and emails must be unique');
  return {
    users: frozenUsers,
    organizations: frozenOrgs,
    findUserById: (id) => (id === undefined ? undefined : byId.get(id)),
    findUserByEmail: (email) => (typeof email === 'string' ? byEmail.get(email.trim().toLowerCase()) : undefined),
    findOrganization: (id) => (typeof id === 'string' ? orgs.get(id) : undefined),
  };
}
