// One server under benchmark, in its own process: `node bench/servers.js <kind>` with the
// provider's settings in BENCH_CONFIG (JSON). It listens on 127.0.0.1:0 and reports its port
// (and, for `memory`, answers RSS probes) over IPC.
import http from 'node:http';
import express from 'express';
import Koa from 'koa';

const kind = process.argv[2];
const config = JSON.parse(process.env.BENCH_CONFIG ?? '{}');
const BODY = { user: { id: 'user_alice', email: 'alice@example.com', name: 'Alice Anderson' }, organizationId: 'org_acme' };

/** The two headers every session-dependent response carries (`Cache-Control`, `Vary`). */
function privateResponse(_req, res, next) {
  res.setHeader('Cache-Control', 'private, no-store');
  res.setHeader('Vary', 'Cookie');
  next?.();
}

async function build(baseURL) {
  const common = {
    issuer: config.issuer,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    baseURL,
    cookie: { password: config.password },
    refresh: config.refresh,
    logger: { warn() {}, error: (o, m) => console.error(m, o) },
  };
  switch (kind) {
    case 'express-bare': {
      const app = express();
      app.get('/me', (_req, res) => res.json(BODY));
      return app;
    }
    case 'express-floor': {
      // Bare Express plus exactly what the contract makes every signed-in response pay: the two
      // cache headers (one middleware) and one route-level guard layer.
      const app = express();
      app.use(privateResponse);
      app.get('/me', (_req, _res, next) => next(), (_req, res) => res.json(BODY));
      return app;
    }
    case 'express-floor-dict': {
      // The floor with `req` and `res` in dictionary mode, as sessionkit's middleware puts them
      // first thing (lib/middleware/shared-map.ts, which says why): what sessionkit's own work costs
      // is its ratio to this app; its ratio to the floor adds what that mode saves Express.
      const app = express();
      const passing = Symbol('passing');
      app.use((req, res, next) => {
        req[passing] = res[passing] = undefined;
        delete req[passing];
        delete res[passing];
        privateResponse(req, res, next);
      });
      app.get('/me', (_req, _res, next) => next(), (_req, res) => res.json(BODY));
      return app;
    }
    case 'express-sessionkit': {
      const { authMiddleware, requireAuth } = await import('sessionkit');
      const app = express();
      app.use(authMiddleware(common));
      app.get('/me', requireAuth(), (req, res) => {
        const { user, organizationId } = req.auth; // as the Koa app reads ctx.state.auth: once
        res.json({ user: { id: user.id, email: user.email, name: user.name }, organizationId });
      });
      return app;
    }
    case 'koa-bare': {
      const app = new Koa();
      app.use(async (ctx, next) => (ctx.method === 'GET' && ctx.path === '/me' ? void (ctx.body = BODY) : next()));
      return app.callback();
    }
    case 'koa-floor': {
      const app = new Koa();
      app.use((ctx, next) => {
        privateResponse(ctx.req, ctx.res);
        return next();
      });
      const guard = (_ctx, next) => next();
      app.use(async (ctx, next) => {
        if (ctx.method !== 'GET' || ctx.path !== '/me') return next();
        await guard(ctx, async () => {
          ctx.body = BODY;
        });
      });
      return app.callback();
    }
    case 'koa-sessionkit': {
      const { koaAuth, requireAuth } = await import('sessionkit/koa');
      const app = new Koa();
      app.use(koaAuth(common));
      const guard = requireAuth();
      app.use(async (ctx, next) => {
        if (ctx.method !== 'GET' || ctx.path !== '/me') return next();
        await guard(ctx, async () => {
          const { user, organizationId } = ctx.state.auth;
          ctx.body = { user: { id: user.id, email: user.email, name: user.name }, organizationId };
        });
      });
      return app.callback();
    }
    case 'express-openid-connect': {
      const eoc = await import('express-openid-connect');
      const { auth, requiresAuth } = eoc.default ?? eoc;
      const app = express();
      app.use(
        auth({
          issuerBaseURL: config.issuer,
          baseURL,
          clientID: config.clientId,
          clientSecret: config.clientSecret,
          secret: config.password,
          authRequired: false,
          idpLogout: false,
          authorizationParams: { response_type: 'code', scope: 'openid profile email offline_access' },
        }),
      );
      app.get('/me', requiresAuth(), (req, res) => {
        const u = req.oidc.user;
        res.json({ user: { id: u.sub, email: u.email, name: u.name }, organizationId: u.org_id });
      });
      return app;
    }
    default:
      throw new Error(`unknown server kind ${kind}`);
  }
}

const server = http.createServer();
server.keepAliveTimeout = 30_000;
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = server.address().port;
const app = await build(`http://127.0.0.1:${port}`);
server.on('request', app);
process.on('message', (m) => {
  if (m === 'rss') {
    global.gc?.();
    process.send({ rss: process.memoryUsage().rss });
  }
  if (m === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send({ cpu: user + system });
  }
  if (m === 'exit') server.close(() => process.exit(0));
});
process.send({ port });
