/**
 * The framework-neutral core: one instance per `authMiddleware()` / `koaAuth()`. It answers the
 * routes, loads each request's session, and decides access for `requireAuth()`. Adapters only
 * translate `req`/`res` or `ctx` to {@link RequestView} and {@link ResponseSink} and back.
 *
 * @packageDocumentation
 */
import picomatch from 'picomatch';
import { resolveConfig, type ResolvedConfig, type ResolvedRoutes } from '../config.js';
import type { Auth, SessionKitOptions, SessionRecord } from '../types.js';
import type { AuthFields } from './view.js';
import { acceptsHtml, json, redirect, splitUrl, type Reply, type RequestView, type ResponseSink } from './http.js';
import { Provider } from './provider.js';
import { Refresher } from './refresh.js';
import { RequestSession } from './request-session.js';
import { SessionCookies } from './session-cookie.js';
import { BearerVerifier, TokenInspector } from './tokens.js';
import { login } from '../routes/login.js';
import { callback } from '../routes/callback.js';
import { logout } from '../routes/logout.js';
import { switchOrg } from '../routes/switch-org.js';
import { backchannelLogout } from '../routes/backchannel-logout.js';
import { accessToken, sessionInfo } from '../routes/session-info.js';

/** What `requireAuth()` checks. */
export interface RequireAuthOptions {
  /** Every one of these permissions is needed. */
  permissions?: string[];
  /** Any one of these roles is enough. */
  roles?: string[];
  /** The session must be in an organization. */
  organization?: boolean;
}

/** The outcome of {@link Core.handle}: a route's reply, or the session to attach before the app's handler. */
export type Outcome = { reply: Reply; session?: undefined } | { session: RequestSession; reply?: undefined };

type RouteName = keyof ResolvedRoutes;

/** The core of one configured middleware. */
export class Core {
  readonly cfg: ResolvedConfig;
  readonly provider: Provider;
  readonly cookies: SessionCookies;
  readonly inspector: TokenInspector;
  readonly refresher: Refresher;
  /** The `Auth` fields of each session record, computed once per record (records are cached by cookie value). */
  readonly views = new WeakMap<SessionRecord, Readonly<AuthFields>>();
  /** Verifies `Authorization: Bearer` tokens; null unless the `bearer` option is set. */
  readonly bearer: BearerVerifier | null;
  readonly #routes = new Map<string, RouteName>();
  readonly #public: (path: string) => boolean;
  readonly #signUp: (path: string) => boolean;

  /** @throws {ConfigError} for a missing or invalid option. */
  constructor(options: SessionKitOptions<any> | undefined, env?: Record<string, string | undefined>) {
    this.cfg = resolveConfig(options, env);
    this.provider = new Provider(this.cfg);
    this.cookies = new SessionCookies(this.cfg);
    this.inspector = new TokenInspector(this.provider);
    this.refresher = new Refresher(this.cfg, this.provider, this.inspector);
    this.bearer = this.cfg.bearer ? new BearerVerifier(this.provider, this.cfg.bearer) : null;
    const context = { seal: (data: unknown) => this.cookies.seal(data), unseal: (sealed: string) => this.cookies.unsealAny(sealed), logger: this.cfg.logger };
    this.cfg.coordinator.attach?.(context);
    this.cfg.store?.attach?.(context);
    for (const [name, path] of Object.entries(this.cfg.routes)) {
      if (path) this.#routes.set(path, name as RouteName);
    }
    this.#public = this.cfg.middlewareAuth.unauthenticatedPaths.length ? picomatch([...this.cfg.middlewareAuth.unauthenticatedPaths]) : () => false;
    this.#signUp = this.cfg.signUpPaths.length ? picomatch([...this.cfg.signUpPaths]) : () => false;
  }

  /**
   * {@link handle} without any await, for a request that is not one of the routes and whose
   * session is already known (see {@link RequestSession.fromCache}); null when `handle` must run.
   */
  handleCached(request: RequestView, sink: ResponseSink): Outcome | null {
    const q = request.url.indexOf('?');
    const path = q < 0 ? request.url : request.url.slice(0, q);
    if (this.#routes.has(path)) return null;
    const session = RequestSession.fromCache(this, request, sink);
    if (!session) return null;
    return this.#afterLoad(path, session, request);
  }

  #afterLoad(path: string, session: RequestSession, request: RequestView): Outcome {
    // A signed-out page depends on the cookie too: no shared cache may serve it to a signed-in user.
    if (!session.auth.isAuthenticated) session.markVaries();
    if (this.cfg.middlewareAuth.enabled && !this.#public(path)) {
      const denied = this.guard(session.auth, request);
      if (denied) return { reply: denied };
    }
    return { session };
  }

  /** Answer sessionkit's routes; otherwise load the session for the application. */
  async handle(request: RequestView, sink: ResponseSink): Promise<Outcome> {
    const { path, query } = splitUrl(request.url);
    const route = this.#routes.get(path);
    if (route === 'login') return { reply: await login(this, request, sink, query) };
    if (route === 'callback') return { reply: await callback(this, request, sink, query) };
    if (route === 'backchannelLogout') return { reply: await backchannelLogout(this, request) };
    // Logout and switch-org spend the refresh token themselves: no proactive refresh first.
    const session = await RequestSession.load(this, request, sink, route !== 'logout' && route !== 'switchOrg');
    switch (route) {
      case 'logout':
        return { reply: await logout(this, session) };
      case 'switchOrg':
        return { reply: await switchOrg(this, session, query) };
      case 'session':
        return { reply: sessionInfo(this, session) };
      case 'accessToken':
        return { reply: accessToken(this, session) };
    }
    return this.#afterLoad(path, session, request);
  }

  /** The absolute path of the login route with its query. */
  loginPath(params: Record<string, string | undefined>): string {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) search.set(k, v);
    const prefix = this.cfg.baseURL.pathname.replace(/\/$/, '');
    const q = search.toString();
    return `${prefix}${this.cfg.routes.login ?? '/login'}${q ? `?${q}` : ''}`;
  }

  /**
   * `requireAuth()`'s decision: null to let the request through, or the reply that refuses it
   * (302 to login for a browser page, 401 JSON otherwise, 403 JSON when a requirement is missing).
   */
  guard(auth: Auth, request: RequestView, options: RequireAuthOptions = {}): Reply | null {
    if (!auth.isAuthenticated) {
      const method = request.method.toUpperCase();
      if ((method === 'GET' || method === 'HEAD') && acceptsHtml(request) && this.cfg.routes.login) {
        const { path } = splitUrl(request.originalUrl);
        return redirect(this.loginPath({ returnTo: request.originalUrl, screenHint: this.#signUp(path) ? 'sign-up' : undefined }));
      }
      return json(401, { error: 'unauthenticated' }, { 'WWW-Authenticate': `Bearer realm="${this.cfg.baseURL.host}"` });
    }
    const has = new Set(auth.permissions ?? []);
    const roles = new Set([...(auth.roles ?? []), ...(auth.role ? [auth.role] : [])]);
    const missing =
      (options.organization && !auth.organizationId) ||
      (options.permissions?.length && !options.permissions.every((p) => has.has(p))) ||
      (options.roles?.length && !options.roles.some((r) => roles.has(r)));
    return missing ? json(403, { error: 'forbidden' }) : null;
  }
}
