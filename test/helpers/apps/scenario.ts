/**
 * The scenario of one published-style app (test/fixtures/apps/<name>/scenario.json): how the app
 * is meant to be deployed and called, and exactly what must come back. Read and checked here, so
 * that a malformed scenario fails with its file and field instead of passing vacuously.
 *
 * Names of functions and queues in steps are the template's logical ids; the runner maps them to
 * what the deployment created. Expected JSON may hold `{"$match": "<regex>"}` wherever a string
 * is expected (see match.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HttpExpect {
  status: number;
  /** Header values, exact or `{"$match": ...}`; a null value means the header must be absent. */
  headers?: Record<string, unknown>;
  /** The body parsed as JSON equals this (`{"$match": ...}` allowed for strings). */
  json?: unknown;
  /** The body parsed as JSON contains at least this (see match.ts). */
  jsonIncludes?: unknown;
  /** The body text equals this, or matches `{"$match": ...}`. */
  body?: string | { $match: string };
}

export interface InvokeExpect {
  /** X-Amz-Function-Error: "Unhandled" or "Handled"; absent means the invocation must succeed. */
  functionError?: string;
  json?: unknown;
  jsonIncludes?: unknown;
  /** HTTP status of the Invoke call (202 for Event). */
  status?: number;
}

export type Step =
  /**
   * An HTTP request to an API of the app (`api`: its logical id, needed when the app has several;
   * `path` follows the API's base URL, stage included), or to the function URL of `url` (a
   * function, or an AWS::Lambda::Url resource); `via: "host"` sends it to the API's own host instead of the path form; `sign`: SigV4-signed (for `lambda`, or the service it names: `execute-api`).
   */
  | { http: { method?: string; path: string; api?: string; via?: 'host' | 'path'; url?: string; headers?: Record<string, string>; body?: unknown; sign?: boolean | string }; expect: HttpExpect }
  | { invoke: { function: string; qualifier?: string; payload?: unknown; type?: 'RequestResponse' | 'Event' }; expect: InvokeExpect }
  /** A call to Nimbus's Lambda API; `{LogicalId}` in the path becomes the function's name. */
  | { lambdaApi: { method: string; path: string; body?: unknown }; expect: HttpExpect }
  /** Moves time to the next run of the function's schedule, which then fires. */
  | { tick: { function: string } }
  /** Moves time forward (retries of failed async events wait 1 and 2 minutes). */
  | { advance: { seconds: number } }
  /** Until `timeoutMs` (default 30 s): the function's log lines match every regex, and each regex of `times` that many times. */
  | { logs: { function: string; match: string[]; times?: Record<string, number>; timeoutMs?: number } }
  /** A built-in queue (logical id of an AWS::SQS::Queue) holds `count` messages, each matching in order. */
  | { queue: { name: string; count: number; messages?: unknown[]; timeoutMs?: number } }
  /** SQS, SNS and EventBridge, driven with the AWS CLI v2 against Nimbus; queues and topics by their logical ids. */
  | { sqsSend: { queue: string; body: string; groupId?: string } }
  /**
   * A dead-letter queue redrive (StartMessageMoveTask, through @aws-sdk/client-sqs: Debian's AWS
   * CLI 2.9 predates it), `destination` omitted to send each message back where it came from;
   * waits until the task is COMPLETED.
   */
  | { sqsRedrive: { source: string; destination?: string; moved: number } }
  | { snsPublish: { topic: string; message: string; subject?: string } }
  /** An object put into a bucket of the stack (its logical id), with the AWS CLI (`aws s3 cp`). */
  | { s3Put: { bucket: string; key: string; body: string } }
  | { s3Delete: { bucket: string; key: string } }
  | { putEvents: { entries: { Source: string; DetailType: string; Detail: unknown; EventBusName?: string }[] } };

export interface Scenario {
  description: string;
  /** Nimbus features the app needs (runner's NOT_YET decides which are missing). */
  needs: string[];
  /** Programs the machine must have (java, mvn, python3, npm): missing ones skip, or fail under CI=true. */
  tools: string[];
  template: string;
  /** Commands a user runs before deploying, as the sample's README says (for example mvn package). */
  prepare: string[][];
  stackName: string | undefined;
  parameterOverrides: Record<string, string>;
  /** Regexes the deploy's stdout/stderr must match (warnings the template must produce). */
  deployStdout: string[];
  deployStderr: string[];
  /**
   * A runtime this machine may not have: where `nimbus runtimes` says it is not available, the
   * deployment must be refused with messages matching `refusal` (and the steps are not run);
   * where it is available, the app deploys and runs as any other.
   */
  unavailable: { runtime: string; refusal: string[] } | undefined;
  steps: Step[];
}

const STEP_KINDS = ['http', 'invoke', 'lambdaApi', 'tick', 'advance', 'logs', 'queue', 'sqsSend', 'sqsRedrive', 'snsPublish', 'putEvents', 's3Put', 's3Delete'];
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown, where: string): string[] => {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new Error(`${where} must be a list of strings`);
  return v as string[];
};

function unavailable(v: unknown, file: string): Scenario['unavailable'] {
  if (v === undefined) return undefined;
  if (!isMap(v) || typeof v['runtime'] !== 'string') throw new Error(`${file}: unavailable needs a runtime`);
  const refusal = strings(v['refusal'], `${file}: unavailable.refusal`);
  if (refusal.length === 0) throw new Error(`${file}: unavailable.refusal must say what the refusal reads`);
  return { runtime: v['runtime'], refusal };
}

/** Reads and checks `dir/scenario.json`. */
export function loadScenario(dir: string): Scenario {
  const file = join(dir, 'scenario.json');
  const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isMap(raw)) throw new Error(`${file}: must be an object`);
  if (typeof raw['description'] !== 'string') throw new Error(`${file}: description is required`);
  const steps = raw['steps'];
  if (!Array.isArray(steps) || steps.length === 0) throw new Error(`${file}: steps must be a non-empty list`);
  steps.forEach((s, i) => {
    const kinds = isMap(s) ? Object.keys(s).filter((k) => STEP_KINDS.includes(k)) : [];
    if (kinds.length !== 1) throw new Error(`${file}: steps[${i}] must have exactly one of ${STEP_KINDS.join(', ')}`);
    const needsExpect = ['http', 'invoke', 'lambdaApi'].includes(kinds[0]!);
    if (needsExpect && !isMap((s as Record<string, unknown>)['expect'])) throw new Error(`${file}: steps[${i}] needs an expect`);
  });
  const deploy = isMap(raw['deploy']) ? raw['deploy'] : {};
  const prepare = raw['prepare'] ?? [];
  if (!Array.isArray(prepare) || prepare.some((c) => !Array.isArray(c) || c.some((x) => typeof x !== 'string'))) {
    throw new Error(`${file}: prepare must be a list of commands (lists of strings)`);
  }
  return {
    description: raw['description'],
    needs: strings(raw['needs'], `${file}: needs`),
    tools: strings(raw['tools'], `${file}: tools`),
    template: typeof raw['template'] === 'string' ? raw['template'] : 'template.yaml',
    prepare: prepare as string[][],
    stackName: typeof raw['stackName'] === 'string' ? raw['stackName'] : undefined,
    parameterOverrides: isMap(raw['parameterOverrides']) ? (raw['parameterOverrides'] as Record<string, string>) : {},
    deployStdout: strings(deploy['stdout'], `${file}: deploy.stdout`),
    deployStderr: strings(deploy['stderr'], `${file}: deploy.stderr`),
    unavailable: unavailable(raw['unavailable'], file),
    steps: steps as Step[],
  };
}
