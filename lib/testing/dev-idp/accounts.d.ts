// Types for accounts.js. Kept in step with its JSDoc; regenerate with
// npx tsc --ignoreConfig --allowJs --declaration --emitDeclarationOnly --module nodenext --strict --skipLibCheck --outDir <tmp> lib/testing/dev-idp/index.js lib/testing/dev-idp/http-login.js

export type Organization = {
    id: string;
    name: string;
    /**
     * switching into it needs a fresh sign-in
     */
    requiresReauthentication?: boolean;
};
export type Membership = {
    organizationId: string;
    role: string;
    permissions: string[];
    featureFlags: string[];
};
export type DemoUser = {
    /**
     * the `sub`
     */
    id: string;
    email: string;
    password: string;
    name: string;
    given_name: string;
    family_name: string;
    email_verified: boolean;
    /**
     * the first one is the user's default organization
     */
    memberships: Membership[];
};
export declare const ORGANIZATIONS: readonly Organization[];
export declare const DEMO_USERS: readonly DemoUser[];
export declare function findUserById(id: string | undefined): DemoUser | undefined;
export declare function findUserByEmail(email: string | undefined): DemoUser | undefined;
export declare function findOrganization(id: unknown): Organization | undefined;
export declare function membershipOf(user: DemoUser | undefined, organizationId: string | null | undefined): Membership | undefined;
export declare function defaultOrganizationId(user: DemoUser | undefined): string | null;
/**
 * Checks a password without leaking timing about its length.
 * @param {DemoUser} user
 * @param {string} password
 */
export declare function verifyPassword(user: DemoUser, password: string): Promise<boolean>;
export type Directory = {
    users: readonly DemoUser[];
    organizations: readonly Organization[];
    findUserById: (id: string | undefined) => DemoUser | undefined;
    findUserByEmail: (email: string | undefined) => DemoUser | undefined;
    findOrganization: (id: unknown) => Organization | undefined;
};
/**
 * A user directory of its own (`startDevIdp({ users, organizations })`): the same lookups as the
 * module's functions, over the given users and organizations (frozen copies).
 */
export declare function createDirectory(users: readonly DemoUser[], organizations: readonly Organization[]): Directory;
