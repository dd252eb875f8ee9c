/**
 * The CLI's HTTP client for Nimbus: Lambda's REST API and /nimbus/v1, over fetch, every request
 * SigV4-signed (service `lambda`) with the access key from NIMBUS_ACCESS_KEY_ID and
 * NIMBUS_SECRET_ACCESS_KEY, else AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and
 * AWS_SESSION_TOKEN), else a placeholder key that a local-development Nimbus accepts (docs/auth.md).
 */
import { signHeaders, type SigningCredentials } from '../auth/sigv4-sign.js';

/** The credentials the CLI signs with (see the file comment). */
export function cliCredentials(env: NodeJS.ProcessEnv = process.env): SigningCredentials {
  if (env['NIMBUS_ACCESS_KEY_ID'] && env['NIMBUS_SECRET_ACCESS_KEY']) {
    return { accessKeyId: env['NIMBUS_ACCESS_KEY_ID'], secretAccessKey: env['NIMBUS_SECRET_ACCESS_KEY'] };
  }
  if (env['AWS_ACCESS_KEY_ID'] && env['AWS_SECRET_ACCESS_KEY']) {
    return { accessKeyId: env['AWS_ACCESS_KEY_ID'], secretAccessKey: env['AWS_SECRET_ACCESS_KEY'], sessionToken: env['AWS_SESSION_TOKEN'] || undefined };
  }
  return { accessKeyId: 'nimbus-local', secretAccessKey: 'nimbus-local' };
}

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
    private readonly credentials: SigningCredentials = cliCredentials(),
  ) {}

  async request(method: string, path: string, body?: Buffer | string | object, headers: Record<string, string> = {}): Promise<ApiResponse> {
    const h: Record<string, string> = { ...headers };
    let payload: Buffer | string | undefined;
    if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) payload = body;
    else {
      payload = JSON.stringify(body);
      h['content-type'] = 'application/json';
    }
    const url = new URL(this.endpoint.replace(/\/$/, '') + path);
    Object.assign(h, signHeaders({ method, host: url.host, target: url.pathname + url.search, headers: h, body: payload, region: this.region, service: 'lambda', credentials: this.credentials }));
    let res: Response;
    try {
      res = await fetch(url, { method, headers: h, body: payload });
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
