/**
 * CloudFormation's ListStackResources on Nimbus's endpoint (Query protocol,
 * `Action=ListStackResources&Version=2010-05-15`, signed for service `cloudformation`), over the
 * stacks `nimbus deploy` makes: what `sam logs -n <LogicalId> --stack-name <stack>` asks to find a
 * function's name (and from it, its log group; docs/logging.md). The other CloudFormation
 * operations are refused with the Query protocol's InvalidAction: stacks are deployed with
 * `nimbus deploy` (docs/sam.md).
 */
import { randomUUID } from 'node:crypto';
import { NimbusError } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';
import type { StackRecord } from '../../store/records.js';
import { escapeXml } from '../iam/shapes.js';
import type { ServiceResponse, WireRequest, WireService } from '../services/types.js';

export const CLOUDFORMATION_VERSION = '2010-05-15';
const NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
const BODY_LIMIT = 64 * 1024;

export interface StackSource {
  get(scope: Scope, name: string): Promise<StackRecord>;
}

const isForm = (req: WireRequest): boolean => String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');

function params(req: { query: URLSearchParams; body: Buffer }): URLSearchParams {
  const out = new URLSearchParams(req.query);
  for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) out.set(k, v);
  return out;
}

/** A stack named by name or by its id (`arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>`). */
const stackNameOf = (v: string): string => (v.startsWith('arn:') ? (v.split(':').slice(5).join(':').split('/')[1] ?? v) : v);

export function cloudFormationWireService(stacks: StackSource): WireService {
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
      if (action !== 'ListStackResources') return errorResponse(400, 'InvalidAction', `The action ${action} is not valid for this web service.`, requestId);
      const given = p.get('StackName');
      if (!given) return errorResponse(400, 'ValidationError', "1 validation error detected: Value null at 'stackName' failed to satisfy constraint: Member must not be null", requestId);
      let stack: StackRecord;
      try {
        stack = await stacks.get({ accountId: req.accountId, region: req.region }, stackNameOf(given));
      } catch (e) {
        if (e instanceof NimbusError) return errorResponse(400, 'ValidationError', `Stack with id ${given} does not exist`, requestId);
        throw e;
      }
      return xml(200, requestId, listStackResources(stack, requestId));
    },
    refuse: (_req, status, code, message) =>
      errorResponse(status, code === 'RequestTooLarge' ? 'ValidationError' : code === 'InternalError' || code === 'ServiceUnavailable' ? 'InternalFailure' : code, message, randomUUID()),
  };
}

function listStackResources(stack: StackRecord, requestId: string): string {
  const status = stack.updatedAt > stack.createdAt ? 'UPDATE_COMPLETE' : 'CREATE_COMPLETE';
  const at = new Date(stack.updatedAt).toISOString();
  const members = stack.resources
    .map(
      (r) =>
        `<member><LogicalResourceId>${escapeXml(r.logicalId)}</LogicalResourceId><PhysicalResourceId>${escapeXml(r.physicalId)}</PhysicalResourceId>` +
        `<ResourceType>${escapeXml(r.type)}</ResourceType><LastUpdatedTimestamp>${at}</LastUpdatedTimestamp><ResourceStatus>${status}</ResourceStatus>` +
        '<DriftInformation><StackResourceDriftStatus>NOT_CHECKED</StackResourceDriftStatus></DriftInformation></member>',
    )
    .join('');
  return `<ListStackResourcesResponse xmlns="${NS}"><ListStackResourcesResult><StackResourceSummaries>${members}</StackResourceSummaries></ListStackResourcesResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></ListStackResourcesResponse>`;
}

function errorResponse(status: number, code: string, message: string, requestId: string): ServiceResponse {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return xml(status, requestId, `<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
}

function xml(status: number, requestId: string, body: string): ServiceResponse {
  return { status, headers: { 'content-type': 'text/xml', 'x-amzn-RequestId': requestId }, body: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`) };
}
