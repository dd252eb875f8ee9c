/**
 * The Extensions API of one sandbox (`/2020-01-01/extension/...`, DG "Lambda Extensions API"),
 * served on the sandbox's Runtime API listener beside the Telemetry API (telemetry.ts), and the
 * lifecycle rules it enforces:
 *
 * - Init: every external extension (an executable in /opt/extensions) must register; the runtime
 *   starts once all have (the sandbox waits on `registered`), and init ends when each registered
 *   extension has called `event/next` (`initDone`) and the runtime asked for work.
 * - Invoke: extensions subscribed to INVOKE get the event when the runtime does; the environment
 *   is reused only once each has called `next` again (`invokeDone`).
 * - Shutdown: SHUTDOWN goes to the extensions subscribed to it, with a deadline; the sandbox is
 *   killed when all have called `next` again or exited, or the deadline passed.
 *
 * An extension that exits or reports an error ends the environment with Lambda's error types
 * (`Extension.Crash`, `Extension.InitError`, `Extension.ExitError`). Response shapes and error
 * types follow AWS's Runtime Interface Emulator (lambda/rapi/handler): 403 with `errorType`.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { readCapped, reply } from '../runtime-http.js';
import { MAX_EXTENSIONS } from './discover.js';
import { Telemetry, TelemetryError, type TelemetryTransport } from './telemetry.js';

const EXT = '/2020-01-01/extension/';
const MAX_BODY = 64 * 1024;

export type ExtensionEventType = 'INVOKE' | 'SHUTDOWN';

/** Why an environment ended because of an extension, as Lambda names it. */
export class ExtensionFailure extends Error {
  constructor(
    readonly errorType: 'Extension.Crash' | 'Extension.InitError' | 'Extension.ExitError',
    message: string,
  ) {
    super(message);
  }
}

interface Extension {
  name: string;
  id: string;
  external: boolean;
  events: Set<ExtensionEventType>;
  state: 'launched' | 'registered' | 'ready' | 'busy' | 'exited';
  /** A parked `next` waiting for an event. */
  parked: http.ServerResponse | null;
  /** An event that waits for the extension's next `next`. */
  pending: Record<string, unknown> | null;
}

export interface ExtensionsOptions {
  /** The external extensions' file names (discover.ts). */
  names: readonly string[];
  functionName: string;
  functionVersion: string;
  handler: string;
  accountId: string;
  transport: TelemetryTransport;
}

/** A promise with its settle functions, settled once. */
class Gate {
  readonly promise: Promise<void>;
  resolve!: () => void;
  reject!: (e: ExtensionFailure) => void;
  constructor() {
    this.promise = new Promise<void>((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    // Whoever waits handles the rejection; an unawaited gate must not crash Nimbus.
    this.promise.catch(() => undefined);
  }
}

export class ExtensionsApi {
  readonly telemetry: Telemetry;
  private readonly all = new Map<string, Extension>();
  private readonly byName = new Map<string, Extension>();
  private initOver = false;
  private failure: ExtensionFailure | null = null;
  private readonly registeredGate = new Gate();
  private readonly initGate = new Gate();
  /** The phase that waits for extensions to call `next`: invoke or shutdown. */
  private phase: Gate | null = null;
  private failureListener: ((f: ExtensionFailure) => void) | null = null;
  private shuttingDown = false;

  constructor(private readonly o: ExtensionsOptions) {
    this.telemetry = new Telemetry(o.transport);
    for (const name of o.names) {
      const e: Extension = { name, id: randomUUID(), external: true, events: new Set(), state: 'launched', parked: null, pending: null };
      this.byName.set(name, e);
    }
    if (o.names.length === 0) this.registeredGate.resolve();
  }

  /** The external extensions' file names, in the order they start. */
  get names(): readonly string[] {
    return this.o.names;
  }

  /** All external extensions have registered (the runtime may start). Rejects with the failure. */
  get registered(): Promise<void> {
    return this.registeredGate.promise;
  }

  /** Every registered extension has called `next` once. Rejects with the failure. */
  get initDone(): Promise<void> {
    this.checkInit();
    return this.initGate.promise;
  }

  /** Whether an extension has ended the environment. */
  get failed(): boolean {
    return this.failure !== null;
  }

  /** Called once when an extension ends the environment after init (the sandbox must die). */
  onFailure(listener: (f: ExtensionFailure) => void): void {
    this.failureListener = listener;
  }

  /** Init is over (the runtime is ready too): registration closes. */
  endInit(): void {
    this.initOver = true;
    this.telemetry.endInit();
  }

  /** Routes a request of the Extensions, Telemetry or Logs API; false: not one of theirs. */
  route(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const url = req.url ?? '';
    const method = req.method;
    if (url === `${EXT}register` && method === 'POST') {
      this.withBody(req, res, (b) => this.register(req, res, b));
    } else if (url === `${EXT}event/next` && method === 'GET') {
      req.resume();
      this.next(req, res);
    } else if ((url === `${EXT}init/error` || url === `${EXT}exit/error`) && method === 'POST') {
      this.withBody(req, res, () => this.reportError(req, res, url.endsWith('init/error')));
    } else if (/^\/2022-07-01\/telemetry\/?$/.test(url) && method === 'PUT') {
      this.withBody(req, res, (b) => this.subscribe(req, res, b, 'telemetry'));
    } else if (/^\/2020-08-15\/logs\/?$/.test(url) && method === 'PUT') {
      // The Logs API, which the Telemetry API superseded, rides on the same subscriptions.
      this.withBody(req, res, (b) => this.subscribe(req, res, b, 'logs'));
    } else {
      return false;
    }
    return true;
  }

  /** The extension process `name` ended (`exit status 1`, `signal: killed`). */
  exited(name: string, reason: string): void {
    const e = this.byName.get(name);
    if (!e || e.state === 'exited') return;
    e.state = 'exited';
    e.parked?.destroy();
    e.parked = null;
    // An extension that exits after SHUTDOWN is done; any other exit is a crash (DG: Extension.Crash).
    if (this.shuttingDown) return this.checkPhase();
    this.fail(new ExtensionFailure('Extension.Crash', `Extension ${name} exited before completing its work: ${reason}`));
  }

  /** Hands INVOKE to the extensions subscribed to it; `invokeDone` resolves when each has called `next` again. */
  invoke(event: { requestId: string; deadlineMs: number; invokedFunctionArn: string; traceId?: string | undefined }): void {
    this.phase = new Gate();
    const body: Record<string, unknown> = {
      eventType: 'INVOKE',
      deadlineMs: event.deadlineMs,
      requestId: event.requestId,
      invokedFunctionArn: event.invokedFunctionArn,
      tracing: { type: 'X-Amzn-Trace-Id', value: event.traceId ?? '' },
    };
    for (const e of this.all.values()) if (e.events.has('INVOKE') && e.state !== 'exited') this.give(e, body);
    this.checkPhase();
  }

  /** Resolves when the extensions are done with the current invocation; rejects with a failure. */
  invokeDone(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return this.phase?.promise ?? Promise.resolve();
  }

  /**
   * Sends SHUTDOWN (`spindown`, `timeout` or `failure`) to the extensions subscribed to it and
   * resolves when each has called `next` again or exited, or after `graceMs`.
   */
  async shutdown(reason: 'spindown' | 'timeout' | 'failure', graceMs: number): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    const takers = [...this.all.values()].filter((e) => e.external && e.events.has('SHUTDOWN') && e.state !== 'exited');
    if (takers.length === 0) return;
    this.phase = new Gate();
    for (const e of takers) this.give(e, { eventType: 'SHUTDOWN', shutdownReason: reason, deadlineMs: Date.now() + graceMs });
    const flushed = this.telemetry.flush();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all([this.phase.promise.catch(() => undefined), flushed]), new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
  }

  close(): void {
    for (const e of this.all.values()) e.parked?.destroy();
    this.telemetry.close();
  }

  /** The names and events of registered extensions, for Lambda's EXTENSION log lines. */
  summary(): { name: string; state: string; events: string[] }[] {
    return [...this.all.values()].map((e) => ({ name: e.name, state: e.state === 'exited' ? 'Exited' : 'Ready', events: [...e.events] }));
  }

  private fail(f: ExtensionFailure): void {
    if (this.failure) return;
    this.failure = f;
    this.registeredGate.reject(f);
    this.initGate.reject(f);
    this.phase?.reject(f);
    if (this.initOver) this.failureListener?.(f);
  }

  private withBody(req: http.IncomingMessage, res: http.ServerResponse, then: (body: Buffer) => void): void {
    readCapped(req, MAX_BODY, (body) => {
      if (body === null) return reply(res, 413, { errorMessage: 'Request body too large', errorType: 'RequestEntityTooLarge' });
      then(body);
    });
  }

  private caller(req: http.IncomingMessage, res: http.ServerResponse): Extension | null {
    const id = req.headers['lambda-extension-identifier'];
    if (typeof id !== 'string' || id === '') {
      reply(res, 403, { errorMessage: 'Missing Lambda-Extension-Identifier header', errorType: 'Extension.MissingExtensionIdentifier' });
      return null;
    }
    const e = this.all.get(id);
    if (!e) reply(res, 403, { errorMessage: `Unknown extension ${id}`, errorType: 'Extension.UnknownExtensionIdentifier' });
    return e ?? null;
  }

  private register(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    const name = req.headers['lambda-extension-name'];
    if (typeof name !== 'string' || name === '') return reply(res, 403, { errorMessage: 'Empty extension name', errorType: 'Extension.InvalidExtensionName' });
    let events: unknown;
    try {
      const parsed = JSON.parse(body.toString('utf8')) as { events?: unknown; configurationKeys?: unknown };
      if (Array.isArray(parsed.configurationKeys) && parsed.configurationKeys.length > 0) throw new Error('configurationKeys are deprecated; use environment variables instead');
      events = parsed.events ?? [];
      if (!Array.isArray(events)) throw new Error('events must be a list');
    } catch (e) {
      return reply(res, 403, { errorMessage: (e as Error).message, errorType: 'InvalidRequestFormat' });
    }
    let ext = this.byName.get(name);
    const external = ext?.external ?? false;
    for (const ev of events as unknown[]) {
      if (ev !== 'INVOKE' && ev !== 'SHUTDOWN') return reply(res, 403, { errorMessage: `${String(ev)}: invalid event`, errorType: 'Extension.InvalidEventType' });
      if (ev === 'SHUTDOWN' && !external) return reply(res, 403, { errorMessage: 'SHUTDOWN: internal extensions cannot register for SHUTDOWN', errorType: 'Extension.InvalidEventType' });
    }
    if (!ext) {
      // An internal extension: a name the runtime's process registers for itself.
      if (this.initOver) return reply(res, 403, { errorMessage: 'Extension registration closed already', errorType: 'Extension.RegistrationClosed' });
      if (this.byName.size >= MAX_EXTENSIONS) return reply(res, 403, { errorMessage: `Extension limit (${MAX_EXTENSIONS}) reached`, errorType: 'Extension.TooManyExtensions' });
      ext = { name, id: randomUUID(), external: false, events: new Set(), state: 'launched', parked: null, pending: null };
      this.byName.set(name, ext);
    }
    if (ext.state !== 'launched') {
      return reply(res, 403, {
        errorMessage: `State transition from ${ext.state === 'exited' ? 'Exited' : 'Registered'} to Registered failed for extension ${name}. Error: already registered`,
        errorType: 'Extension.InvalidExtensionState',
      });
    }
    ext.state = 'registered';
    for (const ev of events as ExtensionEventType[]) ext.events.add(ev);
    this.all.set(ext.id, ext);
    const out: Record<string, string> = { functionName: this.o.functionName, functionVersion: this.o.functionVersion, handler: this.o.handler };
    const accept = req.headers['lambda-extension-accept-feature'];
    if (typeof accept === 'string' && accept.split(',').map((s) => s.trim()).includes('accountId')) out['accountId'] = this.o.accountId;
    const buf = Buffer.from(JSON.stringify(out));
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': buf.length, 'Lambda-Extension-Identifier': ext.id });
    res.end(buf);
    this.telemetry.emit('platform', 'platform.extension', { name, state: 'Ready', events: [...ext.events] });
    if ([...this.byName.values()].every((e) => !e.external || e.state !== 'launched')) this.registeredGate.resolve();
  }

  private next(req: http.IncomingMessage, res: http.ServerResponse): void {
    const e = this.caller(req, res);
    if (!e) return;
    if (e.state === 'exited') return reply(res, 403, { errorMessage: `State transition from Exited to Ready failed for extension ${e.id}. Error: exited`, errorType: 'Extension.InvalidExtensionState' });
    e.parked?.destroy();
    e.parked = res;
    res.on('close', () => {
      if (e.parked === res) e.parked = null;
    });
    e.state = 'ready';
    if (e.pending) {
      const ev = e.pending;
      e.pending = null;
      this.send(e, ev);
    }
    this.checkInit();
    this.checkPhase();
  }

  private reportError(req: http.IncomingMessage, res: http.ServerResponse, init: boolean): void {
    const e = this.caller(req, res);
    if (!e) return;
    const type = req.headers['lambda-extension-function-error-type'];
    if (typeof type !== 'string' || type === '') return reply(res, 403, { errorMessage: 'Lambda-Extension-Function-Error-Type not found', errorType: 'Extension.MissingHeader' });
    if (init && this.initOver) {
      return reply(res, 403, { errorMessage: `State transition from Ready to InitError failed for extension ${e.id}. Error: init is over`, errorType: 'Extension.InvalidExtensionState' });
    }
    reply(res, 202, { status: 'OK' });
    this.fail(new ExtensionFailure(init ? 'Extension.InitError' : 'Extension.ExitError', `Extension ${e.name} reported ${type}`));
  }

  private subscribe(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, api: 'telemetry' | 'logs'): void {
    const e = this.caller(req, res);
    if (!e) return;
    try {
      this.telemetry.subscribe(e.name, JSON.parse(body.toString('utf8')), api);
    } catch (err) {
      if (err instanceof TelemetryError) return reply(res, err.status, { errorMessage: err.message, errorType: err.errorType });
      return reply(res, 400, { errorMessage: 'The request body is not valid JSON', errorType: 'InvalidRequestFormat' });
    }
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 2 });
    res.end('OK');
  }

  /** Gives `event` to `e` now if it waits in `next`, else when it next asks. */
  private give(e: Extension, event: Record<string, unknown>): void {
    e.state = 'busy';
    if (e.parked) this.send(e, event);
    else e.pending = event;
  }

  private send(e: Extension, event: Record<string, unknown>): void {
    const res = e.parked!;
    e.parked = null;
    e.state = 'busy';
    const buf = Buffer.from(JSON.stringify(event));
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': buf.length, 'Lambda-Extension-Event-Identifier': randomUUID() });
    res.end(buf);
  }

  private checkInit(): void {
    if (this.failure) return;
    const waiting = [...this.byName.values()].some((e) => e.state === 'launched' || e.state === 'registered');
    if (!waiting) this.initGate.resolve();
  }

  private checkPhase(): void {
    if (!this.phase || this.failure) return;
    const busy = [...this.all.values()].some((e) => e.state === 'busy');
    if (!busy) this.phase.resolve();
  }
}
