/**
 * The organization comes only from a verified claim (issue 13.2). Against a provider that ignores
 * the organization parameter (as most do), `/login?organizationId=` and `POST /switch-org` must not
 * put the session in the organization that was merely asked for.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { ALICE, BOB, CAROL, Jar, startApp, startDevIdp, type DevIdp, type TestApp } from '../helpers/harness.js';
import { readSession } from '../helpers/tamper.js';

const JSON_ACCEPT = { Accept: 'application/json' };
const SAME_ORIGIN = { 'Sec-Fetch-Site': 'same-origin' };

describe.each(FRAMEWORKS)('organization only from a verified claim on %s', (_name, factory) => {
  let idp: DevIdp;
  let app: TestApp;
  beforeAll(async () => {
    idp = await startDevIdp({ accessTokenTTL: 300, ignoreOrganizationParam: true });
    app = await startApp(idp, factory);
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  test('/login?organizationId= for a user the tokens put in no organization: no organization, requireAuth({ organization: true }) refuses', async () => {
    const jar = new Jar();
    expect((await app.signIn(jar, CAROL, '?organizationId=org_acme')).status).toBe(302);
    expect((await app.get('/public', jar)).body).toEqual({ isAuthenticated: true, organizationId: null });
    expect((await app.get('/org-only', jar, JSON_ACCEPT)).status).toBe(403);
    expect((await readSession(jar)).organizationId).toBeUndefined();
    expect(app.events.signIn.at(-1).organizationId).toBeUndefined();
  });

  test('/login?organizationId= for another organization: the session is in the one the tokens grant', async () => {
    const jar = new Jar();
    await app.signIn(jar, BOB, '?organizationId=org_acme');
    expect((await app.get('/public', jar)).body.organizationId).toBe('org_globex');
    expect((await readSession(jar)).organizationId).toBe('org_globex');
  });

  test('a switch the provider answers without the organization is refused; the session keeps its organization and the new tokens', async () => {
    const jar = new Jar();
    await app.signIn(jar, ALICE);
    const before = await readSession(jar);
    expect(before.organizationId).toBe('org_acme');
    const reusesBefore = idp.counts.refreshTokenReuses;
    const res = await app.send('POST', '/switch-org', jar, { headers: { ...JSON_ACCEPT, ...SAME_ORIGIN }, body: { organizationId: 'org_globex' } });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: 'organization_switch_refused', organizationId: 'org_globex' });
    const after = await readSession(jar);
    expect(after.organizationId).toBe('org_acme');
    // the grant went through and rotated the refresh token: the session holds the new one
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect((await app.get('/me', jar)).body.organizationId).toBe('org_acme');
    // and it works: the next refresh spends the new token, not the old one again
    expect((await app.send('POST', '/refresh-now', jar, { headers: JSON_ACCEPT })).status).toBe(200);
    expect(idp.counts.refreshTokenReuses).toBe(reusesBefore);
    expect((await app.get('/me', jar)).body.organizationId).toBe('org_acme');
  });

  test('a user without organizations cannot switch into one: refused, and requireAuth({ organization: true }) still refuses', async () => {
    const jar = new Jar();
    await app.signIn(jar, CAROL);
    const form = await app.send('POST', '/switch-org', jar, { headers: { Accept: 'text/html', ...SAME_ORIGIN }, form: { organizationId: 'org_acme', returnTo: '/dashboard' } });
    expect(form.status).toBe(303);
    expect(form.headers.location).toBe('/dashboard?error=organization_switch_refused&organizationId=org_acme');
    expect((await app.get('/org-only', jar, JSON_ACCEPT)).status).toBe(403);
    expect((await readSession(jar)).organizationId).toBeUndefined();
  });
});
