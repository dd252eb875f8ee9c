/**
 * Plain API Gateway resources defined by an OpenAPI document, served as SAM's APIs are:
 * `AWS::ApiGatewayV2::Api` (an HTTP API) and `AWS::ApiGateway::RestApi` (a REST API) with `Body`
 * or `BodyS3Location`. The stage is the template's: an `AWS::ApiGatewayV2::Stage` naming the API
 * (`$default` when none), an `AWS::ApiGateway::Stage` or an `AWS::ApiGateway::Deployment` with a
 * `StageName`. Such an API's routes defined by `AWS::ApiGatewayV2::Route`/`Integration` or
 * `AWS::ApiGateway::Resource`/`Method` resources are not planned (those resource types are reported).
 */
import type { IntrinsicContext } from './intrinsics.js';
import type { Template } from './template.js';

export const GATEWAY_API_TYPES = new Set(['AWS::ApiGatewayV2::Api', 'AWS::ApiGateway::RestApi']);
/** Accepted for the stage they give their API; nothing else of them is applied. */
export const GATEWAY_STAGE_TYPES = new Set(['AWS::ApiGatewayV2::Stage', 'AWS::ApiGateway::Stage', 'AWS::ApiGateway::Deployment']);

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const refTo = (v: unknown): string | undefined => (isMap(v) && typeof v['Ref'] === 'string' ? v['Ref'] : undefined);

/** The API's kind and the SAM API properties it is equivalent to, or undefined when it is not served (warned). */
export function gatewayApi(id: string, t: Template, ctx: IntrinsicContext): { type: 'REST' | 'HTTP'; props: Record<string, unknown> } | undefined {
  const r = t.resources[id]!;
  const p = r.Properties;
  const http = r.Type === 'AWS::ApiGatewayV2::Api';
  if (http && p['ProtocolType'] !== undefined && p['ProtocolType'] !== 'HTTP') {
    ctx.warn(`${id}: a ${String(p['ProtocolType'])} API is not served by Nimbus; skipped`);
    return undefined;
  }
  if (p['Body'] === undefined && p['BodyS3Location'] === undefined) {
    ctx.warn(`${id}: ${r.Type} without Body or BodyS3Location: its routes (AWS::ApiGateway${http ? 'V2::Route' : '::Method'} resources) are not served by Nimbus; skipped`);
    return undefined;
  }
  const stages = Object.values(t.resources).filter((s) => GATEWAY_STAGE_TYPES.has(s.Type) && refTo(s.Properties[http ? 'ApiId' : 'RestApiId']) === id);
  const named = stages.map((s) => s.Properties['StageName']).find((n) => typeof n === 'string');
  if (!http && named === undefined) {
    ctx.warn(`${id}: AWS::ApiGateway::RestApi without an AWS::ApiGateway::Stage or Deployment with a StageName is not invokable; skipped`);
    return undefined;
  }
  const props: Record<string, unknown> = {
    ...(p['Body'] !== undefined ? { DefinitionBody: p['Body'] } : {}),
    ...(p['BodyS3Location'] !== undefined ? { DefinitionUri: p['BodyS3Location'] } : {}),
    ...(named !== undefined ? { StageName: named } : {}),
    ...(http && p['CorsConfiguration'] !== undefined ? { CorsConfiguration: p['CorsConfiguration'] } : {}),
  };
  const quiet = new Set(['Body', 'BodyS3Location', 'Name', 'Description', 'ProtocolType', 'CorsConfiguration', 'Version', 'EndpointConfiguration', 'FailOnWarnings', 'Tags']);
  const ignored = Object.keys(p).filter((k) => !quiet.has(k) || (!http && k === 'CorsConfiguration'));
  if (ignored.length > 0) ctx.warn(`${id} (${r.Type}): not applied by Nimbus: ${ignored.join(', ')}`);
  return { type: http ? 'HTTP' : 'REST', props };
}
