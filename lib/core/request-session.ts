/**
 * One request's session: read and unsealed from its cookies, refreshed before the handler when
 * the access token is about to expire, and written back on the same response. It owns the
 * `Auth` object handed to handlers, whose `refresh()` and `switchOrganization()` write here.
 *
 * @packageDocumentation
 */
import { OrganizationSwitchError, RefreshError, SessionTooLargeError, TokenError, UnauthenticatedError } from '../errors.js';
import type { Auth, RefreshOptions, SessionRecord } from '../types.js';
import type { Core } from './engine.js';
import type { RequestView, ResponseSink } from './http.js';
import type { CookiePayload } from './session-cookie.js';
import { randomBytes } from 'node:crypto';
import { idTokenClaims, type BearerVerifier } from './tokens.js';
import { noteBearerAuth, noteBearerProblem, readBearer } from './bearer-errors.js';
import { needsRefresh, now, sessionToKeep, type Refreshed } from './refresh.js';
import { runHook } from './hooks.js';
import { deepFreeze, signedInFields, signedOutFields, userFromClaims, type AuthFields } from './view.js';

/**
 * The names under which a session can be ended: its own id first, then the provider's session
 * and the user (back-channel logout). Computed once per record.
 */
export function endKeys(record: SessionRecord): readonly string[] {
  let keys = END_KEYS.get(record);
  if (!keys) {
    // Cookies without an id are refused when unsealed (isSessionRecord); only a bearer view lacks one.
    keys = [`session:${record.id ?? ''}`, `sub:${record.user.id}`];
    if (record.sid) keys.push(`sid:${record.sid}`);
    END_KEYS.set(record, keys);
  }
  return keys;
}
const END_KEYS = new WeakMap<SessionRecord, string[]>();

/** Seconds past a cookie's own lifetime that iron-session may still accept it (clock skew). */
const SEAL_SKEW = 120;

/**
 * How long an end must be remembered: longer than any cookie sealed before it can live, so that
 * no ended session comes back when its entry expires.
 */
export function endedTtl(maxAge: number): number {
  return maxAge + SEAL_SKEW;
}

/**
 * The session a cookie payload stands for: itself, or the stored one it refers to (null when it
 * is gone) — synchronously when the store answers synchronously.
 */
function sessionOf(core: Core, payload: CookiePayload): SessionRecord | null | Promise<SessionRecord | null> {
  if (!('ref' in payload)) return payload;
  const matches = (stored: SessionRecord | undefined) => (stored && stored.id === payload.ref ? stored : null);
  const stored = core.cfg.store?.get(payload.ref);
  return stored instanceof Promise ? stored.then(matches) : matches(stored);
}

/** Provider errors that mean "sign in again to enter that organization". */
const REAUTHENTICATE = new Set(['interaction_required', 'login_required', 'consent_required', 'mfa_required', 'sso_required']);

/** The `Auth` object: its data fields are own properties, its methods live on the prototype. */
class SessionAuth {
  declare isAuthenticated: boolean;
  declare user: Auth['user'];
  declare claims: Auth['claims'];
  readonly #session: RequestSession;

  constructor(session: RequestSession) {
    this.#session = session;
    Object.assign(this, signedOutFields());
  }

  refresh(options?: RefreshOptions): Promise<Auth> {
    return this.#session.refreshNow(options);
  }

  switchOrganization(organizationId: string): Promise<Auth> {
    return this.#session.switchOrganization(organizationId);
  }

  /** The session record behind an `Auth` object made here; null when signed out or not sessionkit's. */
  static recordOf(auth: unknown): SessionRecord | null {
    return typeof auth === 'object' && auth !== null && #session in auth ? (auth as SessionAuth).#session.record : null;
  }

  /** The core behind an `Auth` object made here; null for anything else. */
  static coreOf(auth: unknown): Core | null {
    return typeof auth === 'object' && auth !== null && #session in auth ? (auth as SessionAuth).#session.core : null;
  }
}

/** The core that made `auth` (what `requireAuth()` decides with); null when `auth` is not sessionkit's. */
export function coreOf(auth: unknown): Core | null {
  return SessionAuth.coreOf(auth);
}

/** The session record behind `auth` (step-up reads its ID token); null when signed out or not sessionkit's. */
export function recordOf(auth: unknown): SessionRecord | null {
  return SessionAuth.recordOf(auth);
}

/** The session of one request. Create with {@link RequestSession.load}. */
export class RequestSession {
  readonly core: Core;
  readonly request: RequestView;
  readonly sink: ResponseSink;
  /** The cookie names that carried the session in (chunks included). */
  #names: string[];
  /** The current session record; null when signed out. */
  record: SessionRecord | null = null;
  /** The `Auth` object handed to the application (updated in place). */
  readonly auth: Auth;
  #private = false;

  private constructor(core: Core, request: RequestView, sink: ResponseSink) {
    this.core = core;
    this.request = request;
    this.sink = sink;
    const incoming = core.cookies.read(request.headers.cookie);
    this.#names = incoming.names;
    this.auth = new SessionAuth(this);
    this.#incoming = incoming.value;
  }

  #incoming: string | null;

  /** The first of the incoming values that unseals (a junk duplicate never costs the real session). */
  async #unsealIncoming(): Promise<CookiePayload | null> {
    const payload = await this.core.cookies.unseal(this.#incoming!);
    if (payload) return payload;
    for (const value of this.core.cookies.alternatives(this.request.headers.cookie, this.#incoming!)) {
      const other = await this.core.cookies.unseal(value);
      if (other) return other;
    }
    return null;
  }

  /** A session for a request whose incoming cookie is not read (sign-in writes over it). */
  static create(core: Core, request: RequestView, sink: ResponseSink): RequestSession {
    return new RequestSession(core, request, sink);
  }

  /**
   * Read, unseal, verify and (when due and `refresh` is not false) refresh the request's
   * session. Never throws for bad input.
   */
  static async load(core: Core, request: RequestView, sink: ResponseSink, refresh = true): Promise<RequestSession> {
    const session = new RequestSession(core, request, sink);
    await session.#load(refresh);
    return session;
  }

  /**
   * The session without any await, when everything it needs is already known: no cookie (and no
   * bearer token to check), or a cookie whose record and view are cached, not due for refresh,
   * not ended. Null when the full {@link load} must run. This is the path of nearly every request.
   */
  static fromCache(core: Core, request: RequestView, sink: ResponseSink): RequestSession | null {
    const session = new RequestSession(core, request, sink);
    const value = session.#incoming;
    if (value === null) {
      return session.#names.length || (core.bearer && request.headers.authorization) ? null : session;
    }
    const payload = core.cookies.cached(value);
    const record = payload && sessionOf(core, payload);
    // A store or coordinator that answers with a promise (Redis) takes the full path.
    if (record instanceof Promise) {
      record.catch(() => undefined); // the full path reads it again, and handles a failure
      return null;
    }
    if (!record) return null;
    const fields = core.views.get(record);
    if (!fields || needsRefresh(record, core.cfg.refreshBuffer) || session.#timedOut(record) !== 'live') return null;
    if (core.cfg.coordinator.endedAt(endKeys(record)) !== undefined) return null;
    session.record = record;
    Object.assign(session.auth, fields);
    session.markPrivate();
    return session;
  }

  /** `expired` past a timeout, `touch` when idle tracking wants the activity written, else `live`. */
  #timedOut(record: SessionRecord): 'expired' | 'touch' | 'live' {
    const { absoluteTimeout, idleTimeout } = this.core.cfg.session;
    if (!absoluteTimeout && !idleTimeout) return 'live';
    const t = now();
    const lastSeen = record.touchedAt ?? record.createdAt;
    if ((absoluteTimeout && record.createdAt + absoluteTimeout <= t) || (idleTimeout && lastSeen + idleTimeout <= t)) return 'expired';
    return idleTimeout && t - lastSeen >= Math.max(1, Math.floor(idleTimeout / 10)) ? 'touch' : 'live';
  }

  async #load(refresh: boolean): Promise<void> {
    const { core } = this;
    if (this.#incoming === null) {
      if (this.#names.length) this.clear();
      else if (core.bearer) await this.#loadBearer(core.bearer);
      return;
    }
    const payload = await this.#unsealIncoming();
    let record: SessionRecord | null;
    try {
      record = payload && (await sessionOf(core, payload));
    } catch (error) {
      // The store cannot be read (Redis down): an outage, not a sign-out. The cookie is kept and
      // this request goes on signed out; the next one tries again.
      core.cfg.logger.warn({ error: (error as Error)?.name }, 'sessionkit: the session store could not be read; this request continues signed out, the cookie is kept');
      this.markPrivate();
      return;
    }
    if (!record) {
      core.cfg.logger.debug?.({ cookies: this.#names.length }, 'sessionkit: no session behind the cookie; signed out');
      this.clear();
      return;
    }
    const timing = this.#timedOut(record);
    if (timing === 'expired') {
      core.cfg.logger.debug?.({}, 'sessionkit: the session timed out; signing it out');
      await this.#end(record);
      this.clear();
      return;
    }
    if (await this.#ended(record)) {
      core.cfg.logger.debug?.({}, 'sessionkit: the session was ended (logout); signed out');
      this.clear();
      return;
    }
    if (!(await this.#show(record))) return;
    if (refresh && needsRefresh(record, core.cfg.refreshBuffer)) await this.#refreshDue(record);
    else if (timing === 'touch') await this.#commit(record);
    else this.markPrivate();
  }

  /** A request without a session cookie may carry a bearer access token (only with the `bearer` option). */
  async #loadBearer(verifier: BearerVerifier): Promise<void> {
    // Refused credentials are remembered for the RFC 6750 challenge (lib/core/bearer-errors.ts).
    const credentials = readBearer(this.request.headers.authorization);
    if (credentials.kind === 'none') return;
    if (credentials.kind === 'refused') return noteBearerProblem(this.auth, credentials.problem);
    const checked = await verifier.check(credentials.token);
    if ('problem' in checked) return noteBearerProblem(this.auth, checked.problem);
    const { claims } = checked;
    noteBearerAuth(this.auth);
    const record: SessionRecord = {
      v: 1,
      user: userFromClaims(claims),
      accessToken: credentials.token,
      expiresAt: claims.exp as number,
      createdAt: typeof claims.iat === 'number' ? claims.iat : now(),
    };
    // A bearer request has no session to refresh or write: auth is the token's view, nothing more.
    Object.assign(this.auth, signedInFields(record, claims, {}, this.core.cfg.claims));
    this.sink.append('Vary', 'Authorization');
    this.sink.set('Cache-Control', 'private, no-store');
  }

  /** Make `record` the request's session (verifying its access token); false when it does not verify. */
  async #show(record: SessionRecord): Promise<boolean> {
    let fields = this.core.views.get(record);
    if (!fields) {
      let info;
      try {
        info = await this.core.inspector.inspect(record.accessToken, record.expiresAt);
      } catch (error) {
        if (!(error instanceof TokenError)) throw error;
        this.core.cfg.logger.warn({ reason: error.message }, 'sessionkit: session access token does not verify; signed out');
        this.clear();
        return false;
      }
      fields = signedInFields(record, info.claims, idTokenClaims(record.idToken), this.core.cfg.claims);
      // The same record (same cookie value) shows the same view: compute it once, share it frozen.
      if (info.final) this.core.views.set(record, deepFreeze(fields));
    }
    this.record = record;
    Object.assign(this.auth, fields);
    return true;
  }

  /** The proactive refresh before the handler; failures follow the policy, never throw. */
  async #refreshDue(record: SessionRecord): Promise<void> {
    if (!record.refreshToken) {
      if (record.expiresAt <= now()) this.clear();
      else this.markPrivate();
      return;
    }
    try {
      await this.#take(await this.core.refresher.refresh(record, null, this.request.raw));
    } catch (error) {
      const failure = error instanceof RefreshError ? error : new RefreshError(String(error), { isTransient: true, cause: error });
      if (!failure.isTransient) {
        await this.#forget(record);
        this.clear();
      } else if (record.expiresAt <= now()) {
        // Keep the cookie for the next request; this one goes on signed out.
        this.markPrivate();
        this.#signOutView();
      } else {
        this.markPrivate();
      }
    }
  }

  /**
   * Take a refresh's result: written to the response, except tokens that a finished grant's memo
   * handed to a late request (cookie sessions): those serve this request only, and no cookie is
   * written — the browser that refreshed already has them, and a replayed stolen cookie must not
   * obtain the rotated refresh token. With a store, the store is the truth and is written as usual.
   */
  async #take({ record, source }: Refreshed): Promise<void> {
    if (source !== 'memo' || this.core.cfg.store) return this.#commit(record);
    this.markPrivate();
    const previous = this.record;
    if (await this.#show(record)) this.request.expose?.(previous, this.record);
  }

  /** Seal `record` into the response and show it. */
  async #commit(record: SessionRecord): Promise<void> {
    const { cfg } = this.core;
    // A refresh that raced a logout (or a back-channel logout) must not bring the session back:
    // nothing is written, and the refresh token it obtained is revoked.
    if (this.record && (await this.#ended(record))) {
      cfg.logger.debug?.({}, 'sessionkit: the session ended while it was being refreshed; nothing written');
      if (record.refreshToken && record.refreshToken !== this.record.refreshToken) {
        await this.core.provider.revoke(record.refreshToken).catch(() => undefined);
      }
      this.clear();
      return;
    }
    if (cfg.session.idleTimeout) record = { ...record, touchedAt: now() };
    let payload: CookiePayload = record;
    if (cfg.store) {
      if (!record.id) record = { ...record, id: randomBytes(16).toString('base64url') };
      // A slow request must not put back tokens older than the stored ones (their refresh token
      // is spent): the newer session stays, and this request shows it.
      if (cfg.store.setIfNewer) {
        record = (await cfg.store.setIfNewer(record.id!, record, cfg.cookie.maxAge)) ?? record;
      } else {
        const stored = await cfg.store.get(record.id!);
        if (stored && stored.expiresAt > record.expiresAt) record = stored;
        else await cfg.store.set(record.id!, record, cfg.cookie.maxAge);
      }
      payload = { v: 1, ref: record.id! };
    }
    let written;
    try {
      written = await this.core.cookies.write(payload, this.#names, record.createdAt);
    } catch (error) {
      // Too large for the browser's cookies: at sign-in the callback reports it; a refresh that
      // grew the session drops its ID token from the cookie (the user is kept), else the session
      // ends — never a cookie that would get every later request refused 431.
      if (!(error instanceof SessionTooLargeError) || !this.record) throw error;
      if (record.idToken && 'accessToken' in payload) return this.#commit({ ...record, idToken: undefined });
      cfg.logger.error({ size: error.size }, error.message);
      if (record.refreshToken) await this.core.provider.revoke(record.refreshToken).catch(() => undefined);
      this.clear();
      return;
    }
    const { headers, names } = written;
    this.#names = names;
    this.sink.append('Set-Cookie', headers);
    this.markPrivate();
    const previous = this.record;
    await this.#show(record);
    this.request.expose?.(previous, this.record);
  }

  /** True when `record`'s session was ended (logout, back-channel logout) after it began. */
  async #ended(record: SessionRecord): Promise<boolean> {
    const at = await this.core.cfg.coordinator.endedAt(endKeys(record));
    return at !== undefined && at >= record.createdAt;
  }

  /** Drop `record` from the store, when there is one (best effort: the cookie goes anyway). */
  async #forget(record: SessionRecord): Promise<void> {
    if (!this.core.cfg.store || !record.id) return;
    try {
      await this.core.cfg.store.destroy(record.id);
    } catch (error) {
      this.core.cfg.logger.warn({ error: (error as Error)?.name }, 'sessionkit: the session store could not forget a session');
    }
  }

  /**
   * Write a new session (sign-in). A session the browser still carried is signed out first (its
   * refresh token revoked, its store entry destroyed, its id ended), best effort.
   */
  async start(record: SessionRecord): Promise<void> {
    if (this.#incoming !== null) {
      const payload = await this.#unsealIncoming();
      const previous = payload && (await Promise.resolve(sessionOf(this.core, payload)).catch(() => null));
      // The same user signing in again may get the same grant back from the provider (oidc-provider
      // reuses it within its session), and revoking a refresh token revokes its grant there: the
      // new tokens would die with the old ones. So the old session is ended but not revoked then.
      if (previous && previous.id !== record.id) await this.#end(previous, previous.user.id !== record.user.id);
    }
    await this.#commit(record);
  }

  /**
   * The sign-out steps that do not touch this response, best effort: revoke the refresh token,
   * refuse the session's id from now on (replays, other instances), destroy its store entry.
   */
  async #end(record: SessionRecord, revoke = true): Promise<void> {
    const { core } = this;
    if (revoke && record.refreshToken) {
      await core.provider.revoke(record.refreshToken).catch((error: unknown) => {
        core.cfg.logger.warn({ error: (error as Error)?.name }, 'sessionkit: revoking the refresh token failed; signing out anyway');
      });
    }
    try {
      await core.cfg.coordinator.endSessions(endKeys(record).slice(0, 1), now(), endedTtl(core.cfg.cookie.maxAge));
    } catch (error) {
      core.cfg.logger.warn({ error: (error as Error)?.name }, 'sessionkit: the coordinator could not record the end of a session');
    }
    await this.#forget(record);
  }

  /** End the session on this response: clear every chunk, show signed out. */
  clear(): void {
    if (this.#names.length) {
      this.sink.append('Set-Cookie', this.core.cookies.clear(this.#names));
      this.#names = [];
    }
    this.markPrivate();
    this.#signOutView();
  }

  #signOutView(): void {
    if (this.record) this.request.expose?.(this.record, null);
    this.record = null;
    for (const key of Object.keys(this.auth)) delete (this.auth as unknown as Record<string, unknown>)[key];
    Object.assign(this.auth, signedOutFields());
  }

  /** Mark the response as depending on the session: `Cache-Control: private, no-store` and `Vary: Cookie`. */
  markPrivate(): void {
    if (this.#private || this.sink.sent()) return;
    this.sink.set('Cache-Control', 'private, no-store');
    this.markVaries();
    this.#private = true;
  }

  /** `Vary: Cookie` only (a signed-out response, which caches may keep per cookie). */
  markVaries(): void {
    if (this.#private || this.#varies || this.sink.sent()) return;
    this.#varies = true;
    this.sink.append('Vary', 'Cookie');
  }

  #varies = false;

  /** `auth.refresh()`: refresh now (into `organizationId` when given). */
  async refreshNow(options: RefreshOptions = {}): Promise<Auth> {
    if (!this.record) {
      if (options.ensureSignedIn) throw new UnauthenticatedError();
      return this.auth;
    }
    if (options.organizationId !== undefined && options.organizationId !== this.auth.organizationId) {
      return this.switchOrganization(options.organizationId);
    }
    const record = this.record;
    try {
      await this.#take(await this.core.refresher.refresh(record, null, this.request.raw));
    } catch (error) {
      if (error instanceof RefreshError && !error.isTransient) this.clear();
      throw error;
    }
    return this.auth;
  }

  /**
   * Move the session into `organizationId`. A refusal leaves the session exactly as it was and
   * throws {@link OrganizationSwitchError}.
   */
  async switchOrganization(organizationId: string): Promise<Auth> {
    if (!this.record) throw new UnauthenticatedError();
    if (typeof organizationId !== 'string' || !organizationId) throw new TypeError('organizationId must be a non-empty string');
    try {
      await this.#take(await this.core.refresher.refresh(this.record, organizationId, this.request.raw));
    } catch (error) {
      // Refused although the grant went through (the organization was not granted): keep the new tokens.
      const keep = sessionToKeep(error);
      if (keep) await this.#commit(keep);
      const failure = error instanceof RefreshError ? error : new RefreshError(String(error), { isTransient: true, cause: error });
      throw new OrganizationSwitchError(organizationId, failure, !!failure.oauthError && REAUTHENTICATE.has(failure.oauthError));
    }
    return this.auth;
  }

  /** Sign out: revoke the refresh token (best effort), clear the cookies, run `onSignOut`. */
  async signOut(): Promise<SessionRecord | null> {
    const record = this.record;
    const fields: AuthFields = { ...this.auth };
    // A replay of this cookie (stolen, or another tab's copy) is refused from now on.
    if (record) await this.#end(record);
    this.clear();
    if (record) await runHook(this.core.cfg, 'onSignOut', { user: record.user, sessionId: fields.sessionId, request: this.request.raw });
    return record;
  }
}
