/**
 * Which version an alias invocation runs (docs/reference/lambda-api.md §1.4.4): the additional version with
 * probability equal to its weight, else the primary. Pure: the caller supplies the randomness,
 * so tests can seed it.
 */
import type { AliasRecord } from '../../store/records.js';

/** `random` returns a number in [0, 1), as Math.random does. */
export function pickVersion(alias: Pick<AliasRecord, 'functionVersion' | 'weights'>, random: () => number): string {
  const [extra] = Object.entries(alias.weights);
  if (!extra) return alias.functionVersion;
  const [version, weight] = extra;
  return random() < weight ? version : alias.functionVersion;
}
