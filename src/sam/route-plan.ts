/** One route of an API as planned from an event or an OpenAPI definition (apis.ts, openapi.ts): what the stack API's `Routes` take. */
import type { ValidationPlan } from './validation.js';

export interface RoutePlan {
  Method: string;
  Path: string;
  /** Absent for an HTTP API service integration (Integration). */
  FunctionName?: string;
  /** An HTTP API service integration from an OpenAPI definition (openapi.ts): SQS or EventBridge, with its parameter mapping. */
  Integration?: { Subtype: string; RequestParameters: Record<string, string> };
  Qualifier?: string;
  PayloadFormatVersion: '1.0' | '2.0';
  /** The Lambda authorizer of the API the route runs first; the event's `Auth.Authorizer` until resolved (`NONE`: none). */
  Authorizer?: string;
  /** REST request validation: required parameters and body models (validation.ts). */
  Validation?: ValidationPlan;
  /** A REST API's non-proxy `aws` integration to the function: mapping templates and integration responses (openapi.ts). */
  Mapping?: {
    Mock?: boolean;
    RequestTemplates: Record<string, string>;
    PassthroughBehavior: string;
    Responses: { SelectionPattern: string; StatusCode: number; ResponseTemplates: Record<string, string>; ResponseParameters: Record<string, string> }[];
  };
}
