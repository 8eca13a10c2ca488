/**
 * The provider recipes in docs/providers.md are code users copy. Every ```ts block that starts
 * with `// recipe: <name>` is one object literal of SessionKitOptions; this test evaluates each
 * one and constructs it through `resolveConfig`, and refuses any option name (top-level, or
 * inside `claims`, `endpoints`, `routes`, `cookie`, `session`, `refresh`) that lib/types/ does
 * not declare. So a renamed or misspelt option breaks this test, not a user.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ROUTE_TABLE } from '../lib/routes/table.js';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { resolveConfig } from '../lib/config.js';
import type { ClaimNames, EndpointsOptions, SessionKitOptions } from '../lib/types.js';

const DOC = fileURLToPath(new URL('../docs/providers.md', import.meta.url));
const TYPES = ['session', 'hooks', 'options', 'option-groups'].map((name) => fileURLToPath(new URL(`../lib/types/${name}.ts`, import.meta.url)));

/** The recipes the document promises, in its order. */
const EXPECTED = ['auth0', 'okta', 'entra', 'keycloak', 'google', 'workos', 'cognito', 'github'];

/**
 * Options named in the public contract (API.md) that another change adds to `SessionKitOptions`;
 * until that lands `resolveConfig` ignores them. Accepted here so recipes can already use them.
 */
const PENDING_OPTIONS = ['clientAuthMethod', 'clientPrivateKey'];

/** Compile-time guard: these names must stay keys of the types they are checked against. */
const _typeAnchors: { top: keyof SessionKitOptions; claims: keyof ClaimNames; endpoints: keyof EndpointsOptions }[] = [
  { top: 'issuer', claims: 'organizationId', endpoints: 'authorization' },
  { top: 'claims', claims: 'permissions', endpoints: 'token' },
];
void _typeAnchors;

interface Recipe {
  name: string;
  line: number;
  source: string;
}

/** Every ```ts block whose first line is `// recipe: <name>`. */
function extractRecipes(markdown: string): Recipe[] {
  const recipes: Recipe[] = [];
  const fence = /^```ts[^\n]*\n([\s\S]*?)^```/gm;
  for (let m = fence.exec(markdown); m; m = fence.exec(markdown)) {
    const body = m[1];
    const head = /^\s*\/\/\s*recipe:\s*([a-z0-9-]+)\s*\n/.exec(body);
    if (!head) continue;
    recipes.push({ name: head[1], line: markdown.slice(0, m.index).split('\n').length + 1, source: body });
  }
  return recipes;
}

/** Evaluate one block: a single object-literal expression (plain JavaScript, no types). */
function evaluateRecipe(source: string): Record<string, unknown> {
  // eslint-disable-next-line no-new-func
  const value = new Function(`"use strict"; return (\n${source}\n);`)() as unknown;
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('a recipe block must be one object literal');
  return value as Record<string, unknown>;
}

/**
 * The property names of `interface <name>` in TypeScript source, following `extends` clauses
 * (generic arguments ignored). Reads only the interface's own top-level members.
 */
function interfaceKeys(source: string, name: string): string[] {
  const start = new RegExp(`export interface ${name}\\b([^{]*)\\{`).exec(source);
  if (!start) throw new Error(`interface ${name} not found`);
  let depth = 1;
  let i = start.index + start[0].length;
  const bodyStart = i;
  while (depth > 0 && i < source.length) {
    const c = source[i++];
    if (c === '{') depth++;
    else if (c === '}') depth--;
  }
  const body = source.slice(bodyStart, i - 1);
  const keys = new Set<string>();
  // Members at nesting depth 0 of the body: `name?:`, `name:` or `name(`/`name?(` (methods).
  let level = 0;
  for (const line of body.split('\n')) {
    if (level === 0) {
      const member = /^\s*([A-Za-z_$][\w$]*)\??\s*[:(<]/.exec(line);
      if (member && !line.trim().startsWith('//') && !line.trim().startsWith('*')) keys.add(member[1]);
    }
    for (const c of line.replace(/\/\/.*$/, '')) {
      if (c === '{') level++;
      else if (c === '}') level--;
    }
  }
  const parents = /extends\s+(.+)$/.exec(start[1].trim());
  if (parents) {
    // Drop generic arguments first (they may hold commas), then split the parent list.
    for (const parent of parents[1].replace(/<[^<>]*>/g, '').split(',').map((p) => p.trim())) {
      for (const k of interfaceKeys(source, parent)) keys.add(k);
    }
  }
  return [...keys].sort();
}

const types = TYPES.map((file) => readFileSync(file, 'utf8')).join('\n');
const KNOWN = {
  top: new Set([...interfaceKeys(types, 'SessionKitOptions'), ...PENDING_OPTIONS]),
  claims: new Set(interfaceKeys(types, 'ClaimNames')),
  endpoints: new Set(interfaceKeys(types, 'EndpointsOptions')),
  routes: new Set<string>(Object.keys(ROUTE_TABLE)),
  cookie: new Set(interfaceKeys(types, 'CookieOptions')),
};

/** Option names in `options` that lib/types/ does not declare (dotted paths). */
function unknownKeys(options: Record<string, unknown>): string[] {
  const unknown: string[] = [];
  for (const key of Object.keys(options)) if (!KNOWN.top.has(key)) unknown.push(key);
  for (const section of ['claims', 'endpoints', 'routes', 'cookie'] as const) {
    const value = options[section];
    if (value && typeof value === 'object') {
      for (const key of Object.keys(value)) if (!KNOWN[section].has(key)) unknown.push(`${section}.${key}`);
    }
  }
  return unknown;
}

const PASSWORD = 'a-test-cookie-password-of-at-least-32-characters';
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PRIVATE_KEY_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/**
 * The environment a deployment would provide for this recipe: the cookie password always, the
 * client secret for the secret-based methods, the private key for `private_key_jwt`.
 */
function envFor(options: Record<string, unknown>): Record<string, string> {
  const env: Record<string, string> = { SESSIONKIT_COOKIE_PASSWORD: PASSWORD };
  const method = options.clientAuthMethod;
  if (method === 'private_key_jwt') env.SESSIONKIT_CLIENT_PRIVATE_KEY = PRIVATE_KEY_PEM;
  else if (method !== 'none') env.SESSIONKIT_CLIENT_SECRET = 'test-client-secret';
  return env;
}

const markdown = readFileSync(DOC, 'utf8');
const recipes = extractRecipes(markdown);

describe('docs/providers.md recipes', () => {
  test('every promised provider has exactly one recipe block, in order', () => {
    expect(recipes.map((r) => r.name)).toEqual(EXPECTED);
  });

  test('the option names are read from lib/types.ts', () => {
    // A broken parse would make every name "unknown" or every name "known": pin a few.
    for (const key of ['issuer', 'endpoints', 'clientId', 'clientSecret', 'baseURL', 'scope', 'authorizationParams', 'claims', 'organizationParam', 'routes', 'onSignIn']) {
      expect(KNOWN.top.has(key)).toBe(true);
    }
    expect(KNOWN.claims).toEqual(new Set(['sessionId', 'organizationId', 'role', 'roles', 'permissions', 'entitlements', 'featureFlags', 'impersonator']));
    expect(KNOWN.endpoints.has('authorization') && KNOWN.endpoints.has('userinfo')).toBe(true);
    expect(KNOWN.top.has('issuerUrl')).toBe(false);
  });

  test('the unknown-option check catches a renamed option', () => {
    expect(unknownKeys({ issuerUrl: 'https://x', claims: { orgId: 'org' }, endpoints: { tokenUrl: 'https://x' } })).toEqual([
      'issuerUrl',
      'claims.orgId',
      'endpoints.tokenUrl',
    ]);
    expect(unknownKeys({ issuer: 'https://x', claims: { organizationId: 'org_id' } })).toEqual([]);
  });

  test('a block that is not a single object literal is refused', () => {
    expect(() => evaluateRecipe("// recipe: x\n'just a string'")).toThrow(/one object literal/);
  });

  describe.each(recipes.map((r) => [r.name, r] as const))('%s', (_name, recipe) => {
    const options = evaluateRecipe(recipe.source);

    test('uses only option names that SessionKitOptions declares', () => {
      expect(unknownKeys(options)).toEqual([]);
    });

    test('holds no secret in code (the secret, key and cookie password come from SESSIONKIT_* variables)', () => {
      expect(options.clientSecret).toBeUndefined();
      expect(options.clientPrivateKey).toBeUndefined();
      expect((options.cookie as { password?: unknown } | undefined)?.password).toBeUndefined();
    });

    test('is accepted by resolveConfig', () => {
      const cfg = resolveConfig(options as SessionKitOptions, envFor(options));
      expect(cfg.clientId).toBe(options.clientId);
      if (options.issuer) expect(cfg.issuer).toBe(options.issuer);
      if (options.claims) expect(cfg.claims).toMatchObject(options.claims as Record<string, unknown>);
      if (options.organizationParam) expect(cfg.organizationParam).toBe(options.organizationParam);
      if (options.scope) expect(cfg.scope).toBe(options.scope);
      if (options.authorizationParams) expect(cfg.authorizationParams).toEqual(options.authorizationParams);
    });
  });
});
