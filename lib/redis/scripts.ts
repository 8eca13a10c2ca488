/**
 * The Lua scripts sessionkit/redis runs (each touches one hash slot), the messages on its channel,
 * and the check of its timing options.
 *
 * @packageDocumentation
 */
import { ConfigError } from '../errors.js';

/** Release the lock only when it is still ours. */
export const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/** Extend the lock while its holder is alive (a slow grant keeps it; a crashed holder does not). */
export const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`;

/** Record ended sessions: keep the latest end and the latest expiry of each key, drop what expired. */
export const END = `
local now = tonumber(ARGV[1])
local at = tonumber(ARGV[2])
local untilAt = tonumber(ARGV[3])
for i = 4, #ARGV do
  local k = ARGV[i]
  local cur = redis.call('zscore', KEYS[1], k)
  if not cur or tonumber(cur) < at then redis.call('zadd', KEYS[1], at, k) end
  local curUntil = redis.call('zscore', KEYS[2], k)
  if not curUntil or tonumber(curUntil) < untilAt then redis.call('zadd', KEYS[2], untilAt, k) end
end
local gone = redis.call('zrangebyscore', KEYS[2], '-inf', now)
for _, k in ipairs(gone) do redis.call('zrem', KEYS[1], k) end
redis.call('zremrangebyscore', KEYS[2], '-inf', now)
return 1`;

/** A message on the channel. */
export type Message = { t: 'end'; keys: string[]; at: number; until: number } | { t: 'memo'; key: string } | { t: 'store'; id: string; from: string };

/** A timing option (milliseconds), checked: `fallback` when not given. */
export function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new ConfigError(name, undefined, 'must be a positive number of milliseconds (sessionkit/redis)');
  return value;
}
