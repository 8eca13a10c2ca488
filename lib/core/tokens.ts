/**
 * Access tokens: expiry and verified claims. A JWT issued by the provider is verified against its
 * JWKS with jose (signature and issuer; expiry is the refresh discipline's business); any other
 * token is opaque and its expiry comes from `expires_in`. Results are cached per token value.
 *
 * @packageDocumentation
 */
import { compactVerify, decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import { normalizeTyp } from '../config.js';
import { TokenError } from '../errors.js';
import { ASYMMETRIC_ALGS, type Provider } from './provider.js';
import { EXPIRED_TOKEN, INVALID_TOKEN, type BearerProblem } from './bearer-errors.js';

/** What sessionkit knows about one access token. */
export interface TokenInfo {
  /** The verified JWT claims; empty for opaque tokens. */
  claims: Record<string, unknown>;
  /** Expiry, Unix seconds: the JWT `exp`, else the `expires_in`-derived fallback. */
  expiresAt: number;
  /** True when the token is a JWT of the provider, verified. */
  verified: boolean;
  /** True when this is the settled verdict (false while the provider's keys could not be had). */
  final: boolean;
}


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
    const [partial, final] = await this.#inspect(token, fallbackExpiresAt);
    const info = { ...partial, final };
    if (final) this.#cache.set(token, info, { ttl: Math.max(1, info.expiresAt * 1000 - Date.now() + 5 * 60_000) });
    return info;
  }

  /** Returns the info and whether it may be cached (not when the provider's keys could not be had). */
  async #inspect(token: string, fallbackExpiresAt: number): Promise<[Omit<TokenInfo, 'final'>, boolean]> {
    let payload: JWTPayload;
    try {
      payload = decodeJwt(token);
    } catch {
      return [{ claims: {}, expiresAt: fallbackExpiresAt, verified: false }, true];
    }
    const unchecked = { claims: payload as Record<string, unknown>, expiresAt: expOf(payload, fallbackExpiresAt), verified: false };
    try {
      // A JWT of another issuer (an API's own tokens) is opaque to us.
      if (payload.iss !== (await this.#provider.issuer())) return [{ claims: {}, expiresAt: fallbackExpiresAt, verified: false }, true];
    } catch {
      // Discovery failed: the provider is down. The token came from its token endpoint and lives
      // in a sealed cookie; use it unchecked now and verify it once the provider is back.
      return [unchecked, false];
    }
    try {
      const checked = await this.#provider.withKeys((keys) => compactVerify(token, keys, { algorithms: ASYMMETRIC_ALGS }));
      if (checked === null) return [unchecked, true];
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

/**
 * Verifies `Authorization: Bearer` JWTs (the `bearer` option): signature, issuer, audience, expiry,
 * the access-token `typ` (default `at+jwt`), and no `nonce` or `events` claim.
 */
export class BearerVerifier {
  readonly #provider: Provider;
  readonly #audience: string[];
  readonly #issuer: string | undefined;
  readonly #typ: string | null;
  readonly #cache = new LRUCache<string, Record<string, unknown>>({ max: 10_000 });

  readonly #profile: boolean;

  /**
   * `typ`: the expected `typ` header, normalized (see `normalizeTyp`); null or absent = not checked.
   * `profile`: the whole RFC 9068 profile (`bearer.requireJwtAccessTokenType`): also `iat`, `jti`
   * and `client_id` are required.
   */
  constructor(provider: Provider, options: { audience: string[]; issuer: string | undefined; typ?: string | null; profile?: boolean }) {
    this.#provider = provider;
    this.#audience = options.audience;
    this.#issuer = options.issuer;
    this.#typ = options.typ ?? null;
    this.#profile = options.profile ?? false;
  }

  /**
   * The verified claims of `token`, or why it is refused (`invalid_token`, told apart only as
   * expired or not: nothing more is said about a refused token). Never throws.
   */
  async check(token: string): Promise<{ claims: Record<string, unknown> } | { problem: BearerProblem }> {
    const hit = this.#cache.get(token);
    if (hit && typeof hit.exp === 'number' && hit.exp > Date.now() / 1000) return { claims: hit };
    try {
      const issuer = this.#issuer ?? (await this.#provider.issuer());
      const requiredClaims = this.#profile ? ['exp', 'sub', 'iat', 'jti', 'client_id'] : ['exp', 'sub'];
      const verified = await this.#provider.withKeys((keys) =>
        jwtVerify(token, keys, { issuer, audience: this.#audience, algorithms: ASYMMETRIC_ALGS, requiredClaims }),
      );
      if (!verified) return { problem: INVALID_TOKEN };
      const { payload, protectedHeader } = verified;
      // An access token, not another JWT of the provider: the typed profile (RFC 9068 §4), and
      // never an ID token (`nonce`) or a logout / security-event token (`events`).
      if (this.#typ !== null && (typeof protectedHeader.typ !== 'string' || normalizeTyp(protectedHeader.typ) !== this.#typ)) return { problem: INVALID_TOKEN };
      if ('nonce' in payload || 'events' in payload) return { problem: INVALID_TOKEN };
      const claims = payload as Record<string, unknown>;
      this.#cache.set(token, claims, { ttl: Math.max(1, (payload.exp! - Date.now() / 1000) * 1000) });
      return { claims };
    } catch (error) {
      return { problem: (error as { code?: string } | null)?.code === 'ERR_JWT_EXPIRED' ? EXPIRED_TOKEN : INVALID_TOKEN };
    }
  }
}

/**
 * JWKS fetch failures: the keys could not be had, which says nothing about the token. Told by
 * name and code, not `instanceof`: fetch errors may come from another realm.
 */
function isUnreachable(error: unknown): boolean {
  const e = error as { name?: string; code?: string; message?: string } | null;
  if (!e) return false;
  if (e.code === 'ERR_JWKS_TIMEOUT' || e.code === 'ERR_JWKS_INVALID') return true;
  if (e.name === 'TypeError' || e.name === 'AbortError' || e.name === 'TimeoutError') return true;
  return e.code === 'ERR_JOSE_GENERIC' && /Expected 200 OK|JSON/i.test(e.message ?? '');
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
