/**
 * The Express adapter: translates `req`/`res` to the core's request view and sink, and the
 * core's replies back. It decides nothing.
 *
 * @packageDocumentation
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Core, coreOf, type Outcome } from '../core/engine.js';
import { handle, handleCached } from '../handler.js';
import { NodeSink, type Reply, type RequestView } from '../core/http.js';
import { UsageError } from '../errors.js';
import { follow, show } from './express-request.js';
import { shareMap } from './shared-map.js';
import { checkStepUpOptions } from '../core/step-up.js';
import type { Auth } from '../types/session.js';
import type { Denial, RequireAuthOptions } from '../types/hooks.js';
import type { SessionKitOptions } from '../types/options.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** sessionkit's view of the session; set on every request that passed `authMiddleware()`. */
      auth: Auth;
    }
  }
}

/** One Express request as the core sees it, and its response's sink: one object, fields read when asked. */
class ExpressExchange extends NodeSink implements RequestView {
  readonly raw: Request;

  constructor(req: Request, res: Response) {
    super(res);
    this.raw = req;
  }
  get method(): string { return this.raw.method; }
  get url(): string { return this.raw.url; }
  /**
   * `req.path` (the pathname of `req.url`, as parseurl reads it) from a single read of `req.url`,
   * without Express's getter and parseurl's work.
   * A URL parseurl hands to `url.parse` (not `/…`, or with a space, tab, `#`, …) asks Express.
   */
  get path(): string {
    return pathOf(this.raw.url) ?? this.raw.path;
  }
  get originalUrl(): string { return this.raw.originalUrl ?? this.raw.url; }
  get headers(): Request['headers'] { return this.raw.headers; }
  get body(): unknown { return this.raw.body; }
  get stream(): Request { return this.raw; }
  expose(previous: unknown, next: unknown): void {
    follow(this.raw, previous, next);
  }
}

/**
 * The pathname of a request target as parseurl (Express's `req.path`) reads it, for a target on
 * parseurl's own fast path (`/…` without a space, tab, line break, `#`, NBSP or BOM); undefined
 * for any other, which Express is asked about.
 */
export function pathOf(url: string): string | undefined {
  if (url.charCodeAt(0) !== 47 /* / */ || UNUSUAL_URL.test(url)) return undefined;
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}
const UNUSUAL_URL = /[\t\n\f\r #\u00a0\ufeff]/;

const exchangeOf = (req: Request, res: Response) => new ExpressExchange(req, res);

function send(res: Response, reply: Reply): void {
  if (reply.handled || res.headersSent) return;
  res.status(reply.status);
  if (reply.headers) res.set(reply.headers);
  if (reply.body === undefined) res.end();
  else if (typeof reply.body === 'string') res.send(reply.body);
  else res.json(reply.body);
}

/**
 * sessionkit for Express: mounts the routes (`/login`, `/callback`, `/logout`, `/switch-org`,
 * `/session`, `/access-token`, `/backchannel-logout`) and sets `req.auth` (and `req.session`,
 * unless another middleware owns it) on every other request, refreshing the access token before
 * the handler when it is about to expire.
 *
 * @param options see {@link SessionKitOptions}; each also reads its `SESSIONKIT_*` variable.
 * @throws {ConfigError} at once, naming the option, when the configuration is invalid.
 */
export function authMiddleware(options?: SessionKitOptions<Request, Response>): RequestHandler {
  const core = new Core(options);
  return function sessionkit(req: Request, res: Response, next: NextFunction) {
    shareMap(req); // one hidden class for every request: see shared-map.ts
    shareMap(res);
    const exchange = new ExpressExchange(req, res);
    const cached = handleCached(core, exchange, exchange);
    if (cached) return finish(core, req, res, next, cached);
    handle(core, exchange, exchange).then((outcome) => finish(core, req, res, next, outcome)).catch(next);
  };
}

function finish(core: Core, req: Request, res: Response, next: NextFunction, outcome: Outcome): void {
  if (outcome.denial) return refuse(outcome.denial, outcome.reply, core.cfg.hooks.onDenied, req, res, next);
  if (outcome.reply) return send(res, outcome.reply);
  show(req, res.locals as Record<string | symbol, unknown> | undefined, outcome.session.auth, outcome.session.record); // no property added to req: see express-request.ts
  next();
}

/**
 * Answer a refusal: the app's `onDenied` answers it when there is one (a render may finish after
 * the handler returns, so no default is sent after it; a throw goes to `next`), else the default.
 */
function refuse(denial: Denial, reply: Reply, onDenied: RequireAuthOptions<Request, Response>['onDenied'], req: Request, res: Response, next: NextFunction): void {
  if (!onDenied) return send(res, reply);
  Promise.resolve()
    .then(() => onDenied({ denial, request: req, response: res }))
    .catch(next);
}

/**
 * Guard a route: signed out → 302 to login for a browser page, 401 JSON otherwise; signed in
 * without the required `permissions` (all), `roles` (any) or `organization` → 403 JSON; or the
 * page of `onDenied` (here, else the middleware's).
 */
export function requireAuth(options: RequireAuthOptions<Request, Response> = {}): RequestHandler {
  checkStepUpOptions(options); // step-up (RFC 9470): lib/core/step-up.ts
  return function requireAuthGuard(req: Request, res: Response, next: NextFunction) {
    const auth = req.auth; // one read: it is an accessor (express-request.ts)
    const core = coreOf(auth);
    if (!core) return next(new UsageError('sessionkit: requireAuth() needs authMiddleware() to run first (req.auth is kept in res.locals: replace res.locals after it and req.auth is gone; add to it instead)'));
    const refused = core.refusal(auth, options, req, res, exchangeOf);
    if (!refused) return next();
    refuse(refused.denial, refused.reply, refused.onDenied, req, res, next);
  };
}
