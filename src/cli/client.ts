/**
 * The CLI's HTTP client for Nimbus: Lambda's REST API and /nimbus/v1, over fetch. It sends a
 * SigV4-shaped Authorization header only so that Nimbus knows the region; Nimbus does not check
 * signatures yet.
 */

export class CliError extends Error {}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

export class NimbusClient {
  constructor(
    readonly endpoint: string,
    readonly region: string,
  ) {}

  async request(method: string, path: string, body?: Buffer | string | object, headers: Record<string, string> = {}): Promise<ApiResponse> {
    const date = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    const h: Record<string, string> = {
      authorization: `AWS4-HMAC-SHA256 Credential=nimbus-cli/${date}/${this.region}/lambda/aws4_request, SignedHeaders=host, Signature=0`,
      ...headers,
    };
    let payload: Buffer | string | undefined;
    if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) payload = body;
    else {
      payload = JSON.stringify(body);
      h['content-type'] = 'application/json';
    }
    let res: Response;
    try {
      res = await fetch(this.endpoint.replace(/\/$/, '') + path, { method, headers: h, body: payload });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
      throw new CliError(`cannot reach Nimbus at ${this.endpoint} (${cause}). Is \`nimbus serve\` running? Set --endpoint or NIMBUS_ENDPOINT.`);
    }
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  }

  /** Like `request`, but throws a CliError with Lambda's error type and message on 4xx/5xx. */
  async call(method: string, path: string, body?: Buffer | string | object, headers?: Record<string, string>): Promise<ApiResponse> {
    const r = await this.request(method, path, body, headers);
    if (r.status >= 400) throw apiError(r);
    return r;
  }

  async json<T = Record<string, unknown>>(method: string, path: string, body?: object): Promise<T> {
    const r = await this.call(method, path, body);
    return (r.body.length ? JSON.parse(r.body.toString('utf8')) : {}) as T;
  }
}

export function apiError(r: ApiResponse): CliError {
  const type = r.headers.get('x-amzn-errortype') ?? `HTTP ${r.status}`;
  let message = r.body.toString('utf8');
  try {
    const j = JSON.parse(message) as { message?: string; Message?: string };
    message = j.message ?? j.Message ?? message;
  } catch {
    // Not JSON: show the text as it came.
  }
  return new CliError(`${type}: ${message}`);
}

export const fnPath = (name: string): string => `/2015-03-31/functions/${encodeURIComponent(name)}`;
