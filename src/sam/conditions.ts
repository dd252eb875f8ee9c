/**
 * The template's `Conditions` section, evaluated as CloudFormation does (Fn::Equals, Fn::Not,
 * Fn::And, Fn::Or, and `Condition` references between them) over parameter values, so that a
 * resource with a false `Condition` is left out and `Fn::If` picks its branch. Published
 * templates use them for optional parts (a custom domain when DomainName is given).
 */
import { SamError } from './errors.js';
import { resolve, type IntrinsicContext } from './intrinsics.js';

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Evaluates every condition into `ctx.conditions`; one that cannot be evaluated is an error. */
export function evaluateConditions(conditions: Record<string, unknown>, ctx: IntrinsicContext): void {
  const visiting = new Set<string>();
  const byName = (name: string, where: string): boolean => {
    if (name in ctx.conditions) return ctx.conditions[name]!;
    if (!(name in conditions)) throw new SamError(`${where}: condition ${name} is not defined in Conditions`);
    if (visiting.has(name)) throw new SamError(`Conditions.${name} refers to itself`);
    visiting.add(name);
    const value = evaluate(conditions[name], `Conditions.${name}`);
    visiting.delete(name);
    ctx.conditions[name] = value;
    return value;
  };
  const evaluate = (expr: unknown, where: string): boolean => {
    if (!isMap(expr) || Object.keys(expr).length !== 1) throw new SamError(`${where}: a condition must be one of Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition`);
    const [fn, arg] = Object.entries(expr)[0]!;
    const list = (n?: number): unknown[] => {
      if (!Array.isArray(arg) || (n !== undefined && arg.length !== n)) throw new SamError(`${where}: ${fn} takes ${n === undefined ? 'a list' : `a list of ${n}`}`);
      return arg;
    };
    switch (fn) {
      case 'Fn::Equals': {
        const [a, b] = list(2).map((v) => resolve(v, ctx, where));
        if (a === undefined || b === undefined) throw new SamError(`${where}: Fn::Equals compares a value Nimbus cannot know before deploying`);
        return String(a) === String(b);
      }
      case 'Fn::Not':
        return !evaluate(list(1)[0], where);
      case 'Fn::And':
        return list().every((c) => evaluate(c, where));
      case 'Fn::Or':
        return list().some((c) => evaluate(c, where));
      case 'Condition':
        if (typeof arg !== 'string') throw new SamError(`${where}: Condition takes a condition name`);
        return byName(arg, where);
      default:
        throw new SamError(`${where}: ${fn} cannot be used in a condition`);
    }
  };
  for (const name of Object.keys(conditions)) byName(name, `Conditions.${name}`);
}

/** Whether a resource with this `Condition` attribute is part of the deployment. */
export function included(condition: unknown, ctx: IntrinsicContext, id: string): boolean {
  if (condition === undefined) return true;
  if (typeof condition !== 'string' || !(condition in ctx.conditions)) throw new SamError(`${id}: Condition ${JSON.stringify(condition)} is not defined in Conditions`);
  return ctx.conditions[condition]!;
}
