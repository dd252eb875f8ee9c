/**
 * Plain CloudFormation `AWS::Lambda::Function` resources, as the `AWS::Serverless::Function`
 * each is equivalent to, so that one planner (function-plan.ts) serves both: `Code.ZipFile`
 * becomes `InlineCode`, `Code.S3Bucket`/`S3Key`/`S3ObjectVersion` a `CodeUri` location,
 * `TracingConfig.Mode` SAM's `Tracing`, `DeadLetterConfig.TargetArn` SAM's `DeadLetterQueue`.
 * The other members have the same names in both. SAM does not apply Globals to these, and
 * neither does the planner (the marker below says which functions they were).
 */
import type { TemplateResource } from './template.js';

/** Set in Metadata on a converted resource: Globals do not apply to it. */
export const FROM_LAMBDA = 'Nimbus::FromLambdaFunction';

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function lambdaFunctionsAsSam(resources: Record<string, TemplateResource>): Record<string, TemplateResource> {
  const out: Record<string, TemplateResource> = {};
  for (const [id, r] of Object.entries(resources)) {
    out[id] = r.Type === 'AWS::Lambda::Function' ? asSam(r) : r;
  }
  return out;
}

function asSam(r: TemplateResource): TemplateResource {
  const { Code, TracingConfig, DeadLetterConfig, ...rest } = r.Properties;
  const props: Record<string, unknown> = { ...rest };
  if (isMap(Code)) {
    if (Code['ZipFile'] !== undefined) props['InlineCode'] = Code['ZipFile'];
    else if (Code['S3Bucket'] !== undefined || Code['S3Key'] !== undefined) {
      props['CodeUri'] = { Bucket: Code['S3Bucket'], Key: Code['S3Key'], ...(Code['S3ObjectVersion'] !== undefined ? { Version: Code['S3ObjectVersion'] } : {}) };
    } else if (Code['ImageUri'] !== undefined) props['ImageUri'] = Code['ImageUri'];
  }
  if (isMap(TracingConfig) && TracingConfig['Mode'] !== undefined) props['Tracing'] = TracingConfig['Mode'];
  if (isMap(DeadLetterConfig) && DeadLetterConfig['TargetArn'] !== undefined) props['DeadLetterQueue'] = { Type: 'SQS', TargetArn: DeadLetterConfig['TargetArn'] };
  return { ...r, Type: 'AWS::Serverless::Function', Properties: props, Metadata: { ...r.Metadata, [FROM_LAMBDA]: true } };
}
