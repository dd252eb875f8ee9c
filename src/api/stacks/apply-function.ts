/**
 * One function of a stack brought to the state the document asks for, through the same services
 * the Lambda API uses (so every setting gets Lambda's checks and messages), each change recorded
 * with its inverse in the deployment's journal: create or update code and configuration, reserved
 * concurrency, a published version and the AutoPublishAlias on it, provisioned concurrency, the
 * URL config. A setting the template no longer has goes back to Lambda's default, as a
 * CloudFormation update does.
 */
import { readFileSync } from 'node:fs';
import { NimbusError } from '../../core/errors.js';
import type { FunctionVersion, Scope } from '../../core/model.js';
import type { StackResource } from '../../store/records.js';
import type { FunctionSpec } from './document.js';
import type { Journal } from './journal.js';
import type { StackDeps } from './deps.js';

/** What UpdateFunctionConfiguration takes to put a version's configuration back. */
export function configurationOf(v: FunctionVersion): Record<string, unknown> {
  return {
    Role: v.role,
    ...(v.image
      ? { ImageConfig: { EntryPoint: v.image.overrides?.entryPoint ?? null, Command: v.image.overrides?.command ?? null, WorkingDirectory: v.image.overrides?.workingDirectory ?? '' } }
      : { Handler: v.handler, Runtime: v.runtime }),
    Description: v.description,
    Timeout: v.timeout,
    MemorySize: v.memorySize,
    Environment: { Variables: v.environment },
    EphemeralStorage: { Size: v.ephemeralStorageMb },
    TracingConfig: { Mode: v.tracingMode },
    LoggingConfig: { LogFormat: v.logFormat, LogGroup: v.logGroup },
    DeadLetterConfig: { TargetArn: v.deadLetterTargetArn ?? '' },
    Layers: (v.layers ?? []).map((l) => l.arn),
  };
}

/** Lambda's defaults for what a template may leave out; a removed setting returns to them. */
function withDefaults(name: string, c: Record<string, unknown>): Record<string, unknown> {
  const { Architectures: _a, FunctionName: _f, Code: _c, Publish: _p, ...rest } = c;
  return {
    Description: '',
    Timeout: 3,
    MemorySize: 128,
    Environment: { Variables: {} },
    EphemeralStorage: { Size: 512 },
    TracingConfig: { Mode: 'PassThrough' },
    LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${name}` },
    DeadLetterConfig: { TargetArn: '' },
    Layers: [],
    ...rest,
  };
}

async function optional<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof NimbusError && (e.code === 'ERR_NOT_FOUND' || e.code === 'ERR_PROVISIONED_CONFIG_NOT_FOUND')) return undefined;
    throw e;
  }
}

const zipOf = (d: StackDeps, sha: string): string => readFileSync(d.code.zipPath(sha)).toString('base64');

/** Applies one function; returns the resources it now consists of. */
export async function applyFunction(scope: Scope, f: FunctionSpec, j: Journal, d: StackDeps): Promise<StackResource[]> {
  const name = f.FunctionName;
  // TenancyConfig is CreateFunction's only: fixed for the function's life (CloudFormation replaces the function to change it).
  const { TenancyConfig: tenancy, ...config } = withDefaults(name, f.Configuration);
  const architectures = f.Configuration['Architectures'];
  const before = await d.store.getVersion(scope, name, '$LATEST');
  if (before && ((tenancy as { TenantIsolationMode?: unknown } | undefined)?.TenantIsolationMode ?? undefined) !== before.tenantIsolation) {
    throw new NimbusError(
      'ERR_INVALID_PARAMETER',
      `TenancyConfig cannot change on an existing function (${name}); CloudFormation would replace it. Give the function another FunctionName, or remove the stack and deploy it again.`,
    );
  }
  if (f.ImageUri !== undefined) {
    const { PackageType: _p, ...imageConfig } = config;
    if (before && !before.image) {
      throw new NimbusError('ERR_INVALID_PARAMETER', `${name} is a Zip function; CloudFormation would replace it to make it an image function. Give it another FunctionName.`);
    }
    // An image function's settings go back to none when the template drops them.
    const withImage = { ImageConfig: {}, ...imageConfig };
    if (!before) {
      await d.functions.create(scope, { ...withImage, ...(tenancy !== undefined ? { TenancyConfig: tenancy } : {}), FunctionName: name, PackageType: 'Image', Code: { ImageUri: f.ImageUri }, ...(architectures ? { Architectures: architectures } : {}) });
      j.push(`delete function ${name}`, async () => await d.functions.delete(scope, name));
    } else {
      const previous = before.image!.resolvedUri;
      await d.functions.updateCode(scope, name, { ImageUri: f.ImageUri, ...(architectures ? { Architectures: architectures } : {}) });
      j.push(`restore the image of ${name}`, () => d.functions.updateCode(scope, name, { ImageUri: previous, Architectures: before.architectures }));
      await d.functions.updateConfiguration(scope, name, withImage);
      j.push(`restore the configuration of ${name}`, async () => await d.functions.updateConfiguration(scope, name, configurationOf(before)));
    }
  } else if (before?.image) {
    throw new NimbusError('ERR_INVALID_PARAMETER', `${name} is an image function; CloudFormation would replace it to make it a Zip function. Give it another FunctionName.`);
  } else if (!before) {
    await d.functions.create(scope, { ...config, ...(tenancy !== undefined ? { TenancyConfig: tenancy } : {}), FunctionName: name, Code: { ZipFile: zipOf(d, f.CodeSha256) }, ...(architectures ? { Architectures: architectures } : {}) });
    j.push(`delete function ${name}`, async () => await d.functions.delete(scope, name));
  } else {
    const sameArch = architectures === undefined || JSON.stringify(architectures) === JSON.stringify(before.architectures);
    if (before.codeSha256 !== f.CodeSha256 || !sameArch) {
      // The previous package is read now: once replaced, nothing else may keep it on disk.
      const previous = zipOf(d, before.codeSha256);
      await d.functions.updateCode(scope, name, { ZipFile: zipOf(d, f.CodeSha256), ...(architectures ? { Architectures: architectures } : {}) });
      j.push(`restore the code of ${name}`, () => d.functions.updateCode(scope, name, { ZipFile: previous, Architectures: before.architectures }));
    }
    await d.functions.updateConfiguration(scope, name, config);
    j.push(`restore the configuration of ${name}`, async () => await d.functions.updateConfiguration(scope, name, configurationOf(before)));
  }
  const reservedBefore = await d.concurrency.get(scope, name);
  const reserved = f.ReservedConcurrentExecutions;
  if (reserved !== reservedBefore) {
    if (reserved === undefined) await d.concurrency.delete(scope, name);
    else await d.concurrency.put(scope, name, { ReservedConcurrentExecutions: reserved });
    j.push(`restore the reserved concurrency of ${name}`, async () =>
      reservedBefore === undefined ? await d.concurrency.delete(scope, name) : await d.concurrency.put(scope, name, { ReservedConcurrentExecutions: reservedBefore }),
    );
  }
  const resources: StackResource[] = [{ logicalId: f.LogicalId, type: 'AWS::Lambda::Function', physicalId: name }];
  if (f.Alias) resources.push(...await applyAlias(scope, f, f.Alias, j, d));
  if (f.Url) resources.push(await applyUrl(scope, f, `${f.LogicalId}Url`, f.Alias?.Name, f.Url, j, d));
  for (const u of f.Urls) resources.push(await applyUrl(scope, f, u.LogicalId, u.Qualifier, u.Config, j, d));
  return resources;
}

async function applyAlias(scope: Scope, f: FunctionSpec, a: NonNullable<FunctionSpec['Alias']>, j: Journal, d: StackDeps): Promise<StackResource[]> {
  const name = f.FunctionName;
  const newest = (await d.store.latestPublished(scope, name))?.version;
  // Publishing with nothing changed answers the newest version (AWS's idempotent publish), as SAM only publishes on change.
  const version = (await d.versions.publish(scope, name, a.VersionDescription !== undefined ? { Description: a.VersionDescription } : {})).version;
  if (version !== newest) j.push(`delete version ${version} of ${name}`, async () => await d.functions.delete(scope, name, version));
  const before = await optional(async () => await d.aliases.get(scope, name, a.Name));
  if (before) {
    await d.aliases.update(scope, name, a.Name, { FunctionVersion: version, RoutingConfig: { AdditionalVersionWeights: {} } });
    j.push(`restore alias ${name}:${a.Name}`, async () =>
      await d.aliases.update(scope, name, a.Name, { FunctionVersion: before.functionVersion, Description: before.description, RoutingConfig: { AdditionalVersionWeights: before.weights } }),
    );
  } else {
    await d.aliases.create(scope, name, { Name: a.Name, FunctionVersion: version });
    j.push(`delete alias ${name}:${a.Name}`, async () => await d.aliases.delete(scope, name, a.Name));
  }
  const pcBefore = (await optional(async () => await d.provisioned.get(scope, name, a.Name)))?.requested;
  const pc = a.ProvisionedConcurrentExecutions;
  if (pc !== pcBefore) {
    if (pc === undefined) await d.provisioned.delete(scope, name, a.Name);
    else await d.provisioned.put(scope, name, a.Name, { ProvisionedConcurrentExecutions: pc });
    j.push(`restore the provisioned concurrency of ${name}:${a.Name}`, async () =>
      pcBefore === undefined ? await d.provisioned.delete(scope, name, a.Name) : await d.provisioned.put(scope, name, a.Name, { ProvisionedConcurrentExecutions: pcBefore }),
    );
  }
  return [
    { logicalId: `${f.LogicalId}Version`, type: 'AWS::Lambda::Version', physicalId: `${name}:${version}` },
    { logicalId: `${f.LogicalId}Alias${a.Name}`, type: 'AWS::Lambda::Alias', physicalId: `${name}:${a.Name}` },
  ];
}

async function applyUrl(scope: Scope, f: FunctionSpec, logicalId: string, qualifier: string | undefined, url: Record<string, unknown>, j: Journal, d: StackDeps): Promise<StackResource> {
  const name = f.FunctionName;
  const before = await optional(async () => await d.urls.get(scope, name, qualifier));
  if (before) {
    // null clears a Cors config the template no longer has.
    await d.urls.update(scope, name, qualifier, { Cors: null, ...url });
    j.push(`restore the URL config of ${name}`, async () =>
      await d.urls.update(scope, name, qualifier, { AuthType: before.authType, Cors: before.cors ?? null, InvokeMode: before.invokeMode }),
    );
  } else {
    await d.urls.create(scope, name, qualifier, url);
    j.push(`delete the URL config of ${name}`, () => optional(async () => await d.urls.delete(scope, name, qualifier)));
  }
  return { logicalId, type: 'AWS::Lambda::Url', physicalId: qualifier ? `${name}:${qualifier}` : name };
}

/** SAM puts EventInvokeConfig on the alias when there is one, else on $LATEST. */
export async function applyEventInvokeConfig(scope: Scope, f: FunctionSpec, j: Journal, d: StackDeps): Promise<StackResource | undefined> {
  if (!f.EventInvokeConfig) return undefined;
  const name = f.FunctionName;
  const qualifier = f.Alias?.Name;
  const before = await optional(async () => await d.eventInvokeConfigs.get(scope, name, qualifier));
  await d.eventInvokeConfigs.put(scope, name, qualifier, f.EventInvokeConfig);
  j.push(`restore the event invoke config of ${name}`, () => {
    if (!before) return optional(async () => await d.eventInvokeConfigs.delete(scope, name, qualifier));
    const dc: Record<string, unknown> = {};
    if (before.onSuccess) dc['OnSuccess'] = { Destination: before.onSuccess };
    if (before.onFailure) dc['OnFailure'] = { Destination: before.onFailure };
    return d.eventInvokeConfigs.put(scope, name, qualifier, {
      ...(before.maximumRetryAttempts !== undefined ? { MaximumRetryAttempts: before.maximumRetryAttempts } : {}),
      ...(before.maximumEventAgeInSeconds !== undefined ? { MaximumEventAgeInSeconds: before.maximumEventAgeInSeconds } : {}),
      ...(Object.keys(dc).length ? { DestinationConfig: dc } : {}),
    });
  });
  return { logicalId: `${f.LogicalId}EventInvokeConfig`, type: 'AWS::Lambda::EventInvokeConfig', physicalId: `${name}:${qualifier ?? '$LATEST'}` };
}
