/**
 * The parts of EventBridge matching the user guide leaves to its engine, event-ruler (README
 * sections "JSON Array Matching", "Compiled rules and JSON keys with dots", numeric matching), and
 * the edges of every operator: null versus missing, values of the wrong type, numeric precision
 * and ranges, and case handling.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matches } from '../helpers/event-pattern.js';

const employees = {
  employees: [
    { firstName: 'John', lastName: 'Doe' },
    { firstName: 'Anna', lastName: 'Smith' },
    { firstName: 'Peter', lastName: 'Jones' },
  ],
};

test('ER arrays of objects: fields of one element combine, fields of different elements do not', () => {
  assert.equal(matches({ employees: { firstName: ['Anna'] } }, employees), true);
  assert.equal(matches({ employees: { firstName: ['Anna'], lastName: ['Smith'] } }, employees), true);
  assert.equal(matches({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }, employees), false);
  const nested = { employees: [[employees.employees[0], employees.employees[1]], [employees.employees[2]]] };
  assert.equal(matches({ employees: { firstName: ['Anna'] } }, nested), true, 'multi-level arrays');
  assert.equal(matches({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }, nested), false);
  // Different arrays do not constrain each other.
  assert.equal(matches({ a: { x: [1] }, b: { y: [2] } }, { a: [{ x: 0 }, { x: 1 }], b: [{ y: 2 }] }), true);
});

test('ER dotted keys: {"a": {"b": ..}} and {"a.b": ..} name the same field, in patterns and events', () => {
  assert.equal(matches({ detail: { state: { status: ['running'] } } }, { detail: { 'state.status': 'running' } }), true);
  assert.equal(matches({ detail: { 'state.status': ['running'] } }, { detail: { state: { status: 'running' } } }), true);
  assert.equal(matches({ detail: { 'state.status': { status: ['running'] } } }, { detail: { state: { status: 'running' } } }), false);
  assert.equal(matches({ 'a.b': [{ exists: false }] }, { a: { b: 1 } }), false);
});

test('missing fields match only exists:false; null is a value of its own', () => {
  const operators: [string, unknown, boolean][] = [
    ['exact string', 'x', false],
    ['exact null', null, true],
    ['prefix', { prefix: '' }, false],
    ['suffix', { suffix: '' }, false],
    ['equals-ignore-case', { 'equals-ignore-case': 'x' }, false],
    ['wildcard', { wildcard: '*' }, false],
    ['numeric', { numeric: ['>', 0] }, false],
    ['cidr', { cidr: '10.0.0.0/8' }, false],
    ['exists true', { exists: true }, true],
    ['exists false', { exists: false }, false],
    ['anything-but string', { 'anything-but': 'x' }, true],
    ['anything-but number', { 'anything-but': 1 }, true],
    ['anything-but prefix', { 'anything-but': { prefix: 'x' } }, true],
    ['anything-but suffix', { 'anything-but': { suffix: 'x' } }, true],
    ['anything-but ignore-case', { 'anything-but': { 'equals-ignore-case': 'x' } }, true],
    ['anything-but wildcard', { 'anything-but': { wildcard: 'x*' } }, true],
  ];
  for (const [name, m, onNull] of operators) {
    const p = { f: [m] };
    assert.equal(matches(p, {}), name === 'exists false', `${name} on a missing field`);
    assert.equal(matches(p, { f: null }), onNull, `${name} on null`);
    assert.equal(matches(p, { f: { g: 1 } }), name === 'exists false', `${name} on an object`);
  }
});

test('anything-but lets through values of the other type, booleans and null (AWS-recorded)', () => {
  assert.equal(matches({ f: [{ 'anything-but': ['a', 'b'] }] }, { f: 7 }), true);
  assert.equal(matches({ f: [{ 'anything-but': [1, 2] }] }, { f: '1' }), true);
  assert.equal(matches({ f: [{ 'anything-but': { prefix: 'init' } }] }, { f: 12 }), true);
  assert.equal(matches({ f: [{ 'anything-but': 'true' }] }, { f: true }), true);
  assert.equal(matches({ f: [{ 'anything-but': { wildcard: '*' } }] }, { f: 'anything' }), false);
  assert.equal(matches({ f: [{ 'anything-but': { wildcard: '' } }] }, { f: 'x' }), true);
});

test('exact numbers compare by value when a double holds them exactly', () => {
  // The guide says 300, 300.0 and 3.0e2 differ, but AWS's engine (event-ruler, since its first
  // public release) adds a numeric-equality matcher for every pattern number; Nimbus follows the engine.
  for (const text of ['300', '300.0', '3.0e2', '3e+2', '300.000']) assert.equal(matches({ n: [300] }, `{"n": ${text}}`), true, text);
  assert.equal(matches({ n: [300] }, '{"n": 300.0000001}'), false);
  assert.equal(matches({ n: [0] }, '{"n": -0.0}'), true);
  assert.equal(matches({ n: [0.1] }, '{"n": 0.10}'), true);
});

test('numbers no double holds exactly only match their own text (20-digit ids)', () => {
  const p = '{"id": [12345678901234567890]}';
  assert.equal(matches(p, '{"id": 12345678901234567890}'), true);
  assert.equal(matches(p, '{"id": 12345678901234567891}'), false, 'same nearest double, different number');
  assert.equal(matches(p, '{"id": 1.2345678901234567e19}'), false);
  assert.equal(matches({ id: [{ numeric: ['>', 0] }] }, '{"id": 12345678901234567890}'), false, 'no numeric comparison');
  assert.equal(matches({ id: [{ 'anything-but': [1] }] }, '{"id": 12345678901234567890}'), true);
});

test('numeric: open and closed bounds, negatives, exponents, extremes, and only JSON numbers', () => {
  const cases: [unknown[], string, boolean][] = [
    [['>', 0], '0', false],
    [['>=', 0], '0', true],
    [['<', 10], '10', false],
    [['<=', 10], '10', true],
    [['>', 0, '<', 1], '0.5', true],
    [['>=', 0, '<=', 1], '1', true],
    [['>', 0, '<', 1], '1', false],
    [['<', 0], '-1e3', true],
    [['=', -0.5], '-5e-1', true],
    [['>', 1e300], '1e308', true],
    [['<', -1e300], '-1.7976931348623157e308', true],
    [['=', 0.3], '0.30000000000000004', false],
    [['>=', 0.1, '<', 0.2], '0.1', true],
    [['>', 5], '"6"', false],
    [['>', 5], 'null', false],
    [['>', 5], 'true', false],
    [['>', 5], '[1, 9]', true],
  ];
  for (const [range, value, want] of cases) {
    assert.equal(matches({ n: [{ numeric: range }] }, `{"n": ${value}}`), want, `${JSON.stringify(range)} on ${value}`);
  }
});

test('several numeric ranges for one field are alternatives', () => {
  const p = { n: [{ numeric: ['<', 0] }, { numeric: ['>', 100] }] };
  assert.equal(matches(p, { n: -1 }), true);
  assert.equal(matches(p, { n: 50 }), false);
  assert.equal(matches(p, { n: 101 }), true);
});

test('case: exact and prefix/suffix are case-sensitive; equals-ignore-case variants are not', () => {
  assert.equal(matches({ s: ['Alice'] }, { s: 'alice' }), false);
  assert.equal(matches({ s: [{ prefix: 'Ev' }] }, { s: 'eventbridge' }), false);
  assert.equal(matches({ s: [{ suffix: 'GE' }] }, { s: 'eventbridge' }), false);
  assert.equal(matches({ s: [{ prefix: { 'equals-ignore-case': 'ÉV' } }] }, { s: 'év-1' }), true);
  assert.equal(matches({ s: [{ suffix: { 'equals-ignore-case': 'TBRIDGE' } }] }, { s: 'EventBridge' }), true);
  assert.equal(matches({ s: [{ 'equals-ignore-case': 'ǅ' }] }, { s: 'ǆ' }), true, 'title-case letters');
  assert.equal(matches({ s: [{ 'equals-ignore-case': 'k' }] }, { s: '\u212A' }), false, 'the Kelvin sign is not the upper case of k');
});

test('a pattern mixing operators for one field matches when any one does', () => {
  const p = { s: ['exact', { prefix: 'pre-' }, { numeric: ['>', 10] }, null] };
  for (const [v, want] of [['"exact"', true], ['"pre-x"', true], ['11', true], ['null', true], ['"other"', false], ['5', false]] as const) {
    assert.equal(matches(p, `{"s": ${v}}`), want, v);
  }
  const or = { homemade: { S: [{ 'anything-but': ['roses'] }, { exists: false }] } };
  assert.equal(matches(or, { homemade: { N: '789' } }), true, 'absent');
  assert.equal(matches(or, { homemade: { S: 'tulips' } }), true);
  assert.equal(matches(or, { homemade: { S: 'roses' } }), false);
});

test('strings are compared exactly: whitespace, emoji and escapes', () => {
  assert.equal(matches({ s: ['a 🚀 b '] }, { s: 'a 🚀 b ' }), true);
  assert.equal(matches({ s: ['a 🚀 b '] }, { s: 'a 🚀 b' }), false);
  assert.equal(matches('{"s": ["\\u00e9"]}', { s: 'é' }), true);
  assert.equal(matches({ s: ['*'] }, { s: '*' }), true, 'a star outside wildcard is literal');
});

test('fields the pattern does not name are ignored, however deep', () => {
  const p = { source: ['a'] };
  assert.equal(matches(p, { source: 'a', detail: { x: [1, { y: null }] }, resources: [] }), true);
});
