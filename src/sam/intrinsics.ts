/**
 * Evaluating the intrinsic functions a local deployment can know the value of: Ref to
 * parameters, pseudo parameters and the resources Nimbus deploys; Fn::Sub, Fn::Join,
 * Fn::Select, Fn::Split, Fn::If, Fn::GetAtt of the attributes those resources have locally (a
 * function's Arn, a queue's Arn). Anything else is reported, not guessed: the value becomes
 * undefined and a warning names where it was.
 */

export interface IntrinsicContext {
  /** Parameter and pseudo-parameter values (AWS::Region, AWS::AccountId, ...). */
  refs: Record<string, string>;
  /** Logical id -> the value of `Ref` and of its `Fn::GetAtt` attributes, for resources Nimbus knows. */
  resources: Record<string, { ref: string; attrs: Record<string, string> }>;
  conditions: Record<string, boolean>;
  warn: (message: string) => void;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function refOf(name: string, c: IntrinsicContext, where: string): string | undefined {
  if (name in c.refs) return c.refs[name];
  const r = c.resources[name];
  if (r) return r.ref;
  c.warn(`${where}: cannot resolve Ref ${name} locally; the value is left out`);
  return undefined;
}

function getAtt(args: unknown, c: IntrinsicContext, where: string): string | undefined {
  const [id, attr] = Array.isArray(args) ? args : [];
  const r = typeof id === 'string' ? c.resources[id] : undefined;
  const value = r && typeof attr === 'string' ? r.attrs[attr] : undefined;
  if (value !== undefined) return value;
  c.warn(`${where}: cannot resolve Fn::GetAtt ${JSON.stringify(args)} locally; the value is left out`);
  return undefined;
}

function sub(args: unknown, c: IntrinsicContext, where: string): string | undefined {
  const [text, vars] = typeof args === 'string' ? [args, {}] : Array.isArray(args) ? [args[0], args[1] ?? {}] : [undefined, {}];
  if (typeof text !== 'string' || !isMap(vars)) {
    c.warn(`${where}: malformed Fn::Sub`);
    return undefined;
  }
  let failed = false;
  const out = text.replace(/\$\{(!?)([^}]+)\}/g, (all, bang: string, name: string) => {
    if (bang) return `\${${name}}`;
    if (name in vars) {
      const v = resolve(vars[name], c, where);
      if (v === undefined) failed = true;
      return v === undefined ? all : String(v);
    }
    const dot = name.indexOf('.');
    const v = dot < 0 ? refOf(name, c, where) : getAtt([name.slice(0, dot), name.slice(dot + 1)], c, where);
    if (v === undefined) failed = true;
    return v ?? all;
  });
  return failed ? undefined : out;
}

/** Evaluates every intrinsic inside `v`; unresolvable ones become undefined (with a warning). */
export function resolve(v: unknown, c: IntrinsicContext, where: string): unknown {
  if (Array.isArray(v)) return v.map((x) => resolve(x, c, where));
  if (!isMap(v)) return v;
  const keys = Object.keys(v);
  if (keys.length === 1) {
    const k = keys[0]!;
    const arg = v[k];
    switch (k) {
      case 'Ref':
        return typeof arg === 'string' ? refOf(arg, c, where) : undefined;
      case 'Fn::Sub':
        return sub(arg, c, where);
      case 'Fn::GetAtt':
        return getAtt(typeof arg === 'string' ? arg.split('.') : arg, c, where);
      case 'Fn::Join': {
        const [sep, list] = Array.isArray(arg) ? arg : [];
        const items = resolve(list, c, where);
        if (typeof sep !== 'string' || !Array.isArray(items) || items.some((i) => i === undefined)) return undefined;
        return items.join(sep);
      }
      case 'Fn::Select': {
        const [i, list] = Array.isArray(arg) ? arg : [];
        const items = resolve(list, c, where);
        return Array.isArray(items) ? items[Number(resolve(i, c, where))] : undefined;
      }
      case 'Fn::Split': {
        const [sep, text] = Array.isArray(arg) ? arg : [];
        const s = resolve(text, c, where);
        return typeof sep === 'string' && typeof s === 'string' ? s.split(sep) : undefined;
      }
      case 'Fn::If': {
        const [cond, yes, no] = Array.isArray(arg) ? arg : [];
        if (typeof cond !== 'string' || !(cond in c.conditions)) {
          c.warn(`${where}: unknown condition ${String(cond)}; the value is left out`);
          return undefined;
        }
        return resolve(c.conditions[cond] ? yes : no, c, where);
      }
      default:
        if (k === 'Condition' || k.startsWith('Fn::')) {
          c.warn(`${where}: ${k} is not evaluated locally; the value is left out`);
          return undefined;
        }
    }
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x, c, where)]));
}
