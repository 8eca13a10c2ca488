/**
 * `middlewareAuth` and the request target (issue 13, item 1): public-path globs are matched on
 * the pathname the framework routes on, and only for origin-form targets. Raw sockets, because
 * HTTP clients normalize what an attacker would send as is.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import net from 'node:net';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { startApp, startDevIdp, type DevIdp, type TestApp } from '../helpers/harness.js';

const PUBLIC = ['/*.png', '**/*.css', '/public/**', '/public'];

/** Send `target` as the request line's target on a raw socket; status and body of the answer. */
function raw(baseURL: string, target: string): Promise<{ status: number; body: string }> {
  const { port } = new URL(baseURL);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let data = '';
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer to ${target}`)));
    socket.on('data', (chunk) => (data += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nConnection: close\r\n\r\n`);
  });
}

/** The app's `/record` handler has no guard of its own: only `middlewareAuth` stands before it. */
const reachedProtected = (body: string) => body.includes('"hasRecord"');

describe.each(FRAMEWORKS)('middlewareAuth against odd request targets on %s', (_name, factory) => {
  let idp: DevIdp;
  let app: TestApp;
  beforeAll(async () => {
    idp = await startDevIdp();
    app = await startApp(idp, factory, { middlewareAuth: { enabled: true, unauthenticatedPaths: PUBLIC } });
  });
  afterAll(async () => {
    await app.close();
    await idp.close();
  });

  test('the known bypasses: a fragment, an absolute-form target, a public-looking query', async () => {
    for (const target of ['/record#.png', '/record#/x.css', '/record?x=.png', 'http://127.0.0.1/record#.png', 'http://127.0.0.1/record.png', '/record%23.png', '/record;.png']) {
      const res = await raw(app.baseURL, target);
      expect({ target, reached: reachedProtected(res.body) }).toEqual({ target, reached: false });
    }
    // what is public stays public, and the plain protected path is refused
    expect((await raw(app.baseURL, '/public')).status).toBe(200);
    expect((await raw(app.baseURL, '/record')).status).toBe(401);
  });

  test('fuzz: generated targets never reach a protected handler anonymously', async () => {
    const base = fc.constantFrom('/record', '/RECORD', '/record/', '/public/../record', '/public/%2e%2e/record', '/x/../record', '/./record');
    const suffix = fc.constantFrom('', '#.png', '#', '#/a.css', '?.png', '?q=/x.css', ';.png', ';x=1', '%23.png', '%2F..%2Fx.png', '%252F.png', '/.png', '/..%2F.png', '.png', '/%2e%2e/x.css');
    const prefix = fc.constantFrom('', 'http://127.0.0.1', 'HTTP://127.0.0.1:1', '//127.0.0.1', '/public/..', '/public/%2e%2e');
    let reached = 0;
    await fc.assert(
      fc.asyncProperty(prefix, base, suffix, async (p, b, s) => {
        const target = `${p}${b}${s}`;
        const res = await raw(app.baseURL, target);
        if (reachedProtected(res.body)) reached++;
        expect({ target, status: res.status < 500, reached: reachedProtected(res.body) }).toEqual({ target, status: true, reached: false });
      }),
      { numRuns: 300, seed: 13001 },
    );
    expect(reached).toBe(0);
  }, 60_000);
});
