/**
 * CloudFormation's Query API on Nimbus's endpoint (`Action=…&Version=2010-05-15`, signed for
 * service `cloudformation`): what `sam deploy`, `sam delete`, `sam list`, `sam logs` and
 * `aws cloudformation deploy` call, over the stacks of api/stacks (service.ts). Every answer and
 * every error is CloudFormation's XML; nothing a caller sends can throw out of `handle`.
 */
import { randomUUID } from 'node:crypto';
import { messageOf, NimbusError } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';
import type { RouteService } from '../http-routes/service.js';
import type { ServiceRequest, WireRequest, WireService } from '../services/types.js';
import { requiredCapabilities } from './capabilities.js';
import { CfnError, noStack, validation } from './errors.js';
import { QueryParams } from './query.js';
import { stackNameOf, type CloudFormationService, type StackView } from './service.js';
import { changeSetSummaryXml, changeSetXml, eventXml, resourceSummaryXml, resourceXml, stackXml, summaryXml } from './shapes.js';
import { el, errorResponse, members, ok, textMembers } from './xml.js';

export const CLOUDFORMATION_VERSION = '2010-05-15';
/** A TemplateBody is at most 51,200 bytes; form-encoded, with its parameters, well under this. */
const BODY_LIMIT = 1024 * 1024;

const isForm = (req: WireRequest): boolean => String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');

function params(req: { query: URLSearchParams; body: Buffer }): URLSearchParams {
  const out = new URLSearchParams(req.query);
  for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) out.set(k, v);
  return out;
}

export interface CloudFormationWireDeps {
  cfn: CloudFormationService;
  routes: RouteService;
  log: (line: string) => void;
}

type Action = (scope: Scope, p: QueryParams, req: ServiceRequest) => Promise<string>;

export function cloudFormationWireService(d: CloudFormationWireDeps): WireService {
  const actions = actionsOf(d);
  return {
    name: 'cloudformation',
    bodyLimit: BODY_LIMIT,
    classify: (req) => {
      if (req.path !== '/' || req.headers['x-amz-target'] !== undefined) return 'no';
      if (req.query.has('Action')) return req.query.get('Version') === CLOUDFORMATION_VERSION ? 'yes' : 'no';
      return req.method === 'POST' && isForm(req) ? 'body' : 'no';
    },
    claims: (req) => {
      const p = params(req);
      return p.has('Action') && p.get('Version') === CLOUDFORMATION_VERSION;
    },
    resources: (req, scope) => {
      const name = params(req).get('StackName');
      return name ? [`arn:aws:cloudformation:${scope.region}:${scope.accountId}:stack/${stackNameOf(name)}/*`] : ['*'];
    },
    handle: async (req) => {
      const requestId = randomUUID();
      const p = params(req);
      const action = p.get('Action') ?? '';
      const run = Object.hasOwn(actions, action) ? actions[action] : undefined;
      if (!run) return errorResponse(400, 'InvalidAction', `The action ${action} is not valid for this web service.`, requestId);
      try {
        return ok(action, requestId, await run({ accountId: req.accountId, region: req.region }, new QueryParams(p), req));
      } catch (e) {
        if (e instanceof CfnError) return errorResponse(e.status, e.code, e.message, requestId);
        if (e instanceof NimbusError) return errorResponse(400, 'ValidationError', e.message, requestId);
        d.log(`cloudformation ${action}: ${e instanceof Error ? (e.stack ?? e.message) : messageOf(e)}`);
        return errorResponse(500, 'InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', requestId);
      }
    },
    refuse: (_req, status, code, message) =>
      errorResponse(status, code === 'RequestTooLarge' ? 'ValidationError' : code === 'InternalError' || code === 'ServiceUnavailable' ? 'InternalFailure' : code, message, randomUUID()),
  };
}

/** The port of `http://host:port` (API URLs in outputs are given on it). */
const portOf = (baseUrl: string): string => {
  try {
    return new URL(baseUrl).port;
  } catch {
    return '';
  }
};

function actionsOf(d: CloudFormationWireDeps): Record<string, Action> {
  const { cfn } = d;
  const apiIds = async (scope: Scope, v: StackView): Promise<Set<string>> => new Set((await d.routes.ofStack(scope, v.meta.name)).apis.map((a) => a.apiId));
  const stackWithResources = async (scope: Scope, p: QueryParams): Promise<StackView> => {
    const v = await cfn.get(scope, p.required('StackName'));
    if (v.status === 'DELETE_COMPLETE') throw noStack(p.get('StackName')!);
    return v;
  };
  const createChangeSet = async (scope: Scope, p: QueryParams, req: ServiceRequest, name: string, type: 'CREATE' | 'UPDATE') =>
    cfn.createChangeSet(scope, {
      stackName: p.required('StackName'),
      changeSetName: name,
      type,
      body: p.get('TemplateBody'),
      templateUrl: p.get('TemplateURL'),
      usePreviousTemplate: p.bool('UsePreviousTemplate'),
      parameters: p.structs('Parameters'),
      capabilities: p.list('Capabilities'),
      tags: p.structs('Tags').map((t) => ({ Key: t['Key'] ?? '', Value: t['Value'] ?? '' })),
      description: p.get('Description'),
      endpoint: req.baseUrl,
    });
  const templateSummary = async (scope: Scope, p: QueryParams, full: boolean): Promise<string> => {
    let body = p.get('TemplateBody');
    const url = p.get('TemplateURL');
    const stack = p.get('StackName');
    if (stack !== undefined && body === undefined && url === undefined) {
      const v = await cfn.get(scope, stack);
      if (!v.meta.template) {
        // Deployed with `nimbus deploy`, or before a restart: the parameters the stack has (what `aws cloudformation deploy` asks for).
        const keys = Object.keys(v.record?.parameters ?? v.meta.parameters);
        return members('Parameters', keys.map((k) => el('ParameterKey', k) + (full ? el('ParameterType', 'String') : '') + '<NoEcho>false</NoEcho>')) + el('Description', v.meta.description);
      }
      body = v.meta.template;
    }
    const t = await cfn.template(scope, body, url);
    const caps = requiredCapabilities(t);
    const parameters = Object.entries(t.parameters).map(([k, decl]) => {
      const def = decl['Default'];
      const allowed = decl['AllowedValues'];
      return (
        el('ParameterKey', k) +
        el('DefaultValue', def === undefined ? undefined : String(def)) +
        (full ? el('ParameterType', String(decl['Type'] ?? 'String')) : '') +
        `<NoEcho>${decl['NoEcho'] === true || decl['NoEcho'] === 'true'}</NoEcho>` +
        el('Description', typeof decl['Description'] === 'string' ? decl['Description'] : undefined) +
        (full && Array.isArray(allowed) ? `<ParameterConstraints>${textMembers('AllowedValues', allowed.map(String))}</ParameterConstraints>` : '')
      );
    });
    return (
      members('Parameters', parameters) +
      el('Description', t.description) +
      textMembers('Capabilities', caps.capabilities) +
      el('CapabilitiesReason', caps.reason) +
      (full ? textMembers('ResourceTypes', [...new Set(Object.values(t.resources).map((r) => r.Type))]) + el('Version', '2010-09-09') : '') +
      textMembers('DeclaredTransforms', t.transform)
    );
  };
  return {
    CreateChangeSet: async (scope, p, req) => {
      const type = p.get('ChangeSetType') ?? 'UPDATE';
      if (type !== 'CREATE' && type !== 'UPDATE') {
        throw validation(`1 validation error detected: Value '${type}' at 'changeSetType' failed to satisfy constraint: Member must satisfy enum value set: [CREATE, UPDATE, IMPORT]`);
      }
      const cs = await createChangeSet(scope, p, req, p.required('ChangeSetName'), type);
      return el('Id', cs.id) + el('StackId', cs.stackId);
    },
    DescribeChangeSet: async (scope, p) => changeSetXml(await cfn.changeSet(scope, p.required('ChangeSetName'), p.get('StackName'))),
    ExecuteChangeSet: async (scope, p) => {
      await cfn.executeChangeSet(scope, p.required('ChangeSetName'), p.get('StackName'));
      return '';
    },
    DeleteChangeSet: async (scope, p) => {
      cfn.deleteChangeSet(await cfn.changeSet(scope, p.required('ChangeSetName'), p.get('StackName')));
      return '';
    },
    ListChangeSets: async (scope, p) => {
      const v = await stackWithResources(scope, p);
      const sets = [...cfn.state.changeSets.values()].filter((c) => c.stackId === v.meta.stackId);
      return members('Summaries', sets.map(changeSetSummaryXml));
    },
    CreateStack: async (scope, p, req) => {
      const cs = await createChangeSet(scope, p, req, `nimbus-create-${Date.now()}`, 'CREATE');
      if (cs.status === 'FAILED') throw validation(cs.statusReason);
      await cfn.executeChangeSet(scope, cs.id, undefined);
      return el('StackId', cs.stackId);
    },
    UpdateStack: async (scope, p, req) => {
      const cs = await createChangeSet(scope, p, req, `nimbus-update-${Date.now()}`, 'UPDATE');
      if (cs.status === 'FAILED') throw validation(cs.statusReason.startsWith("The submitted information didn't contain changes") ? 'No updates are to be performed.' : cs.statusReason);
      await cfn.executeChangeSet(scope, cs.id, undefined);
      return el('StackId', cs.stackId);
    },
    DescribeStacks: async (scope, p, req) => {
      const given = p.get('StackName');
      const port = portOf(req.baseUrl);
      const views = given !== undefined ? [await cfn.get(scope, given)] : await cfn.list(scope, false);
      if (given !== undefined && !given.startsWith('arn:') && views[0]!.status === 'DELETE_COMPLETE') throw noStack(given);
      const out: string[] = [];
      for (const v of views) out.push(stackXml(v, await apiIds(scope, v), port));
      return members('Stacks', out);
    },
    ListStacks: async (scope, p) => {
      const filter = p.list('StackStatusFilter');
      const views = (await cfn.list(scope, true)).filter((v) => filter.length === 0 || filter.includes(v.status));
      return members('StackSummaries', views.map(summaryXml));
    },
    DescribeStackEvents: async (scope, p) => {
      const v = await cfn.get(scope, p.required('StackName'));
      const events = [...v.meta.events].reverse();
      if (events.length === 0 && v.record) {
        // A stack deployed with `nimbus deploy`: its last operation, as one event.
        events.push({ id: `${v.meta.stackId}-${v.record.updatedAt}`, logicalId: v.meta.name, physicalId: v.meta.stackId, type: 'AWS::CloudFormation::Stack', status: v.status, reason: v.reason, at: v.record.updatedAt });
      }
      return members('StackEvents', events.map((e) => eventXml(v, e)));
    },
    DescribeStackResources: async (scope, p) => {
      if (p.get('StackName') === undefined) {
        throw validation(p.get('PhysicalResourceId') !== undefined ? 'DescribeStackResources by PhysicalResourceId is not supported by Nimbus; give StackName' : 'Either StackName or PhysicalResourceId must be specified.');
      }
      const v = await stackWithResources(scope, p);
      const logical = p.get('LogicalResourceId');
      const rs = (v.record?.resources ?? []).filter((r) => logical === undefined || r.logicalId === logical);
      return members('StackResources', rs.map((r) => resourceXml(v, r, false)));
    },
    DescribeStackResource: async (scope, p) => {
      const v = await stackWithResources(scope, p);
      const logical = p.required('LogicalResourceId');
      const r = v.record?.resources.find((x) => x.logicalId === logical);
      if (!r) throw validation(`Resource ${logical} does not exist for stack ${v.meta.name}`);
      return `<StackResourceDetail>${resourceXml(v, r, true)}</StackResourceDetail>`;
    },
    ListStackResources: async (scope, p) => {
      const v = await stackWithResources(scope, p);
      return members('StackResourceSummaries', (v.record?.resources ?? []).map((r) => resourceSummaryXml(v, r)));
    },
    GetTemplate: async (scope, p) => {
      const cs = p.get('ChangeSetName');
      if (cs !== undefined) return el('TemplateBody', (await cfn.changeSet(scope, cs, p.get('StackName'))).body) + textMembers('StagesAvailable', ['Original', 'Processed']);
      const v = await cfn.get(scope, p.required('StackName'));
      if (!v.meta.template) throw validation(`Stack ${v.meta.name} has no template Nimbus kept (it was deployed with nimbus deploy, or before a restart)`);
      return el('TemplateBody', v.meta.template) + textMembers('StagesAvailable', ['Original', 'Processed']);
    },
    GetTemplateSummary: async (scope, p) => templateSummary(scope, p, true),
    ValidateTemplate: async (scope, p) => templateSummary(scope, p, false),
    DeleteStack: async (scope, p) => {
      await cfn.deleteStack(scope, p.required('StackName'));
      return '';
    },
  };
}
