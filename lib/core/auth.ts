/**
 * The `Auth` object handed to handlers (`req.auth`, `ctx.state.auth`): its data fields are own
 * properties in one fixed order, its methods live on the prototype and act on the request's
 * session.
 *
 * @packageDocumentation
 */
import type { Auth, RefreshOptions, SessionRecord } from '../types/session.js';
import type { CoreContext } from './context.js';
import type { AuthFields } from './view.js';
import { authFetch, type FetchingSession } from './auth-fetch.js';

/** What an `Auth` object's methods call: the request session behind it. */
export interface AuthOwner extends FetchingSession {
  readonly core: CoreContext;
  /** The request the session was loaded for (`raw`: the framework's own request object). */
  readonly request: { readonly raw: unknown };
  refreshNow(options?: RefreshOptions): Promise<Auth>;
  switchOrganization(organizationId: string): Promise<Auth>;
}

/** The `Auth` object. */
export class SessionAuth {
  declare isAuthenticated: boolean;
  declare user: Auth['user'];
  declare claims: Auth['claims'];
  declare sessionId: Auth['sessionId'];
  declare organizationId: Auth['organizationId'];
  declare role: Auth['role'];
  declare roles: Auth['roles'];
  declare permissions: Auth['permissions'];
  declare entitlements: Auth['entitlements'];
  declare featureFlags: Auth['featureFlags'];
  declare impersonator: Auth['impersonator'];
  declare accessToken: Auth['accessToken'];
  declare expiresAt: Auth['expiresAt'];
  readonly #owner: AuthOwner;

  /**
   * Signed out, or showing `fields` from the start: a signed-in `Auth` built whole in its
   * constructor keeps every field inside the object (none added afterwards, no property store
   * grown per request, measured on the cached path).
   */
  constructor(owner: AuthOwner, fields?: Readonly<AuthFields>) {
    this.#owner = owner;
    if (fields) {
      this.isAuthenticated = fields.isAuthenticated;
      this.user = fields.user;
      this.sessionId = fields.sessionId;
      this.organizationId = fields.organizationId;
      this.role = fields.role;
      this.roles = fields.roles;
      this.permissions = fields.permissions;
      this.entitlements = fields.entitlements;
      this.featureFlags = fields.featureFlags;
      this.impersonator = fields.impersonator;
      this.accessToken = fields.accessToken;
      this.expiresAt = fields.expiresAt;
      this.claims = fields.claims;
      return;
    }
    this.isAuthenticated = false;
    this.user = null;
    this.claims = {};
  }

  /**
   * Show `fields` (a signed-in view): plain stores in one fixed order, so that every signed-in
   * `Auth` shares one shape (cheaper than `Object.assign`, measured on the cached path).
   */
  show(fields: Readonly<AuthFields>): void {
    const self = this as AuthFields;
    self.isAuthenticated = fields.isAuthenticated;
    self.user = fields.user;
    self.sessionId = fields.sessionId;
    self.organizationId = fields.organizationId;
    self.role = fields.role;
    self.roles = fields.roles;
    self.permissions = fields.permissions;
    self.entitlements = fields.entitlements;
    self.featureFlags = fields.featureFlags;
    self.impersonator = fields.impersonator;
    self.accessToken = fields.accessToken;
    self.expiresAt = fields.expiresAt;
    self.claims = fields.claims;
  }

  /** Show a signed-out request: every signed-in field removed. */
  clear(): void {
    const self = this as unknown as Record<string, unknown>;
    for (const key of Object.keys(self)) delete self[key];
    this.isAuthenticated = false;
    this.user = null;
    this.claims = {};
  }

  refresh(options?: RefreshOptions): Promise<Auth> {
    return this.#owner.refreshNow(options);
  }

  switchOrganization(organizationId: string): Promise<Auth> {
    return this.#owner.switchOrganization(organizationId);
  }

  /** `auth.fetch()`: see lib/core/auth-fetch.ts (a prototype method: no closure per request). */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    return authFetch(this.#owner, input, init);
  }

  /** The session record behind an `Auth` object made here (step-up reads its ID token); null when signed out or not sessionkit's. */
  static recordOf(auth: unknown): SessionRecord | null {
    return typeof auth === 'object' && auth !== null && #owner in auth ? (auth as SessionAuth).#owner.record : null;
  }

  /** Was `auth` made here for the framework request `raw` (not for another request)? */
  static isFor(auth: unknown, raw: unknown): boolean {
    return typeof auth === 'object' && auth !== null && #owner in auth && (auth as SessionAuth).#owner.request.raw === raw;
  }

  /** The core behind an `Auth` object made here; null for anything else. */
  static contextOf(auth: unknown): CoreContext | null {
    return typeof auth === 'object' && auth !== null && #owner in auth ? (auth as SessionAuth).#owner.core : null;
  }
}
