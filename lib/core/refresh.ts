/**
 * The refresh discipline: one grant per refresh token (through the coordinator), rotated tokens
 * applied to the session, the current organization kept, hooks run once per grant.
 *
 * @packageDocumentation
 */
import type { ResolvedConfig } from '../config.js';
import { RefreshError, TokenError } from '../errors.js';
import type { SessionRecord } from '../types/session.js';
import { Circuit } from './circuit.js';
import { refreshKey, type OutcomeSource, type TokenRecord } from './coordinator.js';
import { runHook } from './hooks.js';
import { now } from './policy.js';
import type { Provider } from './provider.js';
import { idTokenClaims, type TokenInspector } from './tokens.js';
import { sameIdentity, signedInFields, userFromClaims } from './view.js';

/** Seconds assumed for an opaque access token whose response had no `expires_in`. */
const DEFAULT_LIFETIME = 3600;

export { refreshKey };


/** Refused switches → the session with the new tokens that must still be written (kept off the error object: no tokens on errors). */
const KEEP = new WeakMap<object, SessionRecord>();

/**
 * The session to write although `error` refused an organization switch: the grant succeeded (and
 * may have rotated the refresh token) but did not grant the organization. Undefined otherwise.
 */
export function sessionToKeep(error: unknown): SessionRecord | undefined {
  return typeof error === 'object' && error !== null ? KEEP.get(error) : undefined;
}

/** A refreshed session, and how its tokens were had (see {@link OutcomeSource}). */
export interface Refreshed {
  record: SessionRecord;
  /**
   * `'memo'`: a grant that had already finished answered (a late request with the old cookie):
   * the request may use the tokens but must not write them into its cookie (a replayed stolen
   * cookie must not obtain the rotated refresh token).
   */
  source: OutcomeSource;
}

/** Refreshes sessions. */
export class Refresher {
  readonly #cfg: ResolvedConfig;
  readonly #provider: Provider;
  readonly #inspector: TokenInspector;
  /** The provider's token endpoint: rests after repeated transient failures. */
  readonly circuit: Circuit;

  constructor(cfg: ResolvedConfig, provider: Provider, inspector: TokenInspector) {
    this.#cfg = cfg;
    this.#provider = provider;
    this.#inspector = inspector;
    this.circuit = new Circuit({ logger: cfg.logger });
  }

  /**
   * Refresh `record`, into organization `target` when given (else the current one is kept).
   *
   * @param request the framework's request, for hooks
   * @throws {RefreshError} `isTransient` tells whether the session survives.
   */
  async refresh(record: SessionRecord, target: string | null, request: unknown): Promise<Refreshed> {
    let current = record;
    // A grant for another purpose may have rotated the same refresh token a moment ago (a switch
    // while an ordinary refresh ran, or the other way round), or a remembered rotation may already
    // be due itself: adopt its tokens and go again with the new refresh token.
    for (let attempt = 0; attempt < 3; attempt++) {
      const refreshToken = current.refreshToken;
      if (!refreshToken) throw new RefreshError('the session has no refresh token', { isTransient: false });
      const organization = target ?? current.organizationId ?? null;
      const base = current;
      const outcome = await this.#cfg.coordinator.coordinate(refreshKey(refreshToken), target, () =>
        this.#grant(base, refreshToken, organization, target !== null, request),
        { buffer: this.#cfg.refreshBuffer, expiresAt: current.expiresAt },
      );
      current = await this.apply(current, outcome.tokens, outcome.target);
      // Never stale: a rotation adopted from the memo whose access token has already expired goes
      // round once more, with the new refresh token. (An unchanged-token memo answers only while
      // fresh: the coordinator's rule.)
      const due = outcome.source === 'memo' && current.expiresAt <= now() && current.refreshToken !== refreshToken;
      if (target === null) {
        if (due) continue;
        return { record: current, source: outcome.source };
      }
      if (outcome.target === target) {
        if (current.organizationId === target) return { record: current, source: outcome.source };
        // The provider answered the switch without the organization asked for (most providers
        // ignore an unknown parameter): a refused switch. The session keeps its organization, but
        // the new tokens are kept too (a rotated refresh token must never be lost).
        const refusal = new RefreshError(`the provider did not grant organization ${target}: the new tokens carry no such claim`, { isTransient: false });
        KEEP.set(refusal, current);
        throw refusal;
      }
    }
    throw new RefreshError('the refresh token kept being rotated by other requests', { isTransient: true });
  }

  /** One refresh grant at the provider; hooks run here, once per grant. */
  async #grant(record: SessionRecord, refreshToken: string, organization: string | null, isSwitch: boolean, request: unknown): Promise<TokenRecord> {
    const cfg = this.#cfg;
    const params: Record<string, string> = organization ? { [cfg.organizationParam]: organization } : {};
    let tokens: TokenRecord;
    try {
      const gate = this.circuit.allow();
      if (!gate) {
        throw new RefreshError('refresh attempts rest after repeated provider failures (circuit open)', { isTransient: true, circuitOpen: true });
      }
      const response = await this.#provider.refresh(refreshToken, params, record.dpopKey).then(
        (answer) => (this.circuit.succeeded(), answer),
        (error: unknown) => {
          // A refusal is an answer: the provider is there.
          if (error instanceof RefreshError && error.isTransient) this.circuit.failed(gate);
          else this.circuit.succeeded();
          throw error;
        },
      );
      const fallback = now() + (response.expiresIn ?? DEFAULT_LIFETIME);
      let expiresAt: number;
      try {
        expiresAt = (await this.#inspector.inspect(response.accessToken, fallback)).expiresAt;
      } catch (error) {
        if (!(error instanceof TokenError)) throw error;
        // Terminal: the refresh token is spent, and trying again would present it a second time
        // (which rotating providers punish by revoking the whole grant).
        throw new RefreshError('the provider returned an access token that does not verify', { isTransient: false, cause: error });
      }
      tokens = {
        accessToken: response.accessToken,
        refreshToken: response.refreshToken ?? refreshToken,
        idToken: this.#sameUser(record, response.idToken) ? response.idToken : record.idToken,
        expiresAt,
      };
    } catch (error) {
      const failure = error instanceof RefreshError ? error : new RefreshError(String(error), { isTransient: true, cause: error });
      if (!failure.circuitOpen) cfg.logger.debug?.({ transient: failure.isTransient, oauthError: failure.oauthError, status: failure.status }, 'sessionkit: refresh failed');
      if (failure.oauthError === 'invalid_client' || failure.oauthError === 'unauthorized_client') {
        cfg.logger.error(
          { oauthError: failure.oauthError, clientAuthMethod: cfg.clientAuth.method },
          `sessionkit: the provider does not accept this client's credentials on refresh (${failure.oauthError}): check \`clientSecret\` (SESSIONKIT_CLIENT_SECRET) and \`clientAuthMethod\` (SESSIONKIT_CLIENT_AUTH_METHOD)`,
        );
      }
      // An organization switch reports its refusal itself (it is not a failed session); an attempt
      // the circuit held back was no attempt (the failures that opened it were reported).
      if (!isSwitch && !failure.circuitOpen) {
        await runHook(cfg, 'onRefreshError', { error: failure, isTransient: failure.isTransient, request });
      }
      throw failure;
    }
    const next = await this.apply(record, tokens, organization);
    const fields = signedInFields(next, (await this.#inspector.inspect(next.accessToken, next.expiresAt)).claims, idTokenClaims(next.idToken), cfg.claims);
    cfg.logger.debug?.({ organizationId: fields.organizationId, expiresAt: next.expiresAt }, 'sessionkit: refreshed');
    await runHook(cfg, 'onRefreshSuccess', {
      accessToken: next.accessToken,
      user: next.user,
      impersonator: fields.impersonator,
      organizationId: fields.organizationId,
      request,
    });
    return tokens;
  }

  /** False for a refreshed ID token of another user, issuer or audience (dropped, with a warning). */
  #sameUser(record: SessionRecord, idToken: string | undefined): idToken is string {
    if (!idToken) return false;
    if (sameIdentity(record, idTokenClaims(record.idToken), idTokenClaims(idToken))) return true;
    this.#cfg.logger.warn({}, 'sessionkit: the refreshed ID token names another user, issuer or audience; ignored (the session keeps its user)');
    return false;
  }

  /**
   * The session with `tokens` applied: user from a new ID token; the organization is the one the
   * verified tokens grant (the access token's claim, else the ID token's, as `claims` names it),
   * else the session's own. What was asked for (`_target`) never decides it: a provider that
   * ignores the organization parameter must not let anyone claim any organization.
   */
  async apply(record: SessionRecord, tokens: TokenRecord, _target: string | null): Promise<SessionRecord> {
    const info = await this.#inspector.inspect(tokens.accessToken, tokens.expiresAt).catch(() => null);
    const claim = this.#cfg.claims.organizationId;
    const fromAccess = info?.claims[claim];
    const fromId = idTokenClaims(tokens.idToken)[claim];
    const granted = typeof fromAccess === 'string' && fromAccess ? fromAccess : typeof fromId === 'string' && fromId ? fromId : undefined;
    const idClaims = tokens.idToken !== record.idToken ? idTokenClaims(tokens.idToken) : {};
    const organizationId = granted ?? record.organizationId;
    const next: SessionRecord = {
      ...record,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      idToken: tokens.idToken,
      expiresAt: tokens.expiresAt,
      user: Object.keys(idClaims).length ? userFromClaims(idClaims, record.user) : record.user,
    };
    if (organizationId) next.organizationId = organizationId;
    else delete next.organizationId;
    return next;
  }
}
