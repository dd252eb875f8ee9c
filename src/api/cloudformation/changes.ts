/**
 * What a change set would do to its stack, by logical id, as `sam deploy` prints it: each
 * resource of the template `Add` or `Modify` (with CloudFormation's transformed types), each the
 * stack has and the template no longer does `Remove`. Nimbus plans no replacements.
 */
import { readTemplate } from './translate.js';
import type { Template } from '../../sam/template.js';
import type { ResourceChange, StackView } from './state.js';

/** What CloudFormation lists a template resource as once transformed. */
const TRANSFORMED: Readonly<Record<string, string>> = {
  'AWS::Serverless::Function': 'AWS::Lambda::Function',
  'AWS::Serverless::Api': 'AWS::ApiGateway::RestApi',
  'AWS::Serverless::HttpApi': 'AWS::ApiGatewayV2::Api',
  'AWS::Serverless::LayerVersion': 'AWS::Lambda::LayerVersion',
};

/** What executing the template would do to the stack, by logical id. */
export function changesOf(t: Template, implicitApis: string[], existing: StackView | undefined): ResourceChange[] {
  const wanted = new Map<string, string>();
  for (const [id, r] of Object.entries(t.resources)) wanted.set(id, TRANSFORMED[r.Type] ?? r.Type);
  for (const id of implicitApis) if (!wanted.has(id)) wanted.set(id, id === 'ServerlessHttpApi' ? 'AWS::ApiGatewayV2::Api' : 'AWS::ApiGateway::RestApi');
  const before = new Map<string, { type: string; physicalId: string | undefined }>();
  if (existing?.meta.template) {
    try {
      for (const [id, r] of Object.entries(readTemplate(existing.meta.template).resources)) before.set(id, { type: TRANSFORMED[r.Type] ?? r.Type, physicalId: undefined });
    } catch {
      // The previous template was accepted once; if it no longer reads, the record decides below.
    }
  }
  for (const r of existing?.record?.resources ?? []) before.set(r.logicalId, { type: r.type, physicalId: r.physicalId });
  const out: ResourceChange[] = [];
  for (const [id, type] of wanted) {
    const b = before.get(id);
    out.push({ action: b ? 'Modify' : 'Add', logicalId: id, physicalId: b?.physicalId, type });
  }
  for (const [id, b] of before) {
    // SAM's generated resources (versions, aliases, URLs) go with their function.
    if (!wanted.has(id) && !existing?.record?.resources.some((r) => r.logicalId !== id && id.startsWith(r.logicalId) && wanted.has(r.logicalId))) {
      out.push({ action: 'Remove', logicalId: id, physicalId: b.physicalId, type: b.type });
    }
  }
  return out;
}

export const sameMap = (a: Record<string, string>, b: Record<string, string>): boolean =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

export const sameTags = (a: { Key: string; Value: string }[], b: { Key: string; Value: string }[]): boolean =>
  sameMap(Object.fromEntries(a.map((t) => [t.Key, t.Value])), Object.fromEntries(b.map((t) => [t.Key, t.Value])));
