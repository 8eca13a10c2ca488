/** The token endpoint's circuit, on a clock the test turns. */
import { describe, expect, test } from '@jest/globals';
import { Circuit } from '../../lib/core/circuit.js';

function circuit() {
  let t = 0;
  const c = new Circuit({ baseDelay: 1000, maxDelay: 8000, now: () => t });
  return { c, advance: (ms: number) => (t += ms) };
}

describe('Circuit', () => {
  test('two failures leave it closed: the very next attempt goes', () => {
    const { c } = circuit();
    c.failed(c.allow() as 'closed');
    c.failed(c.allow() as 'closed');
    expect(c.allow()).toBe('closed');
  });

  test('the third consecutive failure opens it; after the cool-down exactly one probe goes', () => {
    const { c, advance } = circuit();
    for (let i = 0; i < 3; i++) c.failed(c.allow() as 'closed');
    expect(c.allow()).toBe(false);
    expect(c.isOpen).toBe(true);
    advance(1300); // 1 s ± 20 %
    expect(c.allow()).toBe('probe');
    expect(c.allow()).toBe(false); // one probe at a time
  });

  test('a failed probe doubles the rest, up to the maximum; a success closes it', () => {
    const { c, advance } = circuit();
    for (let i = 0; i < 3; i++) c.failed('closed');
    let rest = 1000;
    for (let i = 0; i < 5; i++) {
      advance(rest * 1.2 + 1);
      expect(c.allow()).toBe('probe');
      c.failed('probe');
      rest = Math.min(8000, rest * 2);
      advance(rest * 0.8 - 10);
      expect(c.allow()).toBe(false);
    }
    advance(8000 * 1.2);
    expect(c.allow()).toBe('probe');
    c.succeeded();
    expect(c.isOpen).toBe(false);
    expect(c.allow()).toBe('closed');
  });

  test('attempts that set out while closed and fail after it opened do not lengthen the rest', () => {
    const { c, advance } = circuit();
    const gates = Array.from({ length: 10 }, () => c.allow() as 'closed'); // ten at once, all while closed
    for (const gate of gates) c.failed(gate);
    advance(1201);
    expect(c.allow()).toBe('probe');
  });
});
