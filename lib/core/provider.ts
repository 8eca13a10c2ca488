/**
 * The provider, through openid-client: discovery (cached), authorization URL, code and refresh
 * grants, revocation, end-session URL and userinfo; explicit endpoints for plain OAuth2.
 * `http://` is allowed only for loopback providers (checked by config, applied here).
 *
 * @packageDocumentation
 */
import * as oidc from 'openid-client';
import { compactVerify, createRemoteJWKSet, importJWK } from 'jose';
import type { ResolvedConfig } from '../config.js';
import { ProviderUnavailableError, RefreshError } from '../errors.js';
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

/** Discovery after failures: the first failure lets the next request try again; from the second on, attempts pause for 1 s, doubling to 30 s. */
const DISCOVERY_BACKOFF = { first: 1000, max: 30_000 };

/** An unknown `kid` makes sessionkit refetch the key set at most this often (ms). */
const RELOAD_INTERVAL = 1000;

/** Wraps openid-client for one configured client; discovery happens once, lazily, and is retried after a failure. */
export class Provider {
  readonly #cfg: ResolvedConfig;
  #configuration: Promise<oidc.Configuration> | undefined;
  #jwks: KeySet | null | undefined;
  #lastReload = 0;

  constructor(cfg: ResolvedConfig) {
    this.#cfg = cfg;
    this.dpop = cfg.dpop ? new Dpop(cfg.dpop) : null;
  }

  /** DPoP keys and proofs (`dpop` option); null when DPoP is off. */
  readonly dpop: Dpop | null;

  /** Consecutive failed discoveries, and until when (ms) no new attempt is made. */
  #failures = 0;
  #retryAt = 0;
  #lastFailure: unknown;

  /**
   * The openid-client configuration: discovered once, concurrent callers sharing the attempt. A
   * failed discovery is retried by the next call; after two failures in a row, attempts pause
   * (1 s, doubling to 30 s) and calls meanwhile fail at once with
   * {@link ProviderUnavailableError}, so that a provider that is down is neither hammered nor
   * waited on by every request.
   */
  configuration(): Promise<oidc.Configuration> {
    if (!this.#configuration) {
      const wait = this.#retryAt - Date.now();
      if (wait > 0) {
        return Promise.reject(new ProviderUnavailableError(`the provider could not be discovered; next attempt in ${Math.ceil(wait / 1000)} s`, { cause: this.#lastFailure }));
      }
      const pending = this.#discover();
      this.#configuration = pending;
      pending.then(
        () => {
          this.#failures = 0;
          this.#retryAt = 0;
        },
        (error: unknown) => {
          if (this.#configuration === pending) this.#configuration = undefined;
          this.#failures += 1;
          this.#lastFailure = error;
          if (this.#failures >= 2) {
            const delay = Math.min(DISCOVERY_BACKOFF.max, DISCOVERY_BACKOFF.first * 2 ** (this.#failures - 2));
            this.#retryAt = Date.now() + delay;
            this.#cfg.logger.debug?.({ failures: this.#failures, retryInMs: delay }, 'sessionkit: discovery failed; pausing attempts');
          }
        },
      );
    }
    return this.#configuration;
  }

  async #discover(): Promise<oidc.Configuration> {
    const cfg = this.#cfg;
    const timeout = cfg.httpTimeout / 1000;
    const auth = await this.#clientAuth();
    const metadata: Partial<oidc.ClientMetadata> = { client_secret: cfg.clientSecret };
    let configuration: oidc.Configuration;
    if (cfg.endpoints) {
      const e = cfg.endpoints;
      const server: oidc.ServerMetadata = {
        issuer: e.issuer ?? cfg.issuer ?? new URL(e.token).origin,
        authorization_endpoint: e.authorization,
        token_endpoint: e.token,
        revocation_endpoint: e.revocation,
        userinfo_endpoint: e.userinfo,
        end_session_endpoint: e.endSession,
        jwks_uri: e.jwks,
        code_challenge_methods_supported: ['S256'],
      };
      configuration = new oidc.Configuration(server, cfg.clientId, metadata, auth);
      configuration.timeout = timeout;
      if (Object.values(e).some((u) => u && new URL(u).protocol === 'http:')) oidc.allowInsecureRequests(configuration);
    } else {
      const issuer = new URL(cfg.issuer!);
      // config allowed plain http only for loopback hosts, or with allowInsecureIssuer outside production
      const insecure = issuer.protocol === 'http:';
      try {
        configuration = await oidc.discovery(issuer, cfg.clientId, metadata, auth, {
          timeout,
          execute: insecure ? [oidc.allowInsecureRequests] : [],
        });
      } catch (error) {
        this.#explainDiscoveryFailure(issuer, error);
        throw new ProviderUnavailableError(`discovery of ${issuer.origin} failed: ${describe(error)}`, { cause: error });
      }
    }
    return configuration;
  }

  /**
   * A discovery that failed because of the configuration, not an outage, gets a start-up-quality
   * log line: the issuer identifier differs from the document's `issuer` (a trailing slash, a
   * path, another host name), or there is no discovery document where the issuer says.
   */
  #explainDiscoveryFailure(issuer: URL, error: unknown): void {
    const e = error as { code?: string; cause?: { attribute?: unknown; expected?: unknown; body?: { issuer?: unknown } } };
    if (e?.code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED' && e.cause?.attribute === 'issuer') {
      const announced = String(e.cause.body?.issuer ?? '');
      this.#cfg.logger.error(
        { configured: this.#cfg.issuer, discovered: announced },
        `sessionkit: the provider's discovery document says its issuer is ${JSON.stringify(announced)}, but the configured issuer is ${JSON.stringify(this.#cfg.issuer)}; ` +
          `they must be identical (trailing slash and path included): set \`issuer\` (SESSIONKIT_ISSUER) to ${JSON.stringify(announced)}`,
      );
    } else if (e?.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' && (e.cause as { status?: unknown } | undefined)?.status === 404) {
      this.#cfg.logger.error(
        { configured: this.#cfg.issuer },
        `sessionkit: no OpenID discovery document at ${issuer.href.replace(/\/$/, '')}/.well-known/openid-configuration; check \`issuer\` (SESSIONKIT_ISSUER): it must be the provider's exact issuer identifier`,
      );
    }
  }

  #signingKey: Promise<oidc.CryptoKey> | undefined;

  /**
   * The client authentication of `clientAuthMethod`, through openid-client's own implementations.
   * The `private_key_jwt` key was validated at start-up; it is imported (async) here, once.
   */
  async #clientAuth(): Promise<oidc.ClientAuth> {
    const { clientAuth, clientSecret } = this.#cfg;
    switch (clientAuth.method) {
      case 'client_secret_basic':
        return oidc.ClientSecretBasic(clientSecret);
      case 'client_secret_post':
        return oidc.ClientSecretPost(clientSecret);
      case 'private_key_jwt': {
        const { jwk, alg, kid } = clientAuth.privateKey!;
        const pending = (this.#signingKey ??= importJWK({ ...jwk }, alg) as Promise<oidc.CryptoKey>);
        pending.catch(() => {
          if (this.#signingKey === pending) this.#signingKey = undefined;
        });
        return oidc.PrivateKeyJwt({ key: await pending, kid });
      }
      default:
        return oidc.None();
    }
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

/** OAuth errors that say "the provider itself is failing": transient even on a 400. */
const TRANSIENT_OAUTH_ERRORS = new Set(['temporarily_unavailable', 'server_error', 'slow_down', 'use_dpop_nonce']); // use_dpop_nonce: a second challenge in a row (openid-client answers one); the refresh token is unspent

/**
 * openid-client codes raised only after a `200` was read (its body did not parse or was not a
 * token response): the provider may have spent the refresh token, so the failure is terminal.
 */
const AFTER_200 = new Set(['OAUTH_PARSE_ERROR', 'OAUTH_INVALID_RESPONSE', 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED', 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED', 'OAUTH_UNSUPPORTED_OPERATION']);

/** True for HTTP statuses that say "try again later". */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Classify a refresh failure. The provider refusing — any `400` or `401`, with a JSON body or
 * without (except the OAuth error `temporarily_unavailable` and its kin) — is terminal, and so is
 * a `200` that is not a token response (the refresh token may be spent). Network errors,
 * timeouts, 408, 429 and 5xx are transient, so that an outage never logs anyone out.
 */
export function toRefreshError(error: unknown): RefreshError {
  if (error instanceof RefreshError) return error;
  if (error instanceof oidc.ResponseBodyError) {
    const transient = !(error.status === 400 || error.status === 401) || TRANSIENT_OAUTH_ERRORS.has(error.error);
    return new RefreshError(`the provider answered ${error.status} ${error.error}`, {
      isTransient: transient,
      oauthError: error.error,
      status: error.status,
      cause: error,
    });
  }
  if (error instanceof oidc.WWWAuthenticateChallengeError) {
    // A 400/401 with a `WWW-Authenticate` challenge (RFC 6749 §5.2: `invalid_client` with HTTP
    // Basic): the provider refusing, like any other 400/401.
    const challenge = error.cause?.find((c) => typeof c.parameters?.error === 'string')?.parameters.error;
    const refused = error.status === 400 || error.status === 401;
    return new RefreshError(`the provider answered ${error.status} with a WWW-Authenticate challenge${challenge ? ` (${challenge})` : ''}`, {
      isTransient: !refused || (typeof challenge === 'string' && TRANSIENT_OAUTH_ERRORS.has(challenge)),
      oauthError: typeof challenge === 'string' ? challenge.slice(0, 64) : undefined,
      status: error.status,
      cause: error,
    });
  }
  const status = responseStatus(error);
  const code = (error as { code?: unknown })?.code;
  if (status === 400 || status === 401) {
    return new RefreshError(`the provider refused the refresh (HTTP ${status}, no OAuth error body)`, { isTransient: false, status, cause: error });
  }
  // A JSON 200 that is not a token response came from the provider itself (an HTML 200 is a
  // maintenance page in front of it, which spent nothing: transient below).
  if (status === undefined && typeof code === 'string' && AFTER_200.has(code)) {
    return new RefreshError(`the provider answered the refresh with something that is not a token response: ${describe(error)}`, {
      isTransient: false,
      status: 200,
      cause: error,
    });
  }
  return new RefreshError(`the refresh grant failed: ${describe(error)}${status ? ` (HTTP ${status})` : ''}`, {
    // 5xx, 408, 429, and anything that is not the provider clearly refusing (a 403 or 404 from a
    // proxy in between): the session is kept.
    isTransient: true,
    status,
    cause: error,
  });
}

/** The HTTP status of the response an openid-client error is about, when there was one. */
function responseStatus(error: unknown): number | undefined {
  const cause = (error as { cause?: unknown })?.cause;
  if (cause instanceof Response) return cause.status;
  return undefined;
}

/** A short description of an error for logs: its class and code, never token values. */
export function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message}`;
  }
  return String(error);
}
