/**
 * What a `nimbus deploy -t` run created, read from the stack's record (`GET /nimbus/v1/stacks/<name>`)
 * rather than from the deploy's printed lines: the name behind each function and queue logical id
 * and the ARN behind each topic's,
 * function URLs, and each API's two base URLs (its host, and the path form).
 */
import assert from 'node:assert/strict';

export interface DeployedApi {
  /** `http://<id>.execute-api.<region>.localhost:<port>/<stage>`. */
  url: string;
  /** `<nimbus>/nimbus/v1/apis/<id>/<stage>`. */
  pathUrl: string;
  type: 'REST' | 'HTTP';
}

export interface Deployed {
  stack: string;
  status: string;
  functions: Map<string, { name: string; url: string | undefined; alias: string | undefined }>;
  /** Every function URL by its logical id: `<Function>Url`, and the template's AWS::Lambda::Url resources. */
  urls: Map<string, string>;
  queues: Map<string, string>;
  /** Topic logical id -> its ARN. */
  topics: Map<string, string>;
  /** Bucket logical id -> its name. */
  buckets: Map<string, string>;
  apis: Map<string, DeployedApi>;
}

interface Described {
  StackName: string;
  StackStatus: string;
  Resources: { LogicalResourceId: string; PhysicalResourceId: string; ResourceType: string; FunctionUrl?: string }[];
  Apis: { LogicalId: string; Url: string; PathUrl: string; Type: 'REST' | 'HTTP' }[];
}

/** Reads a stack's record from a running Nimbus. */
export async function readStack(endpoint: string, stack: string): Promise<Deployed> {
  const r = await fetch(`${endpoint}/nimbus/v1/stacks/${encodeURIComponent(stack)}`);
  assert.equal(r.status, 200, `stack ${stack}: ${await r.clone().text()}`);
  const d = (await r.json()) as Described;
  const functions: Deployed['functions'] = new Map();
  const queues = new Map<string, string>();
  const topics = new Map<string, string>();
  const urls = new Map<string, string>();
  const buckets = new Map<string, string>();
  for (const res of d.Resources) {
    if (res.ResourceType === 'AWS::S3::Bucket') buckets.set(res.LogicalResourceId, res.PhysicalResourceId);
    if (res.ResourceType === 'AWS::Lambda::Url' && res.FunctionUrl) urls.set(res.LogicalResourceId, res.FunctionUrl);
    if (res.ResourceType === 'AWS::SNS::Topic') topics.set(res.LogicalResourceId, res.PhysicalResourceId);
    if (res.ResourceType === 'AWS::Lambda::Function') functions.set(res.LogicalResourceId, { name: res.PhysicalResourceId, url: undefined, alias: undefined });
    if (res.ResourceType === 'AWS::SQS::Queue') queues.set(res.LogicalResourceId, res.PhysicalResourceId);
  }
  // The sub-resources the stack service names `<Function>Url` and `<Function>Alias<name>`.
  for (const res of d.Resources) {
    for (const [id, f] of functions) {
      if (res.ResourceType === 'AWS::Lambda::Url' && res.LogicalResourceId === `${id}Url`) f.url = res.FunctionUrl;
      if (res.ResourceType === 'AWS::Lambda::Alias' && res.LogicalResourceId.startsWith(`${id}Alias`) && res.PhysicalResourceId.startsWith(`${f.name}:`)) {
        f.alias = res.PhysicalResourceId.slice(f.name.length + 1);
      }
    }
  }
  const apis = new Map(d.Apis.map((a) => [a.LogicalId, { url: a.Url, pathUrl: a.PathUrl, type: a.Type }]));
  return { stack: d.StackName, status: d.StackStatus, functions, urls, queues, topics, buckets, apis };
}

/** The API a step addresses: the one named, or the stack's only one. */
export function apiOf(d: Deployed, logicalId: string | undefined, what: string): DeployedApi {
  if (logicalId !== undefined) {
    const a = d.apis.get(logicalId);
    assert.ok(a, `${what}: the stack has no API ${logicalId} (it has ${[...d.apis.keys()].join(', ') || 'none'})`);
    return a;
  }
  assert.equal(d.apis.size, 1, `${what}: name the API (the stack has ${[...d.apis.keys()].join(', ') || 'none'})`);
  return [...d.apis.values()][0]!;
}
