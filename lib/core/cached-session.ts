/**
 * The cached path: the session of a request without any await, when everything it needs is
 * already known — no cookie (and no bearer token to check), or a cookie unsealed before whose
 * record is not due for refresh, not past `live`, not ended. This is the path of nearly every
 * request; after a cookie's first visit its cache entry holds all it reads (`hot`: the view, the
 * end keys, one deadline): one clock read, the cache entry (and the store's record, for a
 * session kept in one) and the coordinator's list of ended sessions decide.
 *
 * @packageDocumentation
 */
import type { SessionRecord } from '../types/session.js';
import type { CoreContext } from './context.js';
import type { RequestView, ResponseSink } from './http.js';
import { sessionOf } from './persistence.js';
import { endKeys, freshUntil } from './policy.js';
import { RequestSession } from './request-session.js';
import type { HotSession, Unsealed } from './unsealed-cache.js';

/** The request's session from the cache; null when the full `RequestSession.load` must run. */
export function cachedSession(core: CoreContext, request: RequestView, sink: ResponseSink): RequestSession | null {
  const { cookies } = core;
  const header = request.headers.cookie;
  const nowMs = Date.now(); // one clock read for the whole decision
  let names = cookies.single;
  let entry: Unsealed | null | undefined = cookies.lookup(header, nowMs);
  if (entry === undefined) {
    const incoming = cookies.read(header); // chunks, duplicate names, a list of headers
    if (incoming.value === null && incoming.names.length) return null; // stale chunks to clear
    entry = incoming.value === null ? null : cookies.cached(incoming.value, nowMs);
    if (entry === undefined) return null;
    names = incoming.names;
  }
  if (entry === null) return core.bearer && request.headers.authorization ? null : RequestSession.signedOut(core, request, sink);
  const record = sessionOf(core.cfg, entry.payload);
  // A store that answers with a promise (Redis) takes the full path.
  if (record instanceof Promise) {
    record.catch(() => undefined); // the full path reads it again, and handles a failure
    return null;
  }
  if (!record) return null;
  const hot = entry.hot?.record === record ? entry.hot : (entry.hot = hotOf(core, record));
  if (hot === undefined || nowMs >= hot.untilMs) return null;
  const ended = core.cfg.coordinator.endedAt(hot.endKeys);
  if (ended !== undefined) {
    // Ended, or a coordinator that answers with a promise: the full path reads it again.
    if (ended instanceof Promise) ended.catch(() => undefined);
    return null;
  }
  return RequestSession.signedIn(core, request, sink, entry.value, names, record, hot.fields);
}

/** What the cached path keeps of `record`; undefined until a full load has verified its view. */
function hotOf(core: CoreContext, record: SessionRecord): HotSession | undefined {
  const fields = core.views.get(record);
  if (!fields) return undefined;
  const { refreshBuffer, session } = core.cfg;
  return { record, fields, endKeys: endKeys(record), untilMs: freshUntil(record, refreshBuffer, session) * 1000 };
}
