/**
 * The options are documented once, in their TSDoc (lib/types/options.ts), and the variables that
 * set them are listed once (lib/config/env.ts): the README's options table, the TSDoc `@env`
 * tags and the table that the configuration reads must all agree.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { ENV_VARS } from '../lib/config/env.js';
import { resolveConfig } from '../lib/config.js';

const root = new URL('../', import.meta.url);
const source = ['options', 'option-groups'].map((name) => readFileSync(new URL(`lib/types/${name}.ts`, root), 'utf8')).join('\n');
const readme = readFileSync(new URL('README.md', root), 'utf8');

/** Each field of `interface name` with its doc comment. */
function fields(name: string): { field: string; doc: string }[] {
  const start = source.indexOf(`export interface ${name}`);
  const body = source.slice(source.indexOf('{', start) + 1, source.indexOf('\n}', start));
  const out: { field: string; doc: string }[] = [];
  for (const m of body.matchAll(/(\/\*\*[\s\S]*?\*\/)\s*\n\s*(\w+)\??:/g)) out.push({ doc: m[1], field: m[2] });
  return out;
}

/** README options table: option → variable ('' when none). */
function readmeTable(): Map<string, string> {
  const section = readme.slice(readme.indexOf('## Options'), readme.indexOf('\n## ', readme.indexOf('## Options') + 3));
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 5 || !cells[1].includes('`')) continue;
    for (const option of cells[1].matchAll(/`([\w.]+)`/g)) rows.set(option[1], cells[2].replace(/`/g, ''));
  }
  return rows;
}

const OPTIONS = fields('SessionKitOptions');
const COOKIE = fields('CookieOptions').map((f) => ({ ...f, field: `cookie.${f.field}` }));

describe('options are documented once and agree everywhere', () => {
  it('finds the fields it checks', () => {
    expect(OPTIONS.length).toBeGreaterThanOrEqual(25);
    expect(COOKIE.map((f) => f.field)).toEqual(expect.arrayContaining(['cookie.password', 'cookie.name', 'cookie.sameSite']));
  });

  it.each([...OPTIONS, ...COOKIE])('$field has TSDoc with @default, and @env exactly when a variable sets it', ({ field, doc }) => {
    expect(doc).toMatch(/@default \S/);
    const env = (ENV_VARS as Record<string, string>)[field];
    if (env) expect(doc).toMatch(new RegExp(`@env ${env}\\b`));
    else if (field !== 'cookie') expect(doc).not.toMatch(/@env/);
  });

  it('the README table lists every option and names the same variables as lib/config/env.ts', () => {
    const table = readmeTable();
    for (const { field } of [...OPTIONS.filter((f) => f.field !== 'cookie'), ...COOKIE]) {
      const row = table.get(field) ?? table.get(`${field}.`) ?? [...table.keys()].find((k) => k.startsWith(`${field}.`));
      expect({ field, documented: row !== undefined }).toEqual({ field, documented: true });
    }
    for (const [option, variable] of table) {
      expect({ option, variable }).toEqual({ option, variable: (ENV_VARS as Record<string, string>)[option] ?? '' });
    }
    for (const [option, variable] of Object.entries(ENV_VARS)) expect({ option, row: table.get(option) }).toEqual({ option, row: variable });
  });

  it('the configuration reads each variable of the table', () => {
    const env: Record<string, string> = {
      SESSIONKIT_ISSUER: 'https://issuer.example',
      SESSIONKIT_CLIENT_ID: 'client-from-env',
      SESSIONKIT_CLIENT_SECRET: 'secret-from-env',
      SESSIONKIT_CLIENT_AUTH_METHOD: 'client_secret_post',
      SESSIONKIT_BASE_URL: 'https://app.example',
      SESSIONKIT_COOKIE_PASSWORD: 'p'.repeat(32),
      SESSIONKIT_COOKIE_NAME: 'from_env',
      SESSIONKIT_COOKIE_MAX_AGE: '3600',
      SESSIONKIT_COOKIE_DOMAIN: 'app.example',
      SESSIONKIT_COOKIE_SAMESITE: 'strict',
    };
    const cfg = resolveConfig({}, env);
    expect([cfg.issuer, cfg.clientId, cfg.clientSecret, cfg.clientAuth.method, cfg.baseURL.origin]).toEqual(['https://issuer.example', 'client-from-env', 'secret-from-env', 'client_secret_post', 'https://app.example']);
    expect(cfg.cookie).toMatchObject({ name: 'from_env', maxAge: 3600, domain: 'app.example', sameSite: 'strict' });
    expect(Object.keys(env).every((v) => Object.values(ENV_VARS).includes(v as never))).toBe(true);
  });
});
