/**
 * The records of Lambda durable functions (docs/durable.md): one execution, the operations its
 * function checkpointed, its history events and its callbacks. Operations keep the wire names of
 * Lambda's `Operation` shape (docs/reference/lambda-model.json), with timestamps in epoch ms;
 * the API turns them into epoch seconds, the invocation envelope keeps milliseconds (src/durable/wire.ts).
 */

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'STOPPED';
export type OperationType = 'EXECUTION' | 'CONTEXT' | 'STEP' | 'WAIT' | 'CALLBACK' | 'CHAINED_INVOKE';
export type OperationStatus = 'STARTED' | 'PENDING' | 'READY' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT' | 'STOPPED';

/** MODEL `ErrorObject`. */
export interface ErrorObject {
  ErrorMessage?: string;
  ErrorType?: string;
  ErrorData?: string;
  StackTrace?: string[];
}

/** MODEL `Operation`, timestamps in epoch ms. */
export interface Operation {
  Id: string;
  ParentId?: string;
  Name?: string;
  Type: OperationType;
  SubType?: string;
  StartTimestamp: number;
  EndTimestamp?: number;
  Status: OperationStatus;
  ExecutionDetails?: { InputPayload?: string };
  ContextDetails?: { ReplayChildren?: boolean; Result?: string; Error?: ErrorObject };
  StepDetails?: { Attempt?: number; NextAttemptTimestamp?: number; Result?: string; Error?: ErrorObject };
  WaitDetails?: { ScheduledEndTimestamp?: number };
  CallbackDetails?: { CallbackId?: string; Result?: string; Error?: ErrorObject };
  ChainedInvokeDetails?: { Result?: string; Error?: ErrorObject };
}

/** What Nimbus keeps beside an operation and never shows: its timers and a chained invoke's target. */
export interface OperationState {
  /** A wait's duration in seconds, for its history events. */
  waitS?: number;
  /** A callback's overall deadline and heartbeat deadline (epoch ms). */
  callbackTimeoutAt?: number;
  heartbeatTimeoutAt?: number;
  heartbeatTimeoutS?: number;
  /** A chained invoke: the function named, its payload, and the child execution when the target is durable. */
  chainedFunction?: string;
  chainedPayload?: string;
  chainedTenant?: string;
  childArn?: string;
}

export interface StoredOperation {
  op: Operation;
  state: OperationState;
  /** The execution's change counter when this operation last changed: a checkpoint answers the changes after its token's. */
  seq: number;
  /** Insertion order: the execution's own operation comes first, as the SDK expects. */
  order: number;
}

/** One durable execution. */
export interface Execution {
  arn: string;
  accountId: string;
  region: string;
  functionName: string;
  /** `$LATEST` or a number: the version the execution runs, for all its invocations. */
  version: string;
  name: string;
  inputPayload: string;
  status: ExecutionStatus;
  result?: string;
  error?: ErrorObject;
  startMs: number;
  endMs?: number;
  executionTimeoutS: number;
  retentionDays: number;
  /** When the execution times out (epoch ms; the time scale already applied). */
  deadlineMs: number;
  /** The change counter: bumped by every change of an operation. */
  seq: number;
  /** The token the next checkpoint must carry, and the counter value it was issued at. */
  token?: string;
  tokenSeq?: number;
  /** The token the current invocation was started with (GetDurableExecutionState accepts it). */
  invocationToken?: string;
  /** An invocation of the function is (or was, when the server stopped) running. */
  invoking: boolean;
  /** Failed invocations in a row (a crash or timeout of the function, not a FAILED answer). */
  invokeFailures: number;
  /** After a failed invocation: when to invoke again (epoch ms). */
  retryInvokeAtMs?: number;
  /** The earliest timer of the execution (epoch ms): a wait, a retry, a callback timeout, the deadline. */
  wakeAtMs?: number;
  /** A chained invoke's child: the parent execution and operation to complete when it closes. */
  parent?: { arn: string; opId: string };
  traceId?: string;
}

/** MODEL `Event`, stored with its timestamp in epoch ms. */
export type HistoryEvent = Record<string, unknown> & { EventType: string; EventTimestamp: number };

export interface ListFilter {
  accountId: string;
  region: string;
  functionName: string;
  version?: string;
  name?: string;
  statuses?: string[];
  startedAfterMs?: number;
  startedBeforeMs?: number;
}

/** Where executions live (SQLite in the data directory). Promise-returning, for other backends. */
export interface DurableStore {
  /** Inserts a new execution with its first operation and events; false when the name is taken. */
  create(e: Execution, ops: StoredOperation[], events: HistoryEvent[]): Promise<boolean>;
  get(arn: string): Promise<Execution | undefined>;
  byName(accountId: string, region: string, functionName: string, name: string): Promise<Execution | undefined>;
  operations(arn: string): Promise<StoredOperation[]>;
  /** Writes the execution, the operations given (by Id) and appends the events, in one transaction. */
  commit(e: Execution, ops: StoredOperation[], events: HistoryEvent[], callbacks?: { id: string; opId: string }[]): Promise<void>;
  events(arn: string): Promise<HistoryEvent[]>;
  callback(id: string): Promise<{ arn: string; opId: string } | undefined>;
  list(f: ListFilter): Promise<Execution[]>;
  /** Running executions whose earliest timer is due. */
  due(nowMs: number): Promise<Execution[]>;
  /** The earliest timer of any running execution. */
  nextWake(): Promise<number | undefined>;
  /** Every running execution (at start: those an invocation was running for are invoked again). */
  running(): Promise<Execution[]>;
  /** Deletes closed executions whose retention has passed. */
  purge(nowMs: number): Promise<number>;
  close(): Promise<void>;
}
