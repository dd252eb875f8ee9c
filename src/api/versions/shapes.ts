/** The wire shape of an alias (docs/reference/lambda-api.md §1.4.4). */
import { functionArn } from '../../core/names.js';
import type { AliasRecord } from '../../store/records.js';

/** MODEL `AliasConfiguration`; RoutingConfig is omitted when no weights are set. */
export function aliasConfiguration(a: AliasRecord): Record<string, unknown> {
  const c: Record<string, unknown> = {
    AliasArn: functionArn(a, a.functionName, a.name),
    Name: a.name,
    FunctionVersion: a.functionVersion,
    Description: a.description,
    RevisionId: a.revisionId,
  };
  if (Object.keys(a.weights).length > 0) c['RoutingConfig'] = { AdditionalVersionWeights: a.weights };
  return c;
}
