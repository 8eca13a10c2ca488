/**
 * Security, second round (issue 13): items 11, 12 and 13 — a refreshed ID token may not change
 * the user; timeouts and a sign-in over a live session run the sign-out steps; the ended-sessions
 * list outlives every cookie, warns when full, and refuses records without an id.
 */
import { describe, expect, test } from '@jest/globals';
import { decodeJwt } from 'jose';
import { MemoryCoordinator, memoryStore, type SessionStore } from '../../lib/index.js';
import { endedTtl } from '../../lib/core/policy.js';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { BOB, withSignedInApp, suiteIdp } from '../helpers/harness.js';
import { readSession, writeSession } from '../helpers/tamper.js';

describe.each(FRAMEWORKS)('sessions that end, and users that stay who they are, on %s', (_name, factory) => {
  const idp = suiteIdp({ accessTokenTTL: 300 });

  test('a refreshed ID token naming another user is dropped: user.id stays, the new tokens are kept', async () => {
    await withSignedInApp(idp(), factory, { refresh: { buffer: 1000 } }, async (app, jar) => {
      const before = await readSession(jar);
      idp().setFault({ rewrite: async (body) => ({ ...body, id_token: await idp().signJwt({ ...decodeJwt(body.id_token), sub: 'someone-else', email: 'mallory@example.com' }) }) });
      const res = await app.get('/me', jar);
      idp().setFault(null);
      expect(res.status).toBe(200);
      expect(res.body.user.id).toBe(before.user.id);
      expect(res.body.user.email).toBe('alice@example.com');
      const after = await readSession(jar);
      expect(after.refreshToken).not.toBe(before.refreshToken); // the rotated tokens were kept
      expect(after.idToken).toBe(before.idToken); // the foreign ID token was not
      expect(app.events.logs.some((l) => l.level === 'warn' && /another user/.test(l.msg ?? ''))).toBe(true);
    });
  });

  test('a refreshed ID token of the same user is adopted (a changed name shows)', async () => {
    await withSignedInApp(idp(), factory, { refresh: { buffer: 1000 } }, async (app, jar) => {
      idp().setFault({ rewrite: async (body) => ({ ...body, id_token: await idp().signJwt({ ...decodeJwt(body.id_token), name: 'Alice Renamed' }) }) });
      const res = await app.get('/me', jar);
      idp().setFault(null);
      expect(res.body.user.name).toBe('Alice Renamed');
      expect((await readSession(jar)).user.name).toBe('Alice Renamed');
    });
  });

  test('an absolute timeout revokes the refresh token, ends the id and destroys the store entry', async () => {
    const store: SessionStore = memoryStore();
    await withSignedInApp(idp(), factory, { store, session: { absoluteTimeout: 3600 } }, async (app, jar) => {
      const { ref } = (await readSession(jar)) as unknown as { ref: string };
      const record = (await store.get(ref))!;
      await store.set(ref, { ...record, createdAt: record.createdAt - 3601 }, 3600);
      const revocations = idp().counts.revocations;
      const res = await app.get('/public', jar);
      expect(res.body.isAuthenticated).toBe(false);
      expect(jar.sessionNames()).toEqual([]);
      expect(idp().counts.revocations).toBe(revocations + 1);
      expect(await store.get(ref)).toBeUndefined();
    });
  });

  test('an idle timeout (cookie sessions) revokes the refresh token, and a copy of the cookie stays refused', async () => {
    await withSignedInApp(idp(), factory, { session: { idleTimeout: 600 } }, async (app, jar) => {
      const record = await readSession(jar);
      await writeSession(jar, { ...record, touchedAt: record.touchedAt - 601 });
      const copy = jar.clone();
      const revocations = idp().counts.revocations;
      expect((await app.get('/public', jar)).body.isAuthenticated).toBe(false);
      expect(idp().counts.revocations).toBe(revocations + 1);
      // the same record with its activity forged back to now: the id was ended
      await writeSession(copy, { ...record, touchedAt: Math.floor(Date.now() / 1000) });
      expect((await app.get('/public', copy)).body.isAuthenticated).toBe(false);
    });
  });

  test('signing in as someone else over a live session signs the old one out (revoked, ended)', async () => {
    await withSignedInApp(idp(), factory, {}, async (app, jar) => {
      const alice = jar.clone();
      const revocations = idp().counts.revocations;
      await app.signIn(jar, BOB);
      expect((await app.get('/me', jar)).body.user.email).toBe('bob@example.com');
      expect(idp().counts.revocations).toBe(revocations + 1);
      expect((await app.get('/public', alice)).body.isAuthenticated).toBe(false);
    });
  });

  test('the same user signing in again: the old session is ended but its grant is not revoked', async () => {
    await withSignedInApp(idp(), factory, { refresh: { buffer: 1000 } }, async (app, jar) => {
      const old = jar.clone();
      const revocations = idp().counts.revocations;
      await app.signIn(jar);
      expect(idp().counts.revocations).toBe(revocations);
      expect((await app.get('/public', old)).body.isAuthenticated).toBe(false);
      // the new session refreshes fine (its grant was left alone)
      const me = await app.get('/me', jar);
      expect(me.status).toBe(200);
      expect(app.events.refreshError).toEqual([]);
    });
  });

  test('a sealed record without an id is not a session', async () => {
    await withSignedInApp(idp(), factory, {}, async (app, jar) => {
      const { id: _id, ...record } = await readSession(jar);
      await writeSession(jar, record);
      expect((await app.get('/public', jar)).body.isAuthenticated).toBe(false);
    });
  });
});

describe('the ended-sessions list', () => {
  test('an end is remembered longer than any cookie sealed before it can live', () => {
    expect(endedTtl(3600)).toBeGreaterThan(3600 + 60);
  });

  test('a full list warns (once a minute) instead of forgetting ends in silence', () => {
    const coordinator = new MemoryCoordinator({ maxEnded: 2 });
    const warnings: string[] = [];
    coordinator.attach({ seal: async () => '', unseal: async () => null, logger: { warn: (_o, m) => void warnings.push(m ?? ''), error: () => {}, info: () => {} } });
    coordinator.endSessions(['session:a', 'session:b'], 1, 60);
    expect(warnings).toEqual([]);
    coordinator.endSessions(['session:c', 'session:d'], 1, 60);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/full/);
  });
});
