/**
 * Finding an API's OpenAPI document, the three ways SAM takes it: `DefinitionBody` inline,
 * `DefinitionBody: {Fn::Transform: {Name: AWS::Include, Parameters: {Location}}}` (a file beside
 * the template, or an S3 object once `sam deploy` has packaged it), and `DefinitionUri` (a file, an
 * `s3://bucket/key` URI or `{Bucket, Key}`). Intrinsics in the document are evaluated as
 * CloudFormation evaluates them in an included file. S3 objects are read before planning (the
 * plan is synchronous): `definitionLocations` lists them, the caller fetches them from Nimbus's S3
 * and gives their text in `PlanOptions.definitions`.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { SamError } from './errors.js';
import { resolve, type IntrinsicContext } from './intrinsics.js';
import { parseCfnYaml, type Template } from './template.js';

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface DefinitionSource {
  /** The template's folder: local files are relative to it. */
  baseDir: string;
  /** `s3://bucket/key` -> the object's text, fetched beforehand; absent where S3 is not read (nimbus deploy -t). */
  s3: ReadonlyMap<string, string> | undefined;
}

const API_TYPES = new Set(['AWS::Serverless::Api', 'AWS::Serverless::HttpApi', 'AWS::ApiGatewayV2::Api', 'AWS::ApiGateway::RestApi']);

/** The `s3://` location of an Include or a DefinitionUri, if it is one. */
function s3Location(v: unknown): string | undefined {
  if (typeof v === 'string') return v.startsWith('s3://') ? v : undefined;
  if (isMap(v) && typeof v['Bucket'] === 'string' && typeof v['Key'] === 'string') return `s3://${v['Bucket']}/${v['Key']}`;
  return undefined;
}

function includeLocation(body: unknown): unknown {
  const t = isMap(body) ? body['Fn::Transform'] : undefined;
  if (!isMap(t) || t['Name'] !== 'AWS::Include') return undefined;
  return isMap(t['Parameters']) ? (t['Parameters']['Location'] ?? null) : null;
}

/** Every S3 object the template's APIs take their definitions from (to fetch before planning). */
export function definitionLocations(t: Template): string[] {
  const out = new Set<string>();
  for (const r of Object.values(t.resources)) {
    if (!API_TYPES.has(r.Type)) continue;
    const p = r.Properties;
    for (const v of [includeLocation(p['DefinitionBody'] ?? p['Body']), p['DefinitionUri'] ?? p['BodyS3Location']]) {
      const s3 = s3Location(v);
      if (s3) out.add(s3);
    }
  }
  return [...out];
}

function readText(location: unknown, src: DefinitionSource, where: string): { text: string; name: string } {
  const s3 = s3Location(location);
  if (s3 !== undefined) {
    if (!src.s3) throw new SamError(`${where}: ${s3}: S3 locations are not supported by nimbus deploy -t, which deploys local files; deploy a packaged template with sam deploy or aws cloudformation deploy on Nimbus's endpoint (docs/cloudformation.md)`);
    const text = src.s3.get(s3);
    if (text === undefined) throw new SamError(`${where}: cannot read ${s3} (not found in Nimbus's S3)`);
    return { text, name: s3 };
  }
  if (typeof location !== 'string' || location === '') throw new SamError(`${where}: the location must be a file path, an s3:// URI or {Bucket, Key}`);
  const file = isAbsolute(location) ? location : join(src.baseDir, location);
  try {
    return { text: readFileSync(file, 'utf8'), name: location };
  } catch (e) {
    throw new SamError(`${where}: cannot read ${location}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The API's definition, resolved, or undefined when it has none. */
export function loadDefinition(props: Record<string, unknown>, src: DefinitionSource, ctx: IntrinsicContext, where: string): unknown {
  const body = props['DefinitionBody'];
  const uri = props['DefinitionUri'];
  if (body !== undefined && uri !== undefined) throw new SamError(`${where}: specify either 'DefinitionUri' or 'DefinitionBody' property and not both`);
  if (body === undefined && uri === undefined) return undefined;
  const include = includeLocation(body);
  if (include !== undefined || uri !== undefined) {
    const at = include !== undefined ? `${where}.DefinitionBody (AWS::Include)` : `${where}.DefinitionUri`;
    const { text, name } = readText(include ?? resolve(uri, ctx, at), src, at);
    return resolve(parseCfnYaml(text, name), ctx, at);
  }
  return resolve(body, ctx, `${where}.DefinitionBody`);
}
