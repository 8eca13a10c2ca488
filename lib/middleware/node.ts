/**
 * The plain `node:http` / Connect adapter: translates `req`/`res` to the core's request view and
 * sink, and the core's replies back. It decides nothing.
 *
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Core, coreOf, type Outcome } from '../core/engine.js';
import { handle, handleCached } from '../handler.js';
import { NodeSink, type Reply, type RequestView } from '../core/http.js';
import { checkStepUpOptions } from '../core/step-up.js';
import { UsageError } from '../errors.js';
import type { Auth } from '../types/session.js';
import type { Denial, RequireAuthOptions } from '../types/hooks.js';
import type { SessionKitOptions } from '../types/options.js';
import { pathOf } from './path.js';

/** A request that passed `nodeAuth()`: `auth` is set, and `session` (the record) unless another middleware owns it. */
export type AuthRequest = IncomingMessage & { auth: Auth; session?: unknown; originalUrl?: string; body?: unknown };

/**
 * A Connect-style handler. With `next`, it calls `next()` when the request should go on (or
 * `next(error)`), and nothing when it answered (a `next` that throws rejects the returned promise:
 * Connect's never does); without `next`, the returned promise resolves to `true` when the request
 * should go on, `false` when it was answered, and rejects on an error. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: Next) => Promise<boolean>;

type Next = (error?: unknown) => void;

/** One request as the core sees it, and its response's sink: one object, fields read when asked. */
class NodeExchange extends NodeSink implements RequestView {
  constructor(readonly raw: AuthRequest, res: ServerResponse) { super(res); }
  get method(): string { return this.raw.method ?? 'GET'; }
  get url(): string { return this.raw.url ?? '/'; }
  get path(): string { return pathOf(this.url); }
  get originalUrl(): string { return this.raw.originalUrl ?? this.url; }
  get headers(): IncomingMessage['headers'] { return this.raw.headers; }
  get body(): unknown { return this.raw.body; }
  get stream(): IncomingMessage { return this.raw; }
  expose(previous: unknown, next: unknown): void {
    if (this.raw.session === previous) this.raw.session = next;
  }
}

const exchangeOf = (req: AuthRequest, res: ServerResponse) => new NodeExchange(req, res);

function send(res: ServerResponse, reply: Reply): void {
  if (reply.handled || res.headersSent) return;
  res.statusCode = reply.status;
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  // json() replies carry their Content-Type already
  res.end(reply.body === undefined || typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
}

/** Settle a handler: `next()` / `next(error)` when given, else the promise's value. */
function settle(goOn: boolean | Error, next?: Next): Promise<boolean> {
  if (goOn instanceof Error && !next) return Promise.reject(goOn);
  if (goOn instanceof Error) next!(goOn);
  else if (goOn && next) next();
  return Promise.resolve(goOn === true);
}

/**
 * sessionkit for plain `node:http` servers and Connect apps: answers sessionkit's routes itself and
 * sets `req.auth` (and `req.session`, unless another middleware owns it) on every other request,
 * refreshing the access token first when it is about to expire. Hooks receive `req` and `res`.
 * See {@link NodeHandler} for the `next` / promise contract.
 *
 * @example `http.createServer(async (req, res) => { if (await auth(req, res)) route(req, res); })`
 * @throws {ConfigError} at once, naming the option, when the configuration is invalid.
 */
export function nodeAuth(options?: SessionKitOptions<IncomingMessage, ServerResponse>): NodeHandler {
  const core = new Core(options);
  return function sessionkit(req, res, next) {
    const exchange = new NodeExchange(req as AuthRequest, res);
    const cached = handleCached(core, exchange, exchange);
    if (cached) return finish(core, req as AuthRequest, res, next, cached);
    return handle(core, exchange, exchange).then(
      (outcome) => finish(core, req as AuthRequest, res, next, outcome),
      (error: Error) => settle(error, next),
    );
  };
}

function finish(core: Core, req: AuthRequest, res: ServerResponse, next: Next | undefined, outcome: Outcome): Promise<boolean> {
  if (outcome.denial) return refuse(outcome.denial, outcome.reply, core.cfg.hooks.onDenied, req, res, next);
  if (outcome.reply) return send(res, outcome.reply), settle(false, next);
  req.auth = outcome.session.auth;
  if (req.session === undefined) req.session = outcome.session.record;
  return settle(true, next);
}

/** Answer a refusal: the app's `onDenied` answers it when there is one (nothing is sent after it), else the default. */
function refuse(denial: Denial, reply: Reply, onDenied: RequireAuthOptions<IncomingMessage, ServerResponse>['onDenied'], req: AuthRequest, res: ServerResponse, next?: Next): Promise<boolean> {
  if (!onDenied) return send(res, reply), settle(false, next);
  return Promise.resolve()
    .then(() => onDenied({ denial, request: req, response: res }))
    .then(() => settle(false, next), (error: Error) => settle(error, next));
}

/**
 * Guard what follows, in the same style as {@link nodeAuth} (`next()` or a promise of `true` when
 * allowed): as `requireAuth()` of `sessionkit` (302 / 401 / 403, step-up with `acr` / `maxAge`),
 * or the page of `onDenied` (here, else the middleware's), which must answer on `res`.
 *
 * @throws {UsageError} (to `next`, or as the rejection) when `nodeAuth()` did not run first.
 */
export function requireAuth(options: RequireAuthOptions<IncomingMessage, ServerResponse> = {}): NodeHandler {
  checkStepUpOptions(options);
  return function requireAuthGuard(req, res, next) {
    const auth = (req as AuthRequest).auth;
    const core = coreOf(auth);
    if (!core) return settle(new UsageError('sessionkit: requireAuth() needs nodeAuth() to run first on the same request'), next);
    const refused = core.refusal(auth, options, req as AuthRequest, res, exchangeOf);
    if (!refused) return settle(true, next);
    return refuse(refused.denial, refused.reply, refused.onDenied, req as AuthRequest, res, next);
  };
}
