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
import { needsReauthentication } from './policy.js';
import { sessionToKeep, type Refreshed } from './refresh.js';
import { endSession } from './sign-out.js';

/** What the actions need of the request's session (a `RequestSession`). */
export interface ActingSession {
  readonly core: CoreContext;
  readonly request: RequestView;
  readonly record: SessionRecord | null;
  readonly auth: Auth;
  /** Take a refresh's result into the session (and its cookie, as the memo rule allows). */
  take(refreshed: Refreshed): Promise<void>;
  /** Seal `record` into the response and show it. */
  commit(record: SessionRecord): Promise<void>;
  /** End the session on this response: clear the cookies, show signed out. */
  clear(): void;
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
    await session.take(await session.core.refresher.refresh(record, null, session.request.raw));
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
    await session.take(await session.core.refresher.refresh(session.record, organizationId, session.request.raw));
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
