/**
 * The plain `node:http` / Connect adapter: translates `req`/`res` to the core's request view and
 * sink, and the core's replies back. It decides nothing.
 *
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Core, type Outcome } from '../core/engine.js';
import { handle, handleCached } from '../handler.js';
import { nodeSink, type Reply, type RequestView } from '../core/http.js';
import { coreOf } from '../core/request-session.js';
import { ConfigError } from '../errors.js';
import type { Auth, Denial, RequireAuthOptions, SessionKitOptions } from '../types.js';
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

function view(req: AuthRequest): RequestView {
  const url = req.url ?? '/';
  return {
    method: req.method ?? 'GET',
    url,
    path: pathOf(url),
    originalUrl: req.originalUrl ?? url,
    headers: req.headers,
    body: req.body,
    stream: req,
    raw: req,
    expose(previous, next) {
      if (req.session === previous) req.session = next;
    },
  };
}

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
 * sessionkit for plain `node:http` servers and Connect apps: answers the routes (`/login`,
 * `/callback`, `/logout`, `/switch-org`, `/session`, `/access-token`, `/backchannel-logout`)
 * itself and sets `req.auth` (and `req.session`, unless another middleware owns it) on every other
 * request, refreshing the access token first when it is about to expire. Hooks receive `req` and
 * `res`. See {@link NodeHandler} for the `next` / promise contract.
 *
 * @example `http.createServer(async (req, res) => { if (await auth(req, res)) route(req, res); })`
 * @throws {ConfigError} at once, naming the option, when the configuration is invalid.
 */
export function nodeAuth(options?: SessionKitOptions<IncomingMessage, ServerResponse>): NodeHandler {
  const core = new Core(options);
  return function sessionkit(req, res, next) {
    const request = view(req as AuthRequest);
    const sink = nodeSink(res, res);
    const cached = handleCached(core, request, sink);
    if (cached) return finish(core, req as AuthRequest, res, next, cached);
    return handle(core, request, sink).then(
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
 * allowed): signed out → 302 to login for a browser page, 401 JSON otherwise; signed in without
 * the required `permissions` (all), `roles` (any) or `organization` → 403 JSON; or the page of
 * `onDenied` (here, else the middleware's), which must answer on `res`.
 *
 * @throws {ConfigError} (to `next`, or as the rejection) when `nodeAuth()` did not run first.
 */
export function requireAuth(options: RequireAuthOptions<IncomingMessage, ServerResponse> = {}): NodeHandler {
  return function requireAuthGuard(req, res, next) {
    const auth = (req as AuthRequest).auth;
    const core = coreOf(auth);
    if (!core) return settle(new ConfigError('nodeAuth', undefined, 'must run before requireAuth() on the same request'), next);
    const request = view(req as AuthRequest);
    const denial = core.deny(auth, request, options);
    if (!denial) return settle(true, next);
    return refuse(denial, core.denialReply(denial, request), options.onDenied ?? core.cfg.hooks.onDenied, req as AuthRequest, res, next);
  };
}
