/**
 * Reading a SAM/CloudFormation template (YAML or JSON). The short intrinsic tags (`!Ref`,
 * `!Sub`, `!GetAtt`, ...) become their long JSON forms (`{"Ref": ...}`, `{"Fn::Sub": ...}`), so
 * the rest of the code sees one shape, as CloudFormation itself does.
 */
import { parseDocument, type ScalarTag, type CollectionTag } from 'yaml';
import { SamError } from './errors.js';

/** Short tag -> long form key. `!GetAtt A.B` is special-cased into `["A", "B"]`. */
const FUNCTIONS: Record<string, string> = {
  Ref: 'Ref',
  Condition: 'Condition',
  Sub: 'Fn::Sub',
  GetAtt: 'Fn::GetAtt',
  Join: 'Fn::Join',
  Select: 'Fn::Select',
  Split: 'Fn::Split',
  If: 'Fn::If',
  Equals: 'Fn::Equals',
  Not: 'Fn::Not',
  And: 'Fn::And',
  Or: 'Fn::Or',
  FindInMap: 'Fn::FindInMap',
  Base64: 'Fn::Base64',
  Cidr: 'Fn::Cidr',
  ImportValue: 'Fn::ImportValue',
  GetAZs: 'Fn::GetAZs',
  Transform: 'Fn::Transform',
  ToJsonString: 'Fn::ToJsonString',
  Length: 'Fn::Length',
};

function longForm(short: string, value: unknown): Record<string, unknown> {
  const key = FUNCTIONS[short]!;
  if (key === 'Fn::GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { [key]: dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [key]: value };
}

/** Each tag in its three YAML node kinds: `!Ref x`, `!Join [...]`, `!If {...}` (rare, kept for safety). */
const TAGS: (ScalarTag | CollectionTag)[] = Object.keys(FUNCTIONS).flatMap((short): (ScalarTag | CollectionTag)[] => [
  { tag: `!${short}`, resolve: (v: string) => longForm(short, v) },
  { tag: `!${short}`, collection: 'seq', resolve: (seq) => longForm(short, seq.toJSON()) },
  { tag: `!${short}`, collection: 'map', resolve: (map) => longForm(short, map.toJSON()) },
] as (ScalarTag | CollectionTag)[]);

export interface Template {
  transform: string[];
  /** The template's Description ('' when none). */
  description: string;
  parameters: Record<string, Record<string, unknown>>;
  globals: Record<string, Record<string, unknown>>;
  resources: Record<string, TemplateResource>;
  /** Outputs as written (intrinsics unresolved). */
  outputs: Record<string, unknown>;
  /** Conditions as written. */
  conditions: Record<string, unknown>;
}

export interface TemplateResource {
  Type: string;
  Properties: Record<string, unknown>;
  Condition?: unknown;
  /** SAM reads build settings from here (`BuildMethod`, `BuildProperties`). */
  Metadata?: Record<string, unknown>;
  /** `Retain` keeps what the resource made when the stack or the resource goes (tables: table-resources.ts). */
  DeletionPolicy?: string;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** YAML (or JSON) with CloudFormation's short tags as their long forms: templates and the files they include. */
export function parseCfnYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, { customTags: TAGS, uniqueKeys: false, prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new SamError(`${file} is not valid YAML: ${e.message.split('\n')[0]}`);
  }
  return doc.toJS({ maxAliasCount: 100 });
}

/** Parses and checks the template's top-level shape; throws SamError with a clear message. */
export function parseTemplate(text: string, file = 'template'): Template {
  const root: unknown = parseCfnYaml(text, file);
  if (!isMap(root)) throw new SamError(`${file} must be a mapping with a Resources section`);
  const resources = root['Resources'];
  if (!isMap(resources) || Object.keys(resources).length === 0) throw new SamError(`${file} has no Resources`);
  const out: Template['resources'] = {};
  for (const [id, r] of Object.entries(resources)) {
    if (!isMap(r) || typeof r['Type'] !== 'string') throw new SamError(`resource ${id} has no Type`);
    const props = r['Properties'] ?? {};
    if (!isMap(props)) throw new SamError(`resource ${id}: Properties must be a mapping`);
    const metadata = r['Metadata'];
    if (metadata !== undefined && !isMap(metadata)) throw new SamError(`resource ${id}: Metadata must be a mapping`);
    out[id] = {
      Type: r['Type'],
      Properties: props,
      ...(r['Condition'] !== undefined ? { Condition: r['Condition'] } : {}),
      ...(metadata !== undefined ? { Metadata: metadata } : {}),
      ...(typeof r['DeletionPolicy'] === 'string' ? { DeletionPolicy: r['DeletionPolicy'] } : {}),
    };
  }
  const transform = root['Transform'];
  const globals = root['Globals'] ?? {};
  const parameters = root['Parameters'] ?? {};
  const outputs = root['Outputs'] ?? {};
  const conditions = root['Conditions'] ?? {};
  if (!isMap(conditions)) throw new SamError(`${file}: Conditions must be a mapping`);
  if (!isMap(globals)) throw new SamError(`${file}: Globals must be a mapping`);
  if (!isMap(parameters)) throw new SamError(`${file}: Parameters must be a mapping`);
  return {
    transform: typeof transform === 'string' ? [transform] : Array.isArray(transform) ? transform.filter((t): t is string => typeof t === 'string') : [],
    description: typeof root['Description'] === 'string' ? root['Description'] : '',
    parameters: Object.fromEntries(Object.entries(parameters).filter(([, v]) => isMap(v))) as Template['parameters'],
    globals: Object.fromEntries(Object.entries(globals).filter(([, v]) => isMap(v))) as Template['globals'],
    resources: out,
    outputs: isMap(outputs) ? outputs : {},
    conditions,
  };
}
