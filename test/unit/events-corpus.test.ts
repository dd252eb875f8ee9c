/**
 * A checklist of EventBridge patterns whose outcome was recorded against AWS's own
 * `TestEventPattern`: the cases of LocalStack's AWS-validated suite
 * (github.com/localstack/localstack, tests/aws/services/events/event_pattern_templates, with the
 * refusal messages of test_events_patterns.snapshot.json), most built from the EventBridge user
 * guide's examples. The rows are in test/fixtures/events/eventbridge-recorded-cases.json: a
 * pattern with an event and whether it matches, or a pattern with AWS's reason for refusing it.
 * Event envelope fields the pattern does not name are left out.
 *
 * Left out: `content_wildcard_complex_EXC` (`*:*:*:*:*:event-bus/*` is "Rule is too complex"), as
 * AWS does not publish the complexity threshold and Nimbus does not enforce one.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseJsonValue } from '../../src/events/json.js';
import { compileEventPattern, matchesEventPattern } from '../../src/events/pattern.js';

interface Row {
  readonly case: string;
  readonly pattern: unknown;
  readonly event?: unknown;
  readonly matches?: boolean;
  readonly refused?: string;
}

const ROWS = JSON.parse(readFileSync(new URL('../../../test/fixtures/events/eventbridge-recorded-cases.json', import.meta.url), 'utf8')) as Row[];

for (const row of ROWS) {
  test(`AWS-recorded TestEventPattern case: ${row.case}`, () => {
    const compiled = compileEventPattern(JSON.stringify(row.pattern));
    if (row.refused !== undefined) {
      assert.equal(compiled.ok, false, 'AWS refuses this pattern');
      if (!compiled.ok) assert.equal(compiled.error.message, `Event pattern is not valid. Reason: ${row.refused}`);
      return;
    }
    assert.ok(compiled.ok, compiled.ok ? '' : compiled.error.message);
    // Through JSON text, as PutEvents delivers it, so numbers keep their source form.
    assert.equal(matchesEventPattern(compiled.pattern, parseJsonValue(JSON.stringify(row.event))), row.matches);
  });
}

test('the checklist has its matches, non-matches and refusals', () => {
  const count = (f: (r: Row) => boolean): number => ROWS.filter(f).length;
  assert.deepEqual(
    { match: count((r) => r.matches === true), noMatch: count((r) => r.matches === false), refused: count((r) => r.refused !== undefined) },
    { match: 66, noMatch: 51, refused: 37 },
  );
});
