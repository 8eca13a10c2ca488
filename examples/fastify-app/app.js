// The sessionkit Fastify example: the same pages as the Express example (examples/shared/views.js)
// on Fastify 5 with the `fastifyAuth` plugin and the `requireAuth()` pre-handler from
// 'sessionkit/fastify'. See README.md.

import Fastify from 'fastify';
import { fastifyAuth, requireAuth } from 'sessionkit/fastify';

import { adminPage, dashboardPage, errorOf, forbiddenPage, homePage, returnToOf } from '../shared/views.js';

/**
 * Builds the example app (call `await app.ready()` before `app.routing`, or `app.listen()`).
 * @param {object} options
 * @param {string} [options.issuer] the OpenID provider (or SESSIONKIT_ISSUER)
 * @param {string} [options.clientId] (or SESSIONKIT_CLIENT_ID)
 * @param {string} [options.clientSecret] (or SESSIONKIT_CLIENT_SECRET)
 * @param {string} [options.baseURL] public origin of this app (or SESSIONKIT_BASE_URL)
 * @param {string} [options.cookiePassword] at least 32 characters (or SESSIONKIT_COOKIE_PASSWORD)
 * @param {readonly { id: string, name: string }[]} [options.organizations] listed in the org switcher
 * @param {Partial<import('sessionkit').SessionKitOptions<any>>} [options.options] further sessionkit
 *   options, spread over the ones above (e.g. `{ refresh: { buffer: 2 } }` in the browser tests)
 * @returns {import('fastify').FastifyInstance}
 */
export function createApp({ issuer, clientId, clientSecret, baseURL, cookiePassword, organizations = [], options = {} } = {}) {
  const app = Fastify();

  // Answers /login, /callback, /logout, /switch-org, /session, /access-token and sets request.auth.
  // Options left undefined are read from the SESSIONKIT_* environment variables.
  app.register(fastifyAuth, {
    issuer,
    clientId,
    clientSecret,
    baseURL,
    cookie: cookiePassword === undefined ? undefined : { password: cookiePassword },
    ...options,
  });

  /** @param {import('fastify').FastifyRequest} request */
  const query = (request) => /** @type {Record<string, string | undefined>} */ (request.query);

  app.get('/', async (request, reply) => {
    reply.type('text/html; charset=utf-8');
    return homePage({ auth: request.auth, organizations, error: errorOf(query(request).error), returnTo: returnToOf(request.originalUrl) });
  });

  app.get('/dashboard', { preHandler: requireAuth() }, async (request, reply) => {
    reply.type('text/html; charset=utf-8');
    return dashboardPage({ auth: request.auth, organizations, error: errorOf(query(request).error), returnTo: returnToOf(request.originalUrl) });
  });

  app.get('/api/me', { preHandler: requireAuth() }, async (request) => {
    const { user, organizationId, role, permissions, expiresAt } = request.auth;
    return { user, organizationId: organizationId ?? null, role: role ?? null, permissions: permissions ?? [], expiresAt: expiresAt ?? null };
  });

  // A signed-in member without the permission gets a page that says what is missing (signed-out
  // visitors still go to sign in). The page answers with reply.send(): nothing is sent after it.
  const adminOnly = requireAuth({
    permissions: ['members:manage'],
    onDenied: ({ denial, request, response: reply }) => {
      if (denial.reason !== 'forbidden') return void reply.redirect(denial.loginUrl ?? '/login');
      reply.code(403).type('text/html; charset=utf-8').send(forbiddenPage({ auth: request.auth, organizations, missing: denial.missing }));
    },
  });
  app.get('/admin', { preHandler: adminOnly }, async (request, reply) => {
    reply.type('text/html; charset=utf-8');
    return adminPage({ auth: request.auth, organizations });
  });

  return app;
}
