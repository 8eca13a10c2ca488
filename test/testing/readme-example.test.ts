// README example start
import { afterAll, expect, test } from '@jest/globals';
import express from 'express';
import { authMiddleware, requireAuth } from 'sessionkit';
import { startTestProvider } from 'sessionkit/testing';

const provider = await startTestProvider({ users: [{ id: 'u1', email: 'a@example.com', organizations: { org_a: { role: 'admin' } } }] });
afterAll(() => provider.close());

const app = express();
app.use(authMiddleware(provider.options('http://127.0.0.1:3000')));
app.get('/me', requireAuth(), (req, res) => res.json({ id: req.auth.user?.id, org: req.auth.organizationId }));

test('a signed-in user sees their profile', async () => {
  const agent = await provider.signIn(app, { user: 'u1', organizationId: 'org_a' });
  expect((await agent.get('/me')).body).toEqual({ id: 'u1', org: 'org_a' });
});
// README example end
