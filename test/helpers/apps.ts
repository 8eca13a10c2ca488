/**
 * The apps under test, one factory per framework, with the same routes: every scenario test
 * runs against each.
 */
import express from 'express';
import type { RequestListener } from 'node:http';
import { authMiddleware, requireAuth, type SessionKitOptions } from '../../lib/index.js';

function view(auth: any) {
  const { refresh, switchOrganization, ...fields } = auth;
  return fields;
}

/** Express: sessionkit plus the routes the scenarios call. */
export function expressApp(options: SessionKitOptions<any>): RequestListener {
  const app = express();
  app.use(authMiddleware(options));
  app.get('/public', (req, res) => res.json({ isAuthenticated: req.auth.isAuthenticated, organizationId: req.auth.organizationId ?? null }));
  app.get('/me', requireAuth(), (req, res) => res.json(view(req.auth)));
  app.get('/page', requireAuth(), (req, res) => res.send(`<p>hello ${req.auth.user?.name}</p>`));
  app.get('/admin', requireAuth({ permissions: ['members:manage'] }), (_req, res) => res.json({ ok: true }));
  app.get('/admins', requireAuth({ roles: ['admin'] }), (_req, res) => res.json({ ok: true }));
  app.get('/org-only', requireAuth({ organization: true }), (_req, res) => res.json({ ok: true }));
  app.get('/record', (req, res) => res.json({ hasRecord: !!(req as any).session, keys: Object.keys((req as any).session ?? {}).sort() }));
  app.post('/refresh-now', requireAuth(), async (req, res, next) => {
    try {
      const auth = await req.auth.refresh();
      res.json(view(auth));
    } catch (error) {
      next(error);
    }
  });
  return app as unknown as RequestListener;
}
