import type { IdleDecision, KeepAlivePolicy } from './types.js';

const FOREVER: IdleDecision = { keepAliveMs: Infinity };

/**
 * Never unload: the cold-start floor of pure keep-alive and the memory ceiling. Under a fixed
 * memory capacity it degenerates to LRU eviction, since the pool only reclaims under pressure.
 */
export class NeverUnload implements KeepAlivePolicy {
  readonly name = 'never';

  onInvocation(): void {}

  onIdle(): IdleDecision {
    return FOREVER;
  }

  forget(): void {}

  snapshot(): unknown {
    return null;
  }

  restore(): void {}
}
