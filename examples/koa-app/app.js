// The sessionkit Koa example: the same pages as the Express example (examples/shared/views.js)
// on Koa 3 with `koaAuth()` and `requireAuth()` from 'sessionkit/koa'. See README.md.

import Koa from 'koa';
import { koaAuth, requireAuth } from 'sessionkit/koa';

import { adminPage, dashboardPage, errorOf, forbiddenPage, homePage, returnToOf } from '../shared/views.js';

/**
 * Runs `chain` as one middleware (Koa has no router built in; this app needs none).
 * @param {import('koa').Middleware[]} chain
 * @returns {import('koa').Middleware}
 */
function compose(chain) {
  return (ctx, next) => {
    /** @param {number} i @returns {Promise<void>} */
    const run = (i) => Promise.resolve(i < chain.length ? chain[i](ctx, () => run(i + 1)) : next());
    return run(0);
  };
}

/**
 * Builds the example app.
 * @param {object} options
 * @param {string} [options.issuer] the OpenID provider (or SESSIONKIT_ISSUER)
 * @param {string} [options.clientId] (or SESSIONKIT_CLIENT_ID)
 * @param {string} [options.clientSecret] (or SESSIONKIT_CLIENT_SECRET)
 * @param {string} [options.baseURL] public origin of this app (or SESSIONKIT_BASE_URL)
 * @param {string} [options.cookiePassword] at least 32 characters (or SESSIONKIT_COOKIE_PASSWORD)
 * @param {readonly { id: string, name: string }[]} [options.organizations] listed in the org switcher
 * @param {Partial<import('sessionkit').SessionKitOptions<any>>} [options.options] further sessionkit
 *   options, spread over the ones above (e.g. `{ refresh: { buffer: 2 } }` in the browser tests)
 * @returns {Koa}
 */
export function createApp({ issuer, clientId, clientSecret, baseURL, cookiePassword, organizations = [], options = {} } = {}) {
  const app = new Koa();

  // Mounts /login, /callback, /logout, /switch-org, /session, /access-token and sets ctx.state.auth.
  // Options left undefined are read from the SESSIONKIT_* environment variables.
  app.use(
    koaAuth({
      issuer,
      clientId,
      clientSecret,
      baseURL,
      cookie: cookiePassword === undefined ? undefined : { password: cookiePassword },
      ...options,
    }),
  );

  /** @type {Record<string, import('koa').Middleware[]>} */
  const routes = {
    'GET /': [
      async (ctx) => {
        ctx.type = 'html';
        ctx.body = homePage({ auth: ctx.state.auth, organizations, error: errorOf(ctx.query.error), returnTo: returnToOf(ctx.originalUrl) });
      },
    ],
    'GET /dashboard': [
      requireAuth(),
      async (ctx) => {
        ctx.type = 'html';
        ctx.body = dashboardPage({ auth: ctx.state.auth, organizations, error: errorOf(ctx.query.error), returnTo: returnToOf(ctx.originalUrl) });
      },
    ],
    'GET /api/me': [
      requireAuth(),
      async (ctx) => {
        const { user, organizationId, role, permissions, expiresAt } = ctx.state.auth;
        ctx.body = { user, organizationId: organizationId ?? null, role: role ?? null, permissions: permissions ?? [], expiresAt: expiresAt ?? null };
      },
    ],
    'GET /admin': [
      // A member without the permission gets a page that says what is missing; leaving ctx.body
      // unset (signed out) keeps the default answer: off to sign in.
      requireAuth({
        permissions: ['members:manage'],
        onDenied: ({ denial, response: ctx }) => {
          if (denial.reason !== 'forbidden') return;
          ctx.status = 403;
          ctx.type = 'html';
          ctx.body = forbiddenPage({ auth: ctx.state.auth, organizations, missing: denial.missing });
        },
      }),
      async (ctx) => {
        ctx.type = 'html';
        ctx.body = adminPage({ auth: ctx.state.auth, organizations });
      },
    ],
  };

  app.use(async (ctx, next) => {
    const method = ctx.method === 'HEAD' ? 'GET' : ctx.method;
    const chain = routes[`${method} ${ctx.path}`];
    if (!chain) return next(); // Koa answers 404
    await compose(chain)(ctx, next);
  });

  return app;
}
