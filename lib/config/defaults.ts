/**
 * Defaults that are more than a literal: the claim names of the `Auth` view, the route paths, and
 * the logger used when none is given.
 *
 * @packageDocumentation
 */
import { ConfigError } from '../errors.js';
import type { ClaimNames, Logger } from '../types/session.js';
import type { SessionKitOptions } from '../types/options.js';
import { ROUTE_NAMES, ROUTE_TABLE, type RouteName } from '../routes/table.js';

/** Default claim names of the `Auth` view. */
export const DEFAULT_CLAIMS: Readonly<ClaimNames> = Object.freeze({
  sessionId: 'sid',
  organizationId: 'org_id',
  role: 'role',
  roles: 'roles',
  permissions: 'permissions',
  entitlements: 'entitlements',
  featureFlags: 'feature_flags',
  impersonator: 'act',
});

/** Route paths after defaults; `null` = not mounted. */
export type ResolvedRoutes = { [name in RouteName]: string | null };

/** The default path of each route. */
export const DEFAULT_ROUTES: Readonly<ResolvedRoutes> = Object.freeze(Object.fromEntries(ROUTE_NAMES.map((name) => [name, ROUTE_TABLE[name].path])) as ResolvedRoutes);

/** The default logger: warnings and errors to stderr as one JSON line, debug only when asked. */
export function consoleLogger(debug: boolean): Logger {
  const line = (level: string, obj: object, msg?: string) =>
    console.error(JSON.stringify({ level, name: 'sessionkit', msg, ...obj }));
  return {
    debug: debug ? (obj, msg) => line('debug', obj, msg) : undefined,
    info: (obj, msg) => line('info', obj, msg),
    warn: (obj, msg) => line('warn', obj, msg),
    error: (obj, msg) => line('error', obj, msg),
  };
}

/** The `routes` option after defaults: each path, or null when turned off. */
export function resolveRoutes(routes: SessionKitOptions['routes']): Readonly<ResolvedRoutes> {
  if (routes === false) {
    return Object.freeze(Object.fromEntries(Object.keys(DEFAULT_ROUTES).map((k) => [k, null])) as unknown as ResolvedRoutes);
  }
  const out = { ...DEFAULT_ROUTES };
  for (const [key, value] of Object.entries(routes ?? {})) {
    if (!(key in DEFAULT_ROUTES)) throw new ConfigError(`routes.${key}`, undefined, `is not a route (known: ${Object.keys(DEFAULT_ROUTES).join(', ')})`);
    if (value === false) out[key as keyof ResolvedRoutes] = null;
    else if (typeof value === 'string' && value.startsWith('/')) out[key as keyof ResolvedRoutes] = value;
    else throw new ConfigError(`routes.${key}`, undefined, `must be a path starting with "/" or false, got ${JSON.stringify(value)}`);
  }
  return Object.freeze(out);
}
