/**
 * IAM roles a template asks for, planned into real roles (docs/sam.md, "Roles"): an
 * `AWS::Serverless::Function`'s `Policies` make the role SAM generates for it (`<Function>Role`,
 * with AWSLambdaBasicExecutionRole as SAM attaches it), and `AWS::IAM::Role` resources with their
 * `Policies` and `ManagedPolicyArns` become roles of that name. `Policies` takes what SAM takes:
 * managed policy names or ARNs, inline policy documents, and SAM policy templates (the ones below,
 * expanded to the statements aws-sam-translator's policy_templates.json gives them).
 *
 * A function with neither `Role` nor `Policies` keeps the deploy role, which Nimbus does not have,
 * so it stays its account's administrator as before roles existed (docs/auth.md).
 */
import { managedPolicyArn } from '../auth/managed-policies.js';
import { SamError } from './errors.js';
import { resolve, type IntrinsicContext } from './intrinsics.js';
import type { Namer } from './names.js';
import type { Template } from './template.js';

export interface RolePlan {
  logicalId: string;
  name: string;
  path: string;
  /** JSON text. */
  trustPolicy: string;
  policies: { name: string; document: string }[];
  managedPolicyArns: string[];
}

const LAMBDA_TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] }] });
const BASIC = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Where {
  region: string;
  accountId: string;
}

/** SAM's policy templates Nimbus expands: parameter name, and the statement for a resolved value. */
type Statement = Record<string, unknown>;

/** `raw`: the value is used as given (an ARN the statement names), not reduced to a name. */
const TEMPLATES: Readonly<Record<string, { param: string; raw?: boolean; statement: (v: string, w: Where) => Statement | Statement[] }>> = {
  SQSPollerPolicy: {
    param: 'QueueName',
    statement: (q, w) => ({
      Effect: 'Allow',
      Action: ['sqs:ChangeMessageVisibility', 'sqs:ChangeMessageVisibilityBatch', 'sqs:DeleteMessage', 'sqs:DeleteMessageBatch', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
      Resource: `arn:aws:sqs:${w.region}:${w.accountId}:${q}`,
    }),
  },
  SQSSendMessagePolicy: { param: 'QueueName', statement: (q, w) => ({ Effect: 'Allow', Action: ['sqs:SendMessage*'], Resource: `arn:aws:sqs:${w.region}:${w.accountId}:${q}` }) },
  SNSPublishMessagePolicy: { param: 'TopicName', statement: (t, w) => ({ Effect: 'Allow', Action: ['sns:Publish'], Resource: `arn:aws:sns:${w.region}:${w.accountId}:${t}` }) },
  SNSCrudPolicy: {
    param: 'TopicName',
    statement: (t, w) => ({ Effect: 'Allow', Action: ['sns:ListSubscriptionsByTopic', 'sns:CreateTopic', 'sns:SetTopicAttributes', 'sns:Subscribe', 'sns:Publish'], Resource: `arn:aws:sns:${w.region}:${w.accountId}:${t}*` }),
  },
  EventBridgePutEventsPolicy: { param: 'EventBusName', statement: (b, w) => ({ Effect: 'Allow', Action: 'events:PutEvents', Resource: `arn:aws:events:${w.region}:${w.accountId}:event-bus/${b}` }) },
  // DynamoDB (docs/dynamodb.md): the actions aws-sam-translator's templates list, on the table and its indexes.
  DynamoDBCrudPolicy: {
    param: 'TableName',
    statement: (t, w) => ({
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem', 'dynamodb:BatchGetItem', 'dynamodb:DescribeTable', 'dynamodb:ConditionCheckItem'],
      Resource: dynamoResources(t, w),
    }),
  },
  DynamoDBReadPolicy: {
    param: 'TableName',
    statement: (t, w) => ({ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:DescribeTable'], Resource: dynamoResources(t, w) }),
  },
  DynamoDBWritePolicy: {
    param: 'TableName',
    statement: (t, w) => ({ Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'], Resource: dynamoResources(t, w) }),
  },
  DynamoDBReconfigurePolicy: { param: 'TableName', statement: (t, w) => ({ Effect: 'Allow', Action: ['dynamodb:UpdateTable'], Resource: `arn:aws:dynamodb:${w.region}:${w.accountId}:table/${t}` }) },
  LambdaInvokePolicy: { param: 'FunctionName', statement: (f, w) => ({ Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: `arn:aws:lambda:${w.region}:${w.accountId}:function:${f}*` }) },
  // Parameter Store and Secrets Manager (docs/parameters-and-secrets.md), as aws-sam-translator's templates state them.
  SSMParameterReadPolicy: { param: 'ParameterName', raw: true, statement: (n, w) => ssmRead(`parameter/${n}`, w) },
  SSMParameterWithSlashPrefixReadPolicy: { param: 'ParameterName', raw: true, statement: (n, w) => ssmRead(`parameter${n}`, w) },
  AWSSecretsManagerGetSecretValuePolicy: { param: 'SecretArn', raw: true, statement: (arn) => ({ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: arn }) },
};

function ssmRead(resource: string, w: Where): Statement[] {
  return [
    { Effect: 'Allow', Action: ['ssm:DescribeParameters'], Resource: '*' },
    { Effect: 'Allow', Action: ['ssm:GetParameters', 'ssm:GetParameter', 'ssm:GetParametersByPath'], Resource: `arn:aws:ssm:${w.region}:${w.accountId}:${resource}` },
  ];
}

/** A table and its indexes, as SAM's DynamoDB policy templates name them. */
function dynamoResources(table: string, w: Where): string[] {
  const arn = `arn:aws:dynamodb:${w.region}:${w.accountId}:table/${table}`;
  return [arn, `${arn}/index/*`];
}

/** A queue, topic or bus name given to a template, which SAM users often pass as an ARN or queue URL. */
function nameOf(v: string): string {
  if (v.startsWith('arn:')) return v.slice(Math.max(v.lastIndexOf(':'), v.lastIndexOf('/')) + 1);
  if (/^https?:\/\//.test(v)) return v.slice(v.lastIndexOf('/') + 1);
  return v;
}

/**
 * A policy document as the role store will take it, or undefined: values that did not resolve
 * locally (a `GetAtt` of a resource type Nimbus skips) are left out of Action and Resource lists,
 * and a statement left without an action or a resource is dropped with a warning, so a template
 * that deployed before roles existed still deploys (the dropped statement could grant nothing here).
 */
function usablePolicy(doc: unknown, where: string, ctx: IntrinsicContext): string | undefined {
  if (typeof doc === 'string') return doc;
  if (!isMap(doc)) {
    ctx.warn(`${where}: the policy document is not a mapping; skipped`);
    return undefined;
  }
  const raw = doc['Statement'];
  const statements = (Array.isArray(raw) ? raw : [raw]).flatMap((st, i) => {
    if (!isMap(st)) return [];
    const out: Record<string, unknown> = { ...st };
    for (const k of ['Action', 'NotAction', 'Resource', 'NotResource']) {
      const v = st[k];
      if (Array.isArray(v)) out[k] = v.filter((x) => typeof x === 'string');
      else if (v !== undefined && typeof v !== 'string') delete out[k];
      if (Array.isArray(out[k]) && (out[k] as unknown[]).length === 0) delete out[k];
    }
    const ok = (out['Effect'] === 'Allow' || out['Effect'] === 'Deny') && (out['Action'] ?? out['NotAction']) !== undefined && (out['Resource'] ?? out['NotResource']) !== undefined;
    if (!ok) ctx.warn(`${where}: Statement ${i} has no effect, action or resource Nimbus can tell; skipped`);
    return ok ? [out] : [];
  });
  if (statements.length === 0) return undefined;
  return JSON.stringify({ Version: '2012-10-17', ...doc, Statement: statements });
}

/** A trust policy the role store takes (statements with an Effect), else Lambda's with a warning. */
function usableTrust(doc: unknown, where: string, ctx: IntrinsicContext): string {
  const text = typeof doc === 'string' ? doc : doc === undefined ? undefined : JSON.stringify(doc);
  try {
    const v = JSON.parse(text ?? 'null') as { Statement?: unknown } | null;
    const st = v?.Statement;
    if (st !== undefined && (Array.isArray(st) ? st : [st]).every((x) => isMap(x) && (x['Effect'] === 'Allow' || x['Effect'] === 'Deny'))) return text!;
  } catch {
    // Falls through to Lambda's trust policy.
  }
  if (doc !== undefined) ctx.warn(`${where}: not a trust policy Nimbus can read; Lambda's is used (trust policies are not evaluated on Nimbus)`);
  return LAMBDA_TRUST;
}

/** The statements, inline documents and managed ARNs a function's `Policies` stand for. */
function functionPolicies(id: string, raw: unknown, w: Where, ctx: IntrinsicContext): { inline: { name: string; document: string }[]; managed: string[] } {
  const list = Array.isArray(raw) ? raw : [raw];
  const inline: { name: string; document: string }[] = [];
  const managed: string[] = [];
  list.forEach((entry, i) => {
    const where = `${id}.Policies[${i}]`;
    const v = resolve(entry, ctx, where);
    if (typeof v === 'string') {
      const arn = managedPolicyArn(v);
      if (arn) managed.push(arn);
      else ctx.warn(`${where}: managed policy ${v} is not one Nimbus knows; skipped (it grants nothing here)`);
      return;
    }
    if (!isMap(v)) throw new SamError(`${where} must be a managed policy name, a policy document or a SAM policy template`);
    if ('Statement' in v) {
      const document = usablePolicy(v, where, ctx);
      if (document) inline.push({ name: `${id}RolePolicy${i}`, document });
      return;
    }
    const [name, params] = Object.entries(v)[0] ?? [];
    const t = name !== undefined ? TEMPLATES[name] : undefined;
    if (!t || Object.keys(v).length !== 1) {
      ctx.warn(`${where}: policy template ${name ?? '?'} is not one Nimbus expands; skipped`);
      return;
    }
    const value = isMap(params) ? params[t.param] : undefined;
    if (typeof value !== 'string') throw new SamError(`${where}: ${name} needs ${t.param} (a string)`);
    const statement = t.statement(t.raw ? value : nameOf(value), w);
    inline.push({ name: `${id}RolePolicy${i}`, document: JSON.stringify({ Version: '2012-10-17', Statement: Array.isArray(statement) ? statement : [statement] }) });
  });
  return { inline, managed };
}

/** A function's generated role's name, when it has `Policies` and no `Role` (SAM's `<Function>Role`). */
export function generatesRole(props: Record<string, unknown>): boolean {
  return props['Role'] === undefined && props['Policies'] !== undefined;
}

export const generatedRoleName = (id: string, names: Namer): string => names.physical(`${id}Role`, undefined, 64);

/** The name and path an `AWS::IAM::Role` resource gets. */
export function iamRoleName(id: string, props: Record<string, unknown>, names: Namer, ctx: IntrinsicContext): { name: string; path: string } {
  const given = resolve(props['RoleName'], ctx, `${id}.RoleName`);
  const path = resolve(props['Path'], ctx, `${id}.Path`);
  return { name: typeof given === 'string' ? given : names.physical(id, undefined, 64), path: typeof path === 'string' ? path : '/' };
}

/** Every role the template's resources ask for, once every resource's name is known (for references inside policies). */
export function planRoles(t: Template, names: Namer, w: Where, ctx: IntrinsicContext, functionProps: (id: string) => Record<string, unknown>): RolePlan[] {
  const out: RolePlan[] = [];
  for (const [id, r] of Object.entries(t.resources)) {
    if (r.Type === 'AWS::Serverless::Function') {
      const props = functionProps(id);
      if (!generatesRole(props)) continue;
      const { inline, managed } = functionPolicies(id, props['Policies'], w, ctx);
      out.push({ logicalId: `${id}Role`, name: generatedRoleName(id, names), path: '/', trustPolicy: LAMBDA_TRUST, policies: inline, managedPolicyArns: [BASIC, ...managed.filter((m) => m !== BASIC)] });
    } else if (r.Type === 'AWS::IAM::Role') {
      const p = r.Properties;
      const { name, path } = iamRoleName(id, p, names, ctx);
      const trust = resolve(p['AssumeRolePolicyDocument'], ctx, `${id}.AssumeRolePolicyDocument`);
      const policies = resolve(p['Policies'] ?? [], ctx, `${id}.Policies`);
      const arns = resolve(p['ManagedPolicyArns'] ?? [], ctx, `${id}.ManagedPolicyArns`);
      if (!Array.isArray(policies) || !Array.isArray(arns)) throw new SamError(`${id}: Policies and ManagedPolicyArns must be lists`);
      const managed: string[] = [];
      for (const a of arns) {
        const arn = typeof a === 'string' ? managedPolicyArn(a) : undefined;
        if (arn) managed.push(arn);
        else ctx.warn(`${id}.ManagedPolicyArns: ${String(a)} is not a managed policy Nimbus knows; skipped`);
      }
      out.push({
        logicalId: id,
        name,
        path,
        trustPolicy: usableTrust(trust, `${id}.AssumeRolePolicyDocument`, ctx),
        policies: policies.flatMap((x, i) => {
          if (!isMap(x) || typeof x['PolicyName'] !== 'string') throw new SamError(`${id}.Policies[${i}] needs a PolicyName and a PolicyDocument`);
          const document = usablePolicy(x['PolicyDocument'], `${id}.Policies[${i}]`, ctx);
          return document ? [{ name: x['PolicyName'], document }] : [];
        }),
        managedPolicyArns: managed,
      });
    }
  }
  return out;
}
