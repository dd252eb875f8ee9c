/**
 * What a deployment prints: the stack's status, then per function its name, version, alias and
 * URL, per API its two base URLs (the API host, and the path form for clients that cannot set a
 * Host) and its routes, the schedules, queues, topics, buses, rules, subscriptions and
 * event-source mappings, and the template's Outputs, each AWS API URL
 * among them also shown at its local address. Read from the stack API's answer (what Nimbus
 * deployed) and the plan (what the template said).
 */
import type { DeployPlan } from './plan.js';

/** The stack API's description of a stack (`GET /nimbus/v1/stacks/<name>`), as far as the CLI reads it. */
export interface StackDescription {
  StackName: string;
  StackId: string;
  StackStatus: string;
  StackStatusReason?: string;
  Parameters: { ParameterKey: string; ParameterValue: string }[];
  Outputs: { OutputKey: string; OutputValue: string }[];
  Resources: { LogicalResourceId: string; PhysicalResourceId: string; ResourceType: string; FunctionUrl?: string }[];
  Apis: {
    ApiId: string;
    LogicalId: string;
    Type: 'REST' | 'HTTP';
    Stage: string;
    Url: string;
    PathUrl: string;
    Routes: { RouteKey: string; FunctionName?: string; Integration?: { Subtype: string }; Qualifier?: string; PayloadFormatVersion: string }[];
  }[];
}

/** `https://<id>.execute-api.<region>.amazonaws.com/...` at its local address, when the id is one of the stack's APIs. */
export function localUrl(value: string, d: StackDescription): string | undefined {
  const m = /^https?:\/\/([a-z0-9]{10})\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\/.*)?$/.exec(value);
  const api = m && d.Apis.find((a) => a.ApiId === m[1]);
  if (!api) return undefined;
  return `${new URL(api.Url).origin}${m[2] ?? '/'}`;
}

export function printDeployment(plan: DeployPlan, d: StackDescription, out: (line: string) => void): void {
  out(`Stack ${d.StackName}: ${d.StackStatus}${d.StackStatusReason ? ` (${d.StackStatusReason})` : ''}`);
  const resource = (logicalId: string) => d.Resources.find((r) => r.LogicalResourceId === logicalId);
  for (const fn of plan.functions) {
    // The logical ids the stack service gives what SAM generates for a function.
    const version = resource(`${fn.logicalId}Version`)?.PhysicalResourceId.split(':')[1];
    const url = resource(`${fn.logicalId}Url`)?.FunctionUrl;
    out(`  ${fn.logicalId}: function ${fn.name}${version ? ` version ${version} (alias ${fn.autoPublishAlias!})` : ''}${url ? ` url ${url}` : ''}`);
    for (const u of fn.urlResources ?? []) out(`  ${u.logicalId}: function URL of ${fn.name}${u.qualifier ? `:${u.qualifier}` : ''} ${resource(u.logicalId)?.FunctionUrl ?? ''}`.trimEnd());
    const dc = fn.eventInvokeConfig?.['DestinationConfig'] as Record<string, { Destination: string }> | undefined;
    if (fn.eventInvokeConfig) {
      const to = Object.entries(dc ?? {}).map(([when, v]) => `${when} -> ${v.Destination}`);
      out(`  ${fn.logicalId}: event invoke config${to.length ? ` (${to.join(', ')})` : ''}`);
    }
  }
  for (const api of d.Apis) {
    out(`  ${api.LogicalId}: ${api.Type} API ${api.ApiId}, stage ${api.Stage}`);
    out(`    ${api.Url}`);
    out(`    ${api.PathUrl}`);
    for (const r of api.Routes) {
      const [method, path] = r.RouteKey === '$default' ? ['ANY', '$default'] : r.RouteKey.split(' ');
      if (r.Integration) out(`    ${method!.padEnd(6)} ${path!} -> ${r.Integration.Subtype}`);
      else out(`    ${method!.padEnd(6)} ${path!} -> ${r.FunctionName ?? ''}${r.Qualifier ? `:${r.Qualifier}` : ''} (payload ${r.PayloadFormatVersion})`);
    }
  }
  for (const sch of plan.schedules) {
    out(`  schedule ${sch.Name}: ${sch.ScheduleExpression} -> ${sch.FunctionName}${sch.Qualifier ? `:${sch.Qualifier}` : ''}${sch.State === 'DISABLED' ? ' (disabled)' : ''}`);
  }
  for (const r of plan.roles) out(`  ${r.logicalId}: IAM role ${r.path}${r.name}${r.policies.length + r.managedPolicyArns.length ? ` (${[...r.policies.map((p) => p.name), ...r.managedPolicyArns.map((m) => m.slice(m.lastIndexOf('/') + 1))].join(', ')})` : ''}`);
  for (const b of plan.buckets) {
    const n = b.notification;
    const to = n ? [...n.Functions, ...n.Queues, ...n.Topics].map((t) => `${t.Events.join('|')} -> ${t.Arn}`) : [];
    out(`  ${b.logicalId}: S3 bucket ${b.name}${to.length ? ` (notifies ${to.join(', ')})` : ''}`);
  }
  for (const q of plan.queues) out(`  ${q.logicalId}: SQS queue ${q.name}`);
  for (const t of plan.topics) out(`  ${t.logicalId}: SNS topic ${t.arn}`);
  for (const t of plan.tables) out(`  ${t.logicalId}: DynamoDB table ${t.name}${t.retain ? ' (DeletionPolicy: Retain)' : ''}`);
  for (const b of plan.buses) out(`  ${b.logicalId}: event bus ${b.name}`);
  for (const r of plan.rules) {
    out(`  ${r.logicalId}: rule ${r.name} on bus ${r.bus} -> ${r.targets.map((t) => t.Arn).join(', ')}${r.state === 'DISABLED' ? ' (disabled)' : ''}`);
  }
  for (const s of plan.subscriptions) out(`  ${s.logicalId}: subscription of ${s.topicArn} -> ${s.protocol} ${s.endpoint}`);
  for (const m of plan.mappings) {
    const uuid = resource(m.logicalId)?.PhysicalResourceId;
    out(`  ${m.logicalId}: event-source mapping ${String(m.body['EventSourceArn'])} -> ${String(m.body['FunctionName'])}${uuid ? ` (${uuid})` : ''}`);
  }
  if (d.Outputs.length > 0) {
    out('Outputs (as the template computes them; an API URL is also shown where Nimbus serves it):');
    for (const o of d.Outputs) {
      out(`  ${o.OutputKey}: ${o.OutputValue}`);
      const local = localUrl(o.OutputValue, d);
      if (local) out(`    local: ${local}`);
    }
  }
}
