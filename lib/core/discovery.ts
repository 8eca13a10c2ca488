/**
 * Discovery: the provider's metadata (or the explicit `endpoints`) and the client's
 * authentication, as one openid-client configuration — fetched once, lazily, shared by concurrent
 * callers, retried after a failure with back-off, and a configuration mistake explained in the log.
 *
 * @packageDocumentation
 */
import * as oidc from 'openid-client';
import { importJWK } from 'jose';
import type { ResolvedConfig } from '../config.js';
import { ProviderUnavailableError } from '../errors.js';
import { describe } from './provider-errors.js';

/** Discovery after failures: the first failure lets the next request try again; from the second on, attempts pause for 1 s, doubling to 30 s. */
const DISCOVERY_BACKOFF = { first: 1000, max: 30_000 };

/** The discovered configuration of one client. */
export class Discovery {
  readonly #cfg: ResolvedConfig;
  #configuration: Promise<oidc.Configuration> | undefined;

  constructor(cfg: ResolvedConfig) {
    this.#cfg = cfg;
  }

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
}
