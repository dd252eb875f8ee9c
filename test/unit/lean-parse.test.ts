/**
 * The lean front end's head parser (src/api/http/lean-parse.ts): it accepts its narrow subset and
 * declines everything else, complete or not, so that node:http answers it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DECLINE, MAX_BODY, parseHead, PARTIAL } from '../../src/api/http/lean-parse.js';

const INV = '/2015-03-31/functions/f/invocations';
const head = (lines: string[], target = INV, version = 'HTTP/1.1'): Buffer => Buffer.from(`POST ${target} ${version}\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`, 'latin1');
const ok = ['Host: 127.0.0.1', 'Content-Length: 7'];

test('a plain Invoke head is parsed as IncomingMessage would hold it', () => {
  const h = parseHead(head(['Host: 127.0.0.1', 'X-Amz-Log-Type:   Tail \t', 'Content-Length: 7', 'Connection: close'], `${INV}?Qualifier=%24LATEST`));
  assert.ok(typeof h === 'object');
  assert.equal(h.url, `${INV}?Qualifier=%24LATEST`);
  assert.equal(h.headers['x-amz-log-type'], 'Tail');
  assert.deepEqual(h.rawHeaders, ['Host', '127.0.0.1', 'X-Amz-Log-Type', 'Tail', 'Content-Length', '7', 'Connection', 'close']);
  assert.equal(h.contentLength, 7);
  assert.equal(h.close, true);
  assert.equal(Object.getPrototypeOf(h.headers), null);
});

test('an incomplete head waits, unless what came already is outside the subset', () => {
  const full = head(ok);
  for (let n = 1; n < full.length; n++) assert.equal(parseHead(full.subarray(0, n)), PARTIAL, `${n} bytes`);
  assert.equal(parseHead(Buffer.from(`POST ${INV} HTTP/1.1\nHost: a`)), DECLINE, 'bare LF');
  assert.equal(parseHead(Buffer.from(`POST ${INV} HTTP/1.1\r\nHo st: a\r\n`)), DECLINE, 'a bad name in a complete line');
  assert.equal(parseHead(Buffer.from(`POST ${INV} HTTP/1.1\r\nX: a\x00`)), DECLINE, 'NUL');
  assert.equal(parseHead(Buffer.from(`GET ${INV} HTTP/1.1\r\n`)), DECLINE, 'another method');
  assert.equal(parseHead(Buffer.from(`POST ${INV} HTTP/1.1\r\nX: ${'a'.repeat(9000)}`)), DECLINE, 'a head past the limit');
});

test('everything outside the subset is declined', () => {
  const declined: [string, Buffer][] = [
    ['HTTP/1.0', head(ok, INV, 'HTTP/1.0')],
    ['HTTP/2 preface', Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')],
    ['absolute-form target', head(ok, `http://evil${INV}`)],
    ['a fragment', head(ok, `${INV}#x`)],
    ['non-ASCII target', head(ok, `${INV}\xe9`)],
    ['no Host', head(['Content-Length: 7'])],
    ['empty Host', head(['Host:', 'Content-Length: 7'])],
    ['two Hosts', head(['Host: a', 'Host: b', 'Content-Length: 7'])],
    ['no Content-Length', head(['Host: a'])],
    ['two Content-Lengths', head([...ok, 'Content-Length: 7'])],
    ['Content-Length with a sign', head(['Host: a', 'Content-Length: +7'])],
    ['Content-Length list', head(['Host: a', 'Content-Length: 7, 7'])],
    ['Content-Length past 6 MB', head(['Host: a', `Content-Length: ${MAX_BODY + 1}`])],
    ['Transfer-Encoding', head([...ok, 'Transfer-Encoding: chunked'])],
    ['transfer-encoding in lower case', head([...ok, 'transfer-encoding: identity'])],
    ['Expect', head([...ok, 'Expect: 100-continue'])],
    ['Upgrade', head([...ok, 'Upgrade: websocket'])],
    ['Connection: upgrade', head([...ok, 'Connection: upgrade'])],
    ['Connection list', head([...ok, 'Connection: keep-alive, close'])],
    ['obs-fold', head([...ok, 'X-A: a', ' b'])],
    ['space before the colon', head([...ok, 'X-A : b'])],
    ['duplicate header', head([...ok, 'X-A: 1', 'x-a: 2'])],
    ['obs-text in a value', head([...ok, 'X-A: caf\xe9'])],
    ['DEL in a value', head([...ok, 'X-A: a\x7fb'])],
    ['bare CR in a value', head([...ok, 'X-A: a\rb'])],
    ['too many headers', head([...ok, ...Array.from({ length: 70 }, (_, i) => `X-${i}: v`)])],
  ];
  for (const [name, buf] of declined) assert.equal(parseHead(buf), DECLINE, name);
  assert.ok(typeof parseHead(head([...ok, 'Connection: Keep-Alive'])) === 'object', 'keep-alive in any case is accepted');
  assert.ok(typeof parseHead(head(['Host: a', `Content-Length: ${MAX_BODY}`])) === 'object', 'exactly 6 MB is accepted');
});
