// The sessionkit Express example: an app with a home page, a guarded dashboard, a JSON endpoint
// and a permission-guarded admin page. See README.md.

import express from 'express';
import { authMiddleware, requireAuth } from 'sessionkit';

import { adminPage, dashboardPage, errorOf, forbiddenPage, homePage, returnToOf } from '../shared/views.js';

/**
 * Builds the example app.
 * @param {object} options
 * @param {string} [options.issuer] the OpenID provider (or SESSIONKIT_ISSUER)
 * @param {string} [options.clientId] (or SESSIONKIT_CLIENT_ID)
 * @param {string} [options.clientSecret] (or SESSIONKIT_CLIENT_SECRET)
 * @param {string} [options.baseURL] public origin of this app (or SESSIONKIT_BASE_URL)
 * @param {string} [options.cookiePassword] ≥ 32 characters (or SESSIONKIT_COOKIE_PASSWORD)
 * @param {{ id: string, name: string }[]} [options.organizations] listed in the org switcher
 * @param {Partial<import('sessionkit').SessionKitOptions<any>>} [options.options] further sessionkit
 *   options, spread over the ones above (e.g. `{ refresh: { buffer: 2 } }` in the browser tests)
 * @returns {import('express').Express}
 */
export function createApp({ issuer, clientId, clientSecret, baseURL, cookiePassword, organizations = [], options = {} } = {}) {
  const app = express();
  app.disable('x-powered-by');

  // Mounts /login, /callback, /logout, /switch-org, /session, /access-token and sets req.auth.
  // Options left undefined are read from the SESSIONKIT_* environment variables.
  app.use(
    authMiddleware({
      issuer,
      clientId,
      clientSecret,
      baseURL,
      cookie: cookiePassword === undefined ? undefined : { password: cookiePassword },
      ...options,
    }),
  );

  app.get('/', (req, res) => {
    res.type('html').send(homePage({ auth: req.auth, organizations, error: errorOf(req.query.error), returnTo: returnToOf(req.originalUrl) }));
  });

  app.get('/dashboard', requireAuth(), (req, res) => {
    res.type('html').send(dashboardPage({ auth: req.auth, organizations, error: errorOf(req.query.error), returnTo: returnToOf(req.originalUrl) }));
  });

  app.get('/api/me', requireAuth(), (req, res) => {
    const { user, organizationId, role, permissions, expiresAt } = req.auth;
    res.json({ user, organizationId: organizationId ?? null, role: role ?? null, permissions: permissions ?? [], expiresAt: expiresAt ?? null });
  });

  // A signed-in member without the permission gets a page that says what is missing (signed-out
  // visitors still go to sign in: the default answer).
  const adminOnly = requireAuth({
    permissions: ['members:manage'],
    onDenied: ({ denial, request, response }) => {
      if (denial.reason !== 'forbidden') return void response.redirect(denial.loginUrl ?? '/login');
      response.status(403).type('html').send(forbiddenPage({ auth: request.auth, organizations, missing: denial.missing }));
    },
  });
  app.get('/admin', adminOnly, (req, res) => {
    res.type('html').send(adminPage({ auth: req.auth, organizations }));
  });

  return app;
}
