/** `nimbus deploy -t template.yaml`: read, plan, report, apply. */
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { applyPlan, type ApplyDeps } from './apply.js';
import { SamError } from './errors.js';
import { planDeployment } from './plan.js';
import { parseTemplate } from './template.js';

export interface SamDeployOptions {
  templateFile: string;
  stack?: string | undefined;
  region: string;
  endpoint: string;
  parameterOverrides?: Record<string, string>;
  /** Warnings go here (stderr in the CLI). */
  warn: (line: string) => void;
}

/** The default stack name: the template's folder, as a valid stack name. */
export function defaultStackName(templateFile: string): string {
  const base = basename(dirname(resolve(templateFile))).replace(/[^a-zA-Z0-9-_]/g, '-').replace(/^[^a-zA-Z0-9]+/, '');
  return (base || 'sam-app').slice(0, 128);
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
    ...(o.parameterOverrides ? { parameterOverrides: o.parameterOverrides } : {}),
  });
  for (const w of plan.warnings) o.warn(`warning: ${w}`);
  if (plan.functions.length === 0) throw new SamError(`${o.templateFile} has no AWS::Serverless::Function resources to deploy`);
  deps.out(`Deploying stack ${plan.stack} (${plan.functions.length} function${plan.functions.length === 1 ? '' : 's'}, ${plan.routes.length} route${plan.routes.length === 1 ? '' : 's'})`);
  await applyPlan(plan, deps, o.endpoint);
}
