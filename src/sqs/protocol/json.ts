/**
 * The AWS JSON 1.0 protocol as SQS speaks it (`@aws-sdk/client-sqs` >= 3.447, boto3 >= 1.28.82):
 * `POST` with `X-Amz-Target: AmazonSQS.<Operation>` and a JSON body of the operation's members.
 * Errors carry `__type` (the SDK's error name) and `message`, plus the `x-amzn-query-error:
 * <QueryCode>;Sender` header the SQS model declares (`awsQueryCompatible`), from which the SDK
 * fills `e.Code` - code written for the Query era matches on it.
 */
import { SqsError, serializationError } from '../errors.js';
import type { Member, Params, Shape } from './shapes.js';

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';

/** Parses and type-checks a JSON request body against the operation's shape. */
export function decodeJsonParams(body: Buffer, shape: Shape): Params {
  const text = body.toString('utf8').trim();
  if (text === '') return {};
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw serializationError('Start of structure or map found where not expected.');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw serializationError('Start of structure or map found where not expected.');
  return checkStruct(doc as Record<string, unknown>, shape);
}

function checkStruct(doc: Record<string, unknown>, shape: Shape): Params {
  const out: Params = {};
  for (const [name, member] of Object.entries(shape)) {
    const v = doc[name];
    if (v === undefined || v === null) continue;
    out[name] = checkMember(name, v, member);
  }
  return out;
}

const wrongType = (name: string, expected: string): SqsError => serializationError(`Value for member ${name} must be ${expected}.`);

function checkMember(name: string, v: unknown, m: Member): unknown {
  switch (m.kind) {
    case 'string':
      if (typeof v !== 'string') throw wrongType(name, 'a string');
      return v;
    case 'integer':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw wrongType(name, 'an integer');
      return v;
    case 'stringList':
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw wrongType(name, 'a list of strings');
      return v;
    case 'stringMap':
      if (typeof v !== 'object' || Array.isArray(v) || !Object.values(v as object).every((x) => typeof x === 'string')) {
        throw wrongType(name, 'a map of strings');
      }
      return v;
    case 'attributeMap': {
      if (typeof v !== 'object' || Array.isArray(v)) throw wrongType(name, 'a map');
      const out: Record<string, unknown> = {};
      for (const [k, a] of Object.entries(v as Record<string, unknown>)) {
        if (typeof a !== 'object' || a === null || Array.isArray(a)) throw wrongType(`${name}.${k}`, 'a structure');
        const av = a as Record<string, unknown>;
        for (const f of ['DataType', 'StringValue', 'BinaryValue'] as const) {
          if (av[f] !== undefined && av[f] !== null && typeof av[f] !== 'string') throw wrongType(`${name}.${k}.${f}`, 'a string');
        }
        out[k] = {
          DataType: av['DataType'] ?? '',
          ...(typeof av['StringValue'] === 'string' ? { StringValue: av['StringValue'] } : {}),
          ...(typeof av['BinaryValue'] === 'string' ? { BinaryValue: av['BinaryValue'] } : {}),
        };
      }
      return out;
    }
    case 'structList':
      if (!Array.isArray(v)) throw wrongType(name, 'a list');
      return v.map((e, i) => {
        if (typeof e !== 'object' || e === null || Array.isArray(e)) throw wrongType(`${name}.${i + 1}`, 'a structure');
        return checkStruct(e as Record<string, unknown>, m.members);
      });
  }
}

export const encodeJsonResult = (result: object): Buffer => Buffer.from(JSON.stringify(result));

export function encodeJsonError(err: SqsError): { headers: Record<string, string>; body: Buffer } {
  return {
    headers: { 'x-amzn-query-error': `${err.code};${err.sender ? 'Sender' : 'Receiver'}` },
    body: Buffer.from(JSON.stringify({ __type: `com.amazonaws.sqs#${err.type}`, message: err.message })),
  };
}
