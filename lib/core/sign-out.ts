/**
 * The sign-out steps that do not touch the response, best effort each: revoke the refresh token,
 * refuse the session's id from now on (replays of its cookie, other instances), destroy its store
 * entry. Run by logout, by a timeout, and by a sign-in over a live session.
 *
 * @packageDocumentation
 */
import type { SessionRecord } from '../types/session.js';
import type { CoreContext } from './context.js';
import { forget } from './persistence.js';
import { endedTtl, endKeys, now } from './policy.js';

/** End `record`'s session everywhere but in this response (`revoke: false` keeps its grant alive). */
export async function endSession(core: CoreContext, record: SessionRecord, revoke = true): Promise<void> {
  const { cfg } = core;
  if (revoke && record.refreshToken) {
    await core.provider.revoke(record.refreshToken).catch((error: unknown) => {
      cfg.logger.warn({ error: (error as Error)?.name }, 'sessionkit: revoking the refresh token failed; signing out anyway');
    });
  }
  try {
    await cfg.coordinator.endSessions(endKeys(record).slice(0, 1), now(), endedTtl(cfg.cookie.maxAge));
  } catch (error) {
    cfg.logger.warn({ error: (error as Error)?.name }, 'sessionkit: the coordinator could not record the end of a session');
  }
  await forget(cfg, record);
}
