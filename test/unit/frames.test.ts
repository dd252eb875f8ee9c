import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeFrame, FrameReader, FrameType, isFrameStart } from '../../src/sandbox/frames.js';

type Seen = { type: number; head: string; body: string | null };

function reader(maxBody = 1024): { r: FrameReader; seen: Seen[] } {
  const seen: Seen[] = [];
  const r = new FrameReader(
    () => maxBody,
    (type, head, body) => seen.push({ type, head, body: body === null ? null : body.toString('utf8') }),
  );
  return { r, seen };
}

test('a frame is a 9-byte prefix, the head and the body', () => {
  const f = encodeFrame(FrameType.Response, 'req-1', Buffer.from('{"ok":true}'));
  assert.equal(f[0], 0x02);
  assert.equal(f.readUInt32BE(1), 5);
  assert.equal(f.readUInt32BE(5), 11);
  assert.equal(f.toString('utf8', 9), 'req-1{"ok":true}');
  assert.equal(encodeFrame(FrameType.Next, '').length, 9);
});

test('frames come out whole however the stream is cut', () => {
  const stream = Buffer.concat([
    encodeFrame(FrameType.Next, ''),
    encodeFrame(FrameType.Response, 'a-é', Buffer.from('body one')),
    encodeFrame(FrameType.Error, 'b\nHandled', Buffer.from('{"errorType":"x"}')),
  ]);
  for (let cut = 1; cut <= stream.length; cut++) {
    const { r, seen } = reader();
    for (let i = 0; i < stream.length; i += cut) r.push(stream.subarray(i, i + cut));
    assert.deepEqual(
      seen,
      [
        { type: FrameType.Next, head: '', body: '' },
        { type: FrameType.Response, head: 'a-é', body: 'body one' },
        { type: FrameType.Error, head: 'b\nHandled', body: '{"errorType":"x"}' },
      ],
      `chunks of ${cut} bytes`,
    );
  }
});

test('a body over the limit is skipped, reported as null, and the next frame still parses', () => {
  const big = Buffer.alloc(5000, 0x61);
  const stream = Buffer.concat([encodeFrame(FrameType.Response, 'big', big), encodeFrame(FrameType.Response, 'small', Buffer.from('ok'))]);
  for (const cut of [1, 7, 1000, stream.length]) {
    const { r, seen } = reader(1024);
    for (let i = 0; i < stream.length; i += cut) r.push(stream.subarray(i, i + cut));
    assert.deepEqual(seen, [
      { type: FrameType.Response, head: 'big', body: null },
      { type: FrameType.Response, head: 'small', body: 'ok' },
    ]);
  }
});

test('an HTTP request line is not a frame, and a broken stream throws', () => {
  assert.equal(isFrameStart('G'.charCodeAt(0)), false);
  assert.equal(isFrameStart('P'.charCodeAt(0)), false);
  assert.equal(isFrameStart(FrameType.Next), true);
  const { r } = reader();
  assert.throws(() => r.push(Buffer.from('GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n\r\n')), /unknown frame type/);
  const huge = Buffer.alloc(9);
  huge[0] = FrameType.Response;
  huge.writeUInt32BE(1 << 30, 1);
  assert.throws(() => reader().r.push(huge), /frame head/);
});

test('a streamed response is StreamStart, StreamChunk frames and StreamEnd, below 0x20 like every type', () => {
  const stream = Buffer.concat([
    encodeFrame(FrameType.StreamStart, 'req-1\ntext/plain'),
    encodeFrame(FrameType.StreamChunk, '', Buffer.from('part one')),
    encodeFrame(FrameType.StreamChunk, '', Buffer.from('part two')),
    encodeFrame(FrameType.StreamEnd, 'req-1\nTypeError', Buffer.from('{"errorType":"TypeError"}')),
  ]);
  const { r, seen } = reader();
  for (let i = 0; i < stream.length; i += 5) r.push(stream.subarray(i, i + 5));
  assert.deepEqual(
    seen.map((f) => f.type),
    [FrameType.StreamStart, FrameType.StreamChunk, FrameType.StreamChunk, FrameType.StreamEnd],
  );
  assert.equal(seen[0]!.head, 'req-1\ntext/plain');
  assert.equal(seen[3]!.body, '{"errorType":"TypeError"}');
  for (const t of [FrameType.StreamStart, FrameType.StreamChunk, FrameType.StreamEnd]) assert.ok(isFrameStart(t));
});
