/**
 * The DynamoDB engine behind Nimbus's DynamoDB endpoint: dynalite (npm, pinned), a DynamoDB
 * implementation on LevelDB, embedded in-process. Nimbus does not write a DynamoDB engine of its
 * own; this file only loads dynalite, keeps one dynalite store per account and region (so one
 * account never sees another's tables, and table ARNs name the right account and region), and
 * calls dynalite's validations and actions directly with a callback that never throws.
 *
 * Why not dynalite's HTTP handler: it rethrows any error without a status from inside a LevelDB
 * callback (which would take the whole server down), checks its own idea of a signature, and
 * reads the body again; Nimbus has already authenticated and read the request.
 *
 * dynalite is loaded on the first DynamoDB request (or the first stack with a table), so
 * `nimbus serve` and warm invokes never pay for it. LevelDB comes from classic-level's prebuilt
 * binaries (no compiler on the install path).
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Scope } from '../core/model.js';

/** The operations dynalite 4.0.0 implements (its index.js `validOperations`). */
export const DYNALITE_OPERATIONS: ReadonlySet<string> = new Set([
  'BatchGetItem', 'BatchWriteItem', 'CreateTable', 'DeleteItem', 'DeleteTable', 'DescribeTable', 'DescribeTimeToLive', 'GetItem',
  'ListTables', 'PutItem', 'Query', 'Scan', 'TagResource', 'UntagResource', 'ListTagsOfResource', 'UpdateItem', 'UpdateTable',
]);

/** An answer in DynamoDB's JSON: status and body (an error body has `__type` and usually `message`). */
export interface EngineAnswer {
  status: number;
  body: Record<string, unknown>;
}

type Callback = (err: (Error & { statusCode?: number; body?: Record<string, unknown> }) | null, data?: unknown) => void;
type Action = (store: DynaliteStore, data: unknown, cb: Callback) => void;
interface ActionValidation {
  types: unknown;
  custom?: unknown;
}
interface DynaliteStore {
  tableDb: { awsAccountId: string; awsRegion: string };
  lifecycleManager?: { gracefulClose(cb: (err?: unknown) => void): void };
  db: { close(cb?: (err?: unknown) => void): unknown };
}
interface Dynalite {
  create(options: Record<string, unknown>): DynaliteStore;
  checkTypes(data: unknown, types: unknown): unknown;
  checkValidations(data: unknown, types: unknown, custom: unknown, store: DynaliteStore): void;
  action(op: string): { run: Action; validation: ActionValidation };
}

let loaded: Dynalite | undefined;

/** dynalite's modules, required on first use (CommonJS, so through createRequire). */
function dynalite(): Dynalite {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  // Loads level, and with it classic-level's native binding: a platform without a prebuilt one fails here.
  const db = require('dynalite/db') as { create: Dynalite['create'] };
  const validations = require('dynalite/validations') as Pick<Dynalite, 'checkTypes' | 'checkValidations'> & { toLowerFirst(s: string): string };
  const actions = new Map<string, { run: Action; validation: ActionValidation }>();
  loaded = {
    create: db.create,
    checkTypes: validations.checkTypes,
    checkValidations: validations.checkValidations,
    action: (op) => {
      let a = actions.get(op);
      if (!a) {
        const file = validations.toLowerFirst(op);
        a = { run: require(`dynalite/actions/${file}`) as Action, validation: require(`dynalite/validations/${file}`) as ActionValidation };
        actions.set(op, a);
      }
      return a;
    },
  };
  return loaded;
}

const errorBody = (type: string, message: string): Record<string, unknown> => ({ __type: type, message });

export interface DynamoEngineOptions {
  /** `<data-dir>/dynamodb`: one LevelDB per `<account>/<region>` under it; undefined keeps tables in memory. */
  dir: string | undefined;
  /** Largest item, in KB (DynamoDB's 400). */
  maxItemSizeKb?: number;
  log: (line: string) => void;
}

export class DynamoEngine {
  private readonly stores = new Map<string, DynaliteStore>();
  private closed = false;

  constructor(private readonly o: DynamoEngineOptions) {}

  /** Whether dynalite has been loaded (tests and the health page can tell that startup did not). */
  get started(): boolean {
    return this.stores.size > 0;
  }

  private store(scope: Scope): DynaliteStore {
    const key = `${scope.accountId}/${scope.region}`;
    let s = this.stores.get(key);
    if (!s) {
      const path = this.o.dir === undefined ? undefined : join(this.o.dir, scope.accountId, scope.region);
      if (path) mkdirSync(path, { recursive: true, mode: 0o700 });
      // Tables are ACTIVE at once, as in DynamoDB Local: code that creates a table and writes to it
      // straight away (common in samples and tests) works without a waiter.
      s = dynalite().create({
        ...(path ? { path } : {}),
        createTableMs: 0,
        deleteTableMs: 0,
        updateTableMs: 0,
        maxItemSizeKb: this.o.maxItemSizeKb ?? 400,
      });
      // dynalite mints table ARNs from these (it reads them from the environment otherwise).
      s.tableDb.awsAccountId = scope.accountId;
      s.tableDb.awsRegion = scope.region;
      this.stores.set(key, s);
    }
    return s;
  }

  /** Runs one DynamoDB operation for `scope`; never throws (every failure is an answer). */
  async call(scope: Scope, op: string, params: unknown): Promise<EngineAnswer> {
    const a = await this.run(scope, op, params);
    // dynalite finishes a table change on a timer (0 ms here): the answer waits for it, so the
    // next request already finds the table ACTIVE (or gone), as the docs promise.
    if (a.status === 200 && (op === 'CreateTable' || op === 'UpdateTable' || op === 'DeleteTable')) {
      const name = (params as { TableName?: unknown }).TableName;
      for (let i = 0; i < 100; i++) {
        const d = await this.run(scope, 'DescribeTable', { TableName: name });
        const status = (d.body['Table'] as { TableStatus?: string } | undefined)?.TableStatus;
        if (op === 'DeleteTable' ? d.status !== 200 : status === 'ACTIVE' || d.status !== 200) break;
        await new Promise((r) => setTimeout(r, 1));
      }
    }
    return a;
  }

  private run(scope: Scope, op: string, params: unknown): Promise<EngineAnswer> {
    if (this.closed) return Promise.resolve({ status: 500, body: errorBody('com.amazonaws.dynamodb.v20120810#InternalServerError', 'Nimbus is shutting down.') });
    if (!DYNALITE_OPERATIONS.has(op)) {
      return Promise.resolve({
        status: 400,
        body: errorBody('com.amazon.coral.service#UnknownOperationException', `Nimbus's DynamoDB (dynalite) does not implement ${op} (docs/dynamodb.md).`),
      });
    }
    let engine: Dynalite;
    try {
      engine = dynalite();
    } catch (e) {
      // dynalite is an optional dependency: a machine without it (or without a LevelDB build for
      // its platform) serves everything but DynamoDB, and says why.
      this.o.log(`dynamodb: dynalite could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
      return Promise.resolve({
        status: 503,
        body: errorBody('com.amazon.coral.service#ServiceUnavailableException', `Nimbus's DynamoDB is unavailable here: its engine, the optional dependency dynalite, could not be loaded (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); see docs/dynamodb.md.`),
      });
    }
    return new Promise((resolve) => {
      const fail = (e: unknown): void => {
        this.o.log(`dynamodb: ${op} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        resolve({ status: 500, body: errorBody('com.amazonaws.dynamodb.v20120810#InternalServerError', 'Internal server error') });
      };
      try {
        const d = engine;
        const store = this.store(scope);
        const { run, validation } = d.action(op);
        let data: unknown;
        try {
          data = d.checkTypes(params, validation.types);
          d.checkValidations(data, validation.types, validation.custom, store);
        } catch (e) {
          const err = e as { statusCode?: number; body?: Record<string, unknown> };
          if (err.statusCode && err.body) return resolve({ status: err.statusCode, body: err.body });
          return fail(e);
        }
        let answered = false;
        run(store, data, (err, out) => {
          if (answered) return;
          answered = true;
          if (err && err.statusCode && err.body) return resolve({ status: err.statusCode, body: err.body });
          if (err) return fail(err);
          resolve({ status: 200, body: (out ?? {}) as Record<string, unknown> });
        });
      } catch (e) {
        fail(e);
      }
    });
  }

  /** Closes every LevelDB (pending writes finish first). */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.stores.values()];
    this.stores.clear();
    await Promise.all(
      all.map(
        (s) =>
          new Promise<void>((resolve) => {
            const done = (): void => resolve();
            if (s.lifecycleManager) s.lifecycleManager.gracefulClose(done);
            else void Promise.resolve(s.db.close(done)).then(done, done);
          }),
      ),
    );
  }
}
