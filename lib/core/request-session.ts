/**
 * One request's session itself: read and unsealed from its cookies (or found in the cache),
 * shown through its `Auth` object, written back (sealed, chunked, into the store when there is
 * one) and cleared, on the same response. What acts on it lives beside it: the rules in
 * `policy.ts`, the store in `persistence.ts`, refresh / switch / sign-in / sign-out in
 * `session-actions.ts` and `sign-out.ts`, the `Auth` object in `auth.ts`, bearer tokens in `bearer.ts`.
 *
 * @packageDocumentation
 */
import { SessionTooLargeError } from '../errors.js';
import type { Auth, RefreshOptions, SessionRecord } from '../types/session.js';
import { SessionAuth } from './auth.js';
import { loadBearer } from './bearer.js';
import type { CoreContext } from './context.js';
import type { RequestView, ResponseSink } from './http.js';
import { persist, sessionOf } from './persistence.js';
import { endKeys, isEnded, needsRefresh, now, timing } from './policy.js';
import { refreshDue, refreshNow, signOut, switchOrganization } from './session-actions.js';
import { endSession } from './sign-out.js';
import type { CookiePayload } from './session-cookie.js';
import type { AuthFields } from './view.js';
import { verifiedFields } from './verified-view.js';

/** The core that made `auth` (what `requireAuth()` decides with); null when `auth` is not sessionkit's. */
export function contextOf(auth: unknown): CoreContext | null {
  return SessionAuth.contextOf(auth);
}

const EMPTY: readonly string[] = Object.freeze([]);

/** The session of one request. Create with {@link RequestSession.load}. */
export class RequestSession {
  readonly core: CoreContext;
  readonly request: RequestView;
  readonly sink: ResponseSink;
  /** The cookie names that carried the session in (chunks included). */
  #names: readonly string[];
  /** The current session record; null when signed out. */
  record: SessionRecord | null = null;
  /** The `Auth` object handed to the application (updated in place). */
  readonly auth: SessionAuth & Auth;
  #private = false;

  private constructor(core: CoreContext, request: RequestView, sink: ResponseSink, incoming: string | null, names: readonly string[], fields?: Readonly<AuthFields>) {
    this.core = core;
    this.request = request;
    this.sink = sink;
    this.#names = names;
    this.auth = new SessionAuth(this, fields) as SessionAuth & Auth;
    this.#incoming = incoming;
  }

  #incoming: string | null;

  /** The session cookie's value as it came in (null: none); sign-in ends the session it names. */
  get incoming(): string | null { return this.#incoming; }

  /** A session for a request whose incoming cookie is not read (sign-in writes over it). */
  static create(core: CoreContext, request: RequestView, sink: ResponseSink): RequestSession {
    const { value, names } = core.cookies.read(request.headers.cookie);
    return new RequestSession(core, request, sink, value, names);
  }

  /**
   * Read, unseal, verify and (when due and `refresh` is not false) refresh the request's
   * session. Never throws for bad input.
   */
  static async load(core: CoreContext, request: RequestView, sink: ResponseSink, refresh = true): Promise<RequestSession> {
    const { value, names } = core.cookies.read(request.headers.cookie);
    const session = new RequestSession(core, request, sink, value, names);
    await session.#load(refresh);
    return session;
  }

  /** A request without a session cookie (the cached path, `lib/core/cached-session.ts`). */
  static signedOut(core: CoreContext, request: RequestView, sink: ResponseSink): RequestSession {
    return new RequestSession(core, request, sink, null, EMPTY);
  }

  /**
   * A request showing `record` (the cached path, `lib/core/cached-session.ts`): `fields` is its
   * verified view, `value` and `names` the cookie that carries it. Nothing can have been sent
   * yet: the two cache headers are set without asking the response.
   */
  static signedIn(core: CoreContext, request: RequestView, sink: ResponseSink, value: string, names: readonly string[], record: SessionRecord, fields: Readonly<AuthFields>): RequestSession {
    const session = new RequestSession(core, request, sink, value, names, fields); // the Auth built whole, signed in
    session.record = record;
    session.#private = true;
    sink.set('Cache-Control', 'private, no-store');
    sink.append('Vary', 'Cookie');
    return session;
  }

  async #load(refresh: boolean): Promise<void> {
    const { core } = this;
    if (this.#incoming === null) {
      if (this.#names.length) this.clear();
      else if (core.bearer) await loadBearer(this, core.bearer);
      return;
    }
    const payload = await core.cookies.unsealIncoming(this.#incoming, this.request.headers.cookie);
    let record: SessionRecord | null;
    try {
      record = payload && (await sessionOf(core.cfg, payload));
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
    const when = timing(record, core.cfg.session);
    if (when === 'expired') {
      core.cfg.logger.debug?.({}, 'sessionkit: the session timed out; signing it out');
      await endSession(this.core, record);
      this.clear();
      return;
    }
    if (await this.#ended(record)) {
      core.cfg.logger.debug?.({}, 'sessionkit: the session was ended (logout); signed out');
      this.clear();
      return;
    }
    if (!(await this.show(record))) return;
    if (refresh && needsRefresh(record, core.cfg.refreshBuffer)) await refreshDue(this, record);
    else if (when === 'touch') await this.commit(record);
    else this.markPrivate();
  }

  /** Make `record` the request's session (verifying its access token); false when it does not verify. */
  async show(record: SessionRecord): Promise<boolean> {
    const fields = await verifiedFields(this.core, record);
    if (!fields) {
      this.clear();
      return false;
    }
    this.record = record;
    this.auth.show(fields);
    return true;
  }

  /** Seal `record` into the response and show it. */
  async commit(record: SessionRecord): Promise<void> {
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
    let payload: CookiePayload;
    ({ record, payload } = await persist(cfg, record));
    let written;
    try {
      written = await this.core.cookies.write(payload, this.#names, record.createdAt);
    } catch (error) {
      // Too large for the browser's cookies: at sign-in the callback reports it; a refresh that
      // grew the session drops its ID token from the cookie (the user is kept), else the session
      // ends — never a cookie that would get every later request refused 431.
      if (!(error instanceof SessionTooLargeError) || !this.record) throw error;
      if (record.idToken && 'accessToken' in payload) return this.commit({ ...record, idToken: undefined });
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
    await this.show(record);
    this.request.expose?.(previous, this.record);
  }

  /** True when `record`'s session was ended (logout, back-channel logout) after it began. */
  async #ended(record: SessionRecord): Promise<boolean> {
    return isEnded(record, await this.core.cfg.coordinator.endedAt(endKeys(record)));
  }

  /** End the session on this response: clear every chunk, show signed out. */
  clear(): void {
    if (this.#names.length) {
      this.sink.append('Set-Cookie', this.core.cookies.clear(this.#names));
      this.#names = [];
    }
    this.markPrivate();
    this.showSignedOut();
  }

  /** Show this request signed out, leaving the cookie as it is (an outage: the next request tries again). */
  showSignedOut(): void {
    if (this.record) this.request.expose?.(this.record, null);
    this.record = null;
    this.auth.clear();
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
  refreshNow(options?: RefreshOptions): Promise<Auth> {
    return refreshNow(this, options);
  }

  /** `auth.switchOrganization()`: see lib/core/session-actions.ts. */
  switchOrganization(organizationId: string): Promise<Auth> {
    return switchOrganization(this, organizationId);
  }

  /** Sign out (the logout route): see lib/core/session-actions.ts. */
  signOut(): Promise<SessionRecord | null> {
    return signOut(this);
  }
}
