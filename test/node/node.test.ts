/**
 * The `sessionkit/node` contract both ways: Connect-style with `next` (called to go on, never
 * after an answer, given the error), and without `next` (a promise of true / false, rejecting on
 * an error). The scenario suites run the promise style; this runs the `next` style.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { UsageError, type SessionKitOptions } from '../../lib/index.js';
import { nodeAuth, requireAuth, type AuthRequest } from '../../lib/node.js';
import { ALICE, Jar, startApp, startDevIdp, type DevIdp, type TestApp } from '../helpers/harness.js';

type Next = (error?: unknown) => void;
type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => unknown;

/** The smallest Connect: run `stack` in order; an error or the end answers. */
function connect(stack: Middleware[], calls: string[]): RequestListener {
  return (req, res) => {
    const run = (i: number, error?: unknown) => {
      if (error) {
        calls.push(`error ${(error as UsageError).code ?? error}`);
        return void ((res.statusCode = 500), res.end((error as Error).message));
      }
      const layer = stack[i];
      if (!layer) return void ((res.statusCode = 404), res.end());
      layer(req, res, (e) => run(i + 1, e));
    };
    run(0);
  };
}

describe('sessionkit/node with next (Connect)', () => {
  let idp: DevIdp;
  let app: TestApp;
  const calls: string[] = [];
  const me: Middleware = (req, res) => {
    calls.push(`handler ${req.url}`);
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ email: (req as AuthRequest).auth.user?.email ?? null }));
  };
  beforeAll(async () => {
    idp = await startDevIdp();
    app = await startApp(idp, (options: SessionKitOptions<any>) => connect([nodeAuth(options), requireAuth(), me], calls));
  });
  afterAll(async () => {
    await app.close();
    await idp.close();
  });

  test('the routes are answered without next; other requests go on with req.auth', async () => {
    calls.length = 0;
    expect((await app.get('/me')).status).toBe(401);
    expect(calls).toEqual([]);
    const jar = new Jar();
    expect((await app.signIn(jar, ALICE)).status).toBe(302);
    expect((await app.get('/session', jar)).body.user.email).toBe('alice@example.com');
    expect(calls).toEqual([]);
    const res = await app.get('/me?x=1', jar);
    expect(res.body).toEqual({ email: 'alice@example.com' });
    expect(calls).toEqual(['handler /me?x=1']);
  });

  test('requireAuth() without nodeAuth() hands a UsageError to next', async () => {
    const bare: string[] = [];
    const listener = connect([requireAuth(), me], bare);
    const res = await new Promise<{ status: number; body: string }>((resolve) => {
      const out = { statusCode: 200, setHeader() {}, end: (body: string) => resolve({ status: out.statusCode, body }) };
      listener({ url: '/me', method: 'GET', headers: {} } as IncomingMessage, out as unknown as ServerResponse);
    });
    expect(res.status).toBe(500);
    expect(res.body).toMatch(/nodeAuth/);
    expect(bare).toEqual(['error SESSIONKIT_USAGE']);
  });

  test('without next (the style the scenario suites run): requireAuth() without nodeAuth() rejects with a UsageError', async () => {
    const guard = requireAuth();
    await expect(guard({ url: '/me', method: 'GET', headers: {} } as IncomingMessage, {} as ServerResponse)).rejects.toThrow(UsageError);
  });
});
