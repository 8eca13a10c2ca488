/**
 * The example apps (examples/express-app, examples/koa-app), tested the way a user would test
 * their own app: with `sessionkit/testing` and supertest, no browser.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startTestProvider, type TestProvider } from '../../lib/testing.js';

const EXAMPLES: [string, string][] = [
  ['express', '../../examples/express-app/app.js'],
  ['koa', '../../examples/koa-app/app.js'],
];

const USERS = [
  { id: 'admin', email: 'admin@example.com', name: 'Ada Admin', organizations: { org_a: { role: 'admin', permissions: ['members:manage'] } } },
  { id: 'member', email: 'member@example.com', name: 'Max Member', organizations: { org_a: { role: 'member', permissions: ['widgets:read'] } } },
];

describe.each(EXAMPLES)('the %s example app with sessionkit/testing', (_name, modulePath) => {
  let provider: TestProvider;
  let app: any;
  beforeAll(async () => {
    provider = await startTestProvider({ users: USERS });
    const { createApp } = await import(modulePath);
    const o = provider.options('http://127.0.0.1:3000');
    app = createApp({ issuer: o.issuer, clientId: o.clientId, clientSecret: o.clientSecret, baseURL: o.baseURL, cookiePassword: o.cookie.password });
  });
  afterAll(async () => {
    await provider?.close();
  });

  test('/api/me answers the signed-in user; /admin only for the permission', async () => {
    const admin = await provider.signIn(app, { user: 'admin' });
    const me = await admin.get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: { id: 'admin', email: 'admin@example.com' }, organizationId: 'org_a', role: 'admin' });
    expect((await admin.get('/admin').set('Accept', 'text/html')).status).toBe(200);

    const member = await provider.signIn(app, { user: 'member' });
    const refused = await member.get('/admin').set('Accept', 'text/html');
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('members:manage');
  });

  test('an expired access token is refreshed before the handler; a revoked grant signs the user out', async () => {
    const agent = await provider.signIn(app, { user: 'member' });
    const before = (await agent.get('/api/me')).body.expiresAt;
    await provider.expireAccessTokens();
    const after = await agent.get('/api/me');
    expect(after.status).toBe(200);
    expect(after.body.expiresAt).toBeGreaterThanOrEqual(before);
    await provider.revokeGrants('member');
    await provider.expireAccessTokens();
    expect((await agent.get('/api/me').set('Accept', 'application/json')).status).toBe(401);
  });
});
