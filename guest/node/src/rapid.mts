/**
 * A small Runtime API client over one persistent connection to AWS_LAMBDA_RUNTIME_API (or, in a
 * network-isolated sandbox, the Unix socket Nimbus passes in NIMBUS_RUNTIME_API_SOCKET).
 *
 * It speaks just enough HTTP/1.1 for the Runtime API instead of using node:http: a profile of
 * the warm path showed http.ClientRequest's machinery and its two writes per request (headers,
 * then body) as the largest cost inside the sandbox. Here a request is one write, and a response
 * is parsed from its Content-Length. Requests are strictly sequential (next, then response or
 * error, then next), as the Runtime API's state machine requires anyway.
 */
import net from 'node:net';

export interface NextInvocation {
  requestId: string;
  deadlineMs: number;
  invokedFunctionArn: string;
  traceId: string | undefined;
  clientContext: string | undefined;
  cognitoIdentity: string | undefined;
  body: Buffer;
}

interface Response {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
}

const HEADER_END = Buffer.from('\r\n\r\n');

export class RapidClient {
  private socket: net.Socket | null = null;
  private buffered: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (r: Response) => void; reject: (e: Error) => void } | null = null;
  private readonly target: net.NetConnectOpts;
  private readonly host: string;

  constructor(address: string, socketPath?: string) {
    const i = address.lastIndexOf(':');
    this.host = address;
    this.target = socketPath ? { path: socketPath } : { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
  }

  async next(): Promise<NextInvocation> {
    const { headers, body } = await this.request('GET', '/2018-06-01/runtime/invocation/next');
    const requestId = headers.get('lambda-runtime-aws-request-id');
    if (!requestId) throw new Error('Runtime API sent an invocation without Lambda-Runtime-Aws-Request-Id');
    return {
      requestId,
      deadlineMs: Number(headers.get('lambda-runtime-deadline-ms') ?? 0),
      invokedFunctionArn: headers.get('lambda-runtime-invoked-function-arn') ?? '',
      traceId: headers.get('lambda-runtime-trace-id') || undefined,
      clientContext: headers.get('lambda-runtime-client-context') || undefined,
      cognitoIdentity: headers.get('lambda-runtime-cognito-identity') || undefined,
      body,
    };
  }

  async respond(requestId: string, body: string): Promise<void> {
    await this.request('POST', `/2018-06-01/runtime/invocation/${encodeURIComponent(requestId)}/response`, body);
  }

  async error(requestId: string, body: string, errorType: string): Promise<void> {
    await this.request('POST', `/2018-06-01/runtime/invocation/${encodeURIComponent(requestId)}/error`, body, errorType);
  }

  async initError(body: string, errorType: string): Promise<void> {
    await this.request('POST', '/2018-06-01/runtime/init/error', body, errorType);
  }

  private async request(method: string, path: string, body?: string, errorType?: string): Promise<Response> {
    const socket = this.socket ?? (await this.connect());
    let head = `${method} ${path} HTTP/1.1\r\nHost: ${this.host}\r\n`;
    const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
    if (payload) head += `Content-Type: application/json\r\nContent-Length: ${payload.length}\r\n`;
    if (errorType) head += `Lambda-Runtime-Function-Error-Type: ${errorType.replace(/[\r\n]/g, ' ')}\r\n`;
    head += '\r\n';
    // Referenced only while a request is out: between requests the handler runs, and an idle
    // Runtime API connection must not keep the event loop alive (callbackWaitsForEmptyEventLoop
    // waits for 'beforeExit').
    socket.ref();
    const res = await new Promise<Response>((resolve, reject) => {
      this.waiting = { resolve, reject };
      socket.write(payload ? Buffer.concat([Buffer.from(head, 'latin1'), payload]) : head);
    }).finally(() => socket.unref());
    // 413 is an answer the caller acts on (the host reports Function.ResponseSizeTooLarge).
    if (res.status >= 300 && res.status !== 413) throw new Error(`Runtime API answered ${res.status} to ${method} ${path}`);
    return res;
  }

  private connect(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.target, () => {
        socket.setNoDelay(true);
        this.socket = socket;
        resolve(socket);
      });
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      const fail = (e: Error): void => {
        this.socket = null;
        const w = this.waiting;
        this.waiting = null;
        w?.reject(e);
        reject(e);
      };
      socket.on('error', fail);
      socket.on('close', () => fail(new Error('Runtime API connection closed')));
    });
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const end = this.buffered.indexOf(HEADER_END);
    if (end < 0 || !this.waiting) return;
    const lines = this.buffered.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(lines[0]?.split(' ')[1] ?? 0);
    const headers = new Map<string, string>();
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    // Nimbus's Runtime API always sends Content-Length (never chunked encoding).
    const length = Number(headers.get('content-length') ?? 0);
    const total = end + HEADER_END.length + length;
    if (this.buffered.length < total) return;
    const body = Buffer.from(this.buffered.subarray(end + HEADER_END.length, total));
    this.buffered = this.buffered.subarray(total);
    const w = this.waiting;
    this.waiting = null;
    w.resolve({ status, headers, body });
  }
}
