/** The wire shape of a function URL config (docs/reference/lambda-api.md §1.4) and the URL itself. */
import { functionArn } from '../../core/names.js';
import type { UrlConfigRecord } from '../../store/records.js';
import { lambdaTimestamp } from '../http/wire-format.js';

/** `http://<url-id>.lambda-url.<region>.localhost:<port>/`: AWS's shape with a local host. */
export function functionUrl(u: Pick<UrlConfigRecord, 'urlId' | 'region'>, port: number): string {
  return `http://${u.urlId}.lambda-url.${u.region}.localhost:${port}/`;
}

/** MODEL `GetFunctionUrlConfigResponse`; Create's answer has no LastModifiedTime. */
export function urlConfiguration(u: UrlConfigRecord, port: number, opts: { created?: boolean } = {}): Record<string, unknown> {
  const c: Record<string, unknown> = {
    FunctionUrl: functionUrl(u, port),
    FunctionArn: functionArn(u, u.functionName, u.qualifier || undefined),
    AuthType: u.authType,
  };
  if (u.cors) c['Cors'] = u.cors;
  c['CreationTime'] = lambdaTimestamp(u.createdAt);
  if (!opts.created) c['LastModifiedTime'] = lambdaTimestamp(u.modifiedAt);
  c['InvokeMode'] = u.invokeMode;
  return c;
}
