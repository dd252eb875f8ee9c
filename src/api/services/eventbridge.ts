/** EventBridge on Nimbus's endpoint: the wire-service face of `EventBridgeService` (JSON 1.1, `X-Amz-Target: AWSEvents.*`). */
import { EventBridgeService } from '../../eventbridge/service.js';
import { eventBridgeResources } from './resources.js';
import { JSON_AUTH_ERRORS, type WireService } from './types.js';

/** PutEvents takes 256 KB of entries; JSON escaping can double that. */
const BODY_LIMIT = 1024 * 1024;

export function eventBridgeWireService(eb: EventBridgeService): WireService {
  return {
    name: 'events',
    bodyLimit: BODY_LIMIT,
    classify: (req) => (EventBridgeService.isEventBridgeRequest(req) ? 'yes' : 'no'),
    claims: () => false,
    resources: eventBridgeResources,
    handle: (req) => eb.handle(req),
    refuse: (_req, status, code, message) =>
      EventBridgeService.errorResponse(status, code === 'AccessDenied' ? 'AccessDeniedException' : code === 'RequestTooLarge' ? 'ValidationException' : (JSON_AUTH_ERRORS[code] ?? 'InternalException'), message),
  };
}
