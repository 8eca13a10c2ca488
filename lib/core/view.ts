/**
 * Claims → the `Auth` view's fields, with the claim names of the configuration; and ID-token
 * claims → `User`.
 *
 * @packageDocumentation
 */
import type { Auth, ClaimNames, Impersonator, SessionRecord, User } from '../types/session.js';

/** The data fields of {@link Auth} (everything but its methods). */
export type AuthFields = Omit<Auth, 'refresh' | 'switchOrganization' | 'fetch'>;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

function strings(v: unknown): string[] | undefined {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  if (typeof v === 'string' && v) return v.split(' ');
  return undefined;
}

function impersonatorOf(v: unknown): Impersonator | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const act = v as Record<string, unknown>;
  const email = str(act.email) ?? str(act.sub);
  if (!email) return undefined;
  return act.reason !== undefined ? { email, reason: String(act.reason) } : { email };
}

/**
 * The signed-in fields for `record`, reading each from `claims` (the verified access-token
 * claims), falling back to the ID-token claims where the access token is opaque.
 */
export function signedInFields(record: SessionRecord, claims: Record<string, unknown>, idClaims: Record<string, unknown>, names: ClaimNames): AuthFields {
  const source = Object.keys(claims).length ? claims : idClaims;
  const get = (name: string) => source[name] ?? idClaims[name];
  return {
    isAuthenticated: true,
    user: record.user,
    sessionId: str(get(names.sessionId)),
    organizationId: str(get(names.organizationId)) ?? record.organizationId,
    role: str(get(names.role)),
    roles: strings(get(names.roles)),
    permissions: strings(get(names.permissions)),
    entitlements: strings(get(names.entitlements)),
    featureFlags: strings(get(names.featureFlags)),
    impersonator: impersonatorOf(get(names.impersonator)),
    accessToken: record.accessToken,
    expiresAt: record.expiresAt,
    claims: source,
  };
}

/** The user from ID-token (and userinfo) claims. */
export function userFromClaims(claims: Record<string, unknown>, previous?: User): User {
  const s = (k: string) => str(claims[k]) ?? null;
  const given = s('given_name');
  const family = s('family_name');
  return {
    id: s('sub') ?? previous?.id ?? '',
    email: s('email') ?? previous?.email ?? null,
    emailVerified: typeof claims.email_verified === 'boolean' ? claims.email_verified : (previous?.emailVerified ?? false),
    name: s('name') ?? (given || family ? [given, family].filter(Boolean).join(' ') : null) ?? previous?.name ?? null,
    firstName: given ?? previous?.firstName ?? null,
    lastName: family ?? previous?.lastName ?? null,
    picture: s('picture') ?? previous?.picture ?? null,
  };
}

/** The JSON of `GET /session`: the signed-in view, never tokens. */
export function publicView(auth: AuthFields): Record<string, unknown> {
  return {
    user: auth.user,
    organizationId: auth.organizationId ?? null,
    role: auth.role ?? null,
    roles: auth.roles ?? [],
    permissions: auth.permissions ?? [],
    entitlements: auth.entitlements ?? [],
    featureFlags: auth.featureFlags ?? [],
    impersonator: auth.impersonator ?? null,
    expiresAt: auth.expiresAt ?? null,
  };
}

/** Freeze `value` and everything reachable from it (views shared between requests stay unchanged). */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * OpenID Connect Core §12.2: an ID token from a refresh must name the same user as the session's
 * (`sub`), from the same issuer and for the same audience as the ID token it replaces. One that
 * does not is dropped (the session keeps its user), never adopted.
 */
export function sameIdentity(record: SessionRecord, previousIdClaims: Record<string, unknown>, next: Record<string, unknown>): boolean {
  if (next.sub !== record.user.id) return false;
  if (previousIdClaims.iss !== undefined && next.iss !== previousIdClaims.iss) return false;
  if (previousIdClaims.aud !== undefined && JSON.stringify([previousIdClaims.aud].flat().sort()) !== JSON.stringify([next.aud].flat().sort())) return false;
  return true;
}

