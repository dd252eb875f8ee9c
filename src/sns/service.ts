/**
 * An Amazon SNS subset on Nimbus's endpoint: standard topics, subscriptions with the `lambda`
 * and `sqs` protocols and filter policies, Publish. The wire protocol is SNS's Query protocol,
 * which both the AWS CLI and @aws-sdk/client-sns send (query.ts); state lives in `sns.db`, and
 * deliveries go out through the sinks the composition root gives (publish.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { Scope } from '../core/model.js';
import { internalError, SnsError } from './errors.js';
import { publish, type SnsSinks } from './publish.js';
import { claims, classify, encodeError, encodeResult, paramsOf, type WireRequest, type XmlValue } from './query.js';
import { SnsStore, type SnsStoreApi } from './store.js';
import type { Caller } from './policy.js';
import {
  createTopic,
  deleteTopic,
  getSubscriptionAttributes,
  getTopicAttributes,
  listSubscriptions,
  listSubscriptionsByTopic,
  listTopics,
  setSubscriptionAttributes,
  setTopicAttributes,
  subscribe,
  unsubscribe,
  type TopicDeps,
} from './topics.js';

export interface SnsOptions {
  /** The SQLite file of one node. */
  file: string;
  /** Instead: a store opened elsewhere (a cluster's PostgreSQL, pg-store.ts). */
  store?: SnsStoreApi;
  clock: Clock;
  sinks: SnsSinks;
  log: (line: string) => void;
}

export interface SnsRequest extends WireRequest {
  body: Buffer;
  accountId: string;
  region: string;
  baseUrl: string;
  /** The authenticated caller; topic policies are checked against it (policy.ts). */
  caller?: Caller | undefined;
}

export interface SnsResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

type Operation = (scope: Scope, p: URLSearchParams, baseUrl: string, caller?: Caller) => Promise<{ [k: string]: XmlValue } | undefined>;

export class SnsService {
  private readonly store: SnsStoreApi;
  private readonly ops: Readonly<Record<string, Operation>>;
  private readonly log: (line: string) => void;
  /**
   * The base URL of the newest request (the endpoint clients reach Nimbus on): a notification
   * published by another service (an EventBridge rule's topic target) has no request of its own
   * to take its UnsubscribeURL and SigningCertURL from.
   */
  private baseUrl = 'http://localhost';

  constructor(opts: SnsOptions) {
    this.log = opts.log;
    this.store = opts.store ?? new SnsStore(opts.file);
    const deps: TopicDeps = { store: this.store, clock: opts.clock };
    const pub = { store: this.store, clock: opts.clock, sinks: opts.sinks, log: opts.log };
    this.ops = {
      CreateTopic: (s, p) => createTopic(deps, s, p),
      DeleteTopic: (s, p) => deleteTopic(deps, s, p),
      ListTopics: (s) => listTopics(deps, s),
      GetTopicAttributes: (s, p, _b, c) => getTopicAttributes(deps, s, p, c),
      SetTopicAttributes: (s, p, _b, c) => setTopicAttributes(deps, s, p, c),
      Subscribe: (s, p, _b, c) => subscribe(deps, s, p, c),
      Unsubscribe: (s, p) => unsubscribe(deps, s, p),
      ListSubscriptions: (s) => listSubscriptions(deps, s),
      ListSubscriptionsByTopic: (s, p, _b, c) => listSubscriptionsByTopic(deps, s, p, c),
      GetSubscriptionAttributes: (s, p) => getSubscriptionAttributes(deps, s, p),
      SetSubscriptionAttributes: (s, p) => setSubscriptionAttributes(deps, s, p),
      Publish: (s, p, base, c) => publish(pub, s, p, base, c),
    };
  }

  static classify(req: WireRequest): 'yes' | 'no' | 'body' {
    return classify(req);
  }

  static claims(req: WireRequest & { body: Buffer }): boolean {
    return claims(req);
  }

  /** Never throws: every failure is an answer in SNS's error shape. */
  async handle(req: SnsRequest): Promise<SnsResponse> {
    const requestId = randomUUID();
    if (req.baseUrl) this.baseUrl = req.baseUrl;
    const p = paramsOf(req);
    const action = p.get('Action') ?? '';
    try {
      const op = this.ops[action];
      // SNS's answer to an action it does not have.
      if (!op) throw new SnsError('InvalidAction', 400, `The action ${action} is not valid for this endpoint.`);
      const result = await op({ accountId: req.accountId, region: req.region }, p, req.baseUrl, req.caller);
      return reply(200, requestId, encodeResult(action, result, requestId));
    } catch (e) {
      let err: SnsError;
      if (e instanceof SnsError) err = e;
      else {
        this.log(`sns: ${action} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        err = internalError();
      }
      return reply(err.status, requestId, encodeError(err, requestId));
    }
  }

  // The programmatic API, for Nimbus's own components (SAM stacks): the wire operations with
  // their checks and messages; errors are SnsErrors.

  /** CreateTopic; answers the topic's ARN (an existing topic of that name is answered as it is). */
  async createTopic(scope: Scope, name: string, attributes: Record<string, string> = {}, tags: Record<string, string> = {}): Promise<string> {
    const p = new URLSearchParams({ Name: name });
    addEntries(p, 'Attributes.entry', 'key', 'value', attributes);
    addEntries(p, 'Tags.member', 'Key', 'Value', tags);
    return String((await this.op('CreateTopic', scope, p))['TopicArn']);
  }

  async deleteTopic(scope: Scope, topicArn: string): Promise<void> {
    await this.op('DeleteTopic', scope, new URLSearchParams({ TopicArn: topicArn }));
  }

  /** The attributes a topic was given (not the computed ones), or undefined when it does not exist. */
  async topicAttributes(scope: Scope, topicArn: string): Promise<Record<string, string> | undefined> {
    const t = await this.store.topic(topicArn);
    return t && t.accountId === scope.accountId && t.region === scope.region ? { ...t.attributes } : undefined;
  }

  async setTopicAttribute(scope: Scope, topicArn: string, name: string, value: string): Promise<void> {
    await this.op('SetTopicAttributes', scope, new URLSearchParams({ TopicArn: topicArn, AttributeName: name, AttributeValue: value }));
  }

  /** Subscribe; answers the subscription's ARN (the existing one for the same topic, protocol and endpoint). */
  async subscribe(scope: Scope, topicArn: string, protocol: string, endpoint: string, attributes: Record<string, string> = {}): Promise<string> {
    const p = new URLSearchParams({ TopicArn: topicArn, Protocol: protocol, Endpoint: endpoint });
    addEntries(p, 'Attributes.entry', 'key', 'value', attributes);
    return String((await this.op('Subscribe', scope, p))['SubscriptionArn']);
  }

  async unsubscribe(scope: Scope, subscriptionArn: string): Promise<void> {
    await this.op('Unsubscribe', scope, new URLSearchParams({ SubscriptionArn: subscriptionArn }));
  }

  /** A subscription's topic, protocol, endpoint and the attributes it was given, or undefined when it does not exist. */
  async subscription(scope: Scope, subscriptionArn: string): Promise<{ topicArn: string; protocol: string; endpoint: string; attributes: Record<string, string> } | undefined> {
    const s = await this.store.subscription(subscriptionArn);
    if (!s || s.accountId !== scope.accountId || s.region !== scope.region) return undefined;
    return { topicArn: s.topicArn, protocol: s.protocol, endpoint: s.endpoint, attributes: { ...s.attributes } };
  }

  /** The ARN of the topic's subscription with this protocol and endpoint, if there is one. */
  async findSubscription(scope: Scope, topicArn: string, protocol: string, endpoint: string): Promise<string | undefined> {
    const t = await this.store.topic(topicArn);
    if (!t || t.accountId !== scope.accountId || t.region !== scope.region) return undefined;
    return (await this.store.subscriptionsOf(topicArn)).find((s) => s.protocol === protocol && s.endpoint === endpoint)?.arn;
  }

  /** SetSubscriptionAttributes; an empty FilterPolicy removes the policy, as on AWS. */
  async setSubscriptionAttribute(scope: Scope, subscriptionArn: string, name: string, value: string): Promise<void> {
    await this.op('SetSubscriptionAttributes', scope, new URLSearchParams({ SubscriptionArn: subscriptionArn, AttributeName: name, AttributeValue: value }));
  }

  /**
   * Publish on behalf of another service (an EventBridge rule with the topic as its target): the
   * message goes to the topic's subscriptions as a Publish would send it, without a Subject.
   * The topic is the one the ARN names (its account and region); no caller is checked, as Nimbus
   * does not enforce topic policies for service principals. `attributes` become String message
   * attributes (Number for the names in `numbers`), as Lambda's dead-letter topics get them.
   */
  async publishFromService(topicArn: string, message: string, attributes: Record<string, string> = {}, numbers: ReadonlySet<string> = new Set(), subject?: string): Promise<void> {
    const [, , , region = '', accountId = ''] = topicArn.split(':');
    const p = new URLSearchParams({ TopicArn: topicArn, Message: message, ...(subject ? { Subject: subject } : {}) });
    Object.entries(attributes).forEach(([name, value], i) => {
      p.set(`MessageAttributes.entry.${i + 1}.Name`, name);
      p.set(`MessageAttributes.entry.${i + 1}.Value.DataType`, numbers.has(name) ? 'Number' : 'String');
      p.set(`MessageAttributes.entry.${i + 1}.Value.StringValue`, value);
    });
    await this.ops['Publish']!({ accountId, region }, p, this.baseUrl);
  }

  private async op(action: string, scope: Scope, p: URLSearchParams): Promise<{ [k: string]: XmlValue }> {
    return (await this.ops[action]!(scope, p, '')) ?? {};
  }

  /** Nimbus's own refusal of an SNS request (guard, body size) in SNS's error shape. */
  static refusal(status: number, code: string, message: string): SnsResponse {
    const requestId = randomUUID();
    return reply(status, requestId, encodeError(new SnsError(code, status, message), requestId));
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}

function reply(status: number, requestId: string, body: Buffer): SnsResponse {
  return { status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}

function addEntries(p: URLSearchParams, prefix: string, keyName: string, valueName: string, map: Record<string, string>): void {
  Object.entries(map).forEach(([k, v], i) => {
    p.set(`${prefix}.${i + 1}.${keyName}`, k);
    p.set(`${prefix}.${i + 1}.${valueName}`, v);
  });
}
