/**
 * CloudFormation's dynamic references in a stack document, resolved when the stack is applied,
 * as CloudFormation resolves them when it creates or updates the resources:
 *
 * - `{{resolve:ssm:<name>[:<version>]}}` and `{{resolve:ssm-secure:<name>[:<version>]}}` read
 *   Nimbus's Parameter Store (a SecureString decrypted);
 * - `{{resolve:secretsmanager:<secret-id>[:SecretString[:<json-key>[:<version-stage>[:<version-id>]]]]}}`
 *   reads Nimbus's Secrets Manager; the secret id may be a name or an ARN.
 *
 * A reference anywhere in a string is replaced; the template kept for GetTemplate keeps the
 * reference, as CloudFormation's does. The values become part of what the stack configures (a
 * function's environment is sealed at rest, docs/security.md).
 */
import { NimbusError } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';

export interface DynamicResolver {
  /** A parameter's value (a SecureString's plaintext); throws when there is none. */
  parameter(scope: Scope, name: string, version: number | undefined): Promise<string>;
  /** A secret's SecretString; throws when there is none. */
  secret(scope: Scope, id: string, stage: string | undefined, versionId: string | undefined): Promise<string>;
}

const REF = /\{\{resolve:(ssm|ssm-secure|secretsmanager):([^{}]+)\}\}/g;

const invalid = (message: string): NimbusError => new NimbusError('ERR_INVALID_PARAMETER', message);

async function resolveOne(r: DynamicResolver, scope: Scope, service: string, body: string): Promise<string> {
  if (service !== 'secretsmanager') {
    const m = /^([a-zA-Z0-9_.\-/]+)(?::(\d+))?$/.exec(body);
    if (!m) throw invalid(`The dynamic reference {{resolve:${service}:${body}}} is not valid: a parameter name with an optional :version.`);
    try {
      return await r.parameter(scope, m[1]!, m[2] === undefined ? undefined : Number(m[2]));
    } catch (e) {
      // Nimbus's wording: CloudFormation's differs between the SSM parameter types.
      throw invalid(`The dynamic reference {{resolve:${service}:${body}}} cannot be resolved: ${e instanceof Error && e.message ? e.message : `parameter ${m[1]} not found`}.`);
    }
  }
  // A secret id that is an ARN has colons of its own (arn:aws:secretsmanager:<region>:<account>:secret:<name>).
  const parts = body.split(':');
  const idParts = parts[0] === 'arn' ? 7 : 1;
  const id = parts.slice(0, idParts).join(':');
  const [kind, jsonKey, stage, versionId] = parts.slice(idParts);
  if (!id || (kind !== undefined && kind !== 'SecretString')) {
    throw invalid(`The dynamic reference {{resolve:secretsmanager:${body}}} is not valid: {{resolve:secretsmanager:<secret-id>:SecretString:<json-key>:<version-stage>:<version-id>}}.`);
  }
  let text: string;
  try {
    text = await r.secret(scope, id, stage || undefined, versionId || undefined);
  } catch (e) {
    throw invalid(`The dynamic reference {{resolve:secretsmanager:${body}}} cannot be resolved: ${e instanceof Error && e.message ? e.message : `secret ${id} not found`}`);
  }
  if (!jsonKey) return text;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid(`The dynamic reference {{resolve:secretsmanager:${body}}} names the key ${jsonKey}, but the secret is not a JSON object.`);
  }
  const v = json !== null && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>)[jsonKey] : undefined;
  if (v === undefined) throw invalid(`The dynamic reference {{resolve:secretsmanager:${body}}}: the secret has no key ${jsonKey}.`);
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** `body` with every dynamic reference replaced (the same object when it has none). */
export async function resolveDynamicReferences(body: unknown, scope: Scope, r: DynamicResolver | undefined): Promise<unknown> {
  const walk = async (v: unknown): Promise<unknown> => {
    if (typeof v === 'string') {
      if (!v.includes('{{resolve:')) return v;
      if (!r) throw invalid('This Nimbus cannot resolve dynamic references ({{resolve:...}}).');
      let out = '';
      let last = 0;
      for (const m of v.matchAll(REF)) {
        out += v.slice(last, m.index) + (await resolveOne(r, scope, m[1]!, m[2]!));
        last = m.index + m[0].length;
      }
      return out + v.slice(last);
    }
    if (Array.isArray(v)) return Promise.all(v.map(walk));
    if (v !== null && typeof v === 'object') {
      const entries = await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await walk(x)] as const));
      return Object.fromEntries(entries);
    }
    return v;
  };
  return walk(body);
}
