/**
 * The ended-sessions list every instance shares: ends go to two sorted sets (when, until) and
 * onto the channel; every instance keeps the list in memory (the coordinator's `endedAt()` reads it there, synchronously),
 * reloads it from Redis on (re)connect and merges, so a local end is never forgotten; ends
 * recorded while Redis was unavailable are written once it is back.
 *
 * @packageDocumentation
 */
import type { MemoryCoordinator } from '../core/coordinator.js';
import type { LockHost } from './locks.js';
import { END, type Message } from './scripts.js';

/** What the list needs of the coordinator: the connection and its state. */
export type EndedHost = Pick<LockHost, 'client' | 'prefix' | 'channel' | 'available' | 'command' | 'unavailable'>;

/** The ended sessions of one coordinator, kept in `local` and in Redis. */
export class EndedSessions {
  readonly #host: EndedHost;
  readonly #local: MemoryCoordinator;
  /** Ends recorded here while Redis was unavailable: written when it is back. */
  #pending: { keys: string[]; at: number; until: number }[] = [];

  constructor(host: EndedHost, local: MemoryCoordinator) {
    this.#host = host;
    this.#local = local;
  }

  /** End `keys` at `at` for `ttl` seconds: seen here at once, by the others within the channel's delay (or at their next reload). */
  end(keys: readonly string[], at: number, ttl: number): Promise<void> {
    this.#local.endSessions(keys, at, ttl);
    return this.#write([...keys], at, Math.ceil(Date.now() / 1000 + ttl));
  }

  /** Another instance announced an end. */
  receive(message: Extract<Message, { t: 'end' }>): void {
    this.#local.endSessions(message.keys.map(String), Number(message.at), Math.max(1, Number(message.until) - Date.now() / 1000));
  }

  /** Merge the list from Redis into memory (never forgets a local end: the latest wins). */
  async reload(): Promise<void> {
    const { client, prefix } = this.#host;
    const [ats, untils] = await Promise.all([
      this.#host.command(client.zrange(`${prefix}{ended}:at`, 0, -1, 'WITHSCORES')),
      this.#host.command(client.zrange(`${prefix}{ended}:until`, 0, -1, 'WITHSCORES')),
    ]);
    const until = new Map<string, number>();
    for (let i = 0; i + 1 < untils.length; i += 2) until.set(untils[i], Number(untils[i + 1]));
    const now = Date.now() / 1000;
    for (let i = 0; i + 1 < ats.length; i += 2) {
      const left = (until.get(ats[i]) ?? 0) - now;
      if (left > 0) this.#local.endSessions([ats[i]], Number(ats[i + 1]), left);
    }
  }

  /** Redis is back: write the ends recorded while it was not. */
  async flush(): Promise<void> {
    const pending = this.#pending;
    this.#pending = [];
    for (const end of pending) await this.#write(end.keys, end.at, end.until);
  }

  async #write(keys: string[], at: number, until: number): Promise<void> {
    const host = this.#host;
    if (!host.available) {
      this.#pending.push({ keys, at, until });
      host.unavailable();
      return;
    }
    try {
      await host.command(host.client.eval(END, 2, `${host.prefix}{ended}:at`, `${host.prefix}{ended}:until`, Math.floor(Date.now() / 1000), at, until, ...keys));
      await host.command(host.client.publish(host.channel, JSON.stringify({ t: 'end', keys, at, until } satisfies Message)));
    } catch {
      this.#pending.push({ keys, at, until });
      host.unavailable();
    }
  }
}
