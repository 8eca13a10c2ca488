/**
 * Hostile session cookies, against the real dev provider, on Express and Koa. Each row is one
 * named case; each asserts the exact status, whether the session cookie was cleared, and whether
 * the browser is signed in afterwards (GET /public), and that nothing answers 5xx.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { ALICE, BOB, PASSWORD, startApp, startDevIdp, type DevIdp, type TestApp, clientSecretOf } from '../helpers/harness.js';
import { JSON_ACCEPT, beginLogin, expectOutcome, expiredSeal, flipChar, isSignedIn, rawRequest, signedInCookies, withField, type Outcome } from './support.js';
import { Jar, clearedSessionCookies } from '../helpers/jar.js';
import { seal, readSession } from '../helpers/tamper.js';

const OTHER = 'another-password-of-at-least-thirty-two-chars!!';

interface Ctx {
  idp: DevIdp;
  /** default app: cookie password PASSWORD */
  app: TestApp;
  /** same client, passwords { 1: PASSWORD, 2: OTHER } (rotation in progress) */
  rotated: TestApp;
  /** same client, passwords { 2: OTHER } only (PASSWORD removed) */
  removed: TestApp;
  /** Alice and Bob, signed in on `app` (one cookie each) */
  alice: Jar;
  bob: Jar;
  /** Alice and Bob with sessions large enough to be chunked by the library (sessionkit.0, .1, …) */
  aliceChunks: Jar;
  bobChunks: Jar;
  /** the value of a sign-in transaction cookie (sealed with PASSWORD) */
  transaction: string;
}

/** What one case sends: to which app, with which cookies (default: GET /me as JSON on `app`). */
interface Sent {
  cookies: Jar;
  target?: TestApp;
}

const SIGNED_OUT_CLEARED: Outcome = { status: 401, cleared: true, session: false };
const SIGNED_IN: Outcome = { status: 200, cleared: false, session: true };

/** A session made large enough to need chunks, sealed and chunked by the library itself. */
async function chunked(app: TestApp, chunky: TestApp, account: typeof ALICE): Promise<Jar> {
  const cookies = await signedInCookies(app, account);
  const record = await readSession(cookies);
  // 100 s idle on an app with idleTimeout: the library re-seals the record itself (touchedAt), chunked
  const big = { ...record, user: { ...record.user, picture: `https://cdn.example/${'p'.repeat(3000)}` }, touchedAt: record.createdAt - 400 };
  const input = new Jar([['sessionkit', await seal(big)]]);
  const res = await chunky.send('GET', '/public', input);
  expect(res.body.isAuthenticated).toBe(true);
  expect(input.sessionNames().sort()).toEqual(['sessionkit.0', 'sessionkit.1']);
  return input;
}

const cases: [string, (c: Ctx) => Promise<Sent>, Outcome][] = [
  // --- the seal's integrity (iron: AES-256-CBC + HMAC-SHA-256)
  ['forged MAC (last HMAC character flipped)', async (c) => ({ cookies: c.alice.clone().set('sessionkit', withField(c.alice.get('sessionkit')!, 7, (f) => flipChar(f, 5))) }), SIGNED_OUT_CLEARED],
  ['MAC of another genuine seal spliced onto this one', async (c) => {
    const mac = c.bob.get('sessionkit')!.split('*')[7];
    return { cookies: c.alice.clone().set('sessionkit', withField(c.alice.get('sessionkit')!, 7, () => mac)) };
  }, SIGNED_OUT_CLEARED],
  ['ciphertext byte flipped', async (c) => ({ cookies: c.alice.clone().set('sessionkit', withField(c.alice.get('sessionkit')!, 4, (f) => flipChar(f, 10))) }), SIGNED_OUT_CLEARED],
  ['IV flipped', async (c) => ({ cookies: c.alice.clone().set('sessionkit', withField(c.alice.get('sessionkit')!, 3, (f) => flipChar(f, 0))) }), SIGNED_OUT_CLEARED],
  ['encryption salt flipped', async (c) => ({ cookies: c.alice.clone().set('sessionkit', withField(c.alice.get('sessionkit')!, 2, (f) => (f[0] === 'a' ? 'b' : 'a') + f.slice(1))) }), SIGNED_OUT_CLEARED],
  ['HMAC salt flipped', async (c) => ({ cookies: c.alice.clone().set('sessionkit', withField(c.alice.get('sessionkit')!, 6, (f) => (f[0] === 'a' ? 'b' : 'a') + f.slice(1))) }), SIGNED_OUT_CLEARED],
  ['expiration field pushed into the future', async (c) => ({ cookies: c.alice.clone().set('sessionkit', withField(c.alice.get('sessionkit')!, 5, (f) => String(Number(f || Date.now()) + 365 * 86400_000))) }), SIGNED_OUT_CLEARED],
  ['password id rewritten to an id the app does not have', async (c) => ({ cookies: c.alice.clone().set('sessionkit', withField(c.alice.get('sessionkit')!, 1, () => '7')) }), SIGNED_OUT_CLEARED],
  ['iron version prefix changed (Fe26.1)', async (c) => ({ cookies: c.alice.clone().set('sessionkit', c.alice.get('sessionkit')!.replace(/^Fe26\.2/, 'Fe26.1')) }), SIGNED_OUT_CLEARED],
  ['iron-session version suffix removed (~2 dropped)', async (c) => ({ cookies: c.alice.clone().set('sessionkit', c.alice.get('sessionkit')!.replace(/~2$/, '')) }), SIGNED_OUT_CLEARED],
  ['truncated to half', async (c) => ({ cookies: c.alice.clone().set('sessionkit', c.alice.get('sessionkit')!.slice(0, Math.floor(c.alice.get('sessionkit')!.length / 2))) }), SIGNED_OUT_CLEARED],
  ['truncated by one character', async (c) => ({ cookies: c.alice.clone().set('sessionkit', c.alice.get('sessionkit')!.slice(0, -1)) }), SIGNED_OUT_CLEARED],
  ['extended by four characters', async (c) => ({ cookies: c.alice.clone().set('sessionkit', `${c.alice.get('sessionkit')!}AAAA`) }), SIGNED_OUT_CLEARED],
  ['two genuine seals concatenated', async (c) => ({ cookies: c.alice.clone().set('sessionkit', c.alice.get('sessionkit')! + c.bob.get('sessionkit')!) }), SIGNED_OUT_CLEARED],

  // --- passwords
  ['sealed with a foreign password', async (c) => ({ cookies: c.alice.clone().set('sessionkit', await seal(await readSession(c.alice), OTHER)) }), SIGNED_OUT_CLEARED],
  ['sealed with the foreign password under the id of the real one', async (c) => ({ cookies: c.alice.clone().set('sessionkit', await seal(await readSession(c.alice), { 1: OTHER })) }), SIGNED_OUT_CLEARED],
  ['old password after rotation ({1: old, 2: new}): accepted', async (c) => ({ cookies: c.alice.clone(), target: c.rotated }), SIGNED_IN],
  ['removed password ({2: new} only): refused', async (c) => ({ cookies: c.alice.clone(), target: c.removed }), SIGNED_OUT_CLEARED],

  // --- well-sealed data that is not a current session
  ['a genuine seal past its own expiry', async (c) => ({ cookies: c.alice.clone().set('sessionkit', await expiredSeal(await readSession(c.alice))) }), SIGNED_OUT_CLEARED],
  ['a sign-in transaction cookie presented as the session cookie', async (c) => ({ cookies: c.alice.clone().set('sessionkit', c.transaction) }), SIGNED_OUT_CLEARED],
  ['a sealed record of another shape ({ admin: true })', async (c) => ({ cookies: c.alice.clone().set('sessionkit', await seal({ admin: true, user: { id: 'user_alice' } })) }), SIGNED_OUT_CLEARED],
  ['a sealed session record of another version (v: 2)', async (c) => ({ cookies: c.alice.clone().set('sessionkit', await seal({ ...(await readSession(c.alice)), v: 2 })) }), SIGNED_OUT_CLEARED],
  ['a sealed session record whose user id is not a string', async (c) => {
    const r = await readSession(c.alice);
    return { cookies: c.alice.clone().set('sessionkit', await seal({ ...r, user: { ...r.user, id: 42 } })) };
  }, SIGNED_OUT_CLEARED],
  ['a sealed JSON array', async (c) => ({ cookies: c.alice.clone().set('sessionkit', await seal([1, 2, 3])) }), SIGNED_OUT_CLEARED],

  // --- junk
  ['garbage', async (c) => ({ cookies: c.alice.clone().set('sessionkit', 'not-a-session') }), SIGNED_OUT_CLEARED],
  ['empty value', async (c) => ({ cookies: c.alice.clone().set('sessionkit', '') }), { status: 401, cleared: true, session: false }],
  ['percent-encoding junk', async (c) => ({ cookies: c.alice.clone().set('sessionkit', '%E0%A4%A%ZZ%00%2A%7E') }), SIGNED_OUT_CLEARED],
  ['percent-encoded NUL and CR/LF', async (c) => ({ cookies: c.alice.clone().set('sessionkit', '%00%0d%0aSet-Cookie:%20x=y') }), SIGNED_OUT_CLEARED],
  ['Latin-1 bytes above 0x7f', async (c) => ({ cookies: c.alice.clone().set('sessionkit', `Fe26.2*1*\u00e9\u00ff*${'x'.repeat(40)}`) }), SIGNED_OUT_CLEARED],
  ['oversized single cookie (9 KB)', async (c) => ({ cookies: c.alice.clone().set('sessionkit', 'A'.repeat(9 * 1024)) }), SIGNED_OUT_CLEARED],
  ['oversized seal-shaped cookie (9 KB)', async (c) => ({ cookies: c.alice.clone().set('sessionkit', `${c.alice.get('sessionkit')!.slice(0, 200)}${'A'.repeat(9 * 1024)}~2`) }), SIGNED_OUT_CLEARED],
  ['another letter case of the cookie name (SessionKit) is not ours', async (c) => ({ cookies: new Jar([['SessionKit', c.alice.get('sessionkit')!]]) }), { status: 401, cleared: false, session: false }],

  // --- chunks
  ['a missing middle chunk (sessionkit.1 dropped)', async (c) => ({ cookies: c.aliceChunks.clone().delete('sessionkit.1') }), SIGNED_OUT_CLEARED],
  ['a missing first chunk (only sessionkit.1): nothing to read, nothing cleared', async (c) => ({ cookies: c.aliceChunks.clone().delete('sessionkit.0') }), { status: 401, cleared: false, session: false }],
  ['an extra chunk appended (sessionkit.2 junk)', async (c) => ({ cookies: c.aliceChunks.clone().set('sessionkit.2', 'AAAA') }), SIGNED_OUT_CLEARED],
  ['an extra chunk beside a one-cookie session: the single cookie is read', async (c) => ({ cookies: c.alice.clone().set('sessionkit.0', 'AAAA') }), SIGNED_IN],
  ['chunks reordered (.0 and .1 swapped)', async (c) => {
    const l = c.aliceChunks.clone();
    const [a, b] = [l.get('sessionkit.0')!, l.get('sessionkit.1')!];
    return { cookies: l.set('sessionkit.0', b).set('sessionkit.1', a) };
  }, SIGNED_OUT_CLEARED],
  ['chunks of two sessions spliced (.0 of Alice, .1 of Bob)', async (c) => ({ cookies: c.aliceChunks.clone().set('sessionkit.1', c.bobChunks.get('sessionkit.1')!) }), SIGNED_OUT_CLEARED],
  ['a genuine seal split into eleven chunks (over the limit)', async (c) => {
    const v = c.alice.get('sessionkit')!;
    const size = Math.ceil(v.length / 11);
    const l = new Jar();
    for (let i = 0; i < 11; i++) l.add(`sessionkit.${i}`, v.slice(i * size, (i + 1) * size));
    return { cookies: l };
  }, SIGNED_OUT_CLEARED],

  // --- duplicate names (a cookie tossed from another path or subdomain)
  // (issue 13.8: a junk cookie tossed in front of the real one used to cost the real session)
  ['duplicate names, junk first (tossed): the genuine one is found, nothing cleared', async (c) => ({ cookies: c.alice.clone().add('sessionkit', 'junk', true) }), SIGNED_IN],
  ['duplicate names, a well-formed foreign seal first: the genuine one is found', async (c) => ({ cookies: c.alice.clone().add('sessionkit', c.alice.get('sessionkit')!.replace(/.{8}~2$/, 'AAAAAAAA~2'), true) }), SIGNED_IN],
  ['duplicate names, both junk: refused and cleared', async (c) => ({ cookies: new Jar([['sessionkit', 'junk'], ['sessionkit', 'more-junk']]) }), SIGNED_OUT_CLEARED],
  ['duplicate names, genuine first: the first is read, never a mix', async (c) => ({ cookies: c.alice.clone().add('sessionkit', c.bob.get('sessionkit')!.slice(0, -3)) }), SIGNED_IN],
];

describe.each(FRAMEWORKS)('hostile session cookies on %s', (_name, factory) => {
  const c = {} as Ctx;
  let chunky: TestApp;
  beforeAll(async () => {
    c.idp = await startDevIdp({ accessTokenTTL: 300 });
    c.app = await startApp(c.idp, factory);
    const client = { clientId: c.app.clientId, clientSecret: clientSecretOf(c.app.clientId) };
    c.rotated = await startApp(c.idp, factory, { ...client, cookie: { password: { 1: PASSWORD, 2: OTHER } } });
    c.removed = await startApp(c.idp, factory, { ...client, cookie: { password: { 2: OTHER } } });
    chunky = await startApp(c.idp, factory, { ...client, session: { idleTimeout: 3600 } });
    c.alice = await signedInCookies(c.app, ALICE);
    c.bob = await signedInCookies(c.app, BOB);
    c.aliceChunks = await chunked(c.app, chunky, ALICE);
    c.bobChunks = await chunked(c.app, chunky, BOB);
    const tx = new Jar();
    const { txName } = await beginLogin(c.app, tx);
    c.transaction = tx.get(txName)!;
  });
  afterAll(async () => {
    for (const a of [c.app, c.rotated, c.removed, chunky]) await a?.close();
    await c.idp?.close();
  });

  test('the base sessions are good (control)', async () => {
    for (const cookies of [c.alice, c.bob]) expect(await isSignedIn(c.app, cookies)).toBe(true);
    for (const cookies of [c.aliceChunks, c.bobChunks]) expect(await isSignedIn(chunky, cookies)).toBe(true);
  });

  test.each(cases)('%s', async (_what, build, expected) => {
    const sent = await build(c);
    const carried = new Set(sent.cookies.sessionNames());
    // chunked sessions were written by the idle-timeout app (same client, same password)
    const target = sent.target ?? (carried.has('sessionkit.0') && !carried.has('sessionkit') ? chunky : c.app);
    const res = await target.send('GET', '/me', sent.cookies, { headers: JSON_ACCEPT });
    await expectOutcome(target, res, sent.cookies, expected);
    if (expected.cleared) {
      // every session cookie that was read is deleted, not only the first
      const cleared = new Set(clearedSessionCookies(res));
      for (const n of carried) if (readable(n, carried)) expect([n, cleared.has(n)]).toEqual([n, true]);
    }
  });

  test('an oversized Cookie header (over 16 KB) is refused by HTTP, 431, never 5xx; the session is untouched', async () => {
    const cookies = c.alice.clone().add('junk', 'J'.repeat(17 * 1024));
    const res = await c.app.send('GET', '/me', cookies, { headers: JSON_ACCEPT });
    expect(res.status).toBe(431);
    expect(clearedSessionCookies(res)).toEqual([]);
    expect(await isSignedIn(c.app, c.alice)).toBe(true);
  });

  test('a NUL byte in the Cookie header is refused by HTTP (400), never 5xx', async () => {
    const raw = `GET /public HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: sessionkit=${c.alice.get('sessionkit')!.slice(0, 50)}\u0000x\r\nConnection: close\r\n\r\n`;
    const res = await rawRequest(c.app.baseURL, Buffer.from(raw, 'latin1'));
    expect(res.status).toBe(400);
    expect(await isSignedIn(c.app, c.alice)).toBe(true);
  });
});

/** A chunk is read only when every lower index is present. */
function readable(name: string, carried: Set<string>): boolean {
  if (name === 'sessionkit') return true;
  const i = Number(name.slice('sessionkit.'.length));
  for (let k = 0; k < i; k++) if (!carried.has(`sessionkit.${k}`)) return false;
  return true;
}
