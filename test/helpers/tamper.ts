/** Unseal and re-seal session cookies the way an attacker who knows the password (or time) would. */
import { sealData, unsealData } from 'iron-session';
import type { Jar } from './jar.js';
import { PASSWORD } from './harness.js';

/** The session record in `jar` (joined chunks). */
export async function readSession(jar: Jar, password: string | Record<string, string> = PASSWORD): Promise<any> {
  const names = jar.sessionNames().sort((a, b) => (a.length - b.length) || a.localeCompare(b, 'en', { numeric: true }));
  const value = names.map((n) => jar.cookies.get(n)).join('');
  return unsealData(value, { password, ttl: 14 * 24 * 3600 });
}

/** Replace the session in `jar` by `record` sealed with `password` (one cookie; chunks dropped). */
export async function writeSession(jar: Jar, record: unknown, password: string | Record<string, string> = PASSWORD): Promise<void> {
  for (const n of jar.sessionNames()) jar.cookies.delete(n);
  jar.cookies.set('sessionkit', await sealData(record as Record<string, unknown>, { password, ttl: 14 * 24 * 3600 }));
}
