/**
 * Log groups: a function's is `/aws/lambda/<FunctionName>`, or its LoggingConfig.LogGroup when
 * set (several functions may share one, as on AWS). A group exists while a function names it
 * (AWS creates it at the first invocation; Nimbus shows it from the function's creation).
 *
 * Telling a group's functions needs every function's configuration, so the index is kept per
 * scope for half a minute (`aws logs tail --follow` asks every 5 s), and rebuilt at once when a
 * request names a group it does not hold: a new function's group is never missed; a function
 * deleted, or moved into a group already indexed, counts in its old place for at most that long.
 * DescribeLogGroups, which lists them, always reads them afresh.
 */
import type { FunctionVersion, Scope } from '../../core/model.js';
import { groupNotFound } from './errors.js';

export interface FunctionSource {
  listFunctions(scope: Scope, afterName: string | undefined, limit: number): Promise<FunctionVersion[]>;
}

export interface LogGroup {
  name: string;
  /** Its functions, in name order. */
  functions: string[];
  /** The oldest LastModified of its functions (Nimbus keeps no creation time). */
  creationTime: number;
}

const FRESH_MS = 30_000;
const PAGE = 1000;
const MAX_SCOPES = 1000;

export const defaultGroup = (functionName: string): string => `/aws/lambda/${functionName}`;

export class LogGroups {
  private readonly cache = new Map<string, { at: number; groups: Map<string, LogGroup> }>();

  constructor(
    private readonly source: FunctionSource,
    private readonly now: () => number,
  ) {}

  /** Every group of the scope, by name. */
  async all(scope: Scope, fresh = false): Promise<Map<string, LogGroup>> {
    const key = `${scope.accountId}/${scope.region}`;
    const hit = this.cache.get(key);
    if (!fresh && hit && this.now() - hit.at < FRESH_MS) return hit.groups;
    const groups = new Map<string, LogGroup>();
    for (let after: string | undefined; ; ) {
      const page = await this.source.listFunctions(scope, after, PAGE);
      for (const fn of page) {
        const name = fn.logGroup || defaultGroup(fn.name);
        const g = groups.get(name);
        if (g) {
          g.functions.push(fn.name);
          g.creationTime = Math.min(g.creationTime, fn.lastModified);
        } else groups.set(name, { name, functions: [fn.name], creationTime: fn.lastModified });
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.name;
    }
    if (this.cache.size >= MAX_SCOPES) this.cache.clear();
    this.cache.set(key, { at: this.now(), groups });
    return groups;
  }

  /** A group by name; ResourceNotFoundException when no function names it. */
  async get(scope: Scope, name: string): Promise<LogGroup> {
    const g = (await this.all(scope)).get(name) ?? (await this.all(scope, true)).get(name);
    if (!g) throw groupNotFound();
    return g;
  }
}
