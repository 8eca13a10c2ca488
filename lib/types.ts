/**
 * Public types of sessionkit: options, the `Auth` view, the session record and hooks. This file
 * only gathers them; each lives in `lib/types/`.
 *
 * @packageDocumentation
 */
export type * from './types/session.js';
export type * from './types/hooks.js';
export type * from './types/options.js';
export type * from './types/option-groups.js';
