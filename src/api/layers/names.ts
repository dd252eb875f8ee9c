/**
 * Layer names and ARNs as the API takes them (MODEL `LayerName`, `LayerVersionArn`), with the
 * messages AWS gives for bad ones (LS-SNAP `test_layer_exceptions`, docs/reference/lambda-api.md §0).
 */
import { invalidParameter, validationError } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';

/** MODEL `LayerName`: a name, or a layer's ARN (without a version). */
const LAYER_NAME = /^(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+$/;
const LAYER_ARN = /^arn:[a-zA-Z0-9-]+:lambda:([a-zA-Z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+)$/;
/** The pattern AWS prints for a layer version ARN (a function's `Layers`, GetLayerVersionByArn). */
export const LAYER_VERSION_ARN_PATTERN =
  '(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)';
const LAYER_VERSION_ARN = /^arn:(aws[a-zA-Z-]*)?:lambda:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}):(\d{12}):layer:([a-zA-Z0-9-_]+):([0-9]+)$/;

export const layerArn = (scope: Scope, name: string): string => `arn:aws:lambda:${scope.region}:${scope.accountId}:layer:${name}`;
export const layerVersionArn = (scope: Scope, name: string, version: number): string => `${layerArn(scope, name)}:${version}`;

export interface LayerVersionRef extends Scope {
  name: string;
  version: number;
}

/**
 * The layer a `LayerName` label names: its own name, or the name inside a layer ARN, whose
 * account and region must be the caller's (Nimbus keeps each scope's layers apart).
 */
export function parseLayerName(raw: string | undefined, scope: Scope): string {
  const v = raw ?? '';
  if (v.length < 1 || v.length > 140 || !LAYER_NAME.test(v)) {
    throw validationError(v, 'layerName', `Member must satisfy regular expression pattern: ${LAYER_NAME.source.slice(1, -1)}`);
  }
  const m = LAYER_ARN.exec(v);
  if (!m) return v;
  if (m[1] !== scope.region || m[2] !== scope.accountId) {
    throw invalidParameter(`The layer ${v} is not in this account and region (${scope.accountId}, ${scope.region}).`);
  }
  return m[3]!;
}

/** A `VersionNumber` label: AWS refuses 0 and below before looking anything up. */
export function parseVersionNumber(raw: string | undefined): number {
  const n = Number(raw);
  if (raw === undefined || raw === '' || !Number.isSafeInteger(n)) throw validationError(raw ?? null, 'versionNumber', 'Member must be a long');
  if (n < 1) throw invalidParameter('Layer Version Cannot be less than 1');
  return n;
}

/** A layer version ARN, or undefined when it does not match the model's pattern. */
export function parseLayerVersionArn(arn: string): LayerVersionRef | undefined {
  const m = arn.length <= 140 ? LAYER_VERSION_ARN.exec(arn) : null;
  if (!m) return undefined;
  const version = Number(m[10]);
  return Number.isSafeInteger(version) ? { region: m[2]!, accountId: m[8]!, name: m[9]!, version } : undefined;
}
