/**
 * The options that are groups of their own (`cookie`, `routes`, `endpoints`, `bearer`, `dpop`) and
 * the values some options take, each field documented with its default and variable.
 *
 * @packageDocumentation
 */
import type { RouteName } from '../routes/table.js';

/** The `sameSite` attribute of sessionkit's cookies. */
export type SameSite = 'lax' | 'strict' | 'none';

/** The session cookie's options. */
export interface CookieOptions {
  /**
   * The secret the session is sealed with (iron-session): at least 32 characters, or
   * `{ [id]: password }` for rotation (the highest id seals, all unseal). Required.
   * @default none
   * @env SESSIONKIT_COOKIE_PASSWORD
   */
  password?: string | Record<string, string>;
  /**
   * The cookie's name; a session too large for one cookie is split into `name.0`, `name.1`.
   * A `__Host-` name (Secure, `Path=/`, no `Domain`) keeps sibling subdomains from setting it.
   * @default `sessionkit`
   * @env SESSIONKIT_COOKIE_NAME
   */
  name?: string;
  /**
   * Seconds the cookie (and the seal) lives.
   * @default 1209600 (14 days)
   * @env SESSIONKIT_COOKIE_MAX_AGE
   */
  maxAge?: number;
  /**
   * The cookie's `Domain`.
   * @default host-only
   * @env SESSIONKIT_COOKIE_DOMAIN
   */
  domain?: string;
  /**
   * The cookie's `Path`.
   * @default `/`
   */
  path?: string;
  /**
   * The cookie's `SameSite`: `lax`, `strict`, or `none` (which needs `secure`).
   * @default `lax`
   * @env SESSIONKIT_COOKIE_SAMESITE
   */
  sameSite?: SameSite;
  /**
   * The cookie's `Secure` attribute.
   * @default true when `baseURL` is `https://`
   */
  secure?: boolean;
}

/** Paths of the routes sessionkit mounts; `false` turns one off. */
export type RoutesOptions = { [name in RouteName]?: string | false };

/** Endpoints of a plain OAuth2 provider used without discovery. */
export interface EndpointsOptions {
  authorization: string;
  token: string;
  revocation?: string;
  userinfo?: string;
  endSession?: string;
  jwks?: string;
  /** Issuer identifier, for ID-token and JWT access-token `iss` checks (default: the origin of `token`). */
  issuer?: string;
}

/** How the client authenticates at the provider (OAuth 2.0 `token_endpoint_auth_method`). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

/** A private JWK (RFC 7517) as `clientPrivateKey` takes it. */
export interface ClientPrivateJwk {
  kty: string;
  d: string;
  kid?: string;
  alg?: string;
  [parameter: string]: unknown;
}

/** The `dpop` option as an object. */
export interface DpopOptions {
  /**
   * One key for every session instead of a key per session: a private JWK (object or JSON text)
   * or a PEM, EC P-256 (ES256) or Ed25519 (EdDSA). Keep it secret like `clientSecret`.
   */
  privateKey?: string | ClientPrivateJwk;
}

/** The `bearer` option: which `Authorization: Bearer` JWT access tokens are accepted. */
export interface BearerOptions {
  /** The audience (`aud`) your API expects; one of them must be in the token. */
  audience: string | string[];
  /** The expected `iss` (default: the provider's issuer). */
  issuer?: string;
  /**
   * The JOSE `typ` header an access token must carry (compared case-insensitively, an
   * `application/` prefix allowed). Default `at+jwt`, the JWT access-token profile (RFC 9068 §4):
   * it is what keeps an ID token, a logout token or any other JWT the provider signs from being
   * accepted as an access token. Set the `typ` your provider uses, or `false` for a provider that
   * does not type its access tokens (then only the claim checks below tell them apart).
   *
   * Whatever this says, a token that carries a `nonce` (an ID token) or an `events` claim (a
   * logout or security-event token) is never accepted.
   */
  typ?: string | false;
  /**
   * Require the JWT access-token profile of RFC 9068 in full: the `typ` `at+jwt` (already the
   * default of {@link BearerOptions.typ}; a `typ` of `false` or another type is then a start-up
   * error) and the claims `iss`, `exp`, `aud`, `sub`, `client_id`, `iat` and `jti`. Whatever this
   * says, only asymmetric signatures are accepted (never `none` or `HS*`).
   * @default false
   */
  requireJwtAccessTokenType?: boolean;
}
