/** Seal, unseal and re-seal session cookies the way an attacker who knows the password (or time) would. */
import { sealData, unsealData } from 'iron-session';
import type { Jar } from './jar.js';
import { PASSWORD } from './harness.js';

/** The session lifetime the library seals with by default (14 days, in seconds). */
export const FOURTEEN_DAYS = 14 * 24 * 3600;

/** Seal like the library does (iron-session, the test password unless told). */
export function seal(data: unknown, password: string | Record<string, string> = PASSWORD, ttl = FOURTEEN_DAYS): Promise<string> {
  return sealData(data as Record<string, unknown>, { password, ttl });
}

/** Unseal like the library does (the test password unless told). */
export async function unseal(value: string, password: string | Record<string, string> = PASSWORD, ttl = FOURTEEN_DAYS): Promise<any> {
  return unsealData(value, { password, ttl });
}

/** The session record in `jar` (joined chunks). */
export async function readSession(jar: Jar, password: string | Record<string, string> = PASSWORD): Promise<any> {
  const names = jar.sessionNames().sort((a, b) => (a.length - b.length) || a.localeCompare(b, 'en', { numeric: true }));
  return unseal(names.map((n) => jar.get(n)).join(''), password);
}

/** Replace the session in `jar` by `record` sealed with `password` (one cookie; chunks dropped). */
export async function writeSession(jar: Jar, record: unknown, password: string | Record<string, string> = PASSWORD): Promise<void> {
  for (const n of jar.sessionNames()) jar.delete(n);
  jar.set('sessionkit', await seal(record, password));
}

/** A copy of `jar` whose session is `record` sealed with the test password (one cookie). */
export async function withRecord(jar: Jar, record: unknown): Promise<Jar> {
  const out = jar.clone();
  await writeSession(out, record);
  return out;
}
