/**
 * What the application (through `Auth`) and the logout and switch-org routes ask of a signed-in
 * session: refresh now, move into another organization, sign out. Each acts on the request's
 * session through the narrow {@link ActingSession}.
 *
 * @packageDocumentation
 */
import { OrganizationSwitchError, RefreshError, UnauthenticatedError, UsageError } from '../errors.js';
import type { Auth, RefreshOptions, SessionRecord } from '../types/session.js';
import type { CoreContext } from './context.js';
import type { RequestView } from './http.js';
import { runHook } from './hooks.js';
import { forget, sessionOf } from './persistence.js';
import { needsReauthentication, now } from './policy.js';
import { sessionToKeep, type Refreshed } from './refresh.js';
import { endSession } from './sign-out.js';

/** What the actions need of the request's session (a `RequestSession`). */
export interface ActingSession {
  readonly core: CoreContext;
  readonly request: RequestView;
  readonly record: SessionRecord | null;
  readonly auth: Auth;
  /** The session cookie's value as it came in (null: none). */
  readonly incoming: string | null;
  /** Make `record` the request's session, its access token verified; false when it does not verify. */
  show(record: SessionRecord): Promise<boolean>;
  /** Seal `record` into the response and show it. */
  commit(record: SessionRecord): Promise<void>;
  /** End the session on this response: clear the cookies, show signed out. */
  clear(): void;
  /** Show this request signed out, the cookie kept. */
  showSignedOut(): void;
  /** `Cache-Control: private, no-store` and `Vary: Cookie` on the response. */
  markPrivate(): void;
}

/**
 * The proactive refresh before the handler: the refreshed session, or the policy's answer to a
 * failure — a refusal ends the session; an outage keeps it (signed out for this request only if
 * the access token already expired). Never throws.
 */
export async function refreshDue(session: ActingSession, record: SessionRecord): Promise<void> {
  if (!record.refreshToken) {
    if (record.expiresAt <= now()) session.clear();
    else session.markPrivate();
    return;
  }
  try {
    await take(session, await session.core.refresher.refresh(record, null, session.request.raw));
  } catch (error) {
    const failure = error instanceof RefreshError ? error : new RefreshError(String(error), { isTransient: true, cause: error });
    if (!failure.isTransient) {
      await forget(session.core.cfg, record);
      session.clear();
    } else {
      // Keep the cookie for the next request; this one goes on signed out if its token expired.
      session.markPrivate();
      if (record.expiresAt <= now()) session.showSignedOut();
    }
  }
}

/**
 * Take a refresh's result: written to the response, except tokens that a finished grant's memo
 * handed to a late request (cookie sessions): those serve this request only, and no cookie is
 * written — the browser that refreshed already has them, and a replayed stolen cookie must not
 * obtain the rotated refresh token. With a store, the store is the truth and is written as usual.
 */
export async function take(session: ActingSession, { record, source }: Refreshed): Promise<void> {
  if (source !== 'memo' || session.core.cfg.store) return session.commit(record);
  session.markPrivate();
  const previous = session.record;
  if (await session.show(record)) session.request.expose?.(previous, session.record);
}

/**
 * Write a new session (sign-in). A session the browser still carried is signed out first (its
 * refresh token revoked, its store entry destroyed, its id ended), best effort.
 */
export async function startSession(session: ActingSession, record: SessionRecord): Promise<void> {
  const { core } = session;
  const payload = await core.cookies.unsealIncoming(session.incoming, session.request.headers.cookie);
  const previous = payload && (await Promise.resolve(sessionOf(core.cfg, payload)).catch(() => null));
  // The same user signing in again may get the same grant back from the provider (oidc-provider
  // reuses it within its session), and revoking a refresh token revokes its grant there: the
  // new tokens would die with the old ones. So the old session is ended but not revoked then.
  if (previous && previous.id !== record.id) await endSession(core, previous, previous.user.id !== record.user.id);
  await session.commit(record);
}

/** `auth.refresh()`: refresh now (into `organizationId` when given). */
export async function refreshNow(session: ActingSession, options: RefreshOptions = {}): Promise<Auth> {
  const { record } = session;
  if (!record) {
    if (options.ensureSignedIn) throw new UnauthenticatedError();
    return session.auth;
  }
  if (options.organizationId !== undefined && options.organizationId !== session.auth.organizationId) {
    return switchOrganization(session, options.organizationId);
  }
  try {
    await take(session, await session.core.refresher.refresh(record, null, session.request.raw));
  } catch (error) {
    if (error instanceof RefreshError && !error.isTransient) session.clear();
    throw error;
  }
  return session.auth;
}

/**
 * Move the session into `organizationId`. A refusal leaves the session exactly as it was (with
 * the rotated tokens, when the grant went through) and throws {@link OrganizationSwitchError}.
 */
export async function switchOrganization(session: ActingSession, organizationId: string): Promise<Auth> {
  if (!session.record) throw new UnauthenticatedError();
  if (typeof organizationId !== 'string' || !organizationId) throw new UsageError('sessionkit: switchOrganization(organizationId) needs a non-empty string');
  try {
    await take(session, await session.core.refresher.refresh(session.record, organizationId, session.request.raw));
  } catch (error) {
    // Refused although the grant went through (the organization was not granted): keep the new tokens.
    const keep = sessionToKeep(error);
    if (keep) await session.commit(keep);
    const failure = error instanceof RefreshError ? error : new RefreshError(String(error), { isTransient: true, cause: error });
    throw new OrganizationSwitchError(organizationId, failure, needsReauthentication(failure.oauthError));
  }
  return session.auth;
}

/** Sign out: revoke the refresh token (best effort), clear the cookies, run `onSignOut`. The record that was signed out. */
export async function signOut(session: ActingSession): Promise<SessionRecord | null> {
  const { record, core } = session;
  const sessionId = session.auth.sessionId;
  // A replay of this cookie (stolen, or another tab's copy) is refused from now on.
  if (record) await endSession(core, record);
  session.clear();
  if (record) await runHook(core.cfg, 'onSignOut', { user: record.user, sessionId, request: session.request.raw });
  return record;
}
