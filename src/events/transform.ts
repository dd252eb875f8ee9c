/**
 * What an EventBridge target receives ("Amazon EventBridge input transformation"; PutTargets):
 * the whole event by default, `Input` (constant JSON) verbatim, the JSON of `InputPath`'s value,
 * or an `InputTransformer`: variables read from the event by `InputPathsMap` paths and written
 * into `InputTemplate` as `<name>`, plus the predefined `<aws.events.rule-arn>`,
 * `<aws.events.rule-name>`, `<aws.events.event.ingestion-time>`, `<aws.events.event>` (the event
 * without `detail`, `detail-type` spelled `detailType`) and `<aws.events.event.json>` (the whole
 * event).
 *
 * Quoting, as AWS behaves (deliveries recorded against AWS in LocalStack's validated tests):
 * - A template starting with `{` or `[` is JSON. There a variable outside quotes becomes a JSON
 *   value: a string gets quotes, objects/arrays/numbers/booleans go in as JSON. Inside quotes a
 *   string goes in as it is and an object or array as its JSON — which breaks the template, and
 *   an output that is not valid JSON is not delivered. The result is sent minified.
 * - Any other template is text, sent as it is; an object or array variable is written as JSON
 *   with its double quotes removed (`{acc_id:0a78,sf_id:baz}`).
 * - A path that reaches nothing gives an empty string (`"command": ""` in JSON).
 * - Values are not escaped (documented), so a string holding `"` breaks a JSON template.
 */
import { evaluateJsonPath, parseJsonPath } from './json-path.js';
import { JsonSyntaxError, parseJson, RawNumber, stringifyJson, stringifyNode } from './json.js';

export interface InputTransformer {
  readonly InputPathsMap?: Readonly<Record<string, string>>;
  readonly InputTemplate: string;
}

export interface TargetInputConfig {
  readonly Input?: string;
  readonly InputPath?: string;
  readonly InputTransformer?: InputTransformer;
}

export interface TransformContext {
  readonly ruleArn: string;
  readonly ruleName: string;
  /** ISO 8601, when EventBridge received the event. */
  readonly ingestionTime: string;
}

export type RenderResult = { ok: true; payload: string } | { ok: false; reason: string };

const PREDEFINED = ['aws.events.rule-arn', 'aws.events.rule-name', 'aws.events.event.ingestion-time', 'aws.events.event', 'aws.events.event.json'];
const PLACEHOLDER = /<([A-Za-z0-9_.\-]+)>/g;
const PLACEHOLDER_AT = /<([A-Za-z0-9_.\-]+)>/y;
const MISSING = Symbol('missing');

/** The payload for one target, or why nothing is delivered. `event` is the event as plain values. */
export function renderTargetInput(config: TargetInputConfig, event: unknown, ctx: TransformContext): RenderResult {
  if (config.Input !== undefined) return { ok: true, payload: config.Input };
  if (config.InputPath !== undefined) {
    const path = parseJsonPath(config.InputPath);
    const got = path ? evaluateJsonPath(path, event) : { found: false as const };
    // What AWS delivers for an InputPath that reaches nothing was not determined; Nimbus delivers nothing.
    return got.found ? { ok: true, payload: stringifyJson(got.value) } : { ok: false, reason: `InputPath ${config.InputPath} matches nothing in the event` };
  }
  if (config.InputTransformer !== undefined) return renderTemplate(config.InputTransformer, event, ctx);
  return { ok: true, payload: stringifyJson(event) };
}

function variables(t: InputTransformer, event: unknown, ctx: TransformContext): Map<string, unknown> {
  const vars = new Map<string, unknown>();
  for (const [name, pathText] of Object.entries(t.InputPathsMap ?? {})) {
    const path = parseJsonPath(pathText);
    const got = path ? evaluateJsonPath(path, event) : { found: false as const };
    vars.set(name, got.found ? got.value : MISSING);
  }
  const withoutDetail: Record<string, unknown> = {};
  if (typeof event === 'object' && event !== null && !Array.isArray(event)) {
    for (const [k, v] of Object.entries(event)) if (k !== 'detail') withoutDetail[k === 'detail-type' ? 'detailType' : k] = v;
  }
  vars.set('aws.events.rule-arn', ctx.ruleArn);
  vars.set('aws.events.rule-name', ctx.ruleName);
  vars.set('aws.events.event.ingestion-time', ctx.ingestionTime);
  vars.set('aws.events.event', withoutDetail);
  vars.set('aws.events.event.json', event);
  return vars;
}

function renderTemplate(t: InputTransformer, event: unknown, ctx: TransformContext): RenderResult {
  const vars = variables(t, event, ctx);
  const template = t.InputTemplate;
  const json = /^\s*[{[]/.test(template);
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; ) {
    const ch = template[i]!;
    if (ch === '<') {
      PLACEHOLDER_AT.lastIndex = i;
      const m = PLACEHOLDER_AT.exec(template);
      if (m && vars.has(m[1]!)) {
        out += render(vars.get(m[1]!), json ? (inString ? 'json-string' : 'json-value') : 'text');
        i += m[0].length;
        continue;
      }
    }
    if (json && ch === '\\' && inString) {
      out += template.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (json && ch === '"') inString = !inString;
    out += ch;
    i++;
  }
  if (!json) return { ok: true, payload: out };
  try {
    return { ok: true, payload: stringifyNode(parseJson(out)) };
  } catch (e) {
    if (e instanceof JsonSyntaxError) return { ok: false, reason: `the transformed input is not valid JSON: ${e.message}` };
    throw e;
  }
}

function render(v: unknown, where: 'json-value' | 'json-string' | 'text'): string {
  if (v === MISSING) return where === 'json-value' ? '""' : '';
  if (typeof v === 'string') return where === 'json-value' ? `"${v}"` : v;
  const structured = typeof v === 'object' && v !== null && !(v instanceof RawNumber);
  const text = stringifyJson(v);
  return structured && where === 'text' ? text.replaceAll('"', '') : text;
}

export interface TargetInputError {
  readonly code: 'ValidationException';
  readonly message: string;
}

/**
 * PutTargets' checks of one target's input options. The first two messages are AWS's (recorded);
 * the length limits are the API model's, in AWS's usual validation wording.
 */
export function validateTargetInput(targetId: string, config: TargetInputConfig, index = 1): TargetInputError | undefined {
  const err = (message: string): TargetInputError => ({ code: 'ValidationException', message });
  const tooLong = (value: string, at: string, max: number): TargetInputError =>
    err(`1 validation error detected: Value '${value}' at 'targets.${index}.member.${at}' failed to satisfy constraint: Member must have length less than or equal to ${max}`);
  const given = [config.Input, config.InputPath, config.InputTransformer].filter((x) => x !== undefined).length;
  if (given > 1) return err(`Only one of Input, InputPath, or InputTransformer must be provided for target ${targetId}.`);
  if (config.Input !== undefined && config.Input.length > 8192) return tooLong(config.Input, 'input', 8192);
  if (config.InputPath !== undefined && config.InputPath.length > 256) return tooLong(config.InputPath, 'inputPath', 256);
  const t = config.InputTransformer;
  if (t === undefined) return undefined;
  if (t.InputTemplate.length > 8192) return tooLong(t.InputTemplate, 'inputTransformer.inputTemplate', 8192);
  if (t.InputTemplate.length === 0) {
    return err(`1 validation error detected: Value '' at 'targets.${index}.member.inputTransformer.inputTemplate' failed to satisfy constraint: Member must have length greater than or equal to 1`);
  }
  const paths = Object.entries(t.InputPathsMap ?? {});
  if (paths.length > 100) {
    return err(`1 validation error detected: Value at 'targets.${index}.member.inputTransformer.inputPathsMap' failed to satisfy constraint: Member must have length less than or equal to 100`);
  }
  for (const [key, path] of paths) {
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(key)) {
      return err(`1 validation error detected: Value at 'targets.${index}.member.inputTransformer.inputPathsMap' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [A-Za-z0-9\\_\\-]+]`);
    }
    if (path.length > 256) return tooLong(path, `inputTransformer.inputPathsMap.${key}`, 256);
  }
  const known = new Set([...paths.map(([k]) => k), ...PREDEFINED]);
  for (const m of t.InputTemplate.matchAll(PLACEHOLDER)) {
    if (!known.has(m[1]!)) return err(`InputTemplate for target ${targetId} contains invalid placeholder ${m[1]}.`);
  }
  return undefined;
}
