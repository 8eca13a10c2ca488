/**
 * What sessionkit shows on an Express request — `req.auth`, and `req.session` unless another
 * middleware owns it — adding one property to the request, not two.
 *
 * Express 5 changes every request's prototype (`Object.setPrototypeOf(req, app.request)`), after
 * which V8 gives each request a hidden class of its own: every property then added to `req`
 * builds a new hidden class (about 3 µs, plus old-generation garbage the collector pays for;
 * measured) and every read of one is a lookup miss. So `req.session` is an accessor on the app's
 * request prototype (installed once per prototype) that reads the record behind `req.auth`;
 * assigning it (express-session) makes an own property, which wins, as a plain property would.
 * (`req.auth` kept in a `WeakMap` behind a second accessor was measured too: the collector's
 * cost of a weak entry per request outweighed the hidden class it saves.)
 *
 * @packageDocumentation
 */
import { SessionAuth } from '../core/auth.js';
import type { Auth, SessionRecord } from '../types/session.js';

const installed = new WeakSet<object>();
/** The prototype seen last (nearly always the one app's): no set lookup per request. */
let lastProto: object | null = null;

type Shown = { auth?: unknown; session?: unknown };

/** Show `auth` (and its `record` as `req.session`, unless another middleware owns it) on `req`. */
export function show(req: object, auth: Auth, record: SessionRecord | null): void {
  (req as Shown).auth = auth;
  const proto = Object.getPrototypeOf(req) as object | null;
  // A prototype with a `session` of its own (or none to install on): a plain property, as before.
  if (proto !== lastProto && !install(proto) && (req as Shown).session === undefined) (req as Shown).session = record;
}

/**
 * After a refresh or a sign-out within the request: an own `req.session` this middleware set (on
 * a prototype without the accessor) follows; the accessor follows by itself.
 */
export function follow(req: object, previous: unknown, next: unknown): void {
  if (Object.hasOwn(req, 'session') && (req as Shown).session === previous) (req as Shown).session = next;
}

function install(proto: object | null): boolean {
  if (!proto || proto === Object.prototype) return false;
  if (!installed.has(proto)) {
    if ('session' in proto) return false;
    Object.defineProperty(proto, 'session', {
      configurable: true,
      enumerable: false,
      get(this: Shown) {
        const auth = this.auth;
        return auth === undefined ? undefined : SessionAuth.recordOf(auth);
      },
      set(this: object, value: unknown) {
        Object.defineProperty(this, 'session', { value, writable: true, enumerable: true, configurable: true });
      },
    });
    installed.add(proto);
  }
  lastProto = proto;
  return true;
}
