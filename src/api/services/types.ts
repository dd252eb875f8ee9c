/**
 * The contract between Nimbus's HTTP server and the AWS services it also speaks (SQS, SNS,
 * EventBridge): each is selected by its own wire markers (an `X-Amz-Target` prefix, a Query
 * `Version`), answers in its own protocol, and renders Nimbus's refusals in its own error shape.
 */

/** A request as the services see it: no sockets. Header names are lower case (Node's). */
export interface WireRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface ServiceRequest extends WireRequest {
  body: Buffer;
  accountId: string;
  region: string;
  /** `http://<Host the client used>`: queue URLs and the like are minted with it. */
  baseUrl: string;
  /** Aborted when the client goes away (long polls end at once). */
  signal: AbortSignal;
  /** The authenticated caller (absent without authentication): resource policies are checked against it. */
  caller?: { readonly accountId: string; readonly arn: string; readonly accessKeyId?: string | undefined; readonly kind?: string } | undefined;
}

export interface ServiceResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Why Nimbus refused a request before the service saw it. */
export type RefusalCode =
  | 'AccessDenied'
  | 'RequestTooLarge'
  | 'ServiceUnavailable'
  | 'InternalError'
  // Authentication refusals, by AWS's common error codes for Query-protocol services ("Common Errors").
  | 'MissingAuthenticationToken'
  | 'IncompleteSignature'
  | 'SignatureDoesNotMatch'
  | 'InvalidClientTokenId'
  | 'ValidationError';

/** The same refusals as JSON-protocol services (EventBridge) and Lambda name them. */
export const JSON_AUTH_ERRORS: Readonly<Partial<Record<RefusalCode, string>>> = {
  MissingAuthenticationToken: 'MissingAuthenticationTokenException',
  IncompleteSignature: 'IncompleteSignatureException',
  SignatureDoesNotMatch: 'InvalidSignatureException',
  InvalidClientTokenId: 'UnrecognizedClientException',
  ValidationError: 'ValidationException',
};

export interface WireService {
  /** For logs and refusals: `sqs`, `sns`, `events`. */
  readonly name: string;
  /** The largest request body read for it. */
  readonly bodyLimit: number;
  /** `yes`/`no` from the method, path, query and headers; `body` when only a form body can tell. */
  classify(req: WireRequest): 'yes' | 'no' | 'body';
  /** The decision once the body is read (called only after `classify` said `body`). */
  claims(req: WireRequest & { body: Buffer }): boolean;
  /** The ARNs the request acts on, for identity policies (`*` when it cannot be told); never throws. */
  resources(req: WireRequest & { body: Buffer }, scope: { accountId: string; region: string }, operation: string): string[];
  /** Never throws: errors are answers in the service's shape. */
  handle(req: ServiceRequest): Promise<ServiceResponse>;
  /** Nimbus's own refusal (the browser/Host guard, a body over the limit) in the service's error shape. */
  refuse(req: WireRequest, status: number, code: RefusalCode, message: string): ServiceResponse;
}
