/**
 * What sessionkit shows on an Express request — `req.auth`, and `req.session` unless another
 * middleware owns it — without adding a property to the request.
 *
 * Express changes every request's prototype (`Object.setPrototypeOf(req, app.request)`), after
 * which V8 gives each request a hidden class of its own (`shared-map.ts`, with which sessionkit's
 * middleware makes them share one, mostly): every property then added to `req` builds a new
 * hidden class (measured before that: `req.auth = …` alone cost about 5 % of a bare Express
 * request's CPU, in time and old-generation garbage) and every read of one is a lookup miss. So
 * sessionkit adds no property to the request: both are accessors, installed once on Express's
 * base request object (the prototype of every app's and sub-app's `app.request`, so a request
 * keeps them across mounted apps):
 *
 * - `req.auth` reads `res.locals` (Express's per-request dictionary, where adding a key costs no
 *   hidden class) under a private symbol, and shows it only if it was made for this very request.
 *   A `res.locals` that is missing, frozen, or shared with another request (an app's own object)
 *   gets a plain property instead. Assigning `req.auth` makes an own property, as a plain
 *   property would: one assigned after sessionkit sticks; one assigned before it (express-jwt)
 *   is replaced by sessionkit's.
 * - `req.session` reads the record behind `req.auth`; assigning it (express-session) makes an own
 *   property, which wins.
 *
 * A request whose chain has no such base object (not from Express), or a prototype that already
 * defines `auth` or `session` itself, gets plain properties instead.
 * (`req.auth` kept in a `WeakMap` was measured too: the collector's cost of a weak entry per
 * request outweighed the hidden class it saves.)
 *
 * @packageDocumentation
 */
import { IncomingMessage } from 'node:http';
import { SessionAuth } from '../core/auth.js';
import type { Auth, SessionRecord } from '../types/session.js';

/** Where `req.auth` is kept in `res.locals` (a symbol: no template or `JSON.stringify` sees it). */
const AUTH = Symbol('sessionkit.auth');

type Shown = { auth?: unknown; session?: unknown; res?: { locals?: Locals | null } };
type Locals = Record<string | symbol, unknown> | null | undefined;

/** What a request prototype has: bit 1, the `auth` accessor; bit 2, the `session` accessor. */
const AUTH_ACCESSOR = 1;
const SESSION_ACCESSOR = 2;
const kinds = new WeakMap<object, number>();
/** The prototype seen last (nearly always the one app's) and its kind: no map lookup per request. */
let lastProto: object | null = null;
let lastKind = 0;

/** Show `auth` (and its `record` as `req.session`, unless another middleware owns it) on `req`. */
export function show(req: object, locals: Locals, auth: Auth, record: SessionRecord | null): void {
  const proto = Object.getPrototypeOf(req) as object | null;
  const kind = proto === lastProto ? lastKind : kindOf(proto);
  if (kind & AUTH_ACCESSOR && ownLocals(req, locals) && !Object.hasOwn(req, 'auth')) locals[AUTH] = auth;
  else (req as Shown).auth = auth;
  if (!(kind & SESSION_ACCESSOR) && (req as Shown).session === undefined) (req as Shown).session = record;
}

/**
 * Can `req.auth` be kept in `locals`: an object, extensible, and not holding another request's
 * `Auth` (an app that shares one `res.locals` between requests: that request keeps its entry,
 * this one gets a plain property).
 */
function ownLocals(req: object, locals: Locals): locals is Record<string | symbol, unknown> {
  if (typeof locals !== 'object' || locals === null || !Object.isExtensible(locals)) return false;
  const present = locals[AUTH];
  return present === undefined || SessionAuth.isFor(present, req);
}

/**
 * After a refresh or a sign-out within the request: an own `req.session` this middleware set (on
 * a prototype without the accessor) follows; the accessor follows by itself.
 */
export function follow(req: object, previous: unknown, next: unknown): void {
  if (Object.hasOwn(req, 'session') && (req as Shown).session === previous) (req as Shown).session = next;
}

function authOf(this: Shown): unknown {
  const locals = this.res?.locals;
  if (locals === undefined || locals === null) return undefined;
  const auth = locals[AUTH];
  // Only this request's own: an app that shares one `res.locals` object between requests must
  // never show one request another's session.
  return SessionAuth.isFor(auth, this) ? auth : undefined;
}

function sessionOf(this: Shown): unknown {
  const auth = this.auth;
  return auth === undefined ? undefined : SessionAuth.recordOf(auth);
}

/** An assignment makes an own property, as it would without the accessor. */
function assigner(name: string) {
  return function assign(this: object, value: unknown): void {
    Object.defineProperty(this, name, { value, writable: true, enumerable: true, configurable: true });
  };
}

const ACCESSORS = [
  { name: 'auth', bit: AUTH_ACCESSOR, get: authOf, set: assigner('auth') },
  { name: 'session', bit: SESSION_ACCESSOR, get: sessionOf, set: assigner('session') },
] as const;

function kindOf(proto: object | null): number {
  let kind = proto ? kinds.get(proto) : 0;
  if (kind === undefined) {
    kind = install(proto!);
    kinds.set(proto!, kind);
  }
  lastProto = proto;
  lastKind = kind;
  return kind;
}

/** Install the accessors on Express's base request (once) and say which ones `proto`'s requests see. */
function install(proto: object): number {
  const base = expressBase(proto);
  if (!base) return 0;
  let kind = 0;
  for (const { name, bit, get, set } of ACCESSORS) {
    if (!(name in proto)) Object.defineProperty(base, name, { configurable: true, enumerable: false, get, set });
    if (descriptorOf(proto, name)?.get === get) kind |= bit;
  }
  return kind;
}

/** The object right above `IncomingMessage.prototype` in `proto`'s chain: Express's `request`. */
function expressBase(proto: object): object | null {
  for (let p: object | null = proto; p; p = Object.getPrototypeOf(p) as object | null) {
    if (Object.getPrototypeOf(p) === IncomingMessage.prototype) return p;
  }
  return null;
}

function descriptorOf(proto: object, name: string): PropertyDescriptor | undefined {
  for (let p: object | null = proto; p; p = Object.getPrototypeOf(p) as object | null) {
    const descriptor = Object.getOwnPropertyDescriptor(p, name);
    if (descriptor) return descriptor;
  }
  return undefined;
}
