/**
 * An AWS::SQS::Queue's properties as CreateQueue's attributes. CloudFormation's property names
 * are the SQS attribute names (AWS::SQS::Queue reference); numbers and booleans become the
 * strings the SQS API takes, RedrivePolicy and RedriveAllowPolicy (Json) their JSON text.
 * Values are checked by the SQS service itself, with its own messages, when the stack applies them.
 */
import { resolve, type IntrinsicContext } from './intrinsics.js';
import { isMap, jsonText, scalarText, tagList, type QueuePlan } from './service-plans.js';

const SCALAR = [
  'DelaySeconds', 'MaximumMessageSize', 'MessageRetentionPeriod', 'ReceiveMessageWaitTimeSeconds', 'VisibilityTimeout',
  'KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds', 'SqsManagedSseEnabled', 'FifoQueue', 'ContentBasedDeduplication',
  'DeduplicationScope', 'FifoThroughputLimit',
];
const JSON_VALUED = ['RedrivePolicy', 'RedriveAllowPolicy'];

export function planQueue(id: string, props: Record<string, unknown>, name: string, arn: string, ctx: IntrinsicContext): QueuePlan {
  const p = resolve(props, ctx, id);
  const attributes: Record<string, string> = {};
  const tags = isMap(p) ? tagList(p['Tags'], `${id}.Tags`) : {};
  if (isMap(p)) {
    for (const [k, v] of Object.entries(p)) {
      if (v === undefined || k === 'QueueName' || k === 'Tags') continue;
      if (SCALAR.includes(k)) attributes[k] = scalarText(v, `${id}.${k}`);
      else if (JSON_VALUED.includes(k)) attributes[k] = jsonText(v, `${id}.${k}`);
      else ctx.warn(`${id}: ${k} is not an AWS::SQS::Queue property Nimbus knows; ignored`);
    }
  }
  // A FIFO queue is one because of its attribute, whatever the case the template wrote it in.
  if (attributes['FifoQueue'] !== undefined) {
    if (attributes['FifoQueue'].toLowerCase() === 'true') attributes['FifoQueue'] = 'true';
    else delete attributes['FifoQueue'];
  }
  return { logicalId: id, name, arn, attributes, tags };
}
