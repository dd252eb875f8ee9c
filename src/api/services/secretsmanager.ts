/**
 * Secrets Manager on Nimbus's endpoint: the wire-service face of `SecretsManagerService` (JSON 1.1,
 * `X-Amz-Target: secretsmanager.*`, signed for service `secretsmanager`; actions
 * `secretsmanager:<Operation>` on secret ARNs).
 */
import { SECRETS_BODY_LIMIT, SecretsManagerService, secretsResources } from '../../secretsmanager/service.js';
import { JSON_AUTH_ERRORS, type WireService } from './types.js';

export function secretsManagerWireService(sm: SecretsManagerService): WireService {
  return {
    name: 'secretsmanager',
    bodyLimit: SECRETS_BODY_LIMIT,
    classify: (req) => (SecretsManagerService.isSecretsRequest(req) ? 'yes' : 'no'),
    claims: () => false,
    resources: (req, scope) => secretsResources(req.body, scope, (s, id) => sm.arnOf(s, id)),
    handle: (req) => sm.handle(req),
    refuse: (_req, status, code, message) =>
      SecretsManagerService.errorResponse(
        status,
        code === 'AccessDenied' ? 'AccessDeniedException' : code === 'RequestTooLarge' ? 'InvalidParameterException' : (JSON_AUTH_ERRORS[code] ?? 'InternalServiceError'),
        message,
      ),
  };
}
