// The benchmarks' one measurement loop: servers measured side by side under the same load, in
// rounds whose order alternates (forward, then backward: a server and its neighbour are measured
// back to back both ways, so a drift of the machine weighs on both alike), each server's CPU
// time per request read from its own process. On a shared machine one measurement can be off by
// ±20 %; a ratio is therefore taken per round, between the two servers measured next to each
// other, and the median of those ratios is reported.
import { fork } from 'node:child_process';
import autocannon from 'autocannon';
import { webClient } from '../examples/dev-idp/index.js';

/**
 * Measure every server of `servers` ({ kind, base, cpu() }) `rounds` times for `duration` s at
 * `connections`; `headersOf(server)` gives its request headers. Returns kind → samples
 * ({ rps, p50, p99, non2xx, total, cpuPerRequest }), in round order.
 *
 * Each measurement follows `prime` s of the same load, not measured. In the rotation a server
 * idles while the others are measured (about 20 s with eight servers), and the first second of
 * load after such a pause costs a process with more code more (measured, Koa, paired: sessionkit
 * at 1.02 of the floor with no pause, 0.885 after 15 s idle before each measurement, 1.017 after
 * 15 s idle and 1 s of priming). A server under steady load never pauses so: the figures are the
 * steady state's.
 */
export async function sideBySide(servers, { rounds, duration, connections, warmup, headersOf, path = '/me', prime = 1 }) {
  for (const s of servers) await autocannon({ url: `${s.base}${path}`, connections, duration: warmup, headers: headersOf(s) });
  const samples = new Map(servers.map((s) => [s.kind, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? servers : [...servers].reverse();
    for (const s of order) {
      if (prime > 0) await autocannon({ url: `${s.base}${path}`, connections, duration: prime, headers: headersOf(s) });
      const before = await s.cpu();
      const r = await autocannon({ url: `${s.base}${path}`, connections, duration, headers: headersOf(s), pipelining: 1 });
      const cpu = (await s.cpu()) - before;
      samples.get(s.kind)[round] = {
        rps: r.requests.average,
        p50: r.latency.p50,
        p99: r.latency.p99,
        non2xx: r.non2xx + r.errors + r.timeouts,
        total: r.requests.total,
        cpuPerRequest: cpu / Math.max(1, r.requests.total),
      };
    }
  }
  return samples;
}

/** The median of `xs` (the mean of the two middle values for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Per kind: mean requests/s, median CPU µs per request, p50 and p99, non-2xx, requests. */
export function summarize(samples) {
  return Object.fromEntries(
    [...samples].map(([k, xs]) => [
      k,
      {
        rps: xs.reduce((a, x) => a + x.rps, 0) / xs.length,
        cpu: median(xs.map((x) => x.cpuPerRequest)),
        p50: median(xs.map((x) => x.p50)),
        p99: median(xs.map((x) => x.p99)),
        non2xx: xs.reduce((a, x) => a + x.non2xx, 0),
        total: xs.reduce((a, x) => a + x.total, 0),
      },
    ]),
  );
}

/**
 * How `a` compares with `b` on CPU, as a throughput ratio (b's µs per request over a's: 1 is the
 * same cost, 0.95 is 5 % dearer): the median of the per-round ratios, and every round's.
 */
export function cpuRatio(samples, a, b) {
  const rounds = samples.get(a).map((x, i) => samples.get(b)[i].cpuPerRequest / x.cpuPerRequest);
  return { median: median(rounds), rounds };
}

/**
 * V8 flags of every server under measurement. `--no-memory-reducer`: in the rotation each server
 * idles about 20 s while the others are measured, long enough for V8's memory reducer to shrink
 * its heap; the collections that regrow it then land in the next measurement, and cost in
 * proportion to the live heap (sessionkit's process holds 15 MB, openid-client, jose and Node's
 * fetch included; a floor app 7 MB). Measured: sessionkit on Koa at 0.72 of the floor with the
 * reducer, 0.92 without, the floors themselves unchanged. A server under steady load never meets
 * the reducer (it acts only on a heap that stopped allocating), so the figures are the steady
 * state's; a second of unmeasured load before each measurement did not undo it.
 */
export const STEADY = ['--no-memory-reducer'];

/**
 * A starter of server processes for `idp`: `start(kind, extra)` forks `script` with the kind and
 * the provider's settings in BENCH_CONFIG (plus `extra`), waits for its port, registers its client,
 * and returns { kind, base, child, cpu(), rss(), stop() } (cpu: the process's user + system µs).
 * Every process is killed when the benchmark exits.
 */
export function serverStarter(idp, script, { password, execArgv = [] }) {
  execArgv = [...STEADY, ...execArgv];
  const children = new Set();
  process.on('exit', () => {
    for (const child of children) child.kill();
  });
  return async function start(kind, extra = {}) {
    const clientId = `bench-${kind}-${Math.random().toString(36).slice(2, 8)}`;
    const config = { issuer: idp.issuer, clientId, clientSecret: `${clientId}-secret`, password, ...extra };
    const child = fork(script, [kind], { env: { ...process.env, BENCH_CONFIG: JSON.stringify(config) }, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.add(child);
    child.once('exit', () => children.delete(child));
    const { port } = await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`${kind} exited with ${code}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    await idp.addClient(webClient({ clientId, clientSecret: config.clientSecret, baseURL: base }));
    const ask = (m, field) => new Promise((resolve) => (child.once('message', (answer) => resolve(answer[field])), child.send(m)));
    return {
      kind,
      base,
      child,
      cpu: () => ask('cpu', 'cpu'),
      rss: () => ask('rss', 'rss'),
      stop: () => new Promise((resolve) => (child.once('exit', resolve), child.send('exit'))),
    };
  };
}
