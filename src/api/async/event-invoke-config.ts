/**
 * EventInvokeConfig (Put/Get/Update/Delete/ListFunctionEventInvokeConfig(s)): how a function's
 * async events are retried and where their outcome goes, per qualifier, with AWS's messages
 * (docs/reference/lambda-api.md §1.4.5; recorded in aws-recordings/snap_api.json, TestLambdaEventInvokeConfig).
 * Put replaces the whole config, Update merges into an existing one.
 */
import { invalidParameter, NimbusError, notFound, validationError } from '../../core/errors.js';
import { parseDestination } from '../../queue/records.js';
import { DEFAULT_MAX_AGE_S, DEFAULT_MAX_RETRIES, type EffectiveConfig } from '../../queue/retry.js';
import type { InvokeConfig, InvokeConfigStore } from '../../queue/types.js';
import type { Clock } from '../../core/clock.js';
import type { Scope } from '../../core/model.js';
import { functionArn, parseFunctionName, qualifierOf } from '../../core/names.js';
import { isObject } from '../http/validate.js';

/** MODEL `DestinationArn` pattern. */
const DESTINATION_ARN =
  /^$|kafka:\/\/([^.]([a-zA-Z0-9\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)$/;
const DESTINATION_ARN_SOURCE =
  '$|kafka://([^.]([a-zA-Z0-9\\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)';

export interface EventInvokeConfigDeps {
  store: InvokeConfigStore;
  clock: Clock;
  /** Whether a function (and qualifier: version or alias) exists. */
  exists: (scope: Scope, name: string, qualifier: string | undefined) => Promise<boolean>;
}

export class EventInvokeConfigService {
  constructor(private readonly deps: EventInvokeConfigDeps) {}

  async put(scope: Scope, rawName: string, queryQualifier: string | undefined, body: unknown): Promise<InvokeConfig> {
    const { name, qualifier } = await this.target(scope, rawName, queryQualifier);
    const s = await this.settings(scope, name, body);
    if (s.maximumRetryAttempts === undefined && s.maximumEventAgeInSeconds === undefined && !s.destinationGiven) {
      throw invalidParameter('You must specify at least one of error handling or destination setting.');
    }
    const c: InvokeConfig = {
      ...scope,
      functionName: name,
      qualifier,
      maximumRetryAttempts: s.maximumRetryAttempts,
      maximumEventAgeInSeconds: s.maximumEventAgeInSeconds,
      onSuccess: s.onSuccess,
      onFailure: s.onFailure,
      lastModified: this.deps.clock.now(),
    };
    await this.deps.store.putConfig(c);
    return c;
  }

  async update(scope: Scope, rawName: string, queryQualifier: string | undefined, body: unknown): Promise<InvokeConfig> {
    const { name, qualifier } = await this.target(scope, rawName, queryQualifier);
    const current = await this.deps.store.getConfig(scope, name, qualifier);
    if (!current) throw missing(scope, name, qualifier);
    const s = await this.settings(scope, name, body);
    const given = isObject(body) ? body : {};
    const dc = isObject(given['DestinationConfig']) ? given['DestinationConfig'] : {};
    const c: InvokeConfig = {
      ...current,
      maximumRetryAttempts: s.maximumRetryAttempts ?? current.maximumRetryAttempts,
      maximumEventAgeInSeconds: s.maximumEventAgeInSeconds ?? current.maximumEventAgeInSeconds,
      onSuccess: dc['OnSuccess'] !== undefined ? s.onSuccess : current.onSuccess,
      onFailure: dc['OnFailure'] !== undefined ? s.onFailure : current.onFailure,
      lastModified: this.deps.clock.now(),
    };
    await this.deps.store.putConfig(c);
    return c;
  }

  async get(scope: Scope, rawName: string, queryQualifier: string | undefined): Promise<InvokeConfig> {
    const ref = parseFunctionName(rawName);
    const qualifier = qualifierOf(ref, queryQualifier) ?? '$LATEST';
    const c = await this.deps.store.getConfig(scope, ref.name, qualifier);
    if (!c) throw missing(scope, ref.name, qualifier);
    return c;
  }

  async delete(scope: Scope, rawName: string, queryQualifier: string | undefined): Promise<void> {
    const ref = parseFunctionName(rawName);
    const qualifier = qualifierOf(ref, queryQualifier) ?? '$LATEST';
    if (!await this.deps.store.deleteConfig(scope, ref.name, qualifier)) throw missing(scope, ref.name, qualifier);
  }

  async list(scope: Scope, rawName: string, marker: string | undefined, maxItems: string | undefined): Promise<{ configs: InvokeConfig[]; nextMarker: string | undefined }> {
    const ref = parseFunctionName(rawName);
    if (!await this.deps.exists(scope, ref.name, undefined)) throw notFound("The function doesn't exist.");
    let limit = 50;
    if (maxItems !== undefined) {
      const n = Number(maxItems);
      if (!Number.isInteger(n) || n < 1) throw validationError(maxItems, 'maxItems', 'Member must have value greater than or equal to 1');
      if (n > 50) throw validationError(maxItems, 'maxItems', 'Member must have value less than or equal to 50');
      limit = n;
    }
    const all = await this.deps.store.listConfigs(scope, ref.name);
    const after = marker ? Buffer.from(marker, 'base64url').toString('utf8') : undefined;
    const rest = after === undefined ? all : all.filter((c) => c.qualifier > after);
    const page = rest.slice(0, limit);
    const more = rest.length > limit;
    return { configs: page, nextMarker: more ? Buffer.from(page[page.length - 1]!.qualifier).toString('base64url') : undefined };
  }

  /** Drops every config of a deleted function. */
  async forget(scope: Scope, name: string): Promise<void> {
    await this.deps.store.deleteConfigs(scope, name);
  }

  /** The settings that govern an event of `name:qualifier`, defaults applied. */
  async effective(scope: Scope, name: string, qualifier: string | undefined, deadLetter?: string): Promise<EffectiveConfig> {
    const c = await this.deps.store.getConfig(scope, name, qualifier ?? '$LATEST');
    return {
      maxRetries: c?.maximumRetryAttempts ?? DEFAULT_MAX_RETRIES,
      maxAgeMs: (c?.maximumEventAgeInSeconds ?? DEFAULT_MAX_AGE_S) * 1000,
      onSuccess: c?.onSuccess,
      onFailure: c?.onFailure,
      deadLetter,
    };
  }

  private async target(scope: Scope, rawName: string, queryQualifier: string | undefined): Promise<{ name: string; qualifier: string }> {
    const ref = parseFunctionName(rawName);
    const qualifier = qualifierOf(ref, queryQualifier);
    if (!await this.deps.exists(scope, ref.name, qualifier)) throw notFound("The function doesn't exist.");
    return { name: ref.name, qualifier: qualifier ?? '$LATEST' };
  }

  private async settings(scope: Scope, name: string, body: unknown) {
    if (!isObject(body)) throw new NimbusError('ERR_INVALID_REQUEST_CONTENT', 'Could not parse request body into json: expected an object');
    const maximumRetryAttempts = intIn(body['MaximumRetryAttempts'], 'maximumRetryAttempts', 0, 2);
    const maximumEventAgeInSeconds = intIn(body['MaximumEventAgeInSeconds'], 'maximumEventAgeInSeconds', 60, 21_600);
    const dc = body['DestinationConfig'];
    if (dc === undefined || dc === null) return { maximumRetryAttempts, maximumEventAgeInSeconds, destinationGiven: false, onSuccess: undefined, onFailure: undefined };
    if (!isObject(dc)) throw validationError(dc, 'destinationConfig', 'Member must be a structure');
    const onSuccess = await this.destination(scope, name, dc, 'OnSuccess');
    const onFailure = await this.destination(scope, name, dc, 'OnFailure');
    return { maximumRetryAttempts, maximumEventAgeInSeconds, destinationGiven: true, onSuccess, onFailure };
  }

  private async destination(scope: Scope, name: string, dc: Record<string, unknown>, key: 'OnSuccess' | 'OnFailure'): Promise<string | undefined> {
    const member = `destinationConfig.${key === 'OnSuccess' ? 'onSuccess' : 'onFailure'}.destination`;
    const d = dc[key];
    if (d === undefined || d === null) return undefined;
    if (!isObject(d)) throw validationError(d, member, 'Member must be a structure');
    const arn = d['Destination'];
    if (arn === undefined || arn === null || arn === '') return undefined;
    if (typeof arn !== 'string') throw validationError(arn, member, 'Member must be a string');
    if (arn.length > 350) throw validationError(arn, member, 'Member must have length less than or equal to 350');
    if (!DESTINATION_ARN.test(arn)) throw validationError(arn, member, `Member must satisfy regular expression pattern: ${DESTINATION_ARN_SOURCE}`);
    const service = arn.split(':')[2];
    if (!['lambda', 'sqs', 'sns', 'events', 's3'].includes(service ?? '')) {
      const shown = (k: 'OnSuccess' | 'OnFailure'): string => {
        const v = isObject(dc[k]) ? (dc[k] as Record<string, unknown>)['Destination'] : undefined;
        return typeof v === 'string' ? `${k}(destination=${v})` : 'null';
      };
      throw invalidParameter(`The provided destination config DestinationConfig(onSuccess=${shown('OnSuccess')}, onFailure=${shown('OnFailure')}) is invalid.`);
    }
    const parsed = parseDestination(arn);
    if (!parsed) {
      throw invalidParameter(
        `Nimbus delivers async results to Lambda functions, SQS queues, SNS topics, EventBridge event buses and S3 buckets of its own; ${arn} is not one.`,
      );
    }
    // Lambda's documented rule; its exact message was not recorded.
    if (parsed.kind === 'bucket' && key === 'OnSuccess') {
      throw invalidParameter('S3 buckets are supported only for on-failure destinations. To retain records of successful invocations, use another destination type.');
    }
    if (parsed.kind === 'function') {
      if (parsed.name === name && parsed.accountId === scope.accountId && parsed.region === scope.region) {
        throw invalidParameter("You can't specify the function as a destination for itself.");
      }
      if (!await this.deps.exists({ accountId: parsed.accountId, region: parsed.region }, parsed.name, parsed.qualifier)) {
        throw invalidParameter(`The destination ARN ${arn} is invalid.`);
      }
    }
    return arn;
  }
}

function missing(scope: Scope, name: string, qualifier: string): NimbusError {
  return notFound(`The function ${functionArn(scope, name, qualifier)} doesn't have an EventInvokeConfig`);
}

function intIn(v: unknown, member: string, min: number, max: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw validationError(v, member, 'Member must be an integer');
  if (v < min) throw validationError(v, member, `Member must have value greater than or equal to ${min}`);
  if (v > max) throw validationError(v, member, `Member must have value less than or equal to ${max}`);
  return v;
}
