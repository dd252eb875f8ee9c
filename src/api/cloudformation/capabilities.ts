/**
 * The capabilities a template needs acknowledged, as CloudFormation asks for them: IAM resources
 * (and SAM functions without a `Role`, for which SAM generates one) need CAPABILITY_IAM, IAM
 * resources with names of their own CAPABILITY_NAMED_IAM.
 */
import type { Template } from '../../sam/template.js';
import { CfnError } from './errors.js';

const NAME_PROPERTY: Readonly<Record<string, string>> = {
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
};

export function requiredCapabilities(t: Template): { capabilities: string[]; reason: string } {
  let iam: string | undefined;
  let named: string | undefined;
  for (const [id, r] of Object.entries(t.resources)) {
    const nameProp = NAME_PROPERTY[r.Type];
    if (nameProp && r.Properties[nameProp] !== undefined) named ??= id;
    if (r.Type.startsWith('AWS::IAM::')) iam ??= id;
    const globalRole = t.globals['Function']?.['Role'];
    if (r.Type === 'AWS::Serverless::Function' && r.Properties['Role'] === undefined && globalRole === undefined) iam ??= id;
  }
  if (named) return { capabilities: ['CAPABILITY_NAMED_IAM'], reason: `The following resource(s) require capabilities: [${t.resources[named]!.Type}]` };
  if (iam) return { capabilities: ['CAPABILITY_IAM'], reason: `The following resource(s) require capabilities: [${t.resources[iam]!.Type === 'AWS::Serverless::Function' ? 'AWS::IAM::Role' : t.resources[iam]!.Type}]` };
  return { capabilities: [], reason: '' };
}

export function checkCapabilities(t: Template, given: readonly string[]): void {
  const { capabilities } = requiredCapabilities(t);
  const missing = capabilities.filter((c) => !given.includes(c) && !(c === 'CAPABILITY_IAM' && given.includes('CAPABILITY_NAMED_IAM')));
  if (missing.length > 0) throw new CfnError('InsufficientCapabilitiesException', `Requires capabilities : [${missing.join(', ')}]`);
}
