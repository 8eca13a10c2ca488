/**
 * The Express adapter: translates `req`/`res` to the core's request view and sink, and the
 * core's replies back. It decides nothing.
 *
 * @packageDocumentation
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Core, type Outcome } from '../core/engine.js';
import { handle, handleCached } from '../handler.js';
import { nodeSink, type Reply, type RequestView } from '../core/http.js';
import { coreOf } from '../core/request-session.js';
import type { Auth, Denial, RequireAuthOptions, SessionKitOptions } from '../types.js';
import { checkStepUpOptions } from '../core/step-up.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** sessionkit's view of the session; set on every request that passed `authMiddleware()`. */
      auth: Auth;
    }
  }
}

type WithSession = Request & { session?: unknown };

function view(req: Request): RequestView {
  return {
    method: req.method,
    url: req.url,
    path: req.path,
    originalUrl: req.originalUrl ?? req.url,
    headers: req.headers,
    body: req.body,
    stream: req,
    raw: req,
    expose(previous, next) {
      if ((req as WithSession).session === previous) (req as WithSession).session = next;
    },
  };
}

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
 * `/session`, `/access-token`) and sets `req.auth` (and `req.session`, unless another
 * middleware owns it) on every other request, refreshing the access token before the handler
 * when it is about to expire.
 *
 * @param options see {@link SessionKitOptions}; each also reads its `SESSIONKIT_*` variable.
 * @throws {ConfigError} at once, naming the option, when the configuration is invalid.
 */
export function authMiddleware(options?: SessionKitOptions<Request, Response>): RequestHandler {
  const core = new Core(options);
  return function sessionkit(req: Request, res: Response, next: NextFunction) {
    const request = view(req);
    const sink = nodeSink(res, res);
    const cached = handleCached(core, request, sink);
    if (cached) return finish(core, req, res, next, cached);
    handle(core, request, sink).then((outcome) => finish(core, req, res, next, outcome), next);
  };
}

function finish(core: Core, req: Request, res: Response, next: NextFunction, outcome: Outcome): void {
  if (outcome.denial) return refuse(outcome.denial, outcome.reply, core.cfg.hooks.onDenied, req, res, next);
  if (outcome.reply) return send(res, outcome.reply);
  // Plain assignments: Object.defineProperty on `req` halves Express's throughput (measured).
  req.auth = outcome.session.auth;
  if ((req as WithSession).session === undefined) (req as WithSession).session = outcome.session.record;
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
    const core = coreOf(req.auth);
    if (!core) return next(new Error('sessionkit: requireAuth() needs authMiddleware() to run first'));
    const request = view(req);
    const denial = core.deny(req.auth, request, options);
    if (!denial) return next();
    refuse(denial, core.denialReply(denial, request), options.onDenied ?? core.cfg.hooks.onDenied, req, res, next);
  };
}
