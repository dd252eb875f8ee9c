/**
 * Parameter Store on Nimbus's endpoint: the wire-service face of `SsmService` (JSON 1.1,
 * `X-Amz-Target: AmazonSSM.*`, signed for service `ssm`; actions `ssm:<Operation>` on parameter ARNs).
 */
import { SSM_BODY_LIMIT, SsmService, ssmResources } from '../../ssm/service.js';
import { JSON_AUTH_ERRORS, type WireService } from './types.js';

export function ssmWireService(ssm: SsmService): WireService {
  return {
    name: 'ssm',
    bodyLimit: SSM_BODY_LIMIT,
    classify: (req) => (SsmService.isSsmRequest(req) ? 'yes' : 'no'),
    claims: () => false,
    resources: (req, scope) => ssmResources(req.body, scope),
    handle: (req) => ssm.handle(req),
    refuse: (_req, status, code, message) =>
      SsmService.errorResponse(
        status,
        code === 'AccessDenied' ? 'AccessDeniedException' : code === 'RequestTooLarge' ? 'ValidationException' : (JSON_AUTH_ERRORS[code] ?? 'InternalServerError'),
        message,
      ),
  };
}
