/**
 * `nimbus deploy -t template.yaml`: read, plan, build every function (as `sam build` would),
 * then apply. All builds finish before the first API call, so a build error changes nothing.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { applyPlan, type ApplyDeps } from './apply.js';
import { packageFunction, type BuiltCode } from './build/index.js';
import { SamError } from './errors.js';
import { planDeployment } from './plan.js';
import { parseTemplate } from './template.js';

export interface SamDeployOptions {
  templateFile: string;
  stack?: string | undefined;
  region: string;
  endpoint: string;
  parameterOverrides?: Record<string, string>;
  /** Where installed dependencies are cached (default $NIMBUS_BUILD_CACHE or ~/.cache/nimbus/sam-build). */
  buildCacheDir?: string;
  /** Warnings go here (stderr in the CLI). */
  warn: (line: string) => void;
}

/** The default stack name: the template's folder, as a valid stack name. */
export function defaultStackName(templateFile: string): string {
  const base = basename(dirname(resolve(templateFile))).replace(/[^a-zA-Z0-9-_]/g, '-').replace(/^[^a-zA-Z0-9]+/, '');
  return (base || 'sam-app').slice(0, 128);
}

export function defaultBuildCache(): string {
  return process.env['NIMBUS_BUILD_CACHE'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'nimbus', 'sam-build');
}

export async function deployTemplate(o: SamDeployOptions, deps: ApplyDeps): Promise<void> {
  let text: string;
  try {
    text = readFileSync(o.templateFile, 'utf8');
  } catch (e) {
    throw new SamError(`cannot read ${o.templateFile}: ${(e as Error).message}`);
  }
  const template = parseTemplate(text, o.templateFile);
  const plan = planDeployment(template, {
    stack: o.stack ?? defaultStackName(o.templateFile),
    region: o.region,
    accountId: '000000000000',
    baseDir: dirname(resolve(o.templateFile)),
    role: deps.role,
    ...(o.parameterOverrides ? { parameterOverrides: o.parameterOverrides } : {}),
  });
  for (const w of plan.warnings) o.warn(`warning: ${w}`);
  if (plan.functions.length === 0) throw new SamError(`${o.templateFile} has no AWS::Serverless::Function resources to deploy`);
  deps.out(`Building ${plan.functions.length} function${plan.functions.length === 1 ? '' : 's'}`);
  const built = new Map<string, BuiltCode>();
  const cacheDir = o.buildCacheDir ?? defaultBuildCache();
  for (const fn of plan.functions) {
    built.set(fn.logicalId, await packageFunction(fn, { cacheDir, zipFolder: deps.zipFolder, out: deps.out }));
  }
  deps.out(`Deploying stack ${plan.stack} (${plan.functions.length} function${plan.functions.length === 1 ? '' : 's'}, ${plan.routes.length} route${plan.routes.length === 1 ? '' : 's'})`);
  await applyPlan(plan, built, deps, o.endpoint);
  const outputs = Object.entries(plan.outputs);
  if (outputs.length > 0) {
    deps.out('Outputs (as the template computes them; API URLs are AWS-shaped, the routes above are where Nimbus serves them):');
    for (const [k, v] of outputs) deps.out(`  ${k}: ${v}`);
  }
}
