/** SNS on Nimbus's endpoint: the wire-service face of `SnsService` (Query protocol, `Version=2010-03-31`). */
import { SnsService } from '../../sns/service.js';
import { snsResources } from './resources.js';
import type { WireService } from './types.js';

/** A 256 KB message percent-encoded in a form body can triple. */
const BODY_LIMIT = 1024 * 1024;

export function snsWireService(sns: SnsService): WireService {
  return {
    name: 'sns',
    bodyLimit: BODY_LIMIT,
    classify: (req) => SnsService.classify(req),
    claims: (req) => SnsService.claims(req),
    resources: snsResources,
    handle: (req) => sns.handle(req),
    refuse: (_req, status, code, message) =>
      SnsService.refusal(status, code === 'AccessDenied' ? 'AuthorizationError' : code === 'RequestTooLarge' ? 'InvalidParameter' : code === 'ServiceUnavailable' || code === 'InternalError' ? 'InternalError' : code, message),
  };
}
