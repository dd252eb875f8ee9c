/** Shared helpers for the event-pattern tests: compile a pattern (failing loudly) and match JSON text. */
import assert from 'node:assert/strict';
import { parseJsonValue } from '../../src/events/json.js';
import { compileEventPattern, matchesEventPattern, type EventPattern } from '../../src/events/pattern.js';

export function compile(pattern: unknown): EventPattern {
  const r = compileEventPattern(typeof pattern === 'string' ? pattern : JSON.stringify(pattern));
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.pattern;
}

/** `event` may be JSON text, to keep a number's written form (3.0e2, 20-digit ids). */
export function matches(pattern: unknown, event: unknown): boolean {
  return matchesEventPattern(compile(pattern), parseJsonValue(typeof event === 'string' ? event : JSON.stringify(event)));
}

/** The reason of the refusal, without EventBridge's "Event pattern is not valid. Reason: " prefix. */
export function refusal(pattern: unknown): string {
  const r = compileEventPattern(typeof pattern === 'string' ? pattern : JSON.stringify(pattern));
  assert.ok(!r.ok, `expected ${typeof pattern === 'string' ? pattern : JSON.stringify(pattern)} to be refused`);
  assert.equal(r.error.code, 'InvalidEventPatternException');
  const prefix = 'Event pattern is not valid. Reason: ';
  assert.ok(r.error.message.startsWith(prefix), r.error.message);
  return r.error.message.slice(prefix.length);
}
