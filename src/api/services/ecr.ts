/** ECR's API subset on Nimbus's endpoint (src/registry/ecr.ts): JSON 1.1, `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.*`, signed for `ecr`. */
import { ECR_TARGET_PREFIX, ecrErrorResponse, type EcrApi } from '../../registry/ecr.js';
import { JSON_AUTH_ERRORS, type WireService } from './types.js';

const BODY_LIMIT = 1024 * 1024;

function target(h: Readonly<Record<string, string | string[] | undefined>>): string {
  const t = h['x-amz-target'];
  return (Array.isArray(t) ? t[0] : t) ?? '';
}

export function ecrWireService(ecr: EcrApi): WireService {
  return {
    name: 'ecr',
    bodyLimit: BODY_LIMIT,
    classify: (req) => (req.method === 'POST' && req.path === '/' && target(req.headers).startsWith(ECR_TARGET_PREFIX) ? 'yes' : 'no'),
    claims: () => false,
    resources: (req, scope) => {
      try {
        const n = (JSON.parse(req.body.toString('utf8')) as { repositoryName?: unknown }).repositoryName;
        return typeof n === 'string' ? [`arn:aws:ecr:${scope.region}:${scope.accountId}:repository/${n}`] : ['*'];
      } catch {
        return ['*'];
      }
    },
    handle: (req) =>
      ecr.handle({
        operation: target(req.headers).slice(ECR_TARGET_PREFIX.length),
        body: req.body,
        accountId: req.accountId,
        region: req.region,
        baseUrl: req.baseUrl,
        // A key's password carries the key: the registry then applies that key's policies (and refuses it once revoked).
        ...(req.caller?.kind === 'key' && req.caller.accessKeyId ? { accessKeyId: req.caller.accessKeyId } : {}),
      }),
    refuse: (_req, status, code, message) =>
      ecrErrorResponse(status, code === 'AccessDenied' ? 'AccessDeniedException' : code === 'RequestTooLarge' ? 'InvalidParameterException' : (JSON_AUTH_ERRORS[code] ?? 'ServerException'), message),
  };
}
