/**
 * The README's `sessionkit/testing` example is the code of readme-example.test.ts (which runs it
 * against the built package): once the README carries it, the two must stay the same.
 */
import { expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';

const example = readFileSync(new URL('./readme-example.test.ts', import.meta.url), 'utf8');
const code = /\/\/ README example start\n([\s\S]*?)\/\/ README example end/.exec(example)![1];

test('the README example (when the README has it) is the code that readme-example.test.ts runs', () => {
  expect(code).toContain("from 'sessionkit/testing'");
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]).find((b) => b.includes("from 'sessionkit/testing'") && b.includes('provider.signIn(app'));
  if (block !== undefined) expect(block).toBe(code);
});
