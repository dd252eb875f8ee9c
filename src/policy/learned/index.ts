import type { KeepAlivePolicy } from '../types.js';
import { LearnedPolicy, type LearnedOptions } from './policy.js';

export { LearnedPolicy, LEARNED_DEFAULTS, type LearnedOptions } from './policy.js';
export { QTable } from './q-table.js';
export { QNetwork } from './q-network.js';
export { Mlp } from './mlp.js';
export { ACTION_NAMES, N_ACTIONS, actionWindows, outcome, windowDecision } from './actions.js';

/** Builds a learned policy from a parsed spec (`learned:mlp,kappa=8`); unknown keys are errors. */
export function createLearned(
  variant: 'tabular' | 'mlp',
  options: Record<string, number>,
  seed: number,
  name: string,
  capacityMode = false,
): KeepAlivePolicy {
  const o: Partial<LearnedOptions> = { variant, capacityMode };
  for (const [k, v] of Object.entries(options)) {
    if (k === 'kappa' || k === 'lambda') o.kappa = v;
    else if (k === 'gamma') o.gamma = v;
    else if (k === 'prior') o.priorWeight = v;
    else if (k === 'maxRho') o.maxRho = v;
    else if (k === 'seed') seed = v;
    else throw new RangeError(`learned has no option "${k}" (kappa, gamma, prior, maxRho, seed)`);
  }
  return new LearnedPolicy(o, seed, name);
}
