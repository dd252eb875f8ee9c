/**
 * The parts of a stack document that belong to Nimbus's SQS-adjacent services: SNS topics and
 * subscriptions, EventBridge buses and rules with their targets, Lambda event-source mappings
 * (document.ts has the rest, queues among it). Only the shape is checked here; the services check
 * every value with their own messages when the stack applies them.
 */
import { validationError } from '../../core/errors.js';
import { list, LOGICAL_ID, named, optionalObject, str, stringMap } from './document-fields.js';

const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;
const RULE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;

function text(v: unknown, member: string): string {
  if (!str(v) || v === '') throw validationError(v ?? null, member, 'Member must be a non-empty string');
  return v;
}

function structure(v: unknown, member: string): Record<string, unknown> {
  const o = optionalObject(v, member);
  if (!o) throw validationError(null, member, 'Member must not be null');
  return o;
}

export interface TopicSpec {
  LogicalId: string;
  TopicName: string;
  Attributes: Record<string, string>;
  Tags: Record<string, string>;
}

export interface SubscriptionSpec {
  LogicalId: string;
  TopicArn: string;
  Protocol: string;
  Endpoint: string;
  Attributes: Record<string, string>;
}

export interface RuleSpec {
  LogicalId: string;
  Name: string;
  EventBusName: string;
  /** PutRule's EventPattern (JSON text). */
  EventPattern: string;
  State: 'ENABLED' | 'DISABLED';
  Description: string | undefined;
  /** PutTargets' Targets. */
  Targets: Record<string, unknown>[];
}

export interface MappingSpec {
  LogicalId: string;
  /** CreateEventSourceMapping's body. */
  Body: Record<string, unknown>;
}

export interface ServiceSpecs {
  Topics: TopicSpec[];
  Subscriptions: SubscriptionSpec[];
  EventBuses: { LogicalId: string; Name: string }[];
  Rules: RuleSpec[];
  EventSourceMappings: MappingSpec[];
}

/** Reads the service sections of a document; `once` refuses a logical id used twice. */
export function parseServices(body: Record<string, unknown>, once: (logicalId: string) => void): ServiceSpecs {
  const logical = (v: Record<string, unknown>, m: string): string => {
    const id = named(v['LogicalId'], 'LogicalId', LOGICAL_ID, m);
    once(id);
    return id;
  };
  const topics = list(body['Topics'], 'topics').map((t, i): TopicSpec => {
    const m = `topics.${i}`;
    const o = structure(t, m);
    return { LogicalId: logical(o, m), TopicName: named(o['TopicName'], 'TopicName', TOPIC_NAME, m), Attributes: stringMap(o['Attributes'], `${m}.attributes`), Tags: stringMap(o['Tags'], `${m}.tags`) };
  });
  const subscriptions = list(body['Subscriptions'], 'subscriptions').map((s, i): SubscriptionSpec => {
    const m = `subscriptions.${i}`;
    const o = structure(s, m);
    return {
      LogicalId: logical(o, m),
      TopicArn: text(o['TopicArn'], `${m}.topicArn`),
      Protocol: text(o['Protocol'], `${m}.protocol`),
      Endpoint: text(o['Endpoint'], `${m}.endpoint`),
      Attributes: stringMap(o['Attributes'], `${m}.attributes`),
    };
  });
  const buses = list(body['EventBuses'], 'eventBuses').map((b, i) => {
    const m = `eventBuses.${i}`;
    const o = structure(b, m);
    return { LogicalId: logical(o, m), Name: named(o['Name'], 'Name', BUS_NAME, m) };
  });
  const rules = list(body['Rules'], 'rules').map((r, i): RuleSpec => {
    const m = `rules.${i}`;
    const o = structure(r, m);
    const state = o['State'] ?? 'ENABLED';
    if (state !== 'ENABLED' && state !== 'DISABLED') throw validationError(state, `${m}.state`, 'Member must satisfy enum value set: [ENABLED, DISABLED]');
    const description = o['Description'];
    if (description !== undefined && !str(description)) throw validationError(description, `${m}.description`, 'Member must be a string');
    const targets = list(o['Targets'], `${m}.targets`).map((t, j) => structure(t, `${m}.targets.${j}`));
    return {
      LogicalId: logical(o, m),
      Name: named(o['Name'], 'Name', RULE_NAME, m),
      EventBusName: named(o['EventBusName'] ?? 'default', 'EventBusName', BUS_NAME, m),
      EventPattern: text(o['EventPattern'], `${m}.eventPattern`),
      State: state,
      Description: description,
      Targets: targets,
    };
  });
  const mappings = list(body['EventSourceMappings'], 'eventSourceMappings').map((e, i): MappingSpec => {
    const m = `eventSourceMappings.${i}`;
    const o = structure(e, m);
    return { LogicalId: logical(o, m), Body: structure(o['Body'], `${m}.body`) };
  });
  return { Topics: topics, Subscriptions: subscriptions, EventBuses: buses, Rules: rules, EventSourceMappings: mappings };
}
