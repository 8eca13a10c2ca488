/**
 * The Express adapter: translates `req`/`res` to the core's request view and sink, and the
 * core's replies back. It decides nothing.
 *
 * @packageDocumentation
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Core, type RequireAuthOptions } from '../core/engine.js';
import type { Reply, RequestView, ResponseSink } from '../core/http.js';
import type { Auth, SessionKitOptions, SessionRecord } from '../types.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** sessionkit's view of the session; set on every request that passed `authMiddleware()`. */
      auth: Auth;
    }
  }
}

const CORE = Symbol.for('sessionkit.core');

function view(req: Request): RequestView {
  return { method: req.method, url: req.url, originalUrl: req.originalUrl ?? req.url, headers: req.headers, body: req.body, stream: req, raw: req };
}

function sink(res: Response): ResponseSink {
  return {
    append: (name, value) => void res.append(name, value),
    set: (name, value) => void res.setHeader(name, value),
    raw: res,
    sent: () => res.headersSent,
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
export function authMiddleware(options?: SessionKitOptions<Request>): RequestHandler {
  const core = new Core(options);
  return async function sessionkit(req: Request, res: Response, next: NextFunction) {
    try {
      const outcome = await core.handle(view(req), sink(res));
      if (outcome.reply) return send(res, outcome.reply);
      const session = outcome.session;
      Object.defineProperty(req, CORE, { value: core, configurable: true });
      req.auth = session.auth;
      if ((req as { session?: unknown }).session === undefined) {
        Object.defineProperty(req, 'session', {
          configurable: true,
          enumerable: true,
          get: (): SessionRecord | null => session.record,
        });
      }
      next();
    } catch (error) {
      next(error);
    }
  };
}

/**
 * Guard a route: signed out → 302 to login for a browser page, 401 JSON otherwise; signed in
 * without the required `permissions` (all), `roles` (any) or `organization` → 403 JSON.
 */
export function requireAuth(options: RequireAuthOptions = {}): RequestHandler {
  return function requireAuthGuard(req: Request, res: Response, next: NextFunction) {
    const core = (req as unknown as Record<symbol, Core | undefined>)[CORE];
    if (!core) return next(new Error('sessionkit: requireAuth() needs authMiddleware() to run first'));
    const denied = core.guard(req.auth, view(req), options);
    if (denied) return send(res, denied);
    next();
  };
}
