// In-process cost of the Fastify adapter (no sockets): `node bench/fastify-profile.js`. Signs in
// once against the dev provider, then times Fastify's inject() of an authenticated GET /me on the
// Fastify floor (bench/fastify-servers.js) and on sessionkit's plugin, interleaved; the
// difference is what sessionkit adds per request.
import Fastify from 'fastify';
import { startDevIdp, webClient } from '../examples/dev-idp/index.js';
import { loginAtProvider } from '../examples/dev-idp/http-login.js';
import { fastifyAuth, requireAuth } from '../dist/fastify.js';

const N = Number(process.env.N ?? 20_000);
const BODY = { user: { id: 'user_alice', email: 'alice@example.com', name: 'Alice Anderson' }, organizationId: 'org_acme' };
const base = 'http://127.0.0.1:9';
const idp = await startDevIdp({ accessTokenTTL: 3600 });
await idp.addClient(webClient({ clientId: 'p', clientSecret: 'p-secret-0123456789', baseURL: base }));

const floor = Fastify();
floor.addHook('onRequest', (_request, reply, done) => {
  reply.header('cache-control', 'private, no-store');
  reply.header('vary', 'Cookie');
  done();
});
floor.get('/me', { preHandler: (request, _reply, done) => done(request.headers.cookie ? undefined : new Error('no cookie')) }, async () => BODY);

const kit = Fastify();
await kit.register(fastifyAuth, { issuer: idp.issuer, clientId: 'p', clientSecret: 'p-secret-0123456789', baseURL: base, cookie: { password: 'x'.repeat(40) }, logger: { warn() {}, error() {} } });
kit.get('/me', { preHandler: requireAuth() }, async (request) => {
  const { user, organizationId } = request.auth;
  return { user: { id: user.id, email: user.email, name: user.name }, organizationId };
});
await Promise.all([floor.ready(), kit.ready()]);

const cookies = (res) => [].concat(res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
const login = await kit.inject({ url: '/login' });
const { callbackUrl } = await loginAtProvider(login.headers.location, { email: 'alice@example.com', password: 'alice-password' });
const cb = new URL(callbackUrl);
const done = await kit.inject({ url: cb.pathname + cb.search, headers: { cookie: cookies(login) } });
const cookie = cookies(done);

async function time(app, n) {
  const t = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const res = await app.inject({ url: '/me', headers: { cookie: (' ' + cookie).slice(1), accept: 'application/json' } });
    if (res.statusCode !== 200) throw new Error(`GET /me answered ${res.statusCode}`);
  }
  const d = process.cpuUsage(t);
  return (d.user + d.system) / n;
}
await time(floor, 2000);
await time(kit, 2000);
const results = { floor: [], kit: [] };
for (let round = 0; round < 5; round++) {
  results.floor.push(await time(floor, N / 5));
  results.kit.push(await time(kit, N / 5));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[2];
console.log(`Fastify floor: ${median(results.floor).toFixed(1)} µs CPU per injected request; sessionkit: ${median(results.kit).toFixed(1)} µs (+${(median(results.kit) - median(results.floor)).toFixed(1)} µs)`);
await Promise.all([floor.close(), kit.close(), idp.close()]);
