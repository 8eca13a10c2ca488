/**
 * Support for the PAR / DPoP / auth.fetch tests (issue 19): apps with a route that calls an API
 * through `auth.fetch()`, and a small resource server that verifies access tokens and DPoP proofs
 * with jose the way RFC 9449 §7 asks.
 */
import express from 'express';
import Koa from 'koa';
import http from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { EmbeddedJWK, calculateJwkThumbprint, createRemoteJWKSet, jwtVerify } from 'jose';
import { authMiddleware, requireAuth, type SessionKitOptions } from '../../lib/index.js';
import { koaAuth, requireAuth as koaRequireAuth } from '../../lib/koa.js';
import type { AppFactory } from '../helpers/harness.js';

function view(auth: any) {
  const { refresh, switchOrganization, fetch, ...fields } = auth;
  return fields;
}

/** What the app answers for `GET /call-api?to=<url>`: the resource server's status and body. */
async function callApi(auth: any, to: string, method = 'GET'): Promise<{ status: number; body: unknown }> {
  const res: Response = await auth.fetch(to, method === 'GET' ? undefined : { method, body: JSON.stringify({ hello: 'api' }), headers: { 'content-type': 'application/json' } });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body };
}

/** The `auth.fetch` functions handlers saw (`GET /auth-shape`), to check that none is made per request. */
export const seenFetches: unknown[] = [];

function shape(auth: any) {
  seenFetches.push(auth.fetch);
  return { own: Object.prototype.hasOwnProperty.call(auth, 'fetch'), type: typeof auth.fetch };
}

/** Express: sessionkit, `/me`, `/refresh-now`, `/call-api`, `/auth-shape`. */
export const expressDpopApp: AppFactory = (options: SessionKitOptions<any>) => {
  const app = express();
  app.use(authMiddleware(options));
  app.get('/public', (req, res) => res.json({ isAuthenticated: req.auth.isAuthenticated }));
  app.get('/me', requireAuth(), (req, res) => res.json(view(req.auth)));
  app.get('/auth-shape', (req, res) => res.json(shape(req.auth)));
  app.post('/refresh-now', requireAuth(), async (req, res, next) => {
    try {
      res.json(view(await req.auth.refresh()));
    } catch (error) {
      next(error);
    }
  });
  app.get('/stream-then-call', requireAuth(), async (req, res, next) => {
    try {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('started\n');
      res.end(JSON.stringify(await callApi(req.auth, String(req.query.to))));
    } catch (error) {
      res.end(`error ${(error as Error).name}`);
    }
  });
  app.all('/call-api', requireAuth(), async (req, res, next) => {
    try {
      res.json(await callApi(req.auth, String(req.query.to), req.method));
    } catch (error) {
      next(error);
    }
  });
  return app as unknown as http.RequestListener;
};

/** Koa: the same routes. */
export const koaDpopApp: AppFactory = (options: SessionKitOptions<any>) => {
  const app = new Koa();
  app.use(koaAuth(options));
  const guard = koaRequireAuth();
  app.use(async (ctx, next) => {
    const key = `${ctx.method} ${ctx.path}`;
    if (key === 'GET /public') return void (ctx.body = { isAuthenticated: ctx.state.auth.isAuthenticated });
    if (key === 'GET /me') return guard(ctx, async () => void (ctx.body = view(ctx.state.auth)));
    if (key === 'GET /auth-shape') return void (ctx.body = shape(ctx.state.auth));
    if (key === 'POST /refresh-now') return guard(ctx, async () => void (ctx.body = view(await ctx.state.auth.refresh())));
    if (key === 'GET /stream-then-call') {
      return guard(ctx, async () => {
        ctx.respond = false;
        ctx.res.writeHead(200, { 'content-type': 'text/plain' });
        ctx.res.write('started\n');
        try {
          ctx.res.end(JSON.stringify(await callApi(ctx.state.auth, String(ctx.query.to))));
        } catch (error) {
          ctx.res.end(`error ${(error as Error).name}`);
        }
      });
    }
    if (ctx.path === '/call-api') return guard(ctx, async () => void (ctx.body = await callApi(ctx.state.auth, String(ctx.query.to), ctx.method)));
    return next();
  });
  return app.callback();
};

/** Both frameworks, with the `/call-api` route. */
export const DPOP_FRAMEWORKS: [string, AppFactory][] = [
  ['express', expressDpopApp],
  ['koa', koaDpopApp],
];

/** One request the resource server saw, and its verdict. */
export interface Seen {
  scheme: string;
  ok: boolean;
  reason?: string;
  nonce?: string;
  body?: string;
}

/** A resource server that accepts the provider's access tokens, DPoP-bound ones only with a valid proof. */
export interface ResourceServer {
  url: string;
  seen: Seen[];
  /** Demand a server nonce in proofs (RFC 9449 §9): the current one; rotate to force a new challenge. */
  requireNonce: boolean;
  rotateNonce(): void;
  close(): Promise<void>;
}

/** Start the resource server: tokens of `issuer` for audience `audience`. */
export async function startResourceServer(issuer: string, audience: string): Promise<ResourceServer> {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  const jtis = new Set<string>();
  let nonceCounter = 0;
  let nonce = `nonce-${++nonceCounter}`;
  const state: ResourceServer = {
    url: '',
    seen: [],
    requireNonce: false,
    rotateNonce: () => void (nonce = `nonce-${++nonceCounter}`),
    close: async () => undefined,
  };
  const refuse = (res: http.ServerResponse, scheme: string, error: string, reason: string, extra: Record<string, string> = {}) => {
    state.seen.push({ scheme, ok: false, reason });
    res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': `${scheme === 'Bearer' ? 'Bearer' : 'DPoP'} error="${error}"`, ...extra });
    res.end(JSON.stringify({ error, reason }));
  };
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const header = req.headers.authorization ?? '';
    const match = /^(Bearer|DPoP) (.+)$/i.exec(header);
    if (!match) return refuse(res, 'Bearer', 'invalid_request', 'no token');
    const scheme = match[1].toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
    const token = match[2];
    let claims: any;
    try {
      ({ payload: claims } = await jwtVerify(token, jwks, { issuer, audience }));
    } catch (error) {
      return refuse(res, scheme, 'invalid_token', `token: ${(error as Error).message}`);
    }
    const jkt = claims.cnf?.jkt;
    if (scheme === 'Bearer') {
      if (jkt) return refuse(res, scheme, 'invalid_token', 'a DPoP-bound token sent as Bearer');
      state.seen.push({ scheme, ok: true });
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ sub: claims.sub, scheme }));
    }
    const proof = req.headers.dpop;
    if (typeof proof !== 'string') return refuse(res, scheme, 'invalid_dpop_proof', 'no proof');
    try {
      const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256', 'EdDSA', 'Ed25519'] });
      if (!jkt || (await calculateJwkThumbprint(protectedHeader.jwk!)) !== jkt) throw new Error('jkt mismatch');
      if (payload.htm !== req.method) throw new Error('htm mismatch');
      if (payload.htu !== `${state.url}${new URL(req.url!, state.url).pathname}`) throw new Error(`htu mismatch ${payload.htu}`);
      if (typeof payload.iat !== 'number' || Math.abs(payload.iat - Date.now() / 1000) > 60) throw new Error('iat');
      if (payload.ath !== createHash('sha256').update(token).digest('base64url')) throw new Error('ath mismatch');
      if (typeof payload.jti !== 'string' || jtis.has(payload.jti)) throw new Error('jti replay');
      jtis.add(payload.jti);
      if (state.requireNonce && payload.nonce !== nonce) {
        state.seen.push({ scheme, ok: false, reason: 'use_dpop_nonce', nonce: payload.nonce as string | undefined });
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'DPoP error="use_dpop_nonce", algs="ES256 EdDSA"', 'dpop-nonce': nonce });
        return res.end(JSON.stringify({ error: 'use_dpop_nonce' }));
      }
      state.seen.push({ scheme, ok: true, nonce: payload.nonce as string | undefined, body });
    } catch (error) {
      return refuse(res, scheme, 'invalid_dpop_proof', (error as Error).message);
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ sub: claims.sub, scheme, jkt, body: body || undefined }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
