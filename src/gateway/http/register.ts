/**
 * Wires the HTTP-facing features into a gateway: versions and aliases, function URL configs
 * and their serving, and the SAM route table. Called once from the composition root, which
 * supplies the shared services.
 */
import type { Clock } from '../../core/clock.js';
import { AliasService } from '../../control/aliases.js';
import type { FunctionService } from '../../control/functions.js';
import { RouteService } from '../../control/routes.js';
import { UrlConfigService } from '../../control/url-configs.js';
import { VersionService } from '../../control/versions.js';
import type { Invoker } from '../../invoke/invoker.js';
import type { Store } from '../../store/types.js';
import type { Scope } from '../../core/model.js';
import { apiRouteRoutes } from '../routes/api-routes.js';
import { functionUrlRoutes } from '../routes/function-urls.js';
import { responseStreamingRoutes } from '../routes/response-streaming.js';
import { versionRoutes } from '../routes/versions.js';
import type { Gateway } from '../server.js';
import { apiRouteHook } from './route-hook.js';
import { functionUrlHook } from './url-hook.js';

export interface HttpFeatureDeps {
  store: Store;
  clock: Clock;
  functions: FunctionService;
  invoker: Invoker;
  log: (line: string) => void;
  /** Called after an alias was moved or deleted (provisioned concurrency follows its alias). */
  onAliasChange?: (scope: Scope, functionName: string) => void;
}

export function registerHttpFeatures(gateway: Gateway, deps: HttpFeatureDeps): void {
  const { store, clock, functions, invoker, log, onAliasChange } = deps;
  versionRoutes(gateway.route, new VersionService({ store, clock }), new AliasService({ store, ...(onAliasChange ? { onChange: onAliasChange } : {}) }));
  functionUrlRoutes(gateway.route, new UrlConfigService({ store, clock }));
  responseStreamingRoutes(gateway.route, functions);
  const routes = new RouteService(store);
  apiRouteRoutes(gateway.route, routes);
  gateway.hook('before', functionUrlHook({ urls: store.urls, clock, functions, invoker }));
  gateway.hook('fallback', apiRouteHook({ routes, clock, functions, invoker, log }));
}
