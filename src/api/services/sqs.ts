/** SQS on Nimbus's endpoint: the wire-service face of `SqsService` (src/sqs/README.md, "Mounting it"). */
import { SqsService } from '../../sqs/service.js';
import { sqsResources } from './resources.js';
import type { WireService } from './types.js';

/**
 * A 1 MiB message grows in transit (JSON escaping, form percent-encoding up to 3x) and a batch
 * holds ten entries of up to 1 MiB in all: about 8 MiB covers every valid request.
 */
export const SQS_BODY_LIMIT = 8 * 1024 * 1024;

export function sqsWireService(sqs: SqsService): WireService {
  return {
    name: 'sqs',
    bodyLimit: SQS_BODY_LIMIT,
    classify: (req) => {
      const c = SqsService.classify(req);
      return c === 'sqs' ? 'yes' : c === 'body' ? 'body' : 'no';
    },
    claims: (req) => SqsService.isSqsRequest(req),
    resources: sqsResources,
    handle: (req) => sqs.handle(req),
    refuse: (req, status, code, message) => SqsService.refusal(req, status, code, message),
  };
}
