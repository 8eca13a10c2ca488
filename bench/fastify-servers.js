// One Fastify server under benchmark, in its own process: `node bench/fastify-servers.js <kind>`
// with the provider's settings in BENCH_CONFIG (JSON). Kinds: `fastify-bare` (the route alone),
// `fastify-floor` (what any session layer must add: an onRequest hook setting
// `Cache-Control: private, no-store` and `Vary: Cookie`, a preHandler, the same body) and
// `fastify-sessionkit`. Listens on 127.0.0.1:0, reports its port over IPC, and answers `cpu`
// probes with process.cpuUsage() (user + system, µs).
import http from 'node:http';
import Fastify from 'fastify';

const kind = process.argv[2];
const config = JSON.parse(process.env.BENCH_CONFIG ?? '{}');
const BODY = { user: { id: 'user_alice', email: 'alice@example.com', name: 'Alice Anderson' }, organizationId: 'org_acme' };

async function build(baseURL) {
  const app = Fastify();
  switch (kind) {
    case 'fastify-bare':
      app.get('/me', async () => BODY);
      break;
    case 'fastify-floor':
      app.addHook('onRequest', (_request, reply, done) => {
        reply.header('cache-control', 'private, no-store');
        reply.header('vary', 'Cookie');
        done();
      });
      app.get('/me', { preHandler: (request, _reply, done) => done(request.headers.cookie ? undefined : new Error('no cookie')) }, async () => BODY);
      break;
    case 'fastify-sessionkit': {
      const { fastifyAuth, requireAuth } = await import('sessionkit/fastify');
      await app.register(fastifyAuth, {
        issuer: config.issuer,
        clientId: config.clientId,
        clientSecret: config.clientSecret,
        baseURL,
        cookie: { password: config.password },
        refresh: config.refresh,
        logger: { warn() {}, error: (o, m) => console.error(m, o) },
      });
      app.get('/me', { preHandler: requireAuth() }, async (request) => {
        const { user, organizationId } = request.auth;
        return { user: { id: user.id, email: user.email, name: user.name }, organizationId };
      });
      break;
    }
    default:
      throw new Error(`unknown server kind ${kind}`);
  }
  await app.ready();
  return app.routing;
}

const server = http.createServer();
server.keepAliveTimeout = 30_000;
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = server.address().port;
server.on('request', await build(`http://127.0.0.1:${port}`));
process.on('message', (m) => {
  if (m === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send({ cpu: user + system });
  }
  if (m === 'exit') server.close(() => process.exit(0));
});
process.send({ port });
