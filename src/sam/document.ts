/**
 * A deployment plan and its built packages as the stack document Nimbus's stack API takes
 * (src/api/stacks/document.ts describes the contract): each function with its physical name, the
 * SHA-256 of its uploaded package and its whole configuration, the APIs with their routes,
 * schedules, and what the SQS, SNS and EventBridge services and the event-source mappings hold, and the parameters and outputs the stack record keeps.
 */
import type { DeployPlan } from './plan.js';

/** One function's package once uploaded, and what its build adds to the environment. */
export interface Uploaded {
  sha256: string;
  environment: Record<string, string>;
}

export function stackDocument(plan: DeployPlan, uploaded: Map<string, Uploaded>, role: string): Record<string, unknown> {
  return {
    StackId: plan.stackId,
    Description: plan.description,
    Parameters: plan.parameters,
    Outputs: plan.outputs,
    Functions: plan.functions.map((fn) => {
      // An image function has no package: its ImageUri is resolved by the server (docs/images.md).
      const code = uploaded.get(fn.logicalId) ?? { sha256: '', environment: {} };
      return {
        LogicalId: fn.logicalId,
        FunctionName: fn.name,
        ...(fn.code.kind === 'image' ? { ImageUri: fn.code.uri } : { CodeSha256: code.sha256 }),
        Configuration: {
          ...fn.settings,
          Role: fn.role ?? role,
          ...(fn.code.kind === 'image' ? { PackageType: 'Image' } : { Handler: fn.handler, Runtime: fn.runtime }),
          // The template's own variables win over what the build adds.
          Environment: { Variables: { ...code.environment, ...fn.environment } },
          ...(fn.memorySize !== undefined ? { MemorySize: fn.memorySize } : {}),
          ...(fn.timeout !== undefined ? { Timeout: fn.timeout } : {}),
          ...(fn.description !== undefined ? { Description: fn.description } : {}),
          ...(fn.architectures ? { Architectures: fn.architectures } : {}),
          // Version ARNs by now (layers.ts published the template's own); none removes any.
          Layers: fn.layers ?? [],
        },
        ...(fn.reservedConcurrency !== undefined ? { ReservedConcurrentExecutions: fn.reservedConcurrency } : {}),
        ...(fn.autoPublishAlias
          ? {
              Alias: {
                Name: fn.autoPublishAlias,
                ...(fn.versionDescription !== undefined ? { VersionDescription: fn.versionDescription } : {}),
                ...(fn.provisionedConcurrency !== undefined ? { ProvisionedConcurrentExecutions: fn.provisionedConcurrency } : {}),
              },
            }
          : {}),
        ...(fn.url ? { Url: fn.url } : {}),
        ...(fn.urlResources?.length ? { Urls: fn.urlResources.map((u) => ({ LogicalId: u.logicalId, ...(u.qualifier !== undefined ? { Qualifier: u.qualifier } : {}), Config: u.config })) } : {}),
        ...(fn.eventInvokeConfig ? { EventInvokeConfig: fn.eventInvokeConfig } : {}),
      };
    }),
    Apis: plan.apis.map((a) => ({
      LogicalId: a.logicalId,
      ApiId: a.id,
      Type: a.type,
      StageName: a.stage,
      ...(a.cors ? { Cors: a.cors } : {}),
      ...(Object.keys(a.authorizers).length > 0 ? { Authorizers: a.authorizers } : {}),
      Routes: a.routes,
    })),
    Schedules: plan.schedules.map(({ LogicalId, Type, Name, ...body }) => ({ LogicalId, Type, Name, Body: body })),
    Queues: plan.queues.map((q) => ({ LogicalId: q.logicalId, QueueName: q.name, Attributes: q.attributes, Tags: q.tags })),
    Topics: plan.topics.map((t) => ({ LogicalId: t.logicalId, TopicName: t.name, Attributes: t.attributes, Tags: t.tags })),
    Subscriptions: plan.subscriptions.map((s) => ({ LogicalId: s.logicalId, TopicArn: s.topicArn, Protocol: s.protocol, Endpoint: s.endpoint, Attributes: s.attributes })),
    EventBuses: plan.buses.map((b) => ({ LogicalId: b.logicalId, Name: b.name })),
    Rules: plan.rules.map((r) => ({
      LogicalId: r.logicalId,
      Name: r.name,
      EventBusName: r.bus,
      EventPattern: r.pattern,
      State: r.state,
      ...(r.description !== undefined ? { Description: r.description } : {}),
      Targets: r.targets,
    })),
    Roles: plan.roles.map((r) => ({
      LogicalId: r.logicalId,
      RoleName: r.name,
      Path: r.path,
      AssumeRolePolicyDocument: r.trustPolicy,
      Policies: r.policies.map((p) => ({ PolicyName: p.name, PolicyDocument: p.document })),
      ManagedPolicyArns: r.managedPolicyArns,
    })),
    Buckets: plan.buckets.map((b) => ({ LogicalId: b.logicalId, BucketName: b.name, ...(b.notification ? { Notification: b.notification } : {}) })),
    EventSourceMappings: plan.mappings.map((m) => ({ LogicalId: m.logicalId, Body: m.body })),
    ...(plan.kinesisStreams.length > 0 ? { KinesisStreams: plan.kinesisStreams.map((k) => ({ LogicalId: k.logicalId, StreamName: k.name, ShardCount: k.shardCount, Retain: k.retain })) } : {}),
    ...(plan.tables.length > 0 ? { Tables: plan.tables.map((t) => ({ LogicalId: t.logicalId, TableName: t.name, Definition: t.definition, Tags: t.tags, Retain: t.retain, ...(t.streamLabel ? { StreamLabel: t.streamLabel } : {}) })) } : {}),
    ...(plan.ssmParameters.length > 0 ? { SsmParameters: plan.ssmParameters.map((x) => ({ LogicalId: x.logicalId, Request: x.request, Tags: x.tags })) } : {}),
    ...(plan.secrets.length > 0
      ? {
          Secrets: plan.secrets.map((x) => ({
            LogicalId: x.logicalId,
            Name: x.name,
            Arn: x.arn,
            ...(x.description !== undefined ? { Description: x.description } : {}),
            ...(x.secretString !== undefined ? { SecretString: x.secretString } : {}),
            ...(x.generate !== undefined ? { Generate: x.generate } : {}),
            Tags: x.tags,
          })),
        }
      : {}),
  };
}
