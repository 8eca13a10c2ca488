// `npm run bench`, Fastify part (also `node bench/fastify.js`): authenticated GET /me on Fastify
// bare, the Fastify floor (the two headers every session response carries + a pre-handler + the
// same body) and sessionkit's plugin, each in its own process (bench/fastify-servers.js), rounds
// alternating (bench/side-by-side.js); requests/s, latency and the server's CPU time per request. Loopback only.
//
//   BENCH_DURATION, BENCH_ROUNDS, BENCH_SMOKE=1   as in bench/run.js
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startDevIdp } from '../examples/dev-idp/index.js';
import { cpuRatio, serverStarter, sideBySide, summarize } from './side-by-side.js';
import { signIn } from './sign-in.js';

const smoke = process.env.BENCH_SMOKE === '1';
const DURATION = Number(process.env.BENCH_DURATION ?? (smoke ? 1 : 3));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (smoke ? 1 : 10));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const PASSWORD = 'benchmark-cookie-password-0123456789-abcdefghij';
const SERVER = fileURLToPath(new URL('./fastify-servers.js', import.meta.url));
const KINDS = ['fastify-bare', 'fastify-floor', 'fastify-sessionkit'];
const TARGET = 0.95;
const failures = [];

const idp = await startDevIdp({ accessTokenTTL: 3600 });
const startServer = serverStarter(idp, SERVER, { password: PASSWORD });

const servers = [];
for (const kind of KINDS) servers.push(await startServer(kind));
const cookie = await signIn(servers.find((s) => s.kind === 'fastify-sessionkit').base);
const headers = { cookie, accept: 'application/json' }; // every server gets the very same request
const samples = await sideBySide(servers, { rounds: ROUNDS, duration: DURATION, connections: CONNECTIONS, warmup: smoke ? 1 : 2, prime: smoke ? 0 : 1, headersOf: () => headers });
for (const [kind, xs] of samples) xs.forEach((x, round) => x.non2xx && failures.push(`${kind}: ${x.non2xx} non-2xx/errors in round ${round + 1}`));
for (const s of servers) await s.stop();
await idp.close();
const summary = summarize(samples);

const f = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
console.log(`\nsessionkit on Fastify — node ${process.version}, ${availableParallelism()} cores, ${CONNECTIONS} connections, ${DURATION} s × ${ROUNDS} rounds per server, alternating\n`);
console.log('| server (authenticated GET /me) | requests/s | p50 ms | p99 ms | server CPU µs/request | non-2xx |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const k of KINDS) console.log(`| ${k} | ${f(summary[k].rps)} | ${summary[k].p50} | ${summary[k].p99} | ${f(summary[k].cpu, 1)} | ${summary[k].non2xx} |`);
const ratio = summary['fastify-sessionkit'].rps / summary['fastify-floor'].rps;
const paired = cpuRatio(samples, 'fastify-sessionkit', 'fastify-floor');
console.log('');
console.log('| ratio | value | target |');
console.log('|---|---:|---:|');
console.log(`| sessionkit Fastify / Fastify floor (on CPU µs per request: median of rounds; each round ${paired.rounds.map((x) => f(x, 2)).join(' ')}) | ${f(paired.median, 3)} | ≥ ${TARGET} |`);
console.log(`| sessionkit Fastify / Fastify floor (on requests/s) | ${f(ratio, 2)} | |`);
console.log(`| sessionkit Fastify / bare Fastify (requests/s) | ${f(summary['fastify-sessionkit'].rps / summary['fastify-bare'].rps, 2)} | |`);
if (failures.length) {
  console.log(`\nVOID — ${failures.join('; ')}`);
  process.exitCode = 1;
}
