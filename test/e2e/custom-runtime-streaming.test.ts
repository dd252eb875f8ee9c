/**
 * A custom runtime (`provided.al2023`) that streams through the HTTP Runtime API by hand, as AWS's
 * custom-runtime documentation describes it (docs/reference/response-streaming.md §5): a POST to
 * `response` with `Lambda-Runtime-Function-Response-Mode: streaming`, a chunked body, and the error
 * trailers. The bootstrap is a small Python script speaking raw HTTP, so nothing of Nimbus's own
 * runtimes is involved.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateFunctionCommand, InvokeCommand, InvokeWithResponseStreamCommand } from '@aws-sdk/client-lambda';
import { makeZip, payloadJson, ROLE, startTestNimbus } from '../helpers/nimbus.js';
import { SignalServer } from '../helpers/signal.js';
import { checkTool, failIfMissing, needs } from '../runtimes/helpers.js';

const missing = checkTool('/usr/bin/env', ['python3', '--version']);

const BOOTSTRAP = `#!/usr/bin/env python3
import base64, json, os, socket

HOST, PORT = os.environ["AWS_LAMBDA_RUNTIME_API"].rsplit(":", 1)
API = "/2018-06-01/runtime"

def connect():
    return socket.create_connection((HOST, int(PORT)))

def read_reply(s):
    f = s.makefile("rb")
    status = int(f.readline().split()[1])
    headers = {}
    while True:
        line = f.readline().decode().strip()
        if not line:
            break
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    body = f.read(int(headers.get("content-length", "0")))
    return status, headers, body

def stream(request_id, mode):
    s = connect()
    head = "POST %s/invocation/%s/response HTTP/1.1\\r\\nHost: runtime\\r\\n" % (API, request_id)
    head += "Lambda-Runtime-Function-Response-Mode: %s\\r\\n" % ("chunky" if mode == "badmode" else "streaming")
    head += "Content-Type: text/plain\\r\\nTransfer-Encoding: chunked\\r\\n"
    head += "Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\\r\\n\\r\\n"
    s.sendall(head.encode())
    def chunk(data):
        s.sendall(b"%x\\r\\n" % len(data) + data + b"\\r\\n")
    chunk(b"custom ")
    if mode == "wait":
        # Go on only when the test has seen the first chunk.
        signal = socket.create_connection(("127.0.0.1", int(os.environ["SIGNAL_PORT"])))
        signal.recv(1)
        signal.close()
    chunk(b"runtime")
    if mode == "fail":
        doc = json.dumps({"errorMessage": "stream broke", "errorType": "Custom.Failure", "stackTrace": []})
        s.sendall(b"0\\r\\nLambda-Runtime-Function-Error-Type: Custom.Failure\\r\\nLambda-Runtime-Function-Error-Body: "
                  + base64.b64encode(doc.encode()) + b"\\r\\n\\r\\n")
    else:
        s.sendall(b"0\\r\\n\\r\\n")
    status, _, body = read_reply(s)
    s.close()
    return "%d %s" % (status, body.decode())

# What the Runtime API answered the previous response POST, printed during the next invocation
# (output after a response is not that invocation's any more).
answered = "nothing yet"
while True:
    s = connect()
    s.sendall(("GET %s/invocation/next HTTP/1.1\\r\\nHost: runtime\\r\\n\\r\\n" % API).encode())
    _, headers, body = read_reply(s)
    s.close()
    print("previous response POST answered " + answered, flush=True)
    answered = stream(headers["lambda-runtime-aws-request-id"], json.loads(body or b"{}").get("mode"))
`;

test('a custom runtime streams through the HTTP Runtime API', needs(missing), async (t) => {
  failIfMissing(missing);
  const { lambda } = await startTestNimbus(t, { isolation: 'process' });
  const signal = await SignalServer.start(t);
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: 'custom',
      Runtime: 'provided.al2023',
      Handler: 'unused',
      Role: ROLE,
      Timeout: 30,
      Environment: { Variables: { SIGNAL_PORT: String(signal.port) } },
      Code: { ZipFile: await makeZip({ bootstrap: { content: BOOTSTRAP, mode: 0o100755 } }) },
    }),
  );
  const invoke = async (mode: string, onChunk?: () => void) => {
    const out = await lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: 'custom', Payload: Buffer.from(JSON.stringify({ mode })), LogType: 'Tail' }));
    let body = '';
    let complete: Record<string, unknown> = {};
    for await (const ev of out.EventStream!) {
      if (ev.PayloadChunk) {
        body += Buffer.from(ev.PayloadChunk.Payload ?? new Uint8Array()).toString();
        onChunk?.();
      } else if (ev.InvokeComplete) complete = { ...ev.InvokeComplete };
    }
    return { type: out.ResponseStreamContentType, body, complete, log: Buffer.from(String(complete['LogResult'] ?? ''), 'base64').toString() };
  };

  await t.test('chunks reach the client before the runtime finishes its POST (ordering)', async () => {
    let released = false;
    const r = await invoke('wait', () => {
      if (!released) {
        released = true;
        void signal.release();
      }
    });
    assert.equal(r.type, 'text/plain');
    assert.equal(r.body, 'custom runtime');
    assert.equal(r.complete['ErrorCode'], undefined);
    const next = await invoke('plain');
    assert.match(next.log, /previous response POST answered 202 \{"status":"OK"\}/);
  });

  await t.test('the error trailers become InvokeComplete ErrorCode and ErrorDetails', async () => {
    const r = await invoke('fail');
    assert.equal(r.body, 'custom runtime');
    assert.equal(r.complete['ErrorCode'], 'Custom.Failure');
    assert.deepEqual(JSON.parse(String(r.complete['ErrorDetails'])), { errorMessage: 'stream broke', errorType: 'Custom.Failure', stackTrace: [] });
  });

  await t.test('an unknown response mode is 400 InvalidFunctionResponseMode, and the invocation fails', async () => {
    const r = await invoke('badmode');
    assert.equal(r.complete['ErrorCode'], 'Runtime.InvalidResponseModeHeader');
    const next = await invoke('plain');
    assert.match(next.log, /previous response POST answered 400 \{"errorMessage":"Invalid function response mode","errorType":"InvalidFunctionResponseMode"\}/);
  });

  await t.test('a buffered Invoke of a streaming runtime gets the whole body, the error as Unhandled', async () => {
    const ok = await lambda.send(new InvokeCommand({ FunctionName: 'custom', Payload: Buffer.from('{}') }));
    assert.equal(Buffer.from(ok.Payload!).toString(), 'custom runtime');
    assert.equal(ok.FunctionError, undefined);
    const failed = await lambda.send(new InvokeCommand({ FunctionName: 'custom', Payload: Buffer.from('{"mode":"fail"}') }));
    assert.equal(failed.FunctionError, 'Unhandled');
    assert.deepEqual(payloadJson(failed.Payload), { errorMessage: 'stream broke', errorType: 'Custom.Failure', stackTrace: [] });
  });
});
