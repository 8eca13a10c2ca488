/**
 * Sign-in transactions: one sealed cookie per `/login` attempt (state, nonce, PKCE verifier,
 * `returnTo`), named from its state so that parallel tabs do not trample each other — and capped,
 * so that abandoned attempts can never pile up past what a browser sends (Node answers `431` to
 * a header section over 16 KB, which would lock the browser out of every page).
 *
 * @packageDocumentation
 */
import { parse, serialize, type SerializeOptions } from 'cookie';
import { sealData, unsealData } from 'iron-session';
import { createHash } from 'node:crypto';
import type { ResolvedConfig } from '../config.js';
import { SEAL } from './session-cookie.js';

/** A sign-in attempt, sealed into its own short-lived cookie. */
export interface Transaction {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  appState?: string;
  organizationId?: string;
  /** The step-up this sign-in was asked for (RFC 9470): the callback checks that the provider performed it (lib/core/step-up.ts). */
  stepUp?: { acr?: string[]; maxAge?: number };
}

/** Sign-in transactions live this long, seconds. */
export const TRANSACTION_TTL = 10 * 60;
/** Most transactions a browser keeps at once (the newest; parallel tabs stay possible). */
export const MAX_LIVE = 3;
/** Most bytes of transaction cookie values a browser carries at once. */
export const BUDGET = 6 * 1024;
/** Largest Set-Cookie header of one transaction (browsers drop cookies over 4096 bytes). */
const MAX_HEADER = 4000;
/** At most this many existing transactions are looked at (anything beyond is evicted unread). */
const MAX_SCANNED = 32;

/** Reads and writes the transaction cookies of one configuration. */
export class Transactions {
  readonly #password: Record<string, string>;
  readonly #prefix: string;
  readonly #attrs: SerializeOptions;

  constructor(cfg: ResolvedConfig) {
    const c = cfg.cookie;
    this.#password = { ...c.passwords };
    this.#prefix = `${c.name}.tx.`;
    // Lax even when the session is Strict: the provider's redirect back is a cross-site navigation.
    // The cookie path (not the callback's) so that /login sees the attempts it must cap, and so
    // that a `__Host-` name (Path=/ only) works.
    this.#attrs = { httpOnly: true, secure: c.secure, domain: c.domain, path: c.path, sameSite: c.sameSite === 'none' ? 'none' : 'lax' };
  }

  /** The cookie name of the transaction for `state`. */
  name(state: string): string {
    return `${this.#prefix}${createHash('sha256').update(state).digest('base64url').slice(0, 16)}`;
  }

  /**
   * Seal `tx` for a new attempt: its Set-Cookie header, and the headers that evict the oldest
   * attempts the browser still carries (`cookieHeader`) beyond {@link MAX_LIVE} or {@link BUDGET}.
   * An attempt too large for one cookie drops its `appState`, then its `returnTo`.
   */
  async write(tx: Transaction, cookieHeader: string | undefined): Promise<string[]> {
    let header = await this.#seal(tx);
    if (header.length > MAX_HEADER) header = await this.#seal({ ...tx, appState: undefined });
    if (header.length > MAX_HEADER) header = await this.#seal({ ...tx, appState: undefined, returnTo: '/' });
    const headers = [header];
    let budget = BUDGET - header.length;
    let live = 1;
    for (const [name, value] of this.#existing(cookieHeader)) {
      if (live < MAX_LIVE && value.length <= budget) {
        live++;
        budget -= value.length;
      } else {
        headers.push(serialize(name, '', { ...this.#attrs, maxAge: 0, expires: new Date(0) }));
      }
    }
    return headers;
  }

  async #seal(tx: Transaction): Promise<string> {
    const sealed = await sealData(tx, { password: this.#password, ttl: TRANSACTION_TTL });
    return serialize(this.name(tx.state), sealed, { ...this.#attrs, maxAge: TRANSACTION_TTL });
  }

  /** The transaction cookies the browser sent, newest first (a seal names its own expiry). */
  #existing(cookieHeader: string | undefined): [string, string][] {
    if (!cookieHeader) return [];
    let jar: Record<string, string | undefined>;
    try {
      jar = parse(cookieHeader);
    } catch {
      return [];
    }
    const found: [string, string, number][] = [];
    for (const [name, value] of Object.entries(jar)) {
      if (!name.startsWith(this.#prefix) || value === undefined) continue;
      const expires = found.length < MAX_SCANNED && SEAL.test(value) ? Number(value.split('*')[5]) : 0;
      found.push([name, value, expires]);
    }
    return found.sort((a, b) => b[2] - a[2]).map(([name, value]) => [name, value]);
  }

  /** Unseal the transaction for `state`, or null when there is none or it does not match. */
  async read(jar: Record<string, string | undefined>, state: string): Promise<Transaction | null> {
    const value = jar[this.name(state)];
    if (!value || value.length > 4096 || !SEAL.test(value)) return null;
    try {
      const tx = (await unsealData(value, { password: this.#password, ttl: TRANSACTION_TTL })) as Partial<Transaction>;
      if (typeof tx.state !== 'string' || typeof tx.nonce !== 'string' || typeof tx.codeVerifier !== 'string') return null;
      return tx as Transaction;
    } catch {
      return null;
    }
  }

  /** Set-Cookie header that deletes the transaction for `state`. */
  clear(state: string): string {
    return serialize(this.name(state), '', { ...this.#attrs, maxAge: 0, expires: new Date(0) });
  }
}
