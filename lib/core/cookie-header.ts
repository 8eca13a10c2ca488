/**
 * Reading a `Cookie` header exactly as the \`cookie\` package does, without building more than
 * is asked for: every cookie, one name in place, or every pair with its duplicates.
 *
 * @packageDocumentation
 */
import { parse } from 'cookie';

/** Cookies of one request, by name. */
export type CookieJar = Record<string, string | undefined>;

/** Parse a `Cookie` header; never throws. */
export function parseCookies(header: string | string[] | undefined): CookieJar {
  if (!header) return {};
  try {
    return parse(Array.isArray(header) ? header.join('; ') : header);
  } catch {
    return {};
  }
}

/** True when `header` names the session cookie (or its first chunk) more than once. */
export function hasDuplicate(header: string, name: string): boolean {
  for (const key of [`${name}=`, `${name}.0=`]) {
    const first = header.indexOf(key);
    if (first >= 0 && header.indexOf(key, first + key.length) >= 0) return true;
  }
  return false;
}

/**
 * The value of the first `name=…` pair of a Cookie header, exactly as the `cookie` package reads
 * it (a pair starts after a `;`, names and values are trimmed of spaces and tabs, a value with a
 * `%` is URI-decoded when it decodes); undefined when there is none.
 */
export function firstValue(header: string, name: string): string | undefined {
  const start = valueStart(header, name);
  if (start < 0) return undefined;
  let end = header.indexOf(';', start);
  if (end < 0) end = header.length;
  while (end > start && isBlank(header.charCodeAt(end - 1))) end--;
  const raw = header.slice(start, end);
  if (raw.indexOf('%') < 0) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * Where the value of the first `name=…` pair of a Cookie header starts (after any blanks), as
 * the `cookie` package finds it; -1 when there is none.
 */
export function valueStart(header: string, name: string): number {
  for (let at = header.indexOf(name); at >= 0; at = header.indexOf(name, at + 1)) {
    let before = at - 1;
    while (before >= 0 && isBlank(header.charCodeAt(before))) before--;
    if (before >= 0 && header.charCodeAt(before) !== 59 /* ; */) continue;
    let eq = at + name.length;
    while (eq < header.length && isBlank(header.charCodeAt(eq))) eq++;
    if (header.charCodeAt(eq) !== 61 /* = */) continue;
    let start = eq + 1;
    while (start < header.length && isBlank(header.charCodeAt(start))) start++;
    return start;
  }
  return -1;
}

/**
 * Where the name of the pair whose value starts at `start` (as {@link valueStart} found it)
 * begins: before the blanks, the `=` and the blanks in between.
 */
export function nameStart(header: string, start: number, nameLength: number): number {
  let at = start;
  while (at > 0 && isBlank(header.charCodeAt(at - 1))) at--;
  at--; // the `=`
  while (at > 0 && isBlank(header.charCodeAt(at - 1))) at--;
  return at - nameLength;
}

/** True when a cookie value may end at `end` of `header`: only blanks before the next `;` or the end. */
export function endsAt(header: string, end: number): boolean {
  while (end < header.length && isBlank(header.charCodeAt(end))) end++;
  return end === header.length || header.charCodeAt(end) === 59 /* ; */;
}

/**
 * True when `text` occurs in `header` outside `[start, end)` (a cookie value, which holds no
 * `;` and so no other cookie): the rest of the header is searched, never the value again.
 */
export function occursOutside(header: string, text: string, start: number, end: number): boolean {
  return (start >= text.length && header.lastIndexOf(text, start - text.length) >= 0) || header.indexOf(text, end) >= 0;
}

export function isBlank(code: number): boolean {
  return code === 32 || code === 9;
}

/** Every `name=value` pair of a Cookie header, duplicates kept, read the way the `cookie` package reads one. */
export function allPairs(header: string): [string, string][] {
  const out: [string, string][] = [];
  for (const segment of header.split(';')) {
    const eq = segment.indexOf('=');
    if (eq < 0) continue;
    let value = segment.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length > 1) value = value.slice(1, -1);
    if (value.includes('%')) {
      try {
        value = decodeURIComponent(value);
      } catch {
        /* kept as is */
      }
    }
    out.push([segment.slice(0, eq).trim(), value]);
  }
  return out;
}

/** The sealed value of a session as it came in, and every cookie name that carried part of it. */
export interface IncomingSession {
  value: string | null;
  names: readonly string[];
}

/**
 * The session's value from `name`, or from the chunks `name.0` … joined, in `header` (the first
 * of each name, as the `cookie` package reads it): null when there is none, '' when there are
 * more than `maxChunks` chunks (refused unread); with every name that carried part of it.
 */
export function sessionValue(header: string | string[] | undefined, name: string, maxChunks: number): IncomingSession {
  // A string is searched in place for the session's names only: no object of every cookie.
  const jar = typeof header === 'string' ? null : parseCookies(header);
  const valueOf = (key: string) => (jar ? jar[key] : firstValue(header as string, key));
  const single = valueOf(name);
  const names: string[] = single === undefined ? [] : [name];
  let joined = '';
  for (let i = 0; i < maxChunks + 1; i++) {
    const part = valueOf(`${name}.${i}`);
    if (part === undefined) break;
    names.push(`${name}.${i}`);
    joined += part;
  }
  if (single !== undefined) return { value: single, names };
  return { value: joined ? (names.length > maxChunks ? '' : joined) : null, names };
}

/**
 * Every value other than `first` that `name` carried in `header` when it came more than once:
 * each duplicate single cookie, and the chunks joined from their last copies (at most four).
 */
export function duplicateValues(header: string | string[] | undefined, name: string, first: string, maxChunks: number): string[] {
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (!text || !hasDuplicate(text, name)) return [];
  const singles: string[] = [];
  const lastChunks: Record<string, string> = {};
  for (const [key, value] of allPairs(text)) {
    if (key === name) singles.push(value);
    else if (key.startsWith(`${name}.`) && /^\d+$/.test(key.slice(name.length + 1))) lastChunks[key] = value;
  }
  let joined = '';
  for (let i = 0; i < maxChunks && lastChunks[`${name}.${i}`] !== undefined; i++) joined += lastChunks[`${name}.${i}`];
  const out = new Set([...singles, ...(joined ? [joined] : [])]);
  out.delete(first);
  return [...out].slice(0, 4);
}
