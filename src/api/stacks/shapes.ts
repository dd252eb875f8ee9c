/**
 * A stack on the wire (`GET /nimbus/v1/stacks/<name>`, the answer of a deployment), in
 * CloudFormation's DescribeStacks and ListStackResources terms, with what a local user needs to
 * call it: every function URL and every API's two base URLs (api/http-routes/shapes.ts).
 */
import type { StackRecord } from '../../store/records.js';
import type { RouteService } from '../http-routes/service.js';
import { apiShape, type Origin } from '../http-routes/shapes.js';
import type { UrlConfigStore } from '../../store/types.js';
import { functionUrl } from '../urls/shapes.js';

const iso = (ms: number): string => new Date(ms).toISOString();

export function stackSummary(s: StackRecord): Record<string, unknown> {
  return {
    StackName: s.name,
    StackId: s.stackId,
    StackStatus: s.status,
    ...(s.statusReason ? { StackStatusReason: s.statusReason } : {}),
    CreationTime: iso(s.createdAt),
    LastUpdatedTime: iso(s.updatedAt),
    ResourceCount: s.resources.length,
  };
}

export async function stackShape(s: StackRecord, deps: { routes: RouteService; urls: UrlConfigStore }, o: Origin): Promise<Record<string, unknown>> {
  const { apis, routes } = await deps.routes.ofStack(s, s.name);
  return {
    ...stackSummary(s),
    Description: s.description,
    Parameters: Object.entries(s.parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
    Outputs: Object.entries(s.outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
    Resources: await Promise.all(s.resources.map(async (r) => {
      const out: Record<string, unknown> = { LogicalResourceId: r.logicalId, PhysicalResourceId: r.physicalId, ResourceType: r.type };
      if (r.type === 'AWS::Lambda::Url') {
        const [name, qualifier = ''] = r.physicalId.split(':') as [string, string?];
        const u = await deps.urls.get(s, name, qualifier);
        if (u) out['FunctionUrl'] = functionUrl(u, o.port);
      }
      return out;
    })),
    Apis: apis.map((a) => apiShape(a, routes, o)),
  };
}
