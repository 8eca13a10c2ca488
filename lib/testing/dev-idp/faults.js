// Fault injection: the first middleware of the provider answers chosen paths with an error, a
// malformed body or a hang, or rewrites a real answer, so that they are real HTTP faults.

import { isJson } from './util.js';

/**
 * @typedef {null
 *   | { status: number, body?: string, contentType?: string, headers?: Record<string, string> }
 *   | { hang: true }
 *   | { malformedJson: true }
 *   | { rewrite: (body: Record<string, any>) => Record<string, any> | Promise<Record<string, any>> }} Fault
 */

/**
 * The fault state of one provider and its Koa middleware.
 * @param {import('./counters.js').DevIdpCounts} counts `faultedRequests` is counted here
 * @param {(line: string) => void} log
 */
export function createFaults(counts, log) {
  /** @type {{ fault: Fault, paths: Set<string> }} */
  let faultState = { fault: null, paths: new Set(['/token']) };
  /** @type {Set<() => void>} */
  const hangs = new Set();
  /** @type {Set<{ n: number, resolve: () => void }>} */
  const hangWaiters = new Set();
  const releaseHangs = () => {
    for (const release of [...hangs]) release();
  };
  const notifyHangWaiters = () => {
    for (const waiter of [...hangWaiters]) {
      if (hangs.size >= waiter.n) {
        hangWaiters.delete(waiter);
        waiter.resolve();
      }
    }
  };

  /** @param {any} ctx @param {() => Promise<void>} next */
  async function middleware(ctx, next) {
    const { fault, paths } = faultState;
    if (!fault || !paths.has(ctx.path)) return next();
    if ('rewrite' in fault && typeof fault.rewrite === 'function') {
      // The request is answered by oidc-provider for real; a JSON 200 answer is then rewritten.
      await next();
      if (ctx.status !== 200) return undefined;
      const raw = typeof ctx.body === 'string' || Buffer.isBuffer(ctx.body) ? String(ctx.body) : ctx.body;
      const body = typeof raw === 'string' ? JSON.parse(raw) : raw;
      if (!body || typeof body !== 'object') return undefined;
      counts.faultedRequests += 1;
      log(`[dev-idp] response rewritten on ${ctx.method} ${ctx.path}`);
      ctx.body = await fault.rewrite(structuredClone(body));
      ctx.type = 'application/json';
      return undefined;
    }
    counts.faultedRequests += 1;
    log(`[dev-idp] fault injected on ${ctx.method} ${ctx.path}`);
    ctx.set('Cache-Control', 'no-store');
    if ('hang' in fault) {
      await new Promise((resolve) => {
        const release = () => {
          hangs.delete(release);
          resolve(undefined);
        };
        hangs.add(release);
        ctx.res.once('close', release);
        notifyHangWaiters();
      });
      // Released by setFault()/stop()/close() or by the client going away: the request never
      // reaches oidc-provider (a refresh token it carried is NOT spent).
      ctx.status = 503;
      ctx.type = 'application/json';
      ctx.body = JSON.stringify({ error: 'temporarily_unavailable', error_description: 'injected hang released' });
      return undefined;
    }
    if ('malformedJson' in fault) {
      ctx.status = 200;
      ctx.type = 'application/json';
      ctx.body = '{"access_token":"truncated';
      return undefined;
    }
    const answer = /** @type {{ status: number, body?: string, contentType?: string, headers?: Record<string, string> }} */ (fault);
    ctx.status = answer.status;
    for (const [name, value] of Object.entries(answer.headers ?? {})) ctx.set(name, value);
    const body = answer.body ?? JSON.stringify({ error: 'temporarily_unavailable', error_description: 'injected fault' });
    ctx.type = answer.contentType ?? (answer.body === undefined || isJson(answer.body) ? 'application/json' : 'text/plain');
    ctx.body = body;
    return undefined;
  }

  return {
    middleware,
    releaseHangs,
    /**
     * `idp.setFault`: answer requests to `paths` with `fault` from now on (null: no fault); held
     * requests are released.
     * @param {Fault} fault @param {string[]} [paths]
     */
    set(fault, paths = ['/token']) {
      if (fault !== null && (typeof fault !== 'object' || !('hang' in fault || 'malformedJson' in fault || typeof (/** @type {any} */ (fault).rewrite) === 'function' || Number.isInteger(/** @type {any} */ (fault).status)))) {
        throw new TypeError('setFault: expected null, { status, body?, contentType? }, { hang: true }, { malformedJson: true } or { rewrite(body) }');
      }
      faultState = { fault, paths: new Set(paths) };
      releaseHangs();
    },
    /** No fault on any path any more (for good: `close()`). */
    clear() {
      faultState = { fault: null, paths: new Set() };
    },
    /** requests currently held by a `{ hang: true }` fault */
    get hanging() {
      return hangs.size;
    },
    /**
     * Resolves once at least `n` requests hang.
     * @param {number} [n]
     * @returns {Promise<void>}
     */
    waitForHanging(n = 1) {
      if (hangs.size >= n) return Promise.resolve();
      return new Promise((resolve) => hangWaiters.add({ n, resolve }));
    },
  };
}
