// sessionkit/redis benchmark (a step of `npm run bench`): the per-request cost of each mode —
// cookie sessions in memory (the default), cookie sessions with redisCoordinator, redisStore — as
// CPU µs per request of the server process and requests/s, on the cached path (authenticated
// GET /me, tokens fresh); then the cross-instance refresh storm: four processes (two Express, two
// Koa) sharing one Redis, concurrent requests on one session inside the refresh window.
// Starts its own redis-server (REDIS_SERVER, default /usr/bin/redis-server) on a free port.
//
//   BENCH_DURATION  seconds per measurement (default 5), BENCH_ROUNDS (default 2), BENCH_SMOKE=1 short
import { fork, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startDevIdp, webClient } from '../examples/dev-idp/index.js';
import { signIn } from './sign-in.js';

const smoke = process.env.BENCH_SMOKE === '1';
const DURATION = Number(process.env.BENCH_DURATION ?? (smoke ? 1 : 5));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (smoke ? 1 : 2));
const CONNECTIONS = 50;
const STORM = 60;
const PASSWORD = 'benchmark-cookie-password-0123456789-abcdefghij';
const SERVER = fileURLToPath(new URL('./redis-server.js', import.meta.url));
const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
const MODES = ['memory', 'coordinator', 'store'];
const LABEL = { memory: 'cookie, in-memory (default)', coordinator: 'cookie + redisCoordinator', store: 'redisStore' };
const failures = [];

if (!existsSync(REDIS_SERVER)) {
  console.log(`\nsessionkit/redis benchmark skipped: no ${REDIS_SERVER} (apt-get install redis-server)`);
  process.exit(0);
}

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

// ---- redis-server on a free port, temporary directory, no persistence
const redisDir = mkdtempSync(join(tmpdir(), 'sessionkit-bench-redis-'));
const redisPort = await freePort();
const redis = spawn(REDIS_SERVER, ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', redisDir, '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve, reject) => {
  let out = '';
  redis.stdout.on('data', (c) => (out += c) && /Ready to accept connections/.test(out) && resolve());
  redis.once('exit', (code) => reject(new Error(`redis-server exited (${code})`)));
});
const redisUrl = `redis://127.0.0.1:${redisPort}`;

const idp = await startDevIdp({ accessTokenTTL: 3600 });
const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill();
  redis.kill();
  rmSync(redisDir, { recursive: true, force: true });
});

async function startServer(config) {
  const child = fork(SERVER, [], { env: { ...process.env, BENCH_CONFIG: JSON.stringify({ issuer: idp.issuer, password: PASSWORD, redisUrl, ...config }) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const { port } = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return {
    base: `http://127.0.0.1:${port}`,
    cpu: () => new Promise((resolve) => (child.once('message', (m) => resolve(m.cpu)), child.send('cpu'))),
    stop: () => new Promise((resolve) => (child.once('exit', resolve), child.send('exit'))),
  };
}

async function client(baseURL) {
  const clientId = `bench-redis-${Math.random().toString(36).slice(2, 8)}`;
  await idp.addClient(webClient({ clientId, clientSecret: `${clientId}-secret`, baseURL }));
  return { clientId, clientSecret: `${clientId}-secret` };
}


// ---- 1. per-request cost of each mode on the cached path
const servers = {};
for (const mode of MODES) {
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  servers[mode] = await startServer({ ...(await client(baseURL)), port, baseURL, mode, framework: 'express' });
  servers[mode].cookie = await signIn(servers[mode].base);
  await autocannon({ url: `${servers[mode].base}/me`, connections: CONNECTIONS, duration: smoke ? 1 : 2, headers: { cookie: servers[mode].cookie, accept: 'application/json' } });
}
const samples = Object.fromEntries(MODES.map((m) => [m, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const mode of MODES) {
    const s = servers[mode];
    const before = await s.cpu();
    const r = await autocannon({ url: `${s.base}/me`, connections: CONNECTIONS, duration: DURATION, headers: { cookie: s.cookie, accept: 'application/json' } });
    const cpu = (await s.cpu()) - before;
    samples[mode].push({ rps: r.requests.average, p99: r.latency.p99, total: r.requests.total, cpuPerRequest: cpu / Math.max(1, r.requests.total), non2xx: r.non2xx + r.errors + r.timeouts });
    if (r.non2xx + r.errors + r.timeouts) failures.push(`${mode}: ${r.non2xx + r.errors + r.timeouts} non-2xx/errors`);
  }
}
for (const mode of MODES) await servers[mode].stop();
const avg = (xs) => xs.reduce((a, x) => a + x, 0) / xs.length;
const cost = Object.fromEntries(MODES.map((m) => [m, { rps: avg(samples[m].map((x) => x.rps)), p99: avg(samples[m].map((x) => x.p99)), us: avg(samples[m].map((x) => x.cpuPerRequest)) }]));

// ---- 2. cross-instance refresh storm: four processes, one Redis, one session in the refresh window
const port0 = await freePort();
const base0 = `http://127.0.0.1:${port0}`;
const shared = { ...(await client(base0)), mode: 'coordinator', refresh: { buffer: 7200 } };
const instances = [await startServer({ ...shared, port: port0, baseURL: base0, framework: 'express' })];
for (const framework of ['koa', 'express', 'koa']) instances.push(await startServer({ ...shared, framework }));
const stormCookie = await signIn(instances[0].base); // this request already refreshed once
idp.resetCounts();
const storm = await Promise.all(
  Array.from({ length: STORM }, async (_, i) => {
    const t = performance.now();
    const res = await fetch(`${instances[i % 4].base}/me`, { headers: { cookie: stormCookie, accept: 'application/json' } });
    await res.arrayBuffer();
    return { ms: performance.now() - t, ok: res.status === 200 };
  }),
);
const p99 = (xs) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.99) - 1];
const stormResult = { grants: idp.counts.refreshGrants, reuses: idp.counts.refreshTokenReuses, revoked: idp.counts.grantsRevoked, failed: storm.filter((r) => !r.ok).length, p99: p99(storm.map((r) => r.ms)) };
for (const s of instances) await s.stop();
if (stormResult.grants !== 1) failures.push(`cross-instance storm: ${stormResult.grants} refresh grants (must be 1)`);
if (stormResult.failed) failures.push(`cross-instance storm: ${stormResult.failed} failed requests (must be 0)`);
await idp.close();

// ---- report
const f = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
console.log(`\nsessionkit/redis — authenticated GET /me on Express, cached path, ${CONNECTIONS} connections, ${DURATION} s × ${ROUNDS} rounds, alternating\n`);
console.log('| mode | requests/s | p99 ms | server CPU µs/request | vs in-memory |');
console.log('|---|---:|---:|---:|---:|');
for (const m of MODES) console.log(`| ${LABEL[m]} | ${f(cost[m].rps)} | ${f(cost[m].p99, 1)} | ${f(cost[m].us, 1)} | ${m === 'memory' ? '—' : `${cost[m].us >= cost.memory.us ? '+' : ''}${f(((cost[m].us - cost.memory.us) / cost.memory.us) * 100, 1)} %`} |`);
console.log(`\ncross-instance refresh storm (${STORM} concurrent requests over 4 processes — 2 Express, 2 Koa — one Redis, one session inside the refresh window): ${stormResult.grants} refresh grant(s), ${stormResult.failed} failed, ${stormResult.reuses} refresh-token reuses, ${stormResult.revoked} grants revoked; p99 ${f(stormResult.p99, 1)} ms`);
if (failures.length) {
  console.log(`\nVOID — ${failures.join('; ')}`);
  process.exitCode = 1;
}

// Done: stop what this script started (the redis-server's piped output would keep Node alive).
for (const child of children) child.kill();
redis.kill();
process.exit();
