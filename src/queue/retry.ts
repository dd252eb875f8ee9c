/**
 * What happens after an attempt: pure decisions from the event's counters, the attempt's outcome,
 * the function's EventInvokeConfig and the time. No I/O, no clock of its own.
 *
 * Lambda's rules (docs/reference/reliability-and-isolation.md §1.2): function errors (timeouts included) are
 * retried MaximumRetryAttempts times (0-2, default 2), one minute before the second attempt and two
 * before the third; throttles and system errors go back to the queue with a backoff growing from
 * 1 s to 5 min and do not use up those retries; nothing runs once the event is older than
 * MaximumEventAgeInSeconds (60-21600, default 6 h).
 */
import type { AsyncEvent, Condition, EventStatus } from './types.js';

export const DEFAULT_MAX_RETRIES = 2;
export const DEFAULT_MAX_AGE_S = 21_600;
/** Delay before the 2nd and the 3rd attempt after a function error. */
export const FUNCTION_RETRY_DELAYS_MS = [60_000, 120_000] as const;
export const BACKOFF_FIRST_MS = 1_000;
export const BACKOFF_MAX_MS = 300_000;

/** The settings that govern one event, defaults applied. */
export interface EffectiveConfig {
  maxRetries: number;
  maxAgeMs: number;
  onSuccess: string | undefined;
  onFailure: string | undefined;
  /** The function's DeadLetterConfig.TargetArn, if any. */
  deadLetter: string | undefined;
}

export const DEFAULT_CONFIG: EffectiveConfig = {
  maxRetries: DEFAULT_MAX_RETRIES,
  maxAgeMs: DEFAULT_MAX_AGE_S * 1000,
  onSuccess: undefined,
  onFailure: undefined,
  deadLetter: undefined,
};

/** How one attempt ended. */
export type AttemptOutcome =
  | { kind: 'success'; payload: Buffer; executedVersion: string }
  | { kind: 'function-error'; payload: Buffer; executedVersion: string }
  /** The function had no capacity (429): retried with backoff. */
  | { kind: 'throttle'; message: string }
  /** Nimbus could not run it (sandbox start failure, internal error): retried with backoff. */
  | { kind: 'system-error'; message: string }
  /** The function no longer exists: nothing to retry, no config to route by. */
  | { kind: 'gone'; message: string };

/** The event's next state. */
export interface Next {
  status: EventStatus;
  attempts: number;
  functionErrors: number;
  throttles: number;
  notBefore: number;
  condition: Condition | undefined;
  lastError: string | undefined;
}

/** The exponential backoff after the n-th throttle or system error (n >= 1): 1 s, 2 s, 4 s ... 5 min. */
export function backoffMs(n: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.max(0, Math.min(n - 1, 30)));
}

/** True when the event may no longer run. */
export function expired(ev: Pick<AsyncEvent, 'enqueuedAt'>, cfg: EffectiveConfig, now: number): boolean {
  return now - ev.enqueuedAt >= cfg.maxAgeMs;
}

/**
 * The next state after an attempt. `ev.attempts` already counts this attempt (the queue counts
 * it when it hands the event out); a throttle takes it back, since the function never ran.
 */
export function decide(ev: AsyncEvent, outcome: AttemptOutcome, cfg: EffectiveConfig, now: number): Next {
  const base = { attempts: ev.attempts, functionErrors: ev.functionErrors, throttles: ev.throttles, lastError: undefined };
  const deadline = ev.enqueuedAt + cfg.maxAgeMs;
  const retryAt = (at: number): number => Math.min(at, deadline);
  switch (outcome.kind) {
    case 'success':
      return { ...base, status: 'succeeded', notBefore: now, condition: 'Success' };
    case 'gone':
      return { ...base, attempts: ev.attempts - 1, status: 'failed', notBefore: now, condition: undefined, lastError: outcome.message };
    case 'function-error': {
      const functionErrors = ev.functionErrors + 1;
      const lastError = errorSummary(outcome.payload);
      if (functionErrors > cfg.maxRetries) {
        return { ...base, functionErrors, status: 'failed', notBefore: now, condition: 'RetriesExhausted', lastError };
      }
      const delay = FUNCTION_RETRY_DELAYS_MS[Math.min(functionErrors - 1, FUNCTION_RETRY_DELAYS_MS.length - 1)]!;
      return { ...base, functionErrors, status: 'retrying', notBefore: retryAt(now + delay), condition: undefined, lastError };
    }
    case 'throttle':
    case 'system-error': {
      const throttles = ev.throttles + 1;
      const attempts = outcome.kind === 'throttle' ? ev.attempts - 1 : ev.attempts;
      return {
        ...base,
        attempts,
        throttles,
        status: 'retrying',
        notBefore: retryAt(now + backoffMs(throttles)),
        condition: undefined,
        lastError: `${outcome.kind === 'throttle' ? 'Throttled' : 'System error'}: ${outcome.message}`,
      };
    }
  }
}

/** `errorType: errorMessage` of a function's error payload, for listings and logs. */
export function errorSummary(payload: Buffer): string {
  try {
    const j = JSON.parse(payload.toString('utf8')) as { errorType?: unknown; errorMessage?: unknown };
    const parts = [j.errorType, j.errorMessage].filter((x) => typeof x === 'string');
    if (parts.length) return parts.join(': ').slice(0, 1024);
  } catch {
    // Not JSON: show the start of the text.
  }
  return payload.toString('utf8').slice(0, 1024);
}
