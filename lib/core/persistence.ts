/**
 * Where a session lives besides the cookie: the `store` (when configured). Reading the record a
 * cookie refers to, writing it without ever putting older tokens over newer ones, forgetting it.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import type { ResolvedConfig } from '../config.js';
import type { SessionRecord } from '../types/session.js';
import type { CookiePayload } from './session-cookie.js';

/**
 * The session a cookie payload stands for: itself, or the stored one it refers to (null when it
 * is gone) — synchronously when the store answers synchronously.
 */
export function sessionOf(cfg: ResolvedConfig, payload: CookiePayload): SessionRecord | null | Promise<SessionRecord | null> {
  if (!('ref' in payload)) return payload;
  const matches = (stored: SessionRecord | undefined) => (stored && stored.id === payload.ref ? stored : null);
  const stored = cfg.store?.get(payload.ref);
  return stored instanceof Promise ? stored.then(matches) : matches(stored);
}

/**
 * Keep `record` where it lives: as is for a cookie session; in the store (with an id) otherwise,
 * never over newer tokens — a slow request must not put back tokens whose refresh token is spent:
 * the newer session stays, and is what this request shows. The record to show and the payload to
 * seal into the cookie.
 */
export async function persist(cfg: ResolvedConfig, record: SessionRecord): Promise<{ record: SessionRecord; payload: CookiePayload }> {
  const { store } = cfg;
  if (!store) return { record, payload: record };
  if (!record.id) record = { ...record, id: randomBytes(16).toString('base64url') };
  if (store.setIfNewer) {
    record = (await store.setIfNewer(record.id!, record, cfg.cookie.maxAge)) ?? record;
  } else {
    const stored = await store.get(record.id!);
    if (stored && stored.expiresAt > record.expiresAt) record = stored;
    else await store.set(record.id!, record, cfg.cookie.maxAge);
  }
  return { record, payload: { v: 1, ref: record.id! } };
}

/** Drop `record` from the store, when there is one (best effort: the cookie goes anyway). */
export async function forget(cfg: ResolvedConfig, record: SessionRecord): Promise<void> {
  if (!cfg.store || !record.id) return;
  try {
    await cfg.store.destroy(record.id);
  } catch (error) {
    cfg.logger.warn({ error: (error as Error)?.name }, 'sessionkit: the session store could not forget a session');
  }
}
