/**
 * Scripted sandboxes for the pool's unit tests (test/unit/pool*.test.ts): the pool's decisions are
 * tested with an injected clock and sandboxes whose start and invocations the test controls; the
 * real sandboxes are exercised end to end elsewhere. What every such fake shares is here: the
 * lifecycle (starting, dead, death listeners), a factory that keeps what it created, a target
 * and an invocation event.
 */
import type { PoolTarget } from '../../src/pool/types.js';
import { nodejs } from '../../src/runtimes/node.js';
import type { InitReport, InvocationEvent, InvocationReport, Sandbox, SandboxFactory, SandboxSpec, SandboxState } from '../../src/sandbox/types.js';

/** A sandbox's lifecycle bookkeeping; subclasses script `start` and `invoke`. */
export abstract class FakeSandbox implements Sandbox {
  state: SandboxState = 'starting';
  readonly id: string;
  private listeners: (() => void)[] = [];
  constructor(readonly spec: SandboxSpec) {
    this.id = spec.id;
  }
  abstract start(): Promise<InitReport>;
  abstract invoke(e: InvocationEvent): Promise<InvocationReport>;
  async dispose(): Promise<void> {
    if (this.state === 'dead') return;
    this.state = 'dead';
    for (const l of this.listeners.splice(0)) l();
  }
  onDeath(l: () => void): void {
    this.listeners.push(l);
  }
}

/** A factory that keeps every sandbox it made, in order; subclasses say how to make one. */
export abstract class FakeFactory<S extends FakeSandbox> implements SandboxFactory {
  readonly isolation = 'process' as const;
  created: S[] = [];
  protected abstract make(spec: SandboxSpec): S;
  create(spec: SandboxSpec): Sandbox {
    const s = this.make(spec);
    this.created.push(s);
    return s;
  }
  /** How many of the sandboxes made are not dead. */
  alive(): number {
    return this.created.filter((s) => s.state !== 'dead').length;
  }
}

export interface FakeTargetOptions {
  app?: string;
  generation?: string;
  memoryMb?: number;
  initTimeoutMs?: number;
  runtime?: string;
  /** Set on both the target and its specs when given. */
  maxConcurrency?: number;
}

/** A Node.js function's pool target (defaults: acct/r/fn/$LATEST, generation g1, 128 MB, 1 s init). */
export function fakeTarget(o: FakeTargetOptions = {}): PoolTarget {
  const memoryMb = o.memoryMb ?? 128;
  const max = o.maxConcurrency === undefined ? {} : { maxConcurrency: o.maxConcurrency };
  return {
    app: o.app ?? 'acct/r/fn/$LATEST',
    generation: o.generation ?? 'g1',
    memoryMb,
    initTimeoutMs: o.initTimeoutMs ?? 1000,
    ...max,
    makeSpec: (id) => ({
      id,
      runtime: o.runtime ?? 'nodejs20.x',
      descriptor: nodejs,
      handler: 'index.handler',
      codeDir: '/x',
      memoryMb,
      ephemeralStorageMb: 512,
      env: {},
      network: 'none',
      ...max,
    }),
  };
}

/** An invocation event for request `requestId`, due a second from now. */
export const fakeEvent = (requestId = 'r'): InvocationEvent => ({ requestId, payload: Buffer.from('{}'), deadlineMs: Date.now() + 1000, invokedFunctionArn: 'arn' });
