/**
 * Reserved concurrency (Put/Get/DeleteFunctionConcurrency): validated here with AWS's messages,
 * stored, and handed to whoever enforces it (the invoke path's limiter) through `onChange`.
 */
import { invalidParameter, notFound, validationError } from '../../core/errors.js';
import { type Store } from '../../store/types.js';
import { functionKey, type Scope } from '../../core/model.js';
import { functionArn, parseFunctionName } from '../../core/names.js';
import { isObject } from '../http/validate.js';

/** AWS keeps at least this much of the account's concurrency unreserved. */
export const MIN_UNRESERVED = 100;


export class ConcurrencyService {
  constructor(
    private readonly deps: {
      store: Store;
      accountLimit: number;
      onChange: (fnKey: string, reserved: number | undefined) => void;
    },
  ) {}

  /** The functions whose reservation was handed to the enforcer: what a reload takes back when gone. */
  private readonly handed = new Set<string>();

  private hand(fnKey: string, reserved: number | undefined): void {
    if (reserved === undefined) this.handed.delete(fnKey);
    else this.handed.add(fnKey);
    this.deps.onChange(fnKey, reserved);
  }

  /** Loads every stored reservation into the enforcer (at start-up). */
  async loadAll(accountId: string): Promise<void> {
    for (const r of await this.deps.store.concurrency.all(accountId)) this.hand(functionKey(r, r.name), r.reserved);
  }

  /**
   * Hands the enforcer the stored reservations of these accounts again, taking back those no longer
   * stored: in a cluster, another node changed one (or deleted its function).
   */
  async reload(accountIds: readonly string[]): Promise<void> {
    const now = new Map<string, number>();
    for (const id of accountIds) for (const r of await this.deps.store.concurrency.all(id)) now.set(functionKey(r, r.name), r.reserved);
    for (const k of [...this.handed]) if (!now.has(k)) this.hand(k, undefined);
    for (const [k, v] of now) this.hand(k, v);
  }

  async put(scope: Scope, rawName: string, body: unknown): Promise<number> {
    const name = await this.unqualified(scope, rawName);
    const v = isObject(body) ? body['ReservedConcurrentExecutions'] : undefined;
    if (v === undefined || v === null) throw validationError(null, 'reservedConcurrentExecutions', 'Member must not be null');
    if (typeof v !== 'number' || !Number.isInteger(v)) throw validationError(v, 'reservedConcurrentExecutions', 'Member must be an integer');
    if (v < 0) throw validationError(v, 'reservedConcurrentExecutions', 'Member must have value greater than or equal to 0');
    const provisioned = (await this.deps.store.provisioned.list(scope, name)).reduce((s, c) => s + c.requested, 0);
    if (v < provisioned) {
      // AWS's message, its odd spacing included.
      throw invalidParameter(` ReservedConcurrentExecutions  ${v} should not be lower than function's total provisioned concurrency [${provisioned}].`);
    }
    const self = functionKey(scope, name);
    const others =
      (await this.deps.store.concurrency
        .all(scope.accountId))
        .filter((r) => !(r.region === scope.region && r.name === name))
        .reduce((sum, r) => sum + r.reserved, 0) + await this.unreservedProvisioned(scope.accountId, self);
    if (this.deps.accountLimit - others - v < MIN_UNRESERVED) {
      throw invalidParameter(
        `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${MIN_UNRESERVED}].`,
      );
    }
    await this.deps.store.concurrency.set(scope, name, v);
    this.hand(functionKey(scope, name), v);
    return v;
  }

  async get(scope: Scope, rawName: string): Promise<number | undefined> {
    return this.deps.store.concurrency.get(scope, await this.unqualified(scope, rawName));
  }

  async delete(scope: Scope, rawName: string): Promise<void> {
    const name = await this.unqualified(scope, rawName);
    await this.deps.store.concurrency.set(scope, name, undefined);
    this.hand(functionKey(scope, name), undefined);
  }

  get accountLimit(): number {
    return this.deps.accountLimit;
  }

  /**
   * The account's unreserved concurrency: the limit minus every reservation and the provisioned
   * concurrency of functions without one (AWS takes that out of the unreserved pool too).
   */
  async unreserved(accountId: string): Promise<number> {
    return this.deps.accountLimit - (await this.deps.store.concurrency.all(accountId)).reduce((s, r) => s + r.reserved, 0) - await this.unreservedProvisioned(accountId);
  }

  /** Provisioned concurrency of functions without a reservation, but for function `except`. */
  private async unreservedProvisioned(accountId: string, except?: string): Promise<number> {
    const reserved = new Set((await this.deps.store.concurrency.all(accountId)).map((r) => functionKey(r, r.name)));
    let sum = 0;
    for (const c of await this.deps.store.provisioned.all(accountId)) {
      const key = functionKey(c, c.functionName);
      if (key !== except && !reserved.has(key)) sum += c.requested;
    }
    return sum;
  }

  private async unqualified(scope: Scope, rawName: string): Promise<string> {
    const ref = parseFunctionName(rawName);
    if (ref.qualifier !== undefined) {
      throw invalidParameter(
        'This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.',
      );
    }
    if (!await this.deps.store.getVersion(scope, ref.name, '$LATEST')) throw notFound(`Function not found: ${functionArn(scope, ref.name)}`);
    return ref.name;
  }
}
