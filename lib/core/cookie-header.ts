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
  return findValue(header, name)?.value;
}

/** {@link firstValue}, with where the value stands in `header` (`start`, `end`: before trimming and decoding). */
export function findValue(header: string, name: string): { value: string; start: number; end: number } | undefined {
  for (let at = header.indexOf(name); at >= 0; at = header.indexOf(name, at + 1)) {
    let before = at - 1;
    while (before >= 0 && isBlank(header.charCodeAt(before))) before--;
    if (before >= 0 && header.charCodeAt(before) !== 59 /* ; */) continue;
    let eq = at + name.length;
    while (eq < header.length && isBlank(header.charCodeAt(eq))) eq++;
    if (header.charCodeAt(eq) !== 61 /* = */) continue;
    let end = header.indexOf(';', eq);
    if (end < 0) end = header.length;
    let start = eq + 1;
    while (start < end && isBlank(header.charCodeAt(start))) start++;
    while (end > start && isBlank(header.charCodeAt(end - 1))) end--;
    const raw = header.slice(start, end);
    if (raw.indexOf('%') < 0) return { value: raw, start, end };
    try {
      return { value: decodeURIComponent(raw), start, end };
    } catch {
      return { value: raw, start, end };
    }
  }
  return undefined;
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
