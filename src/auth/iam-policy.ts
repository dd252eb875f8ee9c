/**
 * The subset of IAM policy evaluation Nimbus enforces (IAM User Guide, "Policy evaluation logic"):
 * statements with Effect Allow/Deny, Action/NotAction and Resource/NotResource with `*` and `?`
 * wildcards, Principal for resource policies, and the condition operators Lambda's own policies
 * use (StringEquals, StringNotEquals, StringLike, ArnLike, ArnEquals, Bool). An explicit Deny
 * wins; without an Allow the answer is an implicit deny. A condition operator outside the subset
 * makes an Allow statement not apply and a Deny statement apply: unknown never widens access.
 * Pure: no I/O.
 */

export interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

export type Decision = 'allow' | 'deny' | 'none';

/** What is asked: who, what, on which resource, with which context keys. */
export interface PolicyRequest {
  action: string;
  resource: string;
  /** For resource policies: the caller's account and ARN, or a service principal (`sns.amazonaws.com`). */
  principal?: { accountId?: string; arn?: string; service?: string };
  /** Condition context keys (case-insensitive), e.g. `aws:SourceArn`, `lambda:FunctionUrlAuthType`. */
  context?: Readonly<Record<string, string>>;
}

const list = (v: string | string[] | undefined): string[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

/** `*` any run, `?` one character; `ignoreCase` for actions (IAM compares actions case-insensitively). */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  if (pattern === '*') return true;
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  if (!p.includes('*') && !p.includes('?')) return p === v;
  let re = compiled.get(p);
  if (!re) {
    re = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
    if (compiled.size >= 4096) compiled.clear();
    compiled.set(p, re);
  }
  return re.test(v);
}

/**
 * Wildcard patterns compiled once: policies are evaluated on every request of a key that has
 * one, with the same few patterns each time. Bounded; cleared when full.
 */
const compiled = new Map<string, RegExp>();

function principalMatches(spec: unknown, who: PolicyRequest['principal']): boolean {
  if (spec === undefined) return true; // identity policies name no principal
  if (spec === '*') return true;
  if (typeof spec !== 'object' || spec === null || !who) return false;
  const s = spec as Record<string, unknown>;
  const aws = list(s['AWS'] as string | string[] | undefined) ?? [];
  for (const a of aws) {
    if (a === '*') return true;
    if (who.accountId && (a === who.accountId || a === `arn:aws:iam::${who.accountId}:root`)) return true;
    if (who.arn && a === who.arn) return true;
  }
  const services = list(s['Service'] as string | string[] | undefined) ?? [];
  return who.service !== undefined && services.includes(who.service);
}

/** Whether the statement's conditions hold; undefined when an operator is outside the subset. */
function conditionsHold(cond: PolicyStatement['Condition'], ctx: Readonly<Record<string, string>>): boolean | undefined {
  if (!cond) return true;
  const lower = new Map(Object.entries(ctx).map(([k, v]) => [k.toLowerCase(), v]));
  for (const [op, pairs] of Object.entries(cond)) {
    for (const [key, raw] of Object.entries(pairs ?? {})) {
      const wanted = (Array.isArray(raw) ? raw : [raw]).map(String);
      const have = lower.get(key.toLowerCase());
      let ok: boolean;
      switch (op) {
        case 'StringEquals':
        case 'ArnEquals':
          ok = have !== undefined && wanted.includes(have);
          break;
        case 'StringNotEquals':
          ok = have === undefined || !wanted.includes(have);
          break;
        case 'StringLike':
        case 'ArnLike':
          ok = have !== undefined && wanted.some((w) => wildcardMatch(w, have));
          break;
        case 'Bool':
          ok = have !== undefined && wanted.some((w) => w.toLowerCase() === have.toLowerCase());
          break;
        default:
          return undefined;
      }
      if (!ok) return false;
    }
  }
  return true;
}

function statementApplies(s: PolicyStatement, req: PolicyRequest): boolean {
  const actions = list(s.Action);
  const notActions = list(s.NotAction);
  if (actions && !actions.some((a) => wildcardMatch(a, req.action, true))) return false;
  if (notActions && notActions.some((a) => wildcardMatch(a, req.action, true))) return false;
  if (!actions && !notActions) return false;
  const resources = list(s.Resource);
  const notResources = list(s.NotResource);
  if (resources && !resources.some((r) => wildcardMatch(r, req.resource))) return false;
  if (notResources && notResources.some((r) => wildcardMatch(r, req.resource))) return false;
  if (!resources && !notResources && s.Principal === undefined) return false;
  if (!principalMatches(s.Principal, req.principal)) return false;
  const held = s.Condition === undefined ? true : conditionsHold(s.Condition, conditionContext(req));
  // An operator Nimbus does not know: a Deny applies, an Allow does not.
  return held === undefined ? s.Effect === 'Deny' : held;
}

/**
 * The condition keys of a request: its own, and the global keys IAM sets for every request of an
 * AWS principal, `aws:PrincipalAccount` and `aws:PrincipalArn`. Without them the policy samples'
 * usual "deny anyone outside this account" statement (`StringNotEquals` on either key, which a
 * missing key satisfies) would deny the owner too, in whichever policy it stands.
 */
function conditionContext(req: PolicyRequest): Readonly<Record<string, string>> {
  const p = req.principal;
  const c = req.context ?? {};
  if (!p || p.service !== undefined || (p.accountId === undefined && p.arn === undefined)) return c;
  const keys: Record<string, string> = {};
  if (p.accountId !== undefined) keys['aws:PrincipalAccount'] = p.accountId;
  if (p.arn !== undefined) keys['aws:PrincipalArn'] = p.arn;
  return { ...keys, ...c };
}

/** Evaluates documents together: any applicable Deny wins, else any Allow, else none. */
export function evaluate(docs: readonly PolicyDocument[], req: PolicyRequest): Decision {
  let allowed = false;
  for (const d of docs) {
    const statements = Array.isArray(d.Statement) ? d.Statement : [d.Statement];
    for (const s of statements) {
      if (!s || typeof s !== 'object' || !statementApplies(s, req)) continue;
      if (s.Effect === 'Deny') return 'deny';
      if (s.Effect === 'Allow') allowed = true;
    }
  }
  return allowed ? 'allow' : 'none';
}

/** Parses and checks a policy document's shape; throws an Error saying what is wrong. */
export function parsePolicyDocument(text: string): PolicyDocument {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`the policy is not JSON: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || !('Statement' in v)) throw new Error('the policy needs a Statement');
  const doc = v as PolicyDocument;
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  for (const [i, s] of statements.entries()) {
    if (typeof s !== 'object' || s === null) throw new Error(`Statement ${i} is not an object`);
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw new Error(`Statement ${i}: Effect must be Allow or Deny`);
    if (s.Action === undefined && s.NotAction === undefined) throw new Error(`Statement ${i}: Action or NotAction is required`);
    if (s.Resource === undefined && s.NotResource === undefined) throw new Error(`Statement ${i}: Resource or NotResource is required`);
  }
  return doc;
}

/**
 * The policy document in a resource's `Policy` attribute (an SNS topic's, an SQS queue's), or
 * undefined when it has none or, never stored, one that is not a policy. Shared by both services'
 * resource-policy checks so they read the attribute alike.
 */
export function attributePolicy(attributes: Readonly<Record<string, string>>): PolicyDocument | undefined {
  const text = attributes['Policy'];
  if (!text) return undefined;
  try {
    const doc = JSON.parse(text) as unknown;
    return typeof doc === 'object' && doc !== null && 'Statement' in doc ? (doc as PolicyDocument) : undefined;
  } catch {
    return undefined;
  }
}
