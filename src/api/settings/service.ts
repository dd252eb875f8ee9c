/**
 * Per-function settings that change how Lambda manages a function rather than what it runs:
 * Get/PutFunctionRecursionConfig (docs/reference/peers-2026.md §1.1), Get/PutRuntimeManagementConfig
 * (docs/reference/sqs-patch-dashboard.md §A1), stored and returned as AWS shows them, and
 * Get/PutFunctionScalingConfig, which belong to Lambda Managed Instances and are refused.
 *
 * What Nimbus does with them: recursive-loop detection does not exist yet (docs/async.md), so
 * `Terminate` (the default) is kept but not acted on. A runtime runs on an interpreter of this
 * machine (docs/runtimes.md), which changes only when its operator changes it, so `Auto` and
 * `FunctionUpdate` behave the same, and `Manual` is accepted only for the runtime version Nimbus
 * reports (RuntimeVersionConfig), the one it runs.
 */
import { invalidParameter, notFound, validationError } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';
import { functionArn, parseFunctionName, qualifierOf } from '../../core/names.js';
import type { Store } from '../../store/types.js';
import { runtimeVersionArn } from '../functions/shapes.js';
import { checkEnum, isObject, optionalString } from '../http/validate.js';

export interface RuntimeManagementConfig {
  UpdateRuntimeOn: string;
  RuntimeVersionArn?: string;
}

const PUBLISHED = /^(\$LATEST\.PUBLISHED|[0-9]+)$/;


export class FunctionSettingsService {
  constructor(private readonly store: Store) {}

  async getRecursion(scope: Scope, rawName: string): Promise<string> {
    const name = await this.unqualified(scope, rawName);
    // AWS's default is Terminate (LS-SNAP `test_put_function_recursion_config_default_terminate`).
    return ((await this.store.settings.get(scope, name, '', 'recursion')) as string | undefined) ?? 'Terminate';
  }

  async putRecursion(scope: Scope, rawName: string, body: unknown): Promise<string> {
    const name = await this.unqualified(scope, rawName);
    const v = isObject(body) ? body['RecursiveLoop'] : undefined;
    if (v === undefined || v === null) throw validationError(null, 'recursiveLoop', 'Member must not be null');
    const loop = checkEnum(v, 'recursiveLoop', ['Terminate', 'Allow'])!;
    await this.store.settings.put(scope, name, '', 'recursion', loop);
    return loop;
  }

  async getRuntimeManagement(scope: Scope, rawName: string, queryQualifier: string | undefined): Promise<RuntimeManagementConfig & { FunctionArn: string }> {
    const { name, version } = await this.version(scope, rawName, queryQualifier);
    const c = ((await this.store.settings.get(scope, name, version, 'runtime-management')) as RuntimeManagementConfig | undefined) ?? { UpdateRuntimeOn: 'Auto' };
    return { ...c, FunctionArn: functionArn(scope, name, version) };
  }

  async putRuntimeManagement(scope: Scope, rawName: string, queryQualifier: string | undefined, body: unknown): Promise<RuntimeManagementConfig & { FunctionArn: string }> {
    const { name, version, runtime } = await this.version(scope, rawName, queryQualifier);
    const b = isObject(body) ? body : {};
    if (b['UpdateRuntimeOn'] === undefined || b['UpdateRuntimeOn'] === null) throw validationError(null, 'updateRuntimeOn', 'Member must not be null');
    const mode = checkEnum(b['UpdateRuntimeOn'], 'updateRuntimeOn', ['Auto', 'Manual', 'FunctionUpdate'])!;
    const arn = optionalString(b, 'RuntimeVersionArn', 'runtimeVersionArn', 2048);
    let c: RuntimeManagementConfig = { UpdateRuntimeOn: mode };
    if (mode === 'Manual') {
      if (arn === undefined) throw invalidParameter('A RuntimeVersionArn is required when UpdateRuntimeOn is Manual.');
      const runs = runtimeVersionArn(scope.region, runtime);
      if (arn !== runs) {
        throw invalidParameter(`Nimbus runs ${runtime} as runtime version ${runs} (this machine's interpreter); it cannot pin ${arn}.`);
      }
      c = { UpdateRuntimeOn: mode, RuntimeVersionArn: arn };
    } else if (arn !== undefined) {
      throw invalidParameter('A RuntimeVersionArn is only taken when UpdateRuntimeOn is Manual.');
    }
    await this.store.settings.put(scope, name, version, 'runtime-management', c);
    return { ...c, FunctionArn: functionArn(scope, name, version) };
  }

  /**
   * Get/PutFunctionScalingConfig set "the scaling configuration for a Lambda Managed Instances
   * function" (API reference), that is a function with a capacity provider; Nimbus has none, so
   * after the checks every call makes, the answer is Lambda's refusal of an unsupported setting.
   */
  async scaling(scope: Scope, rawName: string, queryQualifier: string | undefined): Promise<never> {
    const name = await this.unqualified(scope, rawName);
    if (queryQualifier === undefined || queryQualifier === '') throw validationError(null, 'qualifier', 'Member must not be null');
    if (!PUBLISHED.test(queryQualifier)) throw validationError(queryQualifier, 'qualifier', `Member must satisfy regular expression pattern: ${PUBLISHED.source.slice(1, -1)}`);
    if (queryQualifier !== '$LATEST.PUBLISHED' && !await this.store.getVersion(scope, name, queryQualifier)) {
      throw notFound(`Function not found: ${functionArn(scope, name, queryQualifier)}`);
    }
    throw invalidParameter(
      `${functionArn(scope, name, queryQualifier)} has no capacity provider: function scaling configs apply to Lambda Managed Instances functions, which Nimbus does not run (docs/compatibility.md).`,
    );
  }

  private async unqualified(scope: Scope, rawName: string): Promise<string> {
    const ref = parseFunctionName(rawName);
    if (ref.qualifier !== undefined) {
      throw validationError(rawName, 'functionName', 'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)');
    }
    if (!await this.store.getVersion(scope, ref.name, '$LATEST')) throw notFound(`Function not found: ${functionArn(scope, ref.name)}`);
    return ref.name;
  }

  /** `$LATEST` or a published version (runtime management is set per version). */
  private async version(scope: Scope, rawName: string, queryQualifier: string | undefined): Promise<{ name: string; version: string; runtime: string }> {
    const ref = parseFunctionName(rawName);
    const version = qualifierOf(ref, queryQualifier) ?? '$LATEST';
    if (version !== '$LATEST' && !/^[0-9]+$/.test(version)) {
      throw invalidParameter('Runtime management configs are set on $LATEST or a published version, not on an alias.');
    }
    const v = await this.store.getVersion(scope, ref.name, version);
    if (!v) throw notFound(`Function not found: ${functionArn(scope, ref.name, version === '$LATEST' ? undefined : version)}`);
    return { name: ref.name, version, runtime: v.runtime };
  }
}
