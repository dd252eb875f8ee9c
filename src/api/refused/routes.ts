/**
 * The group of the current Lambda model Nimbus refuses (docs/compatibility.md): Lambda Managed
 * Instances' capacity providers (/2025-11-30); durable functions are served by api/durable. Each
 * operation is routed, so that a client gets Lambda's error for a setting a service does not
 * support (InvalidParameterValueException, 400) naming what is missing, never a 404 that reads
 * like a typo, and never a success that did nothing. Their own issues will replace these routes.
 */
import { invalidParameter } from '../../core/errors.js';
import type { Handler } from '../http/context.js';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

const MANAGED = 'Lambda Managed Instances (capacity providers)';

/** Every refused operation: method, path, name (MODEL), and the feature it belongs to. */
export const REFUSED: readonly (readonly [Method, string, string, string])[] = [
  ['POST', '/2025-11-30/capacity-providers', 'CreateCapacityProvider', MANAGED],
  ['GET', '/2025-11-30/capacity-providers', 'ListCapacityProviders', MANAGED],
  ['GET', '/2025-11-30/capacity-providers/:CapacityProviderName', 'GetCapacityProvider', MANAGED],
  ['PUT', '/2025-11-30/capacity-providers/:CapacityProviderName', 'UpdateCapacityProvider', MANAGED],
  ['DELETE', '/2025-11-30/capacity-providers/:CapacityProviderName', 'DeleteCapacityProvider', MANAGED],
  ['GET', '/2025-11-30/capacity-providers/:CapacityProviderName/function-versions', 'ListFunctionVersionsByCapacityProvider', MANAGED],
];

/** The message every refused operation answers with. */
export const refusal = (operation: string, feature: string): string =>
  `${operation}: Nimbus does not support ${feature}. See docs/compatibility.md for what Nimbus runs and what it refuses.`;

/** One handler per refused operation. */
export function refusedRoutes(): [Method, string, Handler][] {
  return REFUSED.map(([method, path, operation, feature]) => [
    method,
    path,
    () => {
      throw invalidParameter(refusal(operation, feature));
    },
  ]);
}
