/**
 * Kinesis Data Streams on Nimbus's endpoint: the wire-service face of `KinesisService` (JSON 1.1,
 * `X-Amz-Target: Kinesis_20131202.*`, signed for service `kinesis`; actions `kinesis:<Operation>`
 * on stream ARNs). Refusals carry Kinesis's error names in its JSON shape.
 */
import { KINESIS_BODY_LIMIT, KinesisService, kinesisResources } from '../../kinesis/service.js';
import { JSON_AUTH_ERRORS, type WireService } from './types.js';

export function kinesisWireService(kinesis: KinesisService): WireService {
  return {
    name: 'kinesis',
    bodyLimit: KINESIS_BODY_LIMIT,
    classify: (req) => (KinesisService.isKinesisRequest(req) ? 'yes' : 'no'),
    claims: () => false,
    resources: (req, scope) => kinesisResources(req.body, scope),
    handle: (req) => kinesis.handle(req),
    refuse: (_req, status, code, message) =>
      KinesisService.errorResponse(
        status,
        code === 'AccessDenied' ? 'AccessDeniedException' : code === 'RequestTooLarge' ? 'ValidationException' : (JSON_AUTH_ERRORS[code] ?? (status >= 500 ? 'ServiceUnavailable' : 'InternalFailure')),
        message,
      ),
  };
}
