/**
 * A small Runtime API client: one keep-alive connection to AWS_LAMBDA_RUNTIME_API, as the
 * official client's pure-JS transport uses (http.Agent keepAlive, maxSockets 1). Inside a
 * network-isolated sandbox Nimbus passes a Unix socket instead (NIMBUS_RUNTIME_API_SOCKET).
 */
import http from 'node:http';

export interface NextInvocation {
  requestId: string;
  deadlineMs: number;
  invokedFunctionArn: string;
  traceId: string | undefined;
  clientContext: string | undefined;
  cognitoIdentity: string | undefined;
  body: Buffer;
}

export class RapidClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private readonly target: { host: string; port: number } | { socketPath: string };

  constructor(address: string, socketPath?: string) {
    const i = address.lastIndexOf(':');
    this.target = socketPath ? { socketPath } : { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
  }

  async next(): Promise<NextInvocation> {
    const { headers, body } = await this.request('GET', '/2018-06-01/runtime/invocation/next');
    const h = (name: string): string | undefined => {
      const v = headers[name];
      return typeof v === 'string' && v ? v : undefined;
    };
    const requestId = h('lambda-runtime-aws-request-id');
    if (!requestId) throw new Error('Runtime API sent an invocation without Lambda-Runtime-Aws-Request-Id');
    return {
      requestId,
      deadlineMs: Number(h('lambda-runtime-deadline-ms') ?? 0),
      invokedFunctionArn: h('lambda-runtime-invoked-function-arn') ?? '',
      traceId: h('lambda-runtime-trace-id'),
      clientContext: h('lambda-runtime-client-context'),
      cognitoIdentity: h('lambda-runtime-cognito-identity'),
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

  private request(
    method: string,
    path: string,
    body?: string,
    errorType?: string,
  ): Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = {};
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(body);
      }
      if (errorType) headers['lambda-runtime-function-error-type'] = errorType;
      const req = http.request({ ...this.target, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 300 && status !== 413) reject(new Error(`Runtime API answered ${status} to ${method} ${path}`));
          else resolve({ headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}
