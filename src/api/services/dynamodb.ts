/**
 * DynamoDB on Nimbus's endpoint: the wire-service face of `DynamoDbService` (JSON 1.0,
 * `X-Amz-Target: DynamoDB_20120810.*`, and DynamoDB Streams' `DynamoDBStreams_20120810.*`, signed for service `dynamodb`; actions `dynamodb:<Operation>`
 * on table ARNs). Nimbus's refusals carry DynamoDB's front-end error names
 * (`com.amazon.coral.service#...`), as DynamoDB's own answers do.
 */
import { DYNAMODB_BODY_LIMIT, DynamoDbService, dynamoResources } from '../../dynamodb/service.js';
import { JSON_AUTH_ERRORS, type WireService } from './types.js';

const CORAL = 'com.amazon.coral.service#';

export function dynamoDbWireService(ddb: DynamoDbService): WireService {
  return {
    name: 'dynamodb',
    bodyLimit: DYNAMODB_BODY_LIMIT,
    // DynamoDB Streams shares the endpoint and the signing name (`dynamodb`); its target prefix tells it apart.
    classify: (req) => (DynamoDbService.isDynamoRequest(req) || DynamoDbService.isStreamsRequest(req) ? 'yes' : 'no'),
    claims: () => false,
    resources: (req, scope, operation) => dynamoResources(req.body, scope, operation),
    handle: (req) => ddb.handle(req),
    // DynamoDB answers its front end's refusals (signature, access) with 400, not 403.
    refuse: (_req, status, code, message) =>
      DynamoDbService.errorResponse(
        status === 403 ? 400 : status,
        code === 'AccessDenied'
          ? `${CORAL}AccessDeniedException`
          : code === 'RequestTooLarge'
            ? 'com.amazon.coral.validate#ValidationException'
            : JSON_AUTH_ERRORS[code]
              ? `${CORAL}${JSON_AUTH_ERRORS[code]}`
              : status >= 500
                ? `${CORAL}ServiceUnavailableException`
                : `${CORAL}InternalFailure`,
        message,
      ),
  };
}
