/**
 * The provider, through openid-client: discovery (cached), authorization URL, code and refresh
 * grants, revocation, end-session URL and userinfo; explicit endpoints for plain OAuth2.
 * `http://` is allowed only for loopback providers (checked by config, applied here).
 *
 * @packageDocumentation
 */
import * as oidc from 'openid-client';
import { compactVerify, createRemoteJWKSet } from 'jose';
import type { ResolvedConfig } from '../config.js';
import { Discovery } from './discovery.js';
import { RefreshError } from '../errors.js';
import { toRefreshError } from './provider-errors.js';
import { Dpop } from './dpop.js';
import { authorizationUrlFor, dpopOptions } from './sender.js';
import type { DpopSessionKey } from '../types/session.js';

/** A token-endpoint response as sessionkit uses it. */
export interface TokenResponse {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  /** Seconds, when the provider said. */
  expiresIn?: number;
  /** Validated ID-token claims, when an ID token came back. */
  idTokenClaims?: Record<string, unknown>;
}

/** The provider's key set as jose resolves it (cached, reloadable). */
export type KeySet = ReturnType<typeof createRemoteJWKSet>;

/** Algorithms sessionkit accepts on the provider's JWTs: asymmetric only (never `none`, never HMAC). */
export const ASYMMETRIC_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** An unknown `kid` makes sessionkit refetch the key set at most this often (ms). */
const RELOAD_INTERVAL = 1000;

/** Wraps openid-client for one configured client; discovery happens once, lazily, and is retried after a failure. */
export class Provider {
  readonly #cfg: ResolvedConfig;
  readonly #discovery: Discovery;
  #jwks: KeySet | null | undefined;
  #lastReload = 0;

  constructor(cfg: ResolvedConfig) {
    this.#cfg = cfg;
    this.#discovery = new Discovery(cfg);
    this.dpop = cfg.dpop ? new Dpop(cfg.dpop) : null;
  }

  /** DPoP keys and proofs (`dpop` option); null when DPoP is off. */
  readonly dpop: Dpop | null;

  /**
   * The openid-client configuration: discovered once, retried after a failure with back-off
   * (see {@link Discovery}).
   */
  configuration(): Promise<oidc.Configuration> {
    return this.#discovery.configuration();
  }

  /** The provider's issuer identifier. */
  async issuer(): Promise<string> {
    return (await this.configuration()).serverMetadata().issuer;
  }

  /** The provider's JWKS as a jose key resolver (cached); null when there is none. */
  async jwks(): Promise<KeySet | null> {
    if (this.#jwks === undefined) {
      const uri = (await this.configuration()).serverMetadata().jwks_uri;
      this.#jwks = uri
        ? createRemoteJWKSet(new URL(uri), { timeoutDuration: this.#cfg.httpTimeout, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 })
        : null;
    }
    return this.#jwks;
  }

  /**
   * Run `verify` with the provider's keys. A token signed with a key the cached set does not have
   * (a key rotation) makes the set be fetched again — once, and at most every second whatever
   * tokens arrive — before the verdict stands. Null when the provider publishes no keys.
   */
  async withKeys<T>(verify: (keys: KeySet) => Promise<T>): Promise<T | null> {
    const keys = await this.jwks();
    if (!keys) return null;
    // jose refetches by itself on an unknown kid unless it fetched less than 30 s ago; only then
    // is the set fetched here.
    const joseWillNotRefetch = keys.coolingDown;
    try {
      return await verify(keys);
    } catch (error) {
      const unknownKid = (error as { code?: string })?.code === 'ERR_JWKS_NO_MATCHING_KEY';
      if (!unknownKid) throw error;
      if (!joseWillNotRefetch) this.#lastReload = Date.now(); // jose just fetched the set: that was the one refetch
      if (!joseWillNotRefetch || Date.now() - this.#lastReload < RELOAD_INTERVAL) throw error;
      this.#lastReload = Date.now();
      await keys.reload();
      return verify(keys);
    }
  }

  /** Build the authorization URL for one sign-in attempt. */
  async authorizationUrl(params: Record<string, string>): Promise<URL> {
    // pushed (PAR) when configured or required by the provider: lib/core/sender.ts
    return authorizationUrlFor(await this.configuration(), params, this.#cfg.par);
  }

  /**
   * Exchange the authorization code: checks state, `iss` (RFC 9207, when the provider supports
   * it), PKCE and the ID token's nonce, issuer, audience, expiry and signature (against the
   * provider's JWKS, when it publishes one).
   */
  async exchangeCode(callbackUrl: URL, checks: { state: string; nonce: string; codeVerifier: string }, dpopKey?: DpopSessionKey): Promise<TokenResponse> {
    const configuration = await this.configuration();
    const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      pkceCodeVerifier: checks.codeVerifier,
      idTokenExpected: true,
    }, undefined, await dpopOptions(this.dpop, configuration, dpopKey));
    // openid-client trusts the token endpoint's TLS for the ID token; sessionkit checks its
    // signature too (with key-rotation tolerance), so that a session never rests on a forged one.
    if (tokens.id_token) await this.withKeys((keys) => compactVerify(tokens.id_token!, keys, { algorithms: ASYMMETRIC_ALGS }));
    return toTokenResponse(tokens);
  }

  /** Run a refresh grant; failures become {@link RefreshError} with `isTransient` set. */
  async refresh(refreshToken: string, params: Record<string, string>, dpopKey?: DpopSessionKey): Promise<TokenResponse> {
    let configuration: oidc.Configuration;
    try {
      configuration = await this.configuration();
    } catch (error) {
      throw new RefreshError('the provider is unreachable', { isTransient: true, cause: error });
    }
    let response: TokenResponse;
    try {
      response = toTokenResponse(await oidc.refreshTokenGrant(configuration, refreshToken, params, await dpopOptions(this.dpop, configuration, dpopKey)));
    } catch (error) {
      throw toRefreshError(error);
    }
    if (response.idToken) {
      // The refresh token is spent already: an ID token whose signature cannot be confirmed is
      // dropped (the session keeps the user it had), never a reason to lose the new tokens.
      const idToken = response.idToken;
      const ok = await this.withKeys((keys) => compactVerify(idToken, keys, { algorithms: ASYMMETRIC_ALGS })).then(
        () => true,
        () => false,
      );
      if (!ok) {
        this.#cfg.logger.warn({}, 'sessionkit: the refreshed ID token does not verify; keeping the previous one');
        response = { ...response, idToken: undefined, idTokenClaims: undefined };
      }
    }
    return response;
  }

  /** Revoke a refresh token where the provider has a revocation endpoint; false when it has none. */
  async revoke(refreshToken: string): Promise<boolean> {
    const configuration = await this.configuration();
    if (!configuration.serverMetadata().revocation_endpoint) return false;
    await oidc.tokenRevocation(configuration, refreshToken, { token_type_hint: 'refresh_token' });
    return true;
  }

  /** The RP-initiated logout URL, or null when the provider has no end-session endpoint. */
  async endSessionUrl(params: Record<string, string>): Promise<URL | null> {
    const configuration = await this.configuration();
    if (!configuration.serverMetadata().end_session_endpoint) return null;
    return oidc.buildEndSessionUrl(configuration, params);
  }

  /** Fetch userinfo for `sub`; null when the provider has no userinfo endpoint. */
  async userinfo(accessToken: string, sub: string, dpopKey?: DpopSessionKey): Promise<Record<string, unknown> | null> {
    const configuration = await this.configuration();
    if (!configuration.serverMetadata().userinfo_endpoint) return null;
    return (await oidc.fetchUserInfo(configuration, accessToken, sub, await dpopOptions(this.dpop, configuration, dpopKey))) as Record<string, unknown>;
  }
}

function toTokenResponse(tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): TokenResponse {
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    idToken: tokens.id_token,
    expiresIn: tokens.expiresIn(),
    idTokenClaims: tokens.claims() as Record<string, unknown> | undefined,
  };
}

export { describe, isTransientStatus, toRefreshError } from './provider-errors.js';
