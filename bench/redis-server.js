// One server for the sessionkit/redis benchmark, in its own process: `node bench/redis-server.js`
// with BENCH_CONFIG (JSON: issuer, clientId, clientSecret, password, port, baseURL, framework,
// mode = memory | coordinator | store, redisUrl, refresh). Reports its port over IPC and answers
// 'cpu' probes with process.cpuUsage() (user + system, µs).
import http from 'node:http';
import express from 'express';
import Koa from 'koa';

const config = JSON.parse(process.env.BENCH_CONFIG ?? '{}');
const server = http.createServer();
server.keepAliveTimeout = 30_000;
await new Promise((resolve) => server.listen(config.port ?? 0, '127.0.0.1', resolve));
const port = server.address().port;

const options = {
  issuer: config.issuer,
  clientId: config.clientId,
  clientSecret: config.clientSecret,
  baseURL: config.baseURL ?? `http://127.0.0.1:${port}`,
  cookie: { password: config.password },
  refresh: config.refresh,
  logger: { warn() {}, error: (o, m) => console.error(m, o) },
};
let shared = null;
if (config.mode !== 'memory') {
  const { Redis } = await import('ioredis');
  const { redisCoordinator, redisStore } = await import('sessionkit/redis');
  const client = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
  shared = config.mode === 'store' ? redisStore({ client, prefix: 'bench:' }) : redisCoordinator({ client, prefix: 'bench:' });
  if (config.mode === 'store') options.store = shared;
  else options.coordinator = shared;
}
const view = (auth) => ({ user: { id: auth.user.id, email: auth.user.email, name: auth.user.name }, organizationId: auth.organizationId, accessToken: auth.accessToken });

let app;
if (config.framework === 'koa') {
  const { koaAuth, requireAuth } = await import('sessionkit/koa');
  const koa = new Koa();
  koa.use(koaAuth(options));
  const guard = requireAuth();
  koa.use(async (ctx, next) => (ctx.path === '/me' ? guard(ctx, async () => void (ctx.body = view(ctx.state.auth))) : next()));
  app = koa.callback();
} else {
  const { authMiddleware, requireAuth } = await import('sessionkit');
  const ex = express();
  ex.use(authMiddleware(options));
  ex.get('/me', requireAuth(), (req, res) => res.json(view(req.auth)));
  app = ex;
}
server.on('request', app);
process.on('message', (m) => {
  if (m === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send({ cpu: user + system });
  }
  if (m === 'exit') {
    server.closeAllConnections();
    server.close(async () => {
      await shared?.close();
      process.exit(0);
    });
  }
});
process.send({ port });
