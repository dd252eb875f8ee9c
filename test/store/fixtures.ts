/**
 * Records and scopes for the shared store suite (store.case.ts), and the factory type every
 * implementation's test file passes to it.
 */
import type { TestContext } from 'node:test';
import type { FunctionVersion, Scope } from '../../src/core/model.js';
import type { AliasRecord, ApiRecord, EventSourceMappingRecord, ProvisionedConfig, RouteRecord, StackRecord, UrlConfigRecord } from '../../src/store/records.js';
import type { Store } from '../../src/store/types.js';

/** Makes an empty store; `close` releases it and whatever it kept on disk. */
export type NewStore = () => { store: Store; close(): void | Promise<void> };

/** A fresh store that closes when the test ends. */
export function open(t: TestContext, newStore: NewStore): Store {
  const s = newStore();
  t.after(() => s.close());
  return s.store;
}

/** Two accounts and two regions: every record must stay in the scope it was written in. */
export const A: Scope = { accountId: '111111111111', region: 'us-east-1' };
export const A2: Scope = { accountId: '111111111111', region: 'eu-west-1' };
export const B: Scope = { accountId: '222222222222', region: 'us-east-1' };

/** A hex SHA-256 made from a short tag, so that tests can say which code a version holds. */
export const sha = (tag: string): string => tag.padEnd(64, '0');

export function fn(scope: Scope, name: string, over: Partial<FunctionVersion> = {}): FunctionVersion {
  return {
    accountId: scope.accountId,
    region: scope.region,
    name,
    version: '$LATEST',
    runtime: 'nodejs20.x',
    handler: 'index.handler',
    role: 'arn:aws:iam::111111111111:role/r',
    description: '',
    timeout: 3,
    memorySize: 128,
    architectures: ['x86_64'],
    ephemeralStorageMb: 512,
    tracingMode: 'PassThrough',
    logFormat: 'Text',
    logGroup: `/aws/lambda/${name}`,
    packageType: 'Zip',
    environment: { STAGE: 'test' },
    codeSha256: sha('c0de'),
    codeSize: 100,
    lastModified: 1_700_000_000_000,
    revisionId: `rev-${name}`,
    ...over,
  };
}

/** A `build` for publishVersion: the function's `$LATEST` as it is, under the given number. */
/** A publishVersion builder from `$LATEST` as it is now (read first: the builder itself is synchronous). */
export async function fromLatest(store: Store, scope: Scope, name: string, over: Partial<FunctionVersion> = {}): Promise<(version: string) => FunctionVersion> {
  const latest = (await store.getVersion(scope, name, '$LATEST'))!;
  return (version) => ({ ...latest, version, ...over });
}

export function alias(scope: Scope, functionName: string, name: string, over: Partial<AliasRecord> = {}): AliasRecord {
  return { ...scope, functionName, name, functionVersion: '1', description: '', weights: {}, revisionId: `rev-${name}`, ...over };
}

export function url(scope: Scope, functionName: string, qualifier: string, urlId: string, over: Partial<UrlConfigRecord> = {}): UrlConfigRecord {
  return {
    ...scope,
    functionName,
    qualifier,
    urlId: urlId.padEnd(32, '0'),
    authType: 'NONE',
    cors: undefined,
    invokeMode: 'BUFFERED',
    createdAt: 1,
    modifiedAt: 1,
    ...over,
  };
}

export function route(scope: Scope, stack: string, method: string, path: string, functionName: string, apiId = 'api0000001'): RouteRecord {
  return { ...scope, stack, apiId, method, path, functionName, qualifier: '', payloadFormatVersion: '2.0', authorizer: '' };
}

export function api(scope: Scope, stack: string, logicalId: string, apiId: string, over: Partial<ApiRecord> = {}): ApiRecord {
  return { ...scope, stack, logicalId, apiId, type: 'HTTP', stage: '', cors: undefined, authorizers: undefined, ...over };
}

export function stack(scope: Scope, name: string, over: Partial<StackRecord> = {}): StackRecord {
  return {
    ...scope,
    name,
    stackId: `arn:aws:cloudformation:${scope.region}:${scope.accountId}:stack/${name}/0b9d8a4e-0000-4000-8000-000000000000`,
    status: 'CREATE_COMPLETE',
    statusReason: '',
    description: '',
    parameters: { Stage: 'dev' },
    outputs: { Url: 'http://x' },
    resources: [{ logicalId: 'Fn', type: 'AWS::Lambda::Function', physicalId: `${name}-Fn-ABCDEFGHIJKL` }],
    createdAt: 10,
    updatedAt: 20,
    ...over,
  };
}

export function provisioned(scope: Scope, functionName: string, qualifier: string, requested: number): ProvisionedConfig {
  return { ...scope, functionName, qualifier, requested, lastModified: 5 };
}

/** Tries to change a returned record in place; a frozen record refusing the change is fine too. */
export function scribble(o: object, change: () => void): void {
  try {
    change();
  } catch (e) {
    if (!(e instanceof TypeError) || !Object.isFrozen(o)) throw e;
  }
}

export function mapping(scope: Scope, uuid: string, functionName: string, over: Partial<EventSourceMappingRecord> = {}): EventSourceMappingRecord {
  return {
    ...scope,
    uuid,
    functionName,
    qualifier: undefined,
    eventSourceArn: `arn:aws:sqs:${scope.region}:${scope.accountId}:q`,
    enabled: true,
    state: 'Creating',
    stateTransitionReason: 'USER_INITIATED',
    batchSize: 10,
    maximumBatchingWindowInSeconds: 0,
    filterCriteria: undefined,
    functionResponseTypes: [],
    maximumConcurrency: undefined,
    extras: {},
    tags: {},
    createdAt: 7,
    lastModified: 7,
    ...over,
  };
}
