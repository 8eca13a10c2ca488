/**
 * The framework-neutral core: one instance per `authMiddleware()` / `koaAuth()`. It answers the
 * routes, loads each request's session, and decides access for `requireAuth()`. Adapters only
 * translate `req`/`res` or `ctx` to {@link RequestView} and {@link ResponseSink} and back.
 *
 * @packageDocumentation
 */
import picomatch from 'picomatch';
import { resolveConfig, type ResolvedConfig, type ResolvedRoutes } from '../config.js';
import type { Auth, SessionRecord } from '../types/session.js';
import type { DeniedHandler, Denial, RequireAuthOptions } from '../types/hooks.js';
import type { SessionKitOptions } from '../types/options.js';
import { denialOf } from './guard.js';
import { challengeReply, stepUpDenial, withBearerProblem, withBearerScope } from './denials.js';
import { tokenChallenge } from './dpop-verify.js';
import type { AuthFields } from './view.js';
import { acceptsHtml, isOriginForm, json, redirect, splitUrl, type Reply, type RequestView, type ResponseSink } from './http.js';
import { Provider } from './provider.js';
import { Refresher } from './refresh.js';
import { contextOf, type RequestSession } from './request-session.js';
import type { CoreContext } from './context.js';
import { SessionCookies } from './session-cookie.js';
import { Transactions } from './transactions.js';
import { BearerVerifier, TokenInspector } from './tokens.js';

/** The outcome of the dispatcher (`lib/handler.ts`): a route's reply, or the session to attach before the app's handler. */
export type Outcome = { reply: Reply; session?: undefined; denial?: Denial } | { session: RequestSession; reply?: undefined; denial?: undefined };

/** A request `requireAuth()` refuses: why, the default answer, and the app's `onDenied` when it has one. */
export interface Refusal {
  denial: Denial;
  reply: Reply;
  onDenied: DeniedHandler<any, any> | undefined;
}

/** The name of one of sessionkit's routes. */
export type RouteName = keyof ResolvedRoutes;

/** The core of one configured middleware. */
export class Core implements CoreContext {
  readonly cfg: ResolvedConfig;
  readonly provider: Provider;
  readonly cookies: SessionCookies;
  /** The sign-in transaction cookies. */
  readonly transactions: Transactions;
  readonly inspector: TokenInspector;
  readonly refresher: Refresher;
  /** The `Auth` fields of each session record, computed once per record (records are cached by cookie value). */
  readonly views = new WeakMap<SessionRecord, Readonly<AuthFields>>();
  /** Verifies `Authorization: Bearer` tokens; null unless the `bearer` option is set. */
  readonly bearer: BearerVerifier | null;
  readonly #routes = new Map<string, RouteName>();
  /** The lengths of the paths in `#routes`. */
  readonly #routeLengths = new Set<number>();
  readonly #public: (path: string) => boolean;
  readonly #signUp: (path: string) => boolean;

  /** @throws {ConfigError} for a missing or invalid option. */
  constructor(options: SessionKitOptions<any, any> | undefined, env?: Record<string, string | undefined>) {
    this.cfg = resolveConfig(options, env);
    this.provider = new Provider(this.cfg);
    this.cookies = new SessionCookies(this.cfg);
    this.transactions = new Transactions(this.cfg);
    this.inspector = new TokenInspector(this.provider);
    this.refresher = new Refresher(this.cfg, this.provider, this.inspector);
    this.bearer = this.cfg.bearer ? new BearerVerifier(this.provider, this.cfg.bearer) : null;
    const context = { seal: (data: unknown) => this.cookies.seal(data), unseal: (sealed: string) => this.cookies.unsealAny(sealed), logger: this.cfg.logger };
    this.cfg.coordinator.attach?.(context);
    this.cfg.store?.attach?.(context);
    for (const [name, path] of Object.entries(this.cfg.routes)) {
      if (path) {
        this.#routes.set(path, name as RouteName);
        this.#routeLengths.add(path.length);
      }
    }
    this.#public = this.cfg.middlewareAuth.unauthenticatedPaths.length ? picomatch([...this.cfg.middlewareAuth.unauthenticatedPaths]) : () => false;
    this.#prefix = this.cfg.baseURL.pathname.replace(/\/$/, '');
    this.#signUp = this.cfg.signUpPaths.length ? picomatch([...this.cfg.signUpPaths]) : () => false;
  }

  /** Which of sessionkit's routes `path` (the framework's routing path) names, if any. */
  routeOf(path: string): RouteName | undefined {
    const routePath = this.#routePath(path);
    // A path of no route's length is answered without hashing it (a new string on every request:
    // V8 hashes it in C++, which under load costs more than the rest of this lookup).
    return this.#routeLengths.has(routePath.length) ? this.#routes.get(routePath) : undefined;
  }

  /** After the session is loaded for the application: mark caching, and apply `middlewareAuth`. */
  afterLoad(session: RequestSession, request: RequestView): Outcome {
    // A signed-out page depends on the cookie too: no shared cache may serve it to a signed-in user.
    if (!session.auth.isAuthenticated) session.markVaries();
    if (this.cfg.middlewareAuth.enabled && !this.#isPublic(request)) {
      const denial = this.deny(session.auth, request);
      if (denial) return { reply: this.denialReply(denial, request), denial };
    }
    return { session };
  }

  /**
   * Is the request on one of `middlewareAuth.unauthenticatedPaths`? Matched on the pathname the
   * framework routes on, and only for an origin-form target: `/admin#.png` is `/admin`, and
   * `http://host/admin.png` is nothing public.
   */
  #isPublic(request: RequestView): boolean {
    return isOriginForm(request.url) && this.#public(request.path);
  }

  /**
   * The path to look sessionkit's routes up by. Under a `baseURL` with a path (`…/app`), the
   * routes answer at the path below it however the app is mounted: `app.use('/app', …)` and a
   * proxy that strips `/app` hand over `/login`; an app mounted at the root sees `/app/login`.
   */
  #routePath(path: string): string {
    const prefix = this.#prefix;
    return prefix && path.startsWith(prefix) && path.charCodeAt(prefix.length) === 47 /* / */ ? path.slice(prefix.length) : path;
  }

  /** `baseURL`'s path without its trailing slash ('' at the root). */
  readonly #prefix: string;

  /** The absolute path of the login route with its query. */
  loginPath(params: Record<string, string | undefined>): string {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) search.set(k, v);
    const prefix = this.#prefix;
    const q = search.toString();
    return `${prefix}${this.cfg.routes.login ?? '/login'}${q ? `?${q}` : ''}`;
  }

  /**
   * True when `auth` surely passes `options` (signed in, no step-up asked, every requirement
   * met): the guard's path for nearly every request, decided without looking at the request.
   * False means {@link deny} decides (which may still let the request through).
   */
  passes(auth: Auth, options: RequireAuthOptions<any, any>): boolean {
    return auth.isAuthenticated && !options.acr && options.maxAge === undefined && denialOf(auth, options, null) === null;
  }

  /** `requireAuth()`'s decision: null to let the request through, else why not (see {@link denialOf}). */
  deny(auth: Auth, request: RequestView, options: RequireAuthOptions<any, any> = {}): Denial | null {
    if (auth.isAuthenticated) {
      const denial = denialOf(auth, options, null);
      // Bearer (RFC 6750 §3.1) and step-up (RFC 9470): lib/core/denials.ts.
      if (denial) return withBearerScope(denial, auth);
      if (!options.acr && options.maxAge === undefined) return null;
      return stepUpDenial(this.cfg.routes.login ? (extra) => this.#loginFor(request, extra) : null, auth, options);
    }
    return withBearerProblem(denialOf(auth, options, this.cfg.routes.login ? this.#loginFor(request) : null), auth);
  }

  /**
   * The default answer to a refusal: 302 to login for a browser page (GET/HEAD accepting HTML),
   * 401 JSON with `WWW-Authenticate` otherwise; 403 JSON for a missing requirement.
   */
  denialReply(denial: Denial, request: RequestView): Reply {
    const bearerReply = challengeReply(denial, request, this.cfg.baseURL.host);
    if (bearerReply) return bearerReply;
    if (denial.reason === 'forbidden') return json(403, { error: 'forbidden' });
    const method = request.method.toUpperCase();
    if ((method === 'GET' || method === 'HEAD') && acceptsHtml(request) && denial.loginUrl) return redirect(denial.loginUrl);
    const challenge = tokenChallenge(request.raw, this.cfg.baseURL.host) ?? `Bearer realm="${this.cfg.baseURL.host}"`; // a refused DPoP/bearer token: error="invalid_token"
    return json(401, { error: 'unauthenticated' }, { 'WWW-Authenticate': challenge });
  }

  /** The login URL that brings the user back to this request. */
  #loginFor(request: RequestView, extra: Record<string, string | undefined> = {}): string {
    const { path } = splitUrl(request.originalUrl);
    return this.loginPath({ returnTo: this.#asBrowserSees(request.originalUrl), screenHint: this.#signUp(path) ? 'sign-up' : undefined, ...extra });
  }

  /** The URL the browser used: behind a proxy that strips `baseURL`'s path, that path goes back in front. */
  #asBrowserSees(url: string): string {
    const prefix = this.#prefix;
    return !prefix || url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}?`) ? url : prefix + url;
  }

  /**
   * `requireAuth()`'s whole decision, for every adapter: null to let the request through, else the
   * denial, its default reply and the `onDenied` that answers it instead (the guard's, else the
   * middleware's). The request view is built (`view(raw, res)`) only for a request that may be
   * refused: the one that passes allocates nothing.
   */
  refusal<R, S>(auth: Auth, options: RequireAuthOptions<any, any>, raw: R, res: S, view: (raw: R, res: S) => RequestView): Refusal | null {
    if (this.passes(auth, options)) return null;
    const request = view(raw, res);
    const denial = this.deny(auth, request, options);
    return denial && { denial, reply: this.denialReply(denial, request), onDenied: options.onDenied ?? this.cfg.hooks.onDenied };
  }
}

/** The core that made `auth` (what `requireAuth()` decides with); null when `auth` is not sessionkit's. */
export function coreOf(auth: unknown): Core | null {
  const core = contextOf(auth);
  return core instanceof Core ? core : null;
}
