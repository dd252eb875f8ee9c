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
import { SnsStore } from './store.js';
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
  file: string;
  clock: Clock;
  sinks: SnsSinks;
  log: (line: string) => void;
}

export interface SnsRequest extends WireRequest {
  body: Buffer;
  accountId: string;
  region: string;
  baseUrl: string;
}

export interface SnsResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

type Operation = (scope: Scope, p: URLSearchParams, baseUrl: string) => { [k: string]: XmlValue } | undefined | Promise<{ [k: string]: XmlValue }>;

export class SnsService {
  private readonly store: SnsStore;
  private readonly ops: Readonly<Record<string, Operation>>;
  private readonly log: (line: string) => void;

  constructor(opts: SnsOptions) {
    this.log = opts.log;
    this.store = new SnsStore(opts.file);
    const deps: TopicDeps = { store: this.store, clock: opts.clock };
    const pub = { store: this.store, clock: opts.clock, sinks: opts.sinks, log: opts.log };
    this.ops = {
      CreateTopic: (s, p) => createTopic(deps, s, p),
      DeleteTopic: (s, p) => deleteTopic(deps, s, p),
      ListTopics: (s) => listTopics(deps, s),
      GetTopicAttributes: (s, p) => getTopicAttributes(deps, s, p),
      SetTopicAttributes: (s, p) => setTopicAttributes(deps, s, p),
      Subscribe: (s, p) => subscribe(deps, s, p),
      Unsubscribe: (s, p) => unsubscribe(deps, s, p),
      ListSubscriptions: (s) => listSubscriptions(deps, s),
      ListSubscriptionsByTopic: (s, p) => listSubscriptionsByTopic(deps, s, p),
      GetSubscriptionAttributes: (s, p) => getSubscriptionAttributes(deps, s, p),
      SetSubscriptionAttributes: (s, p) => setSubscriptionAttributes(deps, s, p),
      Publish: (s, p, base) => publish(pub, s, p, base),
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
    const p = paramsOf(req);
    const action = p.get('Action') ?? '';
    try {
      const op = this.ops[action];
      // SNS's answer to an action it does not have.
      if (!op) throw new SnsError('InvalidAction', 400, `The action ${action} is not valid for this endpoint.`);
      const result = await op({ accountId: req.accountId, region: req.region }, p, req.baseUrl);
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

  /** Nimbus's own refusal of an SNS request (guard, body size) in SNS's error shape. */
  static refusal(status: number, code: string, message: string): SnsResponse {
    const requestId = randomUUID();
    return reply(status, requestId, encodeError(new SnsError(code, status, message), requestId));
  }

  close(): void {
    this.store.close();
  }
}

function reply(status: number, requestId: string, body: Buffer): SnsResponse {
  return { status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}
