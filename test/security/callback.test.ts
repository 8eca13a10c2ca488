/**
 * Hostile sign-in callbacks against the real dev provider, on Express and Koa. Every case runs a
 * real sign-in at the provider and then breaks one thing; each must answer exactly 400, write no
 * session, leave the browser signed out (or as it was), and report the reason to onSignInError.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { ALICE, BOB, startApp, startDevIdp, type DevIdp, type TestApp } from '../helpers/harness.js';
import { atClock, atProvider, attackerKey, beginLogin, claimsOf, expectOutcome, nowSeconds, signWith, signedInCookies, unsigned, type Outcome } from './support.js';
import { Jar, parsedSetCookies, writtenSessionCookies } from '../helpers/jar.js';
import { seal, unseal } from '../helpers/tamper.js';

const OTHER_PASSWORD = 'another-password-of-at-least-thirty-two-chars!!';
const TX_TTL = 600;

interface Ctx {
  idp: DevIdp;
  app: TestApp;
  /** another client of the same provider */
  other: TestApp;
}

/** A hostile callback: the path (with query) the browser is sent to, and the cookies it holds. */
interface Attempt {
  path: string;
  cookies: Jar;
  /** the state of the attempt whose transaction must be spent by the callback */
  state?: string;
}

/** A real attempt up to the provider's redirect back: the callback URL, its state, and the browser. */
async function started(c: Ctx, account = ALICE, cookies = new Jar(), app = c.app) {
  const { authorizationUrl, state, txName } = await beginLogin(app, cookies);
  const callback = await atProvider(authorizationUrl, account);
  return { callback, state, txName, cookies };
}

function pathOf(url: URL): string {
  return url.pathname + url.search;
}

/** Re-seal the attempt's transaction with `patch`, as someone who knows the cookie password would. */
async function resealTransaction(cookies: Jar, txName: string, patch: Record<string, unknown>) {
  const tx = await unseal(cookies.get(txName)!, undefined, TX_TTL);
  expect(typeof tx.nonce).toBe('string');
  cookies.set(txName, await seal({ ...tx, ...patch }, undefined, TX_TTL));
}

/** Let the provider answer the code exchange for real, then rewrite its token response. */
function rewriteTokens(c: Ctx, rewrite: (body: Record<string, any>) => Promise<Record<string, any>> | Record<string, any>) {
  c.idp.setFault({ rewrite }, ['/token']);
}

/** The same ID token re-signed by the provider's own key with `patch` applied to its claims. */
function resignedIdToken(c: Ctx, patch: Record<string, unknown>) {
  rewriteTokens(c, async (body) => ({ ...body, id_token: await c.idp.signJwt({ ...claimsOf(body.id_token), ...patch }) }));
}

const REFUSED: Outcome = { status: 400, cleared: false, session: false };

const cases: [string, (c: Ctx) => Promise<Attempt>, string, string | undefined][] = [
  // --- state and the attempt's own transaction cookie
  ['state tampered in the query', async (c) => {
    const s = await started(c);
    s.callback.searchParams.set('state', `${s.state.slice(0, -1)}${s.state.endsWith('A') ? 'B' : 'A'}`);
    return { path: pathOf(s.callback), cookies: s.cookies };
  }, 'missing_transaction', undefined],
  ["attempt A's transaction presented under attempt B's name (state mismatch)", async (c) => {
    const a = await started(c);
    const b = await started(c, ALICE, a.cookies);
    a.cookies.set(b.txName, a.cookies.get(a.txName)!);
    return { path: pathOf(b.callback), cookies: a.cookies, state: b.state };
  }, 'state_mismatch', undefined],
  ['no state parameter', async (c) => {
    const s = await started(c);
    s.callback.searchParams.delete('state');
    return { path: pathOf(s.callback), cookies: s.cookies };
  }, 'invalid_request', undefined],
  ['state given twice (the real one first, then another)', async (c) => {
    const s = await started(c);
    s.callback.searchParams.append('state', 'attacker-state');
    return { path: pathOf(s.callback), cookies: s.cookies, state: s.state };
  }, 'exchange_failed', undefined],
  ['missing transaction cookie (another browser)', async (c) => {
    const s = await started(c);
    return { path: pathOf(s.callback), cookies: new Jar(), state: s.state };
  }, 'missing_transaction', undefined],
  ['expired transaction cookie (sealed 11 minutes ago)', async (c) => {
    const s = await started(c);
    const tx = await unseal(s.cookies.get(s.txName)!, undefined, TX_TTL);
    s.cookies.set(s.txName, await atClock(-11 * 60_000, () => seal(tx, undefined, TX_TTL)));
    return { path: pathOf(s.callback), cookies: s.cookies, state: s.state };
  }, 'missing_transaction', undefined],
  ['transaction cookie sealed with a foreign password', async (c) => {
    const s = await started(c);
    const tx = await unseal(s.cookies.get(s.txName)!, undefined, TX_TTL);
    s.cookies.set(s.txName, await seal(tx, OTHER_PASSWORD, TX_TTL));
    return { path: pathOf(s.callback), cookies: s.cookies, state: s.state };
  }, 'missing_transaction', undefined],
  ['a session cookie presented as the transaction cookie', async (c) => {
    const s = await started(c);
    const session = await signedInCookies(c.app, BOB);
    s.cookies.set(s.txName, session.get('sessionkit')!);
    return { path: pathOf(s.callback), cookies: s.cookies, state: s.state };
  }, 'missing_transaction', undefined],
  ['transaction cookie truncated', async (c) => {
    const s = await started(c);
    s.cookies.set(s.txName, s.cookies.get(s.txName)!.slice(0, -8));
    return { path: pathOf(s.callback), cookies: s.cookies, state: s.state };
  }, 'missing_transaction', undefined],

  // --- the code
  ['replayed code (second use, transaction cookie restored)', async (c) => {
    const s = await started(c);
    const saved = s.cookies.clone();
    const first = await c.app.send('GET', pathOf(s.callback), s.cookies);
    expect(first.status).toBe(302);
    return { path: pathOf(s.callback), cookies: saved, state: s.state };
  }, 'exchange_failed', 'invalid_grant'],
  ['code of another attempt with this attempt’s state (PKCE of the other)', async (c) => {
    const a = await started(c);
    const b = await started(c, ALICE, a.cookies);
    b.callback.searchParams.set('state', a.state);
    return { path: pathOf(b.callback), cookies: a.cookies, state: a.state };
  }, 'exchange_failed', 'invalid_grant'],
  ['code issued to another client', async (c) => {
    const mine = await started(c);
    const theirs = await started(c, ALICE, new Jar(), c.other);
    const cb = new URL(mine.callback);
    cb.searchParams.set('code', theirs.callback.searchParams.get('code')!);
    return { path: pathOf(cb), cookies: mine.cookies, state: mine.state };
  }, 'exchange_failed', 'invalid_grant'],
  ['code tampered', async (c) => {
    const s = await started(c);
    const code = s.callback.searchParams.get('code')!;
    s.callback.searchParams.set('code', `${code.slice(0, -1)}${code.endsWith('A') ? 'B' : 'A'}`);
    return { path: pathOf(s.callback), cookies: s.cookies, state: s.state };
  }, 'exchange_failed', 'invalid_grant'],
  ['PKCE verifier mismatch (transaction re-sealed with another verifier)', async (c) => {
    const s = await started(c);
    await resealTransaction(s.cookies, s.txName, { codeVerifier: 'x'.repeat(43) });
    return { path: pathOf(s.callback), cookies: s.cookies, state: s.state };
  }, 'exchange_failed', 'invalid_grant'],

  // --- the provider's answer
  ['error=access_denied from the provider', async (c) => {
    const cookies = new Jar();
    const { state } = await beginLogin(c.app, cookies);
    return { path: `/callback?error=access_denied&error_description=nope&state=${state}`, cookies, state };
  }, 'provider_error', 'access_denied'],
  ['error= without any state', async () => ({ path: '/callback?error=access_denied', cookies: new Jar() }), 'invalid_request', undefined],
  ['error= with markup in error and error_description', async (c) => {
    const cookies = new Jar();
    const { state } = await beginLogin(c.app, cookies);
    const evil = encodeURIComponent('<script>alert(1)</script>');
    return { path: `/callback?error=${evil}&error_description=${evil}&state=${state}`, cookies, state };
  }, 'provider_error', '<script>alert(1)</script>'],
  ['iss mismatch (RFC 9207 iss tampered)', async (c) => {
    const s = await started(c);
    s.callback.searchParams.set('iss', 'https://evil.example');
    return { path: pathOf(s.callback), cookies: s.cookies, state: s.state };
  }, 'exchange_failed', undefined],
  ['iss missing although the provider sends it (RFC 9207)', async (c) => {
    const s = await started(c);
    s.callback.searchParams.delete('iss');
    return { path: pathOf(s.callback), cookies: s.cookies, state: s.state };
  }, 'exchange_failed', undefined],
  ['nonce mismatch (transaction re-sealed with another nonce)', async (c) => {
    const s = await started(c);
    await resealTransaction(s.cookies, s.txName, { nonce: 'attacker-chosen-nonce-0123456789' });
    return { path: pathOf(s.callback), cookies: s.cookies, state: s.state };
  }, 'exchange_failed', undefined],

  // --- the ID token (the provider's real keys sign the forgeries)
  ['ID token for another audience', async (c) => {
    const s = await started(c);
    resignedIdToken(c, { aud: c.other.clientId });
    return { path: pathOf(s.callback), cookies: s.cookies, state: s.state };
  }, 'exchange_failed', undefined],
  ['ID token of another issuer', async (c) => {
    const s = await started(c);
    resignedIdToken(c, { iss: 'https://evil.example' });
    return { path: pathOf(s.callback), cookies: s.cookies, state: s.state };
  }, 'exchange_failed', undefined],
  ['ID token expired', async (c) => {
    const s = await started(c);
    resignedIdToken(c, { iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 });
    return { path: pathOf(s.callback), cookies: s.cookies, state: s.state };
  }, 'exchange_failed', undefined],
  ['ID token with another nonce', async (c) => {
    const s = await started(c);
    resignedIdToken(c, { nonce: 'another-nonce' });
    return { path: pathOf(s.callback), cookies: s.cookies, state: s.state };
  }, 'exchange_failed', undefined],
  ['ID token with alg none', async (c) => {
    const s = await started(c);
    rewriteTokens(c, (body) => ({ ...body, id_token: unsigned(claimsOf(body.id_token), 'JWT') }));
    return { path: pathOf(s.callback), cookies: s.cookies, state: s.state };
  }, 'exchange_failed', undefined],
  ['ID token signed by an unknown key under the provider’s kid', async (c) => {
    const s = await started(c);
    const { privateKey } = await attackerKey();
    rewriteTokens(c, async (body) => ({ ...body, id_token: await signWith(claimsOf(body.id_token), privateKey, { alg: 'RS256', kid: c.idp.currentKid }) }));
    return { path: pathOf(s.callback), cookies: s.cookies, state: s.state };
  }, 'exchange_failed', undefined],
  ['no ID token in the token response', async (c) => {
    const s = await started(c);
    rewriteTokens(c, ({ id_token: _dropped, ...body }) => body);
    return { path: pathOf(s.callback), cookies: s.cookies, state: s.state };
  }, 'exchange_failed', undefined],
  ['an access token of the provider’s issuer that does not verify', async (c) => {
    const s = await started(c);
    const { privateKey } = await attackerKey();
    rewriteTokens(c, async (body) => ({ ...body, access_token: await signWith({ ...claimsOf(body.access_token), role: 'owner' }, privateKey, { alg: 'RS256', typ: 'at+jwt', kid: c.idp.currentKid }) }));
    return { path: pathOf(s.callback), cookies: s.cookies, state: s.state };
  }, 'exchange_failed', undefined],
];

describe.each(FRAMEWORKS)('hostile sign-in callbacks on %s', (_name, factory) => {
  const c = {} as Ctx;
  beforeAll(async () => {
    c.idp = await startDevIdp({ accessTokenTTL: 300 });
    c.app = await startApp(c.idp, factory);
    c.other = await startApp(c.idp, factory);
  });
  afterEach(() => c.idp.setFault(null));
  afterAll(async () => {
    await c.app?.close();
    await c.other?.close();
    await c.idp?.close();
  });

  const run = async (attempt: (c: Ctx) => Promise<Attempt>, reason: string, oauthError: string | undefined) => {
    const { path, cookies, state } = await attempt(c);
    const errors = c.app.events.signInError.length;
    const res = await c.app.send('GET', path, cookies);
    c.idp.setFault(null);
    await expectOutcome(c.app, res, cookies, REFUSED);
    expect(writtenSessionCookies(res)).toEqual([]);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).not.toMatch(/<script>/);
    expect(res.headers['cache-control']).toBe('private, no-store');
    // the reason reaches onSignInError, once
    expect(c.app.events.signInError.length).toBe(errors + 1);
    const error = c.app.events.signInError.at(-1).error;
    expect({ code: error.code, reason: error.reason, oauthError: error.oauthError }).toEqual({ code: 'SESSIONKIT_CALLBACK_FAILED', reason, oauthError });
    // the attempt's transaction is spent: a second try with the same cookies finds nothing
    if (state) {
      const spent = parsedSetCookies(res).find((x) => x.name.startsWith('sessionkit.tx.'));
      expect(spent?.deleted).toBe(true);
      expect(cookies.names().filter((n) => n.startsWith('sessionkit.tx.') && n === spent?.name)).toEqual([]);
    }
  };
  test.each(cases)('%s', (_what, attempt, reason, oauthError) => run(attempt, reason, oauthError));

  test('a failed callback over an existing session leaves that session as it was', async () => {
    const cookies = await signedInCookies(c.app, BOB);
    const before = cookies.get('sessionkit');
    const { authorizationUrl } = await beginLogin(c.app, cookies);
    const cb = await atProvider(authorizationUrl, ALICE);
    cb.searchParams.set('iss', 'https://evil.example');
    const res = await c.app.send('GET', pathOf(cb), cookies, { headers: { Accept: 'application/json' } });
    await expectOutcome(c.app, res, cookies, { status: 400, cleared: false, session: true });
    expect(res.body).toEqual({ error: 'sign_in_failed', reason: 'exchange_failed' });
    expect(cookies.get('sessionkit')).toBe(before);
    const me = await c.app.send('GET', '/me', cookies);
    expect(me.body.user.email).toBe(BOB.email);
  });
});
