/**
 * The framework-neutral request and response shapes the core works on, and the small HTTP
 * decisions every route shares: who sent it, what it wants back, where it may be sent.
 *
 * @packageDocumentation
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { SessionRecord } from '../types/session.js';

/** What the core needs to know about a request. Adapters build it from `req` or `ctx`. */
export interface RequestView {
  method: string;
  /** Path and query relative to where the middleware is mounted, as the client sent them. */
  url: string;
  /**
   * The pathname the framework routes on (Express `req.path`, Koa `ctx.path`: no query, no
   * fragment, not decoded). Routes and `middlewareAuth` globs are matched on it, so that they
   * see the request exactly as the app's router does.
   */
  path: string;
  /** Path and query as the client sent them (for `returnTo`). */
  originalUrl: string;
  /** Node's lower-cased headers. */
  headers: IncomingHttpHeaders;
  /** A body some parser already read (`req.body`, `ctx.request.body`). */
  body?: unknown;
  /** The raw request stream, read when no parser ran. */
  stream?: Readable;
  /** The framework's own object (`req` or `ctx`), handed to hooks as `request`. */
  raw: unknown;
  /** Told when the session record changes mid-request (`auth.refresh()`), to keep `req.session` current. */
  expose?(previous: SessionRecord | null, next: SessionRecord | null): void;
}

/** Where the core writes headers on the current response. */
export interface ResponseSink {
  /** Add a header value (used for `Set-Cookie` and `Vary`). */
  append(name: string, value: string | string[]): void;
  /** Set a header, replacing any value. */
  set(name: string, value: string): void;
  /** The framework's own response object (Express `res`, Koa `ctx`), for `onSignInError`. */
  readonly response: unknown;
  /** True once the response has been sent (hooks may send their own). */
  sent(): boolean;
}

/** The lower-case form of the two names sessionkit appends to; any other name as it is (Node lower-cases it). */
const lowerCase = (name: string): string => (name === 'Vary' ? 'vary' : name === 'Set-Cookie' ? 'set-cookie' : name);

/**
 * A sink on Node's own response object, which Express's `res` is and Koa's `ctx.res` holds:
 * plain `setHeader` calls, the cheapest there are, and no framework decides anything. Adapters
 * extend it into one object per request that is both the {@link RequestView} (reading the
 * framework's fields lazily, through getters) and the sink: one allocation, not three.
 */
export class NodeSink implements ResponseSink {
  readonly #res: ServerResponse;
  readonly #response: unknown;

  constructor(res: ServerResponse, response: unknown = res) {
    this.#res = res;
    this.#response = response;
  }

  get response(): unknown {
    return this.#response;
  }

  append(name: string, value: string | string[]): void {
    const res = this.#res;
    // `appendHeader` validates the header and then calls `setHeader`, which validates it again:
    // when there is nothing to append to, `setHeader` alone does the same for less. `hasHeader`
    // lower-cases the name it is given: a name already in lower case is not copied.
    if (res.hasHeader(lowerCase(name))) res.appendHeader(name, value);
    else res.setHeader(name, value);
  }

  set(name: string, value: string): void {
    this.#res.setHeader(name, value);
  }

  sent(): boolean {
    return this.#res.headersSent;
  }
}


/** A complete answer from a route. Cookies and cache headers are already on the sink. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** JSON is serialized by the adapter; a string is sent as is (HTML). */
  body?: unknown;
  /** The response was already sent by a hook: the adapter does nothing more. */
  handled?: boolean;
}

/** A JSON reply. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, body, headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers } };
}

/** A redirect reply (302 unless told). */
export function redirect(location: string, status = 302): Reply {
  return { status, headers: { Location: location } };
}

/** An HTML reply. */
export function html(status: number, body: string): Reply {
  return { status, body, headers: { 'Content-Type': 'text/html; charset=utf-8' } };
}

function header(request: RequestView, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** True when the request should get HTML (a browser navigation), false for API clients. */
export function acceptsHtml(request: RequestView): boolean {
  return (header(request, 'accept') ?? '').includes('text/html');
}

/** True when the request asks for JSON rather than a page. */
export function wantsJson(request: RequestView): boolean {
  const accept = header(request, 'accept') ?? '';
  if (accept.includes('text/html')) return false;
  return accept.includes('application/json') || (header(request, 'content-type') ?? '').includes('application/json');
}

/**
 * True when a state-changing request did not come from the app's own pages: the browser marks
 * it `Sec-Fetch-Site` other than `same-origin`/`none`, or its `Origin` is not `origin`.
 */
export function isCrossSite(request: RequestView, origin: string): boolean {
  const site = header(request, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const from = header(request, 'origin');
  return from !== undefined && from !== origin;
}

/**
 * True for an origin-form request target (`/path?query`), the only form a browser sends; an
 * absolute-form (`http://host/path`) or asterisk-form (`*`) target is never matched as public.
 */
export function isOriginForm(url: string): boolean {
  return url.charCodeAt(0) === 47 /* / */ && url.charCodeAt(1) !== 47;
}

/** The query parameters of a request target (up to a fragment, as the frameworks read them). */
export function queryOf(url: string): URLSearchParams {
  const q = url.indexOf('?');
  if (q < 0) return new URLSearchParams();
  const hash = url.indexOf('#', q);
  return new URLSearchParams(hash < 0 ? url.slice(q + 1) : url.slice(q + 1, hash));
}

/** Split `url` into its path and query parameters. */
export function splitUrl(url: string): { path: string; query: URLSearchParams } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, query: new URLSearchParams() } : { path: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
}

/**
 * `value` when it is a path on `base`'s origin, normalized; otherwise `fallback`. Refuses
 * absolute and protocol-relative URLs, backslashes, control characters and anything that
 * resolves to another origin.
 */
export function safeReturnTo(value: unknown, base: URL, fallback = '/'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return fallback;
  if (!value.startsWith('/') || value.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(value)) return fallback;
  let decoded = value;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return fallback;
  }
  if (decoded.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(decoded)) return fallback;
  let url: URL;
  try {
    url = new URL(value, base.origin);
  } catch {
    return fallback;
  }
  if (url.origin !== base.origin) return fallback;
  // Check what is returned, not only what came in: normalization ("/./", "/a/../") can turn a
  // harmless-looking path into "//host", which a browser reads as another origin.
  const path = url.pathname + url.search + url.hash;
  return path.startsWith('//') || path.startsWith('/\\') ? fallback : path;
}

const BODY_LIMIT = 16 * 1024;

/** The request's form or JSON fields: from a body parser when one ran, else read (≤ 16 KB). */
export async function readFields(request: RequestView): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const pick = (obj: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(obj)) if (typeof v === 'string') out[k] = v;
  };
  if (request.body && typeof request.body === 'object' && !Buffer.isBuffer(request.body)) {
    pick(request.body as Record<string, unknown>);
    return out;
  }
  const stream = request.stream;
  if (!stream || request.method === 'GET' || request.method === 'HEAD' || stream.readableEnded) return out;
  let text = '';
  for await (const chunk of stream) {
    text += chunk;
    if (text.length > BODY_LIMIT) return out;
  }
  const type = header(request, 'content-type') ?? '';
  if (type.includes('application/json')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object') pick(parsed as Record<string, unknown>);
    } catch {
      /* not JSON: no fields */
    }
  } else if (type.includes('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(text)) out[k] = v;
  }
  return out;
}
