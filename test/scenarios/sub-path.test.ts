/**
 * A `baseURL` with a path (`http://host/app`), on both frameworks: behind a proxy that strips
 * `/app`, and with the app seeing the full `/app/…` paths itself. Sign-in, the guard's redirect and
 * sessionkit's own routes all work under the prefix (issue 17).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { loginAtProvider } from '../../examples/dev-idp/http-login.js';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { ALICE, Jar, PASSWORD, setCookies, startDevIdp, type DevIdp } from '../helpers/harness.js';
import { webClient } from '../../examples/dev-idp/index.js';

async function serve(listener: http.RequestListener) {
  const server = http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe.each(FRAMEWORKS)('under a sub-path on %s', (_name, factory) => {
  let idp: DevIdp;
  beforeAll(async () => {
    idp = await startDevIdp();
  });
  afterAll(async () => {
    await idp.close();
  });

  test.each([
    ['behind a proxy that strips /app', true],
    ['seeing the full /app paths', false],
  ])('%s: sign-in, the guard and the routes answer under /app', async (_case, strips) => {
    let app: http.RequestListener = () => {};
    const { server, origin } = await serve((req, res) => {
      if (strips && req.url?.startsWith('/app')) req.url = req.url.slice(4) || '/';
      app(req, res);
    });
    try {
      const clientId = `sub-${strips}-${origin}`;
      await idp.addClient({ ...webClient({ clientId, clientSecret: 'sub-path-secret-0123456789', baseURL: origin }), redirect_uris: [`${origin}/app/callback`], post_logout_redirect_uris: [`${origin}/app/`] });
      app = factory({ issuer: idp.issuer, clientId, clientSecret: 'sub-path-secret-0123456789', baseURL: `${origin}/app`, cookie: { password: PASSWORD }, logger: { warn: () => {}, error: () => {} } });
      const jar = new Jar();
      const get = async (path: string, headers: Record<string, string> = {}) => {
        const res = await request(origin).get(path).set('Cookie', jar.header()).set(headers).redirects(0);
        jar.take(setCookies(res));
        return res;
      };
      if (strips) {
        // the guard sends the browser to the login route under the prefix, and back to where it was
        const page = await get('/app/page', { Accept: 'text/html' });
        expect(page.headers.location).toBe('/app/login?returnTo=%2Fapp%2Fpage');
      }
      const login = await get('/app/login?returnTo=%2Fapp%2Fpage');
      expect(login.status).toBe(302);
      expect(new URL(login.headers.location).searchParams.get('redirect_uri')).toBe(`${origin}/app/callback`);
      const { callbackUrl } = await loginAtProvider(login.headers.location, ALICE);
      const back = new URL(callbackUrl);
      expect(back.pathname).toBe('/app/callback');
      const done = await get(back.pathname + back.search);
      expect(done.status).toBe(302);
      expect(done.headers.location).toBe('/app/page');
      const session = await get('/app/session', { Accept: 'application/json' });
      expect(session.status).toBe(200);
      expect(session.body.user.email).toBe('alice@example.com');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
