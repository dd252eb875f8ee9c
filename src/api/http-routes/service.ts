/**
 * The HTTP route table (SAM `HttpApi`/`Api` events): registered per stack through
 * PUT /nimbus/v1/routes, stored, and kept compiled in memory for matching.
 */
import { NimbusError, validationError } from '../../core/errors.js';
import { checkRoutePath, compileRoute, matchRoute, type CompiledRoute, type RouteMatch } from '../../httpapi/route-match.js';
import type { RouteRecord } from '../../store/records.js';
import type { Store } from '../../store/types.js';
import type { Scope } from '../../core/model.js';
import { parseFunctionName } from '../../core/names.js';
import { isObject } from '../http/validate.js';

const METHODS = new Set(['ANY', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);
const STACK = /^[a-zA-Z0-9][a-zA-Z0-9-_]{0,127}$/;
const MAX_ROUTES = 1000;

export class RouteService {
  private compiled: CompiledRoute<RouteRecord>[] | undefined;

  constructor(private readonly store: Store) {}

  /** Replaces a stack's routes; `body` is `{Stack, Routes: [{Method, Path, FunctionName, Qualifier?, PayloadFormatVersion?}]}`. */
  put(scope: Scope, body: unknown): RouteRecord[] {
    if (!isObject(body)) throw new NimbusError('ERR_INVALID_REQUEST_CONTENT', 'Could not parse request body into json: expected an object');
    const stack = body['Stack'];
    if (typeof stack !== 'string' || !STACK.test(stack)) {
      throw validationError(stack ?? null, 'stack', `Member must satisfy regular expression pattern: ${STACK.source.slice(1, -1)}`);
    }
    const list = body['Routes'];
    if (!Array.isArray(list)) throw validationError(list ?? null, 'routes', 'Member must be a list');
    if (list.length > MAX_ROUTES) throw validationError(list.length, 'routes', `Member must have length less than or equal to ${MAX_ROUTES}`);
    const seen = new Set<string>();
    const routes = list.map((r, i): RouteRecord => {
      if (!isObject(r)) throw validationError(r, `routes.${i}`, 'Member must be a structure');
      const method = typeof r['Method'] === 'string' ? r['Method'].toUpperCase() : '';
      if (!METHODS.has(method)) throw validationError(r['Method'] ?? null, `routes.${i}.method`, `Member must satisfy enum value set: [${[...METHODS].join(', ')}]`);
      const path = r['Path'];
      if (typeof path !== 'string') throw validationError(path ?? null, `routes.${i}.path`, 'Member must be a string');
      const bad = checkRoutePath(path);
      if (bad) throw validationError(path, `routes.${i}.path`, bad);
      const ref = parseFunctionName(r['FunctionName'], `routes.${i}.functionName`);
      const qualifier = typeof r['Qualifier'] === 'string' ? r['Qualifier'] : (ref.qualifier ?? '');
      const format = r['PayloadFormatVersion'] ?? '2.0';
      if (format !== '1.0' && format !== '2.0') throw validationError(format, `routes.${i}.payloadFormatVersion`, 'Member must satisfy enum value set: [1.0, 2.0]');
      const key = `${method} ${path}`;
      if (seen.has(key)) throw new NimbusError('ERR_CONFLICT', `Route ${key} is defined twice in stack ${stack}.`);
      seen.add(key);
      return { ...scope, stack, method, path, functionName: ref.name, qualifier, payloadFormatVersion: format };
    });
    this.store.routes.replaceStack(scope, stack, routes);
    this.compiled = undefined;
    return routes;
  }

  list(): RouteRecord[] {
    return this.store.routes.all();
  }

  match(method: string, rawPath: string): RouteMatch<RouteRecord> | undefined {
    this.compiled ??= this.store.routes.all().map((r) => compileRoute(r.method, r.path, r));
    return matchRoute(this.compiled, method, rawPath);
  }
}
