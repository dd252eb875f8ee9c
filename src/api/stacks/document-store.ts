/**
 * The Parameter Store parameters and Secrets Manager secrets of a stack document (`SsmParameters`,
 * `Secrets`; src/sam/store-resources.ts). Only the shape is checked here; the services check the
 * values with their own messages when the stack applies them.
 */
import { validationError } from '../../core/errors.js';
import { list, LOGICAL_ID, named, optionalObject, str, stringMap } from './document-fields.js';

const SECRET_ARN = /^arn:aws[a-zA-Z-]*:secretsmanager:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:secret:[a-zA-Z0-9/_+=.@-]{1,512}-[A-Za-z0-9]{6}$/;
const SECRET_NAME = /^[a-zA-Z0-9/_+=.@-]{1,512}$/;

export interface SsmParameterSpec {
  LogicalId: string;
  /** PutParameter's request: Name, Type, Value and optional members. */
  Request: Record<string, unknown>;
  Tags: Record<string, string>;
}

export interface SecretSpec {
  LogicalId: string;
  Name: string;
  /** The ARN the template's references use (its suffix derived from the stack, src/sam/store-resources.ts). */
  Arn: string;
  Description: string | undefined;
  SecretString: string | undefined;
  /** GetRandomPassword's options, with SecretStringTemplate and GenerateStringKey. */
  Generate: Record<string, unknown> | undefined;
  Tags: { Key: string; Value: string }[];
}

export function parseStoreResources(body: Record<string, unknown>, once: (logicalId: string) => void): { SsmParameters: SsmParameterSpec[]; Secrets: SecretSpec[] } {
  const SsmParameters = list(body['SsmParameters'], 'ssmParameters').map((x, i): SsmParameterSpec => {
    const m = `ssmParameters.${i}`;
    const o = optionalObject(x, m);
    if (!o) throw validationError(null, m, 'Member must not be null');
    const id = named(o['LogicalId'], 'LogicalId', LOGICAL_ID, m);
    once(id);
    const request = optionalObject(o['Request'], `${m}.request`) ?? {};
    if (!str(request['Name'])) throw validationError(request['Name'] ?? null, `${m}.request.name`, 'Member must be a string');
    return { LogicalId: id, Request: request, Tags: stringMap(o['Tags'], `${m}.tags`) };
  });
  const Secrets = list(body['Secrets'], 'secrets').map((x, i): SecretSpec => {
    const m = `secrets.${i}`;
    const o = optionalObject(x, m);
    if (!o) throw validationError(null, m, 'Member must not be null');
    const id = named(o['LogicalId'], 'LogicalId', LOGICAL_ID, m);
    once(id);
    const name = named(o['Name'], 'Name', SECRET_NAME, m);
    const arn = named(o['Arn'], 'Arn', SECRET_ARN, m);
    if (!arn.includes(`:secret:${name}-`)) throw validationError(arn, `${m}.arn`, `Member must be the ARN of secret ${name}`);
    for (const k of ['Description', 'SecretString'] as const) if (o[k] !== undefined && !str(o[k])) throw validationError(o[k], `${m}.${k[0]!.toLowerCase()}${k.slice(1)}`, 'Member must be a string');
    const tags = list(o['Tags'], `${m}.tags`).map((t, j) => {
      const tag = optionalObject(t, `${m}.tags.${j}`);
      if (!tag || !str(tag['Key']) || !str(tag['Value'])) throw validationError(t ?? null, `${m}.tags.${j}`, 'Member must be {Key, Value}');
      return { Key: tag['Key'], Value: tag['Value'] };
    });
    return { LogicalId: id, Name: name, Arn: arn, Description: o['Description'] as string | undefined, SecretString: o['SecretString'] as string | undefined, Generate: optionalObject(o['Generate'], `${m}.generate`), Tags: tags };
  });
  return { SsmParameters, Secrets };
}
