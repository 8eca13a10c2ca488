/**
 * The checks each option goes through, one small function each, throwing a {@link ConfigError}
 * that names the option and its variable.
 *
 * @packageDocumentation
 */
import { ConfigError } from '../errors.js';
import type { SessionKitOptions } from '../types/options.js';
import { ENV_VARS, type Env } from './env.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** True for hosts that may use plain `http://` (localhost, 127.0.0.1, ::1). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.has(hostname.toLowerCase());
}

/** A JOSE `typ` as compared: lower case, without the optional `application/` prefix (RFC 7515 §4.1.9). */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

/**
 * Cookie name prefixes that browsers enforce: `__Secure-` needs `Secure`; `__Host-` needs
 * `Secure`, `Path=/` and no `Domain` (then no sibling subdomain can set or toss the cookie).
 * A cookie that breaks them is silently dropped by the browser, so it is refused here.
 */
export function checkCookiePrefix(name: string, attrs: { secure: boolean; domain: string | undefined; path: string }): void {
  const lower = name.toLowerCase();
  const host = lower.startsWith('__host-');
  if ((host || lower.startsWith('__secure-')) && !attrs.secure) {
    throw new ConfigError('cookie.name', 'SESSIONKIT_COOKIE_NAME', `${JSON.stringify(name)} needs a Secure cookie: an https:// baseURL or cookie.secure: true`);
  }
  if (host && attrs.domain !== undefined) throw new ConfigError('cookie.domain', 'SESSIONKIT_COOKIE_DOMAIN', `must not be set with the __Host- cookie name ${JSON.stringify(name)}`);
  if (host && attrs.path !== '/') throw new ConfigError('cookie.path', undefined, `must be "/" with the __Host- cookie name ${JSON.stringify(name)}`);
}

export function parseUrl(value: string, option: string, envVar: string | undefined): URL {
  try {
    return new URL(value);
  } catch {
    throw new ConfigError(option, envVar, `must be an absolute URL, got ${JSON.stringify(value)}`);
  }
}

/**
 * `allowInsecureIssuer` (`SESSIONKIT_ALLOW_INSECURE_ISSUER=1`): a development provider on an
 * internal host over plain `http://` (`http://keycloak:8080` in Docker Compose). Refused when
 * `NODE_ENV` is `production`. `'refused'` when asked for in production, else whether it is on.
 */
export function insecureProvider(options: SessionKitOptions, env: Env): boolean | 'refused' {
  const asked = options.allowInsecureIssuer ?? ['1', 'true'].includes((env[ENV_VARS.allowInsecureIssuer] ?? '').toLowerCase());
  if (!asked) return false;
  return env.NODE_ENV === 'production' ? 'refused' : true;
}

export function checkProviderUrlWith(value: string, option: string, envVar: string | undefined, insecure: boolean | 'refused'): URL {
  const url = parseUrl(value, option, envVar);
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url;
  if (url.protocol === 'http:' && insecure === true) return url;
  if (url.protocol === 'http:' && insecure === 'refused') {
    throw new ConfigError(option, envVar, `must be https:// in production: \`allowInsecureIssuer\` (SESSIONKIT_ALLOW_INSECURE_ISSUER) is refused when NODE_ENV=production, got ${url.origin}`);
  }
  throw new ConfigError(
    option,
    envVar,
    `must be https:// (http:// is allowed only for localhost, 127.0.0.1 and ::1, or for a development host with \`allowInsecureIssuer: true\` / SESSIONKIT_ALLOW_INSECURE_ISSUER=1 outside production), got ${url.origin}`,
  );
}

export function joinPath(base: URL, path: string): string {
  const prefix = base.pathname.replace(/\/$/, '');
  return base.origin + prefix + path;
}

export function number(value: unknown, option: string, envVar: string | undefined, fallback: number, min: number): number {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min) {
    throw new ConfigError(option, envVar, `must be a number ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function resolvePasswords(input: unknown): Readonly<Record<string, string>> {
  const option = 'cookie.password';
  const envVar = 'SESSIONKIT_COOKIE_PASSWORD';
  if (input === undefined || input === '') {
    throw new ConfigError(option, envVar, 'is required: a secret of at least 32 characters (e.g. `openssl rand -base64 32`)');
  }
  const map: Record<string, unknown> = typeof input === 'string' ? { 1: input } : (input as Record<string, unknown>);
  if (typeof map !== 'object' || map === null || Object.keys(map).length === 0) {
    throw new ConfigError(option, envVar, 'must be a string or a non-empty { [id]: password } map');
  }
  for (const [id, pw] of Object.entries(map)) {
    // At most 10 digits: a seal with a longer id is refused unread (SEAL in lib/core/session-cookie.ts).
    if (!/^\d{1,10}$/.test(id)) throw new ConfigError(option, envVar, `ids of the password map must be numbers of 1 to 10 digits (the highest seals), got ${JSON.stringify(id)}`);
    if (typeof pw !== 'string' || pw.length < 32) {
      throw new ConfigError(option, envVar, `must be at least 32 characters long${typeof map === 'object' && typeof input !== 'string' ? ` (id ${id})` : ''}: a random secret, e.g. \`openssl rand -base64 32\``);
    }
  }
  return Object.freeze({ ...(map as Record<string, string>) });
}
