// In-process cost of sessionkit's per-request path (no HTTP): `node bench/profile.js`.
// Signs in once against the dev provider, then times the dispatcher's handle() on the same cookie.
import { startDevIdp } from '../examples/dev-idp/index.js';
import { loginAtProvider } from '../examples/dev-idp/http-login.js';
import { Core } from '../dist/core/engine.js';
import { handle, handleCached } from '../dist/handler.js';

const idp = await startDevIdp({ accessTokenTTL: 3600 });
const base = 'http://127.0.0.1:9';
await idp.addClient({ client_id: 'p', client_secret: 'p-secret', redirect_uris: [`${base}/callback`], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] });
const core = new Core({ issuer: idp.issuer, clientId: 'p', clientSecret: 'p-secret', baseURL: base, cookie: { password: 'x'.repeat(40) }, logger: { warn() {}, error() {} } });
const headers = {};
const sink = (out) => ({ append: (n, v) => out.push([n, v]), set: (n, v) => out.push([n, v]), response: null, sent: () => false });
const req = (url, cookie) => ({ method: 'GET', url, path: url.split('?')[0], originalUrl: url, headers: { cookie, accept: 'application/json', ...headers }, raw: null });
const out = [];
const login = await handle(core, req('/login', ''), sink(out));
const tx = out.filter(([n]) => n === 'Set-Cookie').flat(2).filter((c) => typeof c === 'string' && c.includes('.tx.')).map((c) => c.split(';')[0]).join('; ');
const { callbackUrl } = await loginAtProvider(login.reply.headers.Location, { email: 'alice@example.com', password: 'alice-password' });
const cb = new URL(callbackUrl);
const out2 = [];
await handle(core, req(cb.pathname + cb.search, tx), sink(out2));
const cookie = out2.filter(([n]) => n === 'Set-Cookie').flatMap(([, v]) => v).filter((c) => c.startsWith('sessionkit=')).map((c) => c.split(';')[0]).join('; ');
const N = Number(process.env.N ?? 200_000);
for (let i = 0; i < 20_000; i++) await handle(core, req('/me', cookie), sink([]));
let t = performance.now();
for (let i = 0; i < N; i++) {
  const o = await handle(core, req('/me', cookie), sink([]));
  if (!o.session.auth.isAuthenticated) throw new Error('signed out');
}
console.log(`Core.handle (awaits), signed in: ${(((performance.now() - t) * 1000) / N).toFixed(2)} µs per request (${N} requests)`);
t = performance.now();
for (let i = 0; i < N; i++) {
  // a fresh header string per request, as HTTP gives (no hash cached on it)
  const o = handleCached(core, req('/me', (' ' + cookie).slice(1)), sink([]));
  if (!o?.session.auth.isAuthenticated) throw new Error('not served from the cache');
}
console.log(`Core.handleCached (no await), signed in: ${(((performance.now() - t) * 1000) / N).toFixed(2)} µs per request (${N} requests)`);
await idp.close();
