/**
 * Running user hooks: awaited, and never able to break a request by throwing.
 *
 * @packageDocumentation
 */
import type { ResolvedConfig } from '../config.js';
import type { Hooks } from '../types/hooks.js';
import { describe } from './provider.js';

/** Run hook `name` with `payload`; an exception is logged (without token values) and swallowed. */
export async function runHook<K extends keyof Hooks>(
  cfg: ResolvedConfig,
  name: K,
  payload: Parameters<NonNullable<Hooks[K]>>[0],
): Promise<unknown> {
  const hook = cfg.hooks[name] as ((p: unknown) => unknown) | undefined;
  if (!hook) return undefined;
  try {
    return await hook(payload);
  } catch (error) {
    cfg.logger.error({ hook: name, error: describe(error) }, 'sessionkit: a hook threw; the request goes on');
    return undefined;
  }
}
