/**
 * `sessionkit/testing` (issue 18.3): users sign in inside their own supertest suites through the
 * real flow, on Express and on Koa; refresh and revocation at the provider behave as in
 * production.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import express from 'express';
import Koa from 'koa';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { authMiddleware, requireAuth, type SessionKitOptions } from '../../lib/index.js';
import { koaAuth, requireAuth as koaRequireAuth } from '../../lib/koa.js';
import { startTestProvider, TestKitError, type TestProvider } from '../../lib/testing.js';

const USERS = [
  { id: 'u1', email: 'a@example.com', name: 'Ada Lovelace', organizations: { org_a: { role: 'admin', permissions: ['x:read', 'x:write'] }, org_b: { role: 'member', permissions: ['x:read'] } } },
  { id: 'u2', email: 'b@example.com' },
];

type Made = { app: any; refreshes: string[] };

/** A user's own app: sessionkit plus one guarded route. */
const FRAMEWORKS: [string, (options: SessionKitOptions<any>) => Made][] = [
  ['express', (options) => {
    const refreshes: string[] = [];
    const app = express();
    app.use(authMiddleware({ ...options, onRefreshSuccess: ({ user }) => void refreshes.push(user.id) }));
    app.get('/me', requireAuth(), (req, res) => res.json({ user: req.auth.user!.id, organizationId: req.auth.organizationId, permissions: req.auth.permissions, accessToken: req.auth.accessToken }));
    app.get('/writers', requireAuth({ permissions: ['x:write'] }), (_req, res) => res.json({ ok: true }));
    return { app, refreshes };
  }],
  ['koa', (options) => {
    const refreshes: string[] = [];
    const app = new Koa();
    app.use(koaAuth({ ...options, onRefreshSuccess: ({ user }) => void refreshes.push(user.id) }));
    const me = koaRequireAuth();
    const writers = koaRequireAuth({ permissions: ['x:write'] });
    app.use(async (ctx, next) => {
      const auth = ctx.state.auth;
      if (ctx.path === '/me') return me(ctx, async () => void (ctx.body = { user: auth.user!.id, organizationId: auth.organizationId, permissions: auth.permissions, accessToken: auth.accessToken }));
      if (ctx.path === '/writers') return writers(ctx, async () => void (ctx.body = { ok: true }));
      return next();
    });
    return { app, refreshes };
  }],
];

describe.each(FRAMEWORKS)('sessionkit/testing with %s', (_name, make) => {
  let provider: TestProvider;
  let made: Made;
  beforeAll(async () => {
    provider = await startTestProvider({ users: USERS, accessTokenTTL: 120 });
    made = make(provider.options('http://127.0.0.1:3000'));
  });
  afterAll(async () => {
    await provider?.close();
  });

  test('signIn(app, { user }) returns an agent that holds a real session', async () => {
    const agent = await provider.signIn(made.app, { user: 'u1' });
    const res = await agent.get('/me').set('Accept', 'application/json');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: 'u1', organizationId: 'org_a', permissions: ['x:read', 'x:write'] });
    expect((await agent.get('/writers')).status).toBe(200);
    // and without the agent, nobody is signed in
    const listener = typeof made.app.callback === 'function' ? made.app.callback() : made.app;
    expect((await request(listener).get('/me').set('Accept', 'application/json')).status).toBe(401);
  });

  test('organizationId picks the organization (the permissions follow it)', async () => {
    const agent = await provider.signIn(made.app, { user: 'u1', organizationId: 'org_b' });
    const res = await agent.get('/me');
    expect(res.body).toMatchObject({ organizationId: 'org_b', permissions: ['x:read'] });
    expect((await agent.get('/writers').set('Accept', 'application/json')).status).toBe(403);
  });

  test('expireAccessTokens(): the next request refreshes at the provider; revokeGrants(): the next refresh ends the session', async () => {
    const agent = await provider.signIn(made.app, { user: 'u2' });
    const first = await agent.get('/me');
    expect(first.status).toBe(200);
    made.refreshes.length = 0;
    await provider.expireAccessTokens();
    const second = await agent.get('/me');
    expect(second.status).toBe(200);
    expect(made.refreshes).toEqual(['u2']);
    expect(second.body.accessToken).not.toBe(first.body.accessToken);

    await provider.revokeGrants('u2');
    expect((await agent.get('/me').set('Accept', 'application/json')).status).toBe(200); // its access token is still valid
    await provider.expireAccessTokens();
    const after = await agent.get('/me').set('Accept', 'application/json');
    expect(after.status).toBe(401);
  });

  test('signInCookie(baseURL, …) signs in to a running server', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const running = make(provider.options(baseURL));
    server.on('request', typeof running.app.callback === 'function' ? running.app.callback() : running.app);
    try {
      const cookie = await provider.signInCookie(baseURL, { user: 'u1', organizationId: 'org_b' });
      expect(cookie).toMatch(/^sessionkit=/);
      const res = await fetch(`${baseURL}/me`, { headers: { cookie, accept: 'application/json' } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ user: 'u1', organizationId: 'org_b' });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('an unknown user, or an organization the user is not in, is a TestKitError naming the problem', async () => {
    await expect(provider.signIn(made.app, { user: 'nobody' })).rejects.toThrow(TestKitError);
    await expect(provider.signIn(made.app, { user: 'nobody' })).rejects.toThrow(/no user "nobody"/);
    await expect(provider.signIn(made.app, { user: 'u2', organizationId: 'org_a' })).rejects.toThrow(/access_denied/);
  });
});

test('startTestProvider checks its users', async () => {
  await expect(startTestProvider({ users: [] })).rejects.toThrow(TestKitError);
  await expect(startTestProvider({ users: [{ id: 'x', email: 'no-at-sign' }] })).rejects.toThrow(/id and an email/);
});
