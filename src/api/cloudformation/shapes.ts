/**
 * Stacks, change sets, events and resources in CloudFormation's XML (botocore's service model:
 * Stack, StackSummary, StackEvent, StackResource, StackResourceDetail, Change). An output that is
 * an API Gateway URL of one of the stack's APIs is given at Nimbus's own host-based address for
 * that API (`http://<id>.execute-api.<region>.localhost:<port>/<stage>/...`), which is where it
 * answers (docs/http.md).
 */
import type { StackResource } from '../../store/records.js';
import type { ChangeSet, StackEvent, StackView } from './state.js';
import { el, iso, members, textMembers } from './xml.js';

const NOT_CHECKED = '<DriftInformation><StackDriftStatus>NOT_CHECKED</StackDriftStatus></DriftInformation>';
const RESOURCE_NOT_CHECKED = '<DriftInformation><StackResourceDriftStatus>NOT_CHECKED</StackResourceDriftStatus></DriftInformation>';

const param = (k: string, v: string): string => `${el('ParameterKey', k)}${el('ParameterValue', v)}`;
const tags = (t: { Key: string; Value: string }[]): string => members('Tags', t.map((x) => `${el('Key', x.Key)}${el('Value', x.Value)}`));

/** An output value as a local client reaches it. */
export function localOutput(value: string, apiIds: ReadonlySet<string>, port: string): string {
  return value.replace(/https:\/\/([a-z0-9]{10})\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/g, (all, id: string, region: string) =>
    apiIds.has(id) ? `http://${id}.execute-api.${region}.localhost${port ? `:${port}` : ''}` : all,
  );
}

export function stackXml(v: StackView, apiIds: ReadonlySet<string>, port: string): string {
  const { meta, record } = v;
  const parameters = record?.parameters ?? meta.parameters;
  const outputs = v.status.startsWith('DELETE') || !record ? {} : record.outputs;
  return (
    el('StackId', meta.stackId) +
    el('StackName', meta.name) +
    el('ChangeSetId', meta.changeSetId) +
    el('Description', record?.description ?? meta.description) +
    members('Parameters', Object.entries(parameters).map(([k, val]) => param(k, val))) +
    el('CreationTime', iso(record?.createdAt ?? meta.createdAt)) +
    el('LastUpdatedTime', iso(Math.max(record?.updatedAt ?? 0, meta.updatedAt))) +
    el('DeletionTime', meta.deletedAt !== undefined ? iso(meta.deletedAt) : undefined) +
    el('StackStatus', v.status) +
    el('StackStatusReason', v.reason) +
    '<DisableRollback>false</DisableRollback><NotificationARNs/>' +
    textMembers('Capabilities', meta.capabilities) +
    members('Outputs', Object.entries(outputs).map(([k, val]) => `${el('OutputKey', k)}${el('OutputValue', localOutput(val, apiIds, port))}`)) +
    tags(meta.tags) +
    '<EnableTerminationProtection>false</EnableTerminationProtection>' +
    NOT_CHECKED
  );
}

export function summaryXml(v: StackView): string {
  return (
    el('StackId', v.meta.stackId) +
    el('StackName', v.meta.name) +
    el('TemplateDescription', v.record?.description ?? v.meta.description) +
    el('CreationTime', iso(v.record?.createdAt ?? v.meta.createdAt)) +
    el('LastUpdatedTime', iso(Math.max(v.record?.updatedAt ?? 0, v.meta.updatedAt))) +
    el('DeletionTime', v.meta.deletedAt !== undefined ? iso(v.meta.deletedAt) : undefined) +
    el('StackStatus', v.status) +
    el('StackStatusReason', v.reason) +
    NOT_CHECKED
  );
}

export function eventXml(v: StackView, e: StackEvent): string {
  return (
    el('StackId', v.meta.stackId) +
    el('EventId', e.id) +
    el('StackName', v.meta.name) +
    el('LogicalResourceId', e.logicalId) +
    el('PhysicalResourceId', e.physicalId) +
    el('ResourceType', e.type) +
    el('Timestamp', iso(e.at)) +
    el('ResourceStatus', e.status) +
    el('ResourceStatusReason', e.reason)
  );
}

/** A resource's status: what the stack's last operation did to the stack as a whole. */
export const resourceStatus = (v: StackView): string => (v.record?.status === 'CREATE_COMPLETE' ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE');

export function resourceXml(v: StackView, r: StackResource, detail: boolean): string {
  const at = iso(v.record?.updatedAt ?? v.meta.updatedAt);
  return (
    el('StackName', v.meta.name) +
    el('StackId', v.meta.stackId) +
    el('LogicalResourceId', r.logicalId) +
    el('PhysicalResourceId', r.physicalId) +
    el('ResourceType', r.type) +
    el(detail ? 'LastUpdatedTimestamp' : 'Timestamp', at) +
    el('ResourceStatus', resourceStatus(v)) +
    RESOURCE_NOT_CHECKED
  );
}

export function resourceSummaryXml(v: StackView, r: StackResource): string {
  return (
    el('LogicalResourceId', r.logicalId) +
    el('PhysicalResourceId', r.physicalId) +
    el('ResourceType', r.type) +
    el('LastUpdatedTimestamp', iso(v.record?.updatedAt ?? v.meta.updatedAt)) +
    el('ResourceStatus', resourceStatus(v)) +
    RESOURCE_NOT_CHECKED
  );
}

export function changeSetXml(cs: ChangeSet): string {
  return (
    el('ChangeSetName', cs.name) +
    el('ChangeSetId', cs.id) +
    el('StackId', cs.stackId) +
    el('StackName', cs.stackName) +
    el('Description', cs.description) +
    members('Parameters', Object.entries(cs.parameters).map(([k, v]) => param(k, v))) +
    el('CreationTime', iso(cs.createdAt)) +
    el('ExecutionStatus', cs.executionStatus) +
    el('Status', cs.status) +
    el('StatusReason', cs.statusReason) +
    '<NotificationARNs/>' +
    textMembers('Capabilities', cs.capabilities) +
    tags(cs.tags) +
    members(
      'Changes',
      cs.changes.map(
        (c) =>
          '<Type>Resource</Type><ResourceChange>' +
          el('Action', c.action) +
          el('LogicalResourceId', c.logicalId) +
          el('PhysicalResourceId', c.physicalId) +
          el('ResourceType', c.type) +
          (c.action === 'Modify' ? '<Replacement>False</Replacement>' : '') +
          '<Scope/><Details/></ResourceChange>',
      ),
    ) +
    '<IncludeNestedStacks>false</IncludeNestedStacks>'
  );
}

export function changeSetSummaryXml(cs: ChangeSet): string {
  return (
    el('StackId', cs.stackId) +
    el('StackName', cs.stackName) +
    el('ChangeSetId', cs.id) +
    el('ChangeSetName', cs.name) +
    el('ExecutionStatus', cs.executionStatus) +
    el('Status', cs.status) +
    el('StatusReason', cs.statusReason) +
    el('CreationTime', iso(cs.createdAt)) +
    el('Description', cs.description)
  );
}
