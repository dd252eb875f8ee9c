/**
 * The sandbox contract: one isolated execution environment running one runtime process that
 * speaks the Lambda Runtime API. The pool talks to sandboxes only through this interface, so
 * `process` and `namespace` isolation (and later microVMs) are interchangeable.
 *
 * Lifecycle (docs/sandbox-lifecycle.md):
 *   starting --init ok--> idle <--> busy
 *       |                  |         |
 *       +--init error------+---------+--exit / timeout / dispose--> dead
 */
import { NimbusError } from '../core/errors.js';
import type { RuntimeDescriptor } from '../runtimes/types.js';

export type SandboxState = 'starting' | 'idle' | 'busy' | 'dead';

/** Everything needed to start one sandbox for one function version. */
export interface SandboxSpec {
  /** Unique id (hex), also used for scratch directories and cgroup names. */
  id: string;
  runtime: string;
  descriptor: RuntimeDescriptor;
  handler: string;
  /** Host path of the extracted, read-only function code. */
  codeDir: string;
  memoryMb: number;
  ephemeralStorageMb: number;
  /**
   * The function's environment as the runtime must see it: Lambda's standard variables and the
   * function's own. The sandbox adds `AWS_LAMBDA_RUNTIME_API` and the family's variables.
   */
  env: Record<string, string>;
  /**
   * `none`: loopback only. `egress`: outbound network to public addresses (isolation levels that
   * can restrict it). `egress-lan`: the host's private networks too (RFC 1918, CGNAT), which
   * `egress` does not reach.
   */
  network: 'none' | 'egress' | 'egress-lan';
  /** The function's layers, merged, which the runtime sees read-only at /opt; absent: an empty /opt. */
  layers?: SandboxLayers;
  /** The function's account, which the Extensions API's register answers with when asked. */
  accountId?: string;
  /**
   * How many invocations the sandbox may run at once (PerExecutionEnvironmentMaxConcurrency,
   * docs/multi-concurrency.md); absent or 1: one at a time, Lambda's default contract.
   */
  maxConcurrency?: number;
  /** Receives output written outside any invocation: extensions' Shutdown phase (docs/extensions.md). */
  onLogs?: (text: string) => void;
  /**
   * A container-image function (docs/images.md): the sandbox's root is the image's, read-only,
   * and it runs the image's ENTRYPOINT + CMD in its WORKDIR; `codeDir` and the descriptor's
   * command are then unused. Namespace isolation only.
   */
  image?: SandboxImage;
}

export interface SandboxImage {
  /** Resolves to the host directory holding the unpacked image (once per image digest). */
  rootfs(): Promise<string>;
  /** ENTRYPOINT + CMD, with the function's ImageConfig applied. */
  argv: string[];
  /** WORKDIR (absolute, inside the image). The image's ENV is already in the spec's `env`. */
  workdir: string;
}

/** Where a sandbox finds its function's merged layers (docs/layers.md). */
export interface SandboxLayers {
  /** Resolves to the host directory holding them, merging them first if need be (once per set). */
  dir(): Promise<string>;
  /**
   * Whether a layer carries `extensions/` (docs/extensions.md): extensions start before the
   * runtime, so a stem cell, whose runtime already runs, cannot serve the function.
   */
  extensions?: boolean;
}

/** One invocation as the Runtime API hands it to the runtime. */
export interface InvocationEvent {
  requestId: string;
  payload: Buffer;
  /** Absolute epoch ms; the sandbox kills the runtime when it passes. */
  deadlineMs: number;
  invokedFunctionArn: string;
  traceId?: string;
  /** Decoded JSON text of X-Amz-Client-Context. */
  clientContext?: string;
  cognitoIdentity?: string;
  /** Tenant isolation: the caller's X-Amz-Tenant-Id, passed to the runtime as Lambda-Runtime-Aws-Tenant-Id. */
  tenantId?: string;
  /**
   * Set for a streamed invocation (InvokeWithResponseStream, RESPONSE_STREAM function URLs): the
   * response body goes here as the runtime produces it instead of being buffered.
   */
  sink?: ResponseSink;
}

/**
 * Where a streamed response goes as it arrives. Backpressure is the sink's `write` returning
 * false: the Runtime API then stops reading from the runtime until `onDrain` calls back, so a
 * slow reader slows the function down instead of growing a buffer in Nimbus.
 */
export interface ResponseSink {
  /** The most bytes the stream may carry; past it the invocation ends with `too-large`. */
  readonly limitBytes: number;
  /** The runtime began its response with this content type; called once, before any chunk. */
  begin(contentType: string): void;
  /** A chunk of the body. False: the consumer is full; send nothing more before `onDrain`. */
  write(chunk: Buffer): boolean;
  /** Calls `resume` once, when the consumer can take more. */
  onDrain(resume: () => void): void;
}

/** How an invocation ended, from the sandbox's point of view. */
export type InvocationResult =
  /**
   * The runtime posted a response. `streamed`: it went to the event's sink as it arrived (that many
   * bytes), and `payload` is empty.
   */
  | { kind: 'response'; payload: Buffer; streamed?: number }
  /** The runtime posted an invocation or init error; `payload` is its body. */
  | { kind: 'error'; payload: Buffer; errorType: string }
  /** The deadline passed; the sandbox has been killed. */
  | { kind: 'timeout' }
  /**
   * The runtime process died; `reason` is like `exit status 1` or `signal: killed`.
   * `beforeDelivery`: it died before it asked for this event, so the event never ran.
   * `outOfMemory`: the sandbox exceeded its memory and was killed for it (Lambda's Runtime.OutOfMemory).
   */
  | { kind: 'exit'; reason: string; beforeDelivery?: boolean; outOfMemory?: boolean }
  /** The response exceeded the Runtime API's limit (`limitBytes`; default the buffered 6 MiB + 100). */
  | { kind: 'too-large'; limitBytes?: number };

/** What the sandbox measured for one invocation. */
export interface InvocationReport {
  result: InvocationResult;
  /** Milliseconds from handing the event to the runtime until the result arrived. */
  durationMs: number;
  /** The runtime's output during the invocation (and any init output before it). */
  logs: string;
  /** Peak memory of the sandbox so far, in bytes (0 when it cannot be measured). */
  maxMemoryBytes: number;
  /**
   * Set when the sandbox has external extensions (docs/extensions.md): the result above is ready
   * for the caller now, but the sandbox stays busy until the extensions are done with the
   * invocation; this resolves then (never rejects).
   */
  after?: Promise<AfterInvoke>;
}

/** What the extensions' part of an invocation measured, once they all called `next` again. */
export interface AfterInvoke {
  /** Milliseconds from handing the event to the runtime until the last extension was done. */
  durationMs: number;
  /** Output of the runtime and the extensions after the result was posted. */
  logs: string;
  /** Set when an extension crashed or overran the deadline: the sandbox is gone. */
  failure?: { status: 'failure' | 'timeout'; errorType: string };
}

/** What `start()` measured. */
export interface InitReport {
  durationMs: number;
  /** The runtime's output during init (module load), printed before the first START line. */
  logs: string;
}

/** Raised by `start()` when the runtime reports an init error or dies before asking for work. */
export class SandboxInitError extends NimbusError {
  constructor(
    readonly result: Extract<InvocationResult, { kind: 'error' } | { kind: 'exit' } | { kind: 'timeout' }>,
    readonly logs: string,
    readonly initDurationMs: number,
  ) {
    super('ERR_SANDBOX_INIT', result.kind === 'error' ? result.errorType : result.kind === 'exit' ? result.reason : 'init timeout');
  }
}

export interface Sandbox {
  readonly id: string;
  readonly spec: SandboxSpec;
  readonly state: SandboxState;
  /**
   * Starts the runtime and waits until it first asks for work. Resolves with the init duration
   * and the init phase's output; rejects with `SandboxInitError` (init error, early exit, or
   * `initTimeoutMs` passed).
   */
  start(initTimeoutMs: number): Promise<InitReport>;
  /**
   * Runs one invocation. Never rejects: every ending is an `InvocationResult`. A multi-concurrent
   * sandbox (`spec.maxConcurrency` > 1) takes another while it is `busy`, up to that many.
   */
  invoke(event: InvocationEvent): Promise<InvocationReport>;
  /** Kills the whole process tree and frees every resource. Idempotent. */
  dispose(): Promise<void>;
  /** Called once when the sandbox dies for any reason. */
  onDeath(listener: () => void): void;
}

/** Creates sandboxes of one isolation level. */
export interface SandboxFactory {
  readonly isolation: 'process' | 'namespace';
  create(spec: SandboxSpec): Sandbox;
  /** Removes what an earlier, crashed Nimbus left behind (processes, cgroups, mounts). */
  cleanupStale?(): Promise<void>;
  /** Starts what the factory keeps ready ahead of demand (stem cells), in the background. */
  prestart?(): void;
  /** Frees what the factory itself holds (network rules, parent cgroups), after every sandbox is gone. */
  close?(): Promise<void>;
}
