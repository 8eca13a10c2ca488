/**
 * `bearer.requireJwtAccessTokenType`: the JWT access-token profile of RFC 9068 in full, and how it
 * relates to `bearer.typ` (validated once, at start-up).
 *
 * @packageDocumentation
 */
import { ConfigError } from '../errors.js';
import type { BearerOptions } from '../types/option-groups.js';

/**
 * True when bearer tokens must follow RFC 9068 in full: `typ` `at+jwt` (§2.1) and the claims
 * `iss`, `exp`, `aud`, `sub`, `client_id`, `iat` and `jti` (§2.2). `typ` is already `at+jwt` by
 * default; the option adds the claims, and refuses a `bearer.typ` that contradicts it.
 *
 * @throws {ConfigError} naming `bearer.requireJwtAccessTokenType` when it is not a boolean, or when
 *   `bearer.typ` is `false` or another type than `at+jwt`.
 */
export function jwtAccessTokenProfile(bearer: BearerOptions, typ: string | false): boolean {
  const required = bearer.requireJwtAccessTokenType;
  if (required === undefined || required === false) return false;
  if (required !== true) {
    throw new ConfigError('bearer.requireJwtAccessTokenType', undefined, `must be true or false, got ${JSON.stringify(required)}`);
  }
  const normalized = typ === false ? false : typ.toLowerCase().replace(/^application\//, '');
  if (normalized !== 'at+jwt') {
    throw new ConfigError(
      'bearer.requireJwtAccessTokenType',
      undefined,
      `requires access tokens typed "at+jwt" (RFC 9068), but \`bearer.typ\` is ${JSON.stringify(typ)}: leave \`bearer.typ\` unset (or "at+jwt")`,
    );
  }
  return true;
}
