/**
 * Access tokens: expiry and verified claims. A JWT issued by the provider is verified against its
 * JWKS with jose (signature and issuer; expiry is the refresh discipline's business); any other
 * token is opaque and its expiry comes from `expires_in`. Results are cached per token value.
 *
 * @packageDocumentation
 */
import { compactVerify, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import { TokenError } from '../errors.js';
import type { Provider } from './provider.js';

/** What sessionkit knows about one access token. */
export interface TokenInfo {
  /** The verified JWT claims; empty for opaque tokens. */
  claims: Record<string, unknown>;
  /** Expiry, Unix seconds: the JWT `exp`, else the `expires_in`-derived fallback. */
  expiresAt: number;
  /** True when the token is a JWT of the provider, verified. */
  verified: boolean;
}

const ASYMMETRIC_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** Verifies access tokens and caches the outcome per token value (bounded; never caches a failure). */
export class TokenInspector {
  readonly #provider: Provider;
  readonly #cache = new LRUCache<string, TokenInfo>({ max: 10_000 });

  constructor(provider: Provider) {
    this.#provider = provider;
  }

  /**
   * Inspect `token`. `fallbackExpiresAt` is used for opaque tokens.
   *
   * @throws {TokenError} when the token claims to be the provider's JWT and does not verify.
   */
  async inspect(token: string, fallbackExpiresAt: number): Promise<TokenInfo> {
    const cached = this.#cache.get(token);
    if (cached) return cached;
    const [info, cacheable] = await this.#inspect(token, fallbackExpiresAt);
    if (cacheable) this.#cache.set(token, info, { ttl: Math.max(1, info.expiresAt * 1000 - Date.now() + 5 * 60_000) });
    return info;
  }

  /** Returns the info and whether it may be cached (not when the provider's keys could not be had). */
  async #inspect(token: string, fallbackExpiresAt: number): Promise<[TokenInfo, boolean]> {
    let payload: JWTPayload;
    try {
      payload = decodeJwt(token);
    } catch {
      return [{ claims: {}, expiresAt: fallbackExpiresAt, verified: false }, true];
    }
    const unchecked: TokenInfo = { claims: payload as Record<string, unknown>, expiresAt: expOf(payload, fallbackExpiresAt), verified: false };
    let jwks;
    try {
      const issuer = await this.#provider.issuer();
      // A JWT of another issuer (an API's own tokens) is opaque to us.
      if (payload.iss !== issuer) return [{ claims: {}, expiresAt: fallbackExpiresAt, verified: false }, true];
      jwks = await this.#provider.jwks();
    } catch {
      // Discovery failed: the provider is down. The token came from its token endpoint and lives
      // in a sealed cookie; use it unchecked now and verify it once the provider is back.
      return [unchecked, false];
    }
    if (!jwks) return [unchecked, true];
    try {
      await compactVerify(token, jwks, { algorithms: ASYMMETRIC_ALGS });
    } catch (error) {
      if (isUnreachable(error)) return [unchecked, false];
      throw new TokenError(`access token does not verify: ${(error as Error).name}`, { cause: error });
    }
    return [{ ...unchecked, verified: true }, true];
  }
}

function expOf(payload: JWTPayload, fallback: number): number {
  return typeof payload.exp === 'number' && Number.isFinite(payload.exp) ? payload.exp : fallback;
}

/** Verifies `Authorization: Bearer` JWTs (the `bearer` option): signature, issuer, audience, expiry. */
export class BearerVerifier {
  readonly #provider: Provider;
  readonly #audience: string[];
  readonly #issuer: string | undefined;
  readonly #cache = new LRUCache<string, Record<string, unknown>>({ max: 10_000 });

  constructor(provider: Provider, options: { audience: string[]; issuer: string | undefined }) {
    this.#provider = provider;
    this.#audience = options.audience;
    this.#issuer = options.issuer;
  }

  /** The verified claims of `token`, or null when it does not verify (never throws). */
  async verify(token: string): Promise<Record<string, unknown> | null> {
    const hit = this.#cache.get(token);
    if (hit && typeof hit.exp === 'number' && hit.exp > Date.now() / 1000) return hit;
    try {
      const jwks = await this.#provider.jwks();
      if (!jwks) return null;
      const { payload } = await jwtVerify(token, jwks, {
        issuer: this.#issuer ?? (await this.#provider.issuer()),
        audience: this.#audience,
        algorithms: ASYMMETRIC_ALGS,
        requiredClaims: ['exp', 'sub'],
      });
      const claims = payload as Record<string, unknown>;
      this.#cache.set(token, claims, { ttl: Math.max(1, (payload.exp! - Date.now() / 1000) * 1000) });
      return claims;
    } catch {
      return null;
    }
  }
}

/** JWKS fetch failures: the keys could not be had, which says nothing about the token. */
function isUnreachable(error: unknown): boolean {
  return (
    error instanceof joseErrors.JWKSTimeout ||
    (error instanceof TypeError && /fetch/i.test(error.message)) ||
    (error instanceof joseErrors.JOSEError && /Expected 200 OK|JSON/i.test(error.message) && !(error instanceof joseErrors.JWKSNoMatchingKey))
  );
}

/** Decode an ID token's payload (already validated when it was received); `{}` when absent or malformed. */
export function idTokenClaims(idToken: string | undefined): Record<string, unknown> {
  if (!idToken) return {};
  try {
    return decodeJwt(idToken) as Record<string, unknown>;
  } catch {
    return {};
  }
}
