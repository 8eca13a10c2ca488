// `npm run bench`: authenticated GET /me side by side — bare Express, the Express floor (bare +
// what the contract makes every signed-in response pay: `Cache-Control: private, no-store`,
// `Vary: Cookie`, one guard layer), the floor with `req`/`res` in dictionary mode as sessionkit
// puts them (lib/middleware/shared-map.ts), sessionkit on Express, the same three on Koa,
// express-openid-connect — each server in its own process, the
// load generator (autocannon) here, rounds alternating between servers; then a refresh storm and
// the memory held after many distinct sessions; then bench/redis.js (sessionkit/redis: the cost of
// each mode, the cross-instance storm). Loopback only; bounded in time.
//
//   BENCH_DURATION  seconds per measurement (default 3)
//   BENCH_ROUNDS    rounds over all servers in each generation (default 3; forward and backward
//                   in turn: one round's ratio can be off by ±20 % on a shared 2-core machine)
//   BENCH_GENERATIONS  times every server process is started afresh (default 4: a process keeps
//                   its own speed, up to 25 % off an identical one, for its whole life)
//   BENCH_SESSIONS  distinct sessions for the memory scenario (default 100000)
// Each server's CPU time (user + system, from its own process) is read before and after each
// measurement: CPU µs per request is the steadier figure on a shared machine, and the ratios are
// taken on it (floor µs / sessionkit µs) per round, between servers measured back to back, and
// their median reported (bench/side-by-side.js); requests/s beside them. Every server runs with
// V8's memory reducer off, so that a heap shrunk while idle between rounds is not regrown inside
// a measurement (bench/side-by-side.js `STEADY` says why and what it changed).
//
//   BENCH_QUICK=1   the side-by-side table only
//   BENCH_CONNECTIONS  concurrent connections (default 10)
//   BENCH_SMOKE=1   a short run (1 s, 1 round, 2,000 sessions) that checks that everything works
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { startDevIdp } from '../examples/dev-idp/index.js';
import { cpuRatio, serverStarter, sideBySide, summarize } from './side-by-side.js';
import { signIn } from './sign-in.js';

const smoke = process.env.BENCH_SMOKE === '1';
const DURATION = Number(process.env.BENCH_DURATION ?? (smoke ? 1 : 3));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (smoke ? 1 : 3)); // per generation
const GENERATIONS = Number(process.env.BENCH_GENERATIONS ?? (smoke ? 1 : 4));
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? (smoke ? 2_000 : 100_000));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const PASSWORD = 'benchmark-cookie-password-0123456789-abcdefghij';
const SERVER = fileURLToPath(new URL('./servers.js', import.meta.url));
const KINDS = ['express-bare', 'express-floor', 'express-floor-dict', 'express-sessionkit', 'koa-bare', 'koa-floor', 'koa-sessionkit', 'express-openid-connect'];
/** Bare and floor apps: no sign-in route; they get the cookie of sessionkit on the same framework. */
const withoutSignIn = (kind) => /-(bare|floor|floor-dict)$/.test(kind);
const QUICK = process.env.BENCH_QUICK === '1'; // the side-by-side table only (while working on the request path)
const started = Date.now();
const failures = [];

const idp = await startDevIdp({ accessTokenTTL: 3600 });
const startServer = serverStarter(idp, SERVER, { password: PASSWORD, execArgv: ['--expose-gc'] });

// ---- 1. throughput, side by side, alternating, in generations of fresh processes
// Identical processes differ by up to 25 % from one another for the whole of their lives (four
// identical Koa floor apps measured together: medians 0.93 to 1.18 of one another), so one process
// per server would weigh one draw of that as much as the code. Each generation starts every server
// afresh and measures it ROUNDS times; the ratios of all rounds of all generations give the median.
const samples = new Map(KINDS.map((k) => [k, []]));
for (let generation = 0; generation < GENERATIONS; generation++) {
  const servers = [];
  for (const kind of KINDS) servers.push(await startServer(kind));
  const cookies = new Map();
  for (const s of servers) if (!withoutSignIn(s.kind)) cookies.set(s.kind, await signIn(s.base));
  // Bare and floor apps get the very same request, cookie included (they just do not read it).
  for (const k of KINDS.filter(withoutSignIn)) cookies.set(k, cookies.get(`${k.split('-')[0]}-sessionkit`));
  // Odd generations start from the other end: forward and backward rounds come out even.
  const part = await sideBySide(generation % 2 ? [...servers].reverse() : servers, {
    rounds: ROUNDS,
    duration: DURATION,
    connections: CONNECTIONS,
    warmup: smoke ? 1 : 2, // JIT and caches warm before anything is measured
    prime: smoke ? 0 : 1, // and again before each measurement, after the server's idle turn
    headersOf: (s) => ({ cookie: cookies.get(s.kind), accept: 'application/json' }),
  });
  for (const s of servers) await s.stop();
  for (const [kind, xs] of part) samples.get(kind).push(...xs);
}
for (const [kind, xs] of samples) xs.forEach((x, round) => x.non2xx && failures.push(`${kind}: ${x.non2xx} non-2xx/errors in round ${round + 1}`));
const summary = summarize(samples);

const f = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** The side-by-side table and its ratios. */
function report() {
  const row = (k) => `| ${k} | ${f(summary[k].cpu, 1)} | ${f(summary[k].rps)} | ${summary[k].p50} | ${summary[k].p99} | ${summary[k].non2xx} |`;
  const ratio = (a, b) => summary[a].rps / summary[b].rps;
  const ratioRow = (label, a, b, target) => {
    const paired = cpuRatio(samples, a, b);
    return `| ${label} | ${f(paired.median, 3)} | ${paired.rounds.map((x) => f(x, 2)).join(' ')} | ${f(summary[b].cpu / summary[a].cpu, 3)} | ${f(ratio(a, b), 2)} | ${target} |`;
  };
  console.log(`\nsessionkit benchmark — node ${process.version}, ${availableParallelism()} cores, ${CONNECTIONS} connections, ${DURATION} s × ${ROUNDS} rounds per server × ${GENERATIONS} generations of fresh processes, alternating\n`);
  console.log('| server (authenticated GET /me) | CPU µs/request | requests/s | p50 ms | p99 ms | non-2xx |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const k of KINDS) console.log(row(k));
  console.log('');
  console.log('| ratio (1 = the same cost) | on CPU µs: median of rounds | each round | on median CPU µs | on requests/s | target (CPU, median of rounds) |');
  console.log('|---|---:|---|---:|---:|---:|');
  console.log(ratioRow('sessionkit Express / Express floor', 'express-sessionkit', 'express-floor', '≥ 0.95'));
  console.log(ratioRow('sessionkit Express / bare Express', 'express-sessionkit', 'express-bare', '≥ 0.90'));
  console.log(ratioRow('Express floor / bare Express', 'express-floor', 'express-bare', '—'));
  console.log(ratioRow('sessionkit Express / Express floor in dictionary mode (its own work alone)', 'express-sessionkit', 'express-floor-dict', '—'));
  console.log(ratioRow('sessionkit Koa / Koa floor', 'koa-sessionkit', 'koa-floor', '≥ 0.95'));
  console.log(ratioRow('sessionkit Koa / bare Koa', 'koa-sessionkit', 'koa-bare', '—'));
  console.log(ratioRow('Koa floor / bare Koa', 'koa-floor', 'koa-bare', '—'));
  console.log(ratioRow('sessionkit Express / express-openid-connect', 'express-sessionkit', 'express-openid-connect', '≥ 1.5'));
}

if (QUICK) {
  report();
  await idp.close();
  process.exit(process.exitCode ?? 0);
}

// ---- 2. refresh storm: 50 concurrent requests on one session inside the refresh window
async function timedBatch(base, cookie, n) {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const t = performance.now();
      const res = await fetch(`${base}/me`, { headers: { cookie, accept: 'application/json' } });
      await res.arrayBuffer();
      return { ms: performance.now() - t, ok: res.status === 200 };
    }),
  );
}
const p99 = (xs) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.99) - 1];
const steady = await startServer('express-sessionkit');
const steadyCookie = await signIn(steady.base);
await timedBatch(steady.base, steadyCookie, 50); // warm
const calm = await timedBatch(steady.base, steadyCookie, 50);
await steady.stop();
const stormy = await startServer('express-sessionkit', { refresh: { buffer: 7200 } }); // every token is inside the window
const stormCookie = await signIn(stormy.base);
idp.resetCounts();
const storm = await timedBatch(stormy.base, stormCookie, 50);
const stormResult = {
  grants: idp.counts.refreshGrants,
  reuses: idp.counts.refreshTokenReuses,
  revoked: idp.counts.grantsRevoked,
  failed: storm.filter((r) => !r.ok).length,
  p99: p99(storm.map((r) => r.ms)),
  calmP99: p99(calm.map((r) => r.ms)),
};
await stormy.stop();
if (stormResult.grants !== 1) failures.push(`refresh storm: ${stormResult.grants} refresh grants (must be 1)`);
if (stormResult.failed !== 0) failures.push(`refresh storm: ${stormResult.failed} failed requests (must be 0)`);

// ---- 3. memory: RSS of a sessionkit server after SESSIONS distinct sessions
const memory = await startServer('express-sessionkit');
const record = await sessionRecord(await signIn(memory.base));
const rssBefore = await memory.rss();
const sealed = await sealMany(record, SESSIONS);
let served = 0;
let refused = 0;
const queue = sealed.values();
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
const get = (value) =>
  new Promise((resolve, reject) => {
    http
      .get(`${memory.base}/me`, { agent, headers: { cookie: `sessionkit=${value}`, accept: 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      })
      .on('error', reject);
  });
await Promise.all(
  Array.from({ length: 32 }, async () => {
    for (const value of queue) {
      if ((await get(value)) === 200) served++;
      else refused++;
    }
  }),
);
agent.destroy();
const rssAfter = await memory.rss();
await memory.stop();
if (refused) failures.push(`memory: ${refused} of ${SESSIONS} distinct sessions refused`);

async function sessionRecord(cookie) {
  const { unsealData } = await import('iron-session');
  const value = cookie.split('; ').find((c) => c.startsWith('sessionkit='))?.slice('sessionkit='.length);
  return unsealData(value, { password: PASSWORD });
}

/** Seal `n` distinct copies of `record` on worker threads (sealing costs ~0.6 ms each). */
async function sealMany(rec, n) {
  const workers = Math.max(1, availableParallelism());
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    import('iron-session').then(async ({ sealData }) => {
      const out = [];
      for (let i = workerData.from; i < workerData.to; i++) out.push(await sealData({ ...workerData.rec, createdAt: workerData.rec.createdAt - i }, { password: workerData.password }));
      parentPort.postMessage(out);
    });`;
  const parts = await Promise.all(
    Array.from({ length: workers }, (_, w) =>
      new Promise((resolve, reject) => {
        const from = Math.floor((n * w) / workers);
        const to = Math.floor((n * (w + 1)) / workers);
        const worker = new Worker(code, { eval: true, workerData: { rec, from, to, password: PASSWORD } });
        worker.once('message', (m) => {
          resolve(m);
          void worker.terminate();
        });
        worker.once('error', reject);
      }),
    ),
  );
  return parts.flat();
}

await idp.close();

// ---- report
report();
console.log('');
console.log(`refresh storm (50 concurrent requests, one session inside the refresh window): ${stormResult.grants} refresh grant(s), ${stormResult.failed} failed, ${stormResult.reuses} refresh-token reuses, ${stormResult.revoked} grants revoked; p99 ${f(stormResult.p99, 1)} ms vs ${f(stormResult.calmP99, 1)} ms calm (+${f(stormResult.p99 - stormResult.calmP99, 1)} ms)`);
console.log(`memory: RSS ${f(rssBefore / 2 ** 20, 1)} MiB before, ${f(rssAfter / 2 ** 20, 1)} MiB after ${f(SESSIONS)} distinct sessions (${f(served)} served)`);
console.log(`\ntotal time ${f((Date.now() - started) / 1000, 1)} s`);
if (failures.length) {
  console.log(`\nVOID — ${failures.join('; ')}`);
  process.exitCode = 1;
}

// ---- 4. sessionkit/redis: per-request cost of each mode, cross-instance storm (its own script)
const redisStep = spawnSync(process.execPath, [fileURLToPath(new URL('./redis.js', import.meta.url))], { stdio: 'inherit', env: process.env });
if (redisStep.status !== 0) process.exitCode = 1;

// ---- 5. Fastify: bare, floor and sessionkit side by side (its own script)
const fastifyStep = spawnSync(process.execPath, [fileURLToPath(new URL('./fastify.js', import.meta.url))], { stdio: 'inherit', env: process.env });
if (fastifyStep.status !== 0) process.exitCode = 1;
