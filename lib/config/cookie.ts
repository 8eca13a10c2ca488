/**
 * The `cookie` option and its variables → the session cookie's settings.
 *
 * @packageDocumentation
 */
import { ConfigError } from '../errors.js';
import type { CookieOptions, SameSite } from '../types/option-groups.js';
import { checkCookiePrefix, number, resolvePasswords } from './checks.js';
import { ENV_VARS, type Env } from './env.js';
import type { Problems } from './problems.js';

/** The session cookie's settings after defaults and checks. */
export interface ResolvedCookie {
  name: string;
  passwords: Readonly<Record<string, string>>;
  maxAge: number;
  domain: string | undefined;
  path: string;
  sameSite: SameSite;
  secure: boolean;
}

/** Resolve `cookie` (problems are noted in `problems`, with a usable fallback for each). */
export function resolveCookie(cookieIn: CookieOptions, env: Env, baseURL: URL, problems: Problems): Readonly<ResolvedCookie> {
  const passwords = problems.attempt(() => resolvePasswords(cookieIn.password ?? env[ENV_VARS['cookie.password']]), Object.freeze({}));
  const name = problems.attempt(() => {
    const n = problems.pick(cookieIn.name, 'cookie.name') ?? 'sessionkit';
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(n)) {
      throw new ConfigError('cookie.name', ENV_VARS['cookie.name'], `must be a valid cookie name (letters, digits, - _ .), got ${JSON.stringify(n)}`);
    }
    return n;
  }, 'sessionkit');
  const maxAge = problems.attempt(() => number(cookieIn.maxAge ?? env[ENV_VARS['cookie.maxAge']], 'cookie.maxAge', ENV_VARS['cookie.maxAge'], 14 * 24 * 3600, 60), 14 * 24 * 3600);
  const domain = problems.attempt(() => {
    const d = problems.pick(cookieIn.domain, 'cookie.domain');
    if (d !== undefined && !/^\.?[A-Za-z0-9.-]+$/.test(d)) throw new ConfigError('cookie.domain', ENV_VARS['cookie.domain'], `is not a domain name: ${JSON.stringify(d)}`);
    return d;
  }, undefined);
  const sameSiteRaw = problems.attempt((): SameSite => {
    const v = (problems.pick(cookieIn.sameSite, 'cookie.sameSite') ?? 'lax').toLowerCase();
    if (v !== 'lax' && v !== 'strict' && v !== 'none') {
      throw new ConfigError('cookie.sameSite', ENV_VARS['cookie.sameSite'], `must be "lax", "strict" or "none", got ${JSON.stringify(v)}`);
    }
    return v;
  }, 'lax');
  const secure = cookieIn.secure ?? baseURL.protocol === 'https:';
  if (sameSiteRaw === 'none' && !secure) {
    problems.push(new ConfigError('cookie.sameSite', ENV_VARS['cookie.sameSite'], '"none" needs a secure cookie (an https:// baseURL or cookie.secure: true)'));
  }
  const cookiePath = cookieIn.path ?? '/';
  if (!cookiePath.startsWith('/')) problems.push(new ConfigError('cookie.path', undefined, 'must start with "/"'));
  problems.attempt(() => checkCookiePrefix(name, { secure, domain, path: cookiePath }), undefined);

  return Object.freeze({ name, passwords, maxAge, domain, path: cookiePath, sameSite: sameSiteRaw, secure });
}
