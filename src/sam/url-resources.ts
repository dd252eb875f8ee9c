/**
 * `AWS::Lambda::Url` resources: a function URL declared apart from its function (the streaming
 * samples do so), as CloudFormation creates it: on `TargetFunctionArn` (a function's name or ARN,
 * `:qualifier` allowed) or its `Qualifier`, with `AuthType`, `Cors` and `InvokeMode`. Each becomes
 * a URL of the template's function under the resource's own logical id. `Ref` is the function's
 * ARN and `GetAtt FunctionArn` too; `GetAtt FunctionUrl` exists only once deployed (the output is
 * left out, and the deployment prints the URL).
 */
import { SamError } from './errors.js';
import type { FunctionPlan } from './function-plan.js';
import { resolve, type IntrinsicContext } from './intrinsics.js';
import type { Template } from './template.js';

export const URL_TYPE = 'AWS::Lambda::Url';

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const FUNCTION_ARN = /^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:([a-zA-Z0-9-_]+)(?::([a-zA-Z0-9-_$]+))?$/;

/** The template's URL resources set on their functions (`urlResources`); a target outside the template is warned about and skipped. */
export function planUrlResources(t: Template, functions: FunctionPlan[], ctx: IntrinsicContext): void {
  for (const [id, r] of Object.entries(t.resources)) {
    if (r.Type !== URL_TYPE) continue;
    const p = resolve(r.Properties, ctx, id);
    if (!isMap(p)) throw new SamError(`${id}: an AWS::Lambda::Url needs Properties`);
    const target = p['TargetFunctionArn'];
    if (typeof target !== 'string') throw new SamError(`${id}.TargetFunctionArn must be a function name or ARN`);
    const m = FUNCTION_ARN.exec(target);
    const name = m ? m[1]! : target;
    const qualifier = typeof p['Qualifier'] === 'string' ? p['Qualifier'] : m?.[2];
    const fn = functions.find((f) => f.name === name);
    if (!fn) {
      ctx.warn(`${id}: ${target} is not a function of this template; its URL is not created`);
      continue;
    }
    if (typeof p['AuthType'] !== 'string') throw new SamError(`${id}.AuthType is required (NONE or AWS_IAM)`);
    const config: Record<string, unknown> = { AuthType: p['AuthType'] };
    if (isMap(p['Cors'])) config['Cors'] = p['Cors'];
    if (typeof p['InvokeMode'] === 'string') config['InvokeMode'] = p['InvokeMode'];
    const own = fn.url ? (fn.autoPublishAlias ?? '') : undefined;
    const taken = [...(own !== undefined ? [own] : []), ...(fn.urlResources ?? []).map((u) => u.qualifier ?? '')];
    if (taken.includes(qualifier ?? '')) {
      throw new SamError(`${id}: ${fn.logicalId} already has a URL for ${qualifier === undefined ? 'its unqualified ARN' : `qualifier ${qualifier}`} (a function has one URL per qualifier)`);
    }
    (fn.urlResources ??= []).push({ logicalId: id, ...(qualifier !== undefined && qualifier !== '$LATEST' ? { qualifier } : {}), config });
  }
}
