/**
 * Reading a CloudFormation Query request: flat form fields, lists as `Name.member.N` and
 * structures in lists as `Name.member.N.Field` (`Parameters.member.1.ParameterKey`).
 */
import { CfnError } from './errors.js';

export class QueryParams {
  constructor(private readonly p: URLSearchParams) {}

  get(name: string): string | undefined {
    return this.p.get(name) ?? undefined;
  }

  /** A required member, else CloudFormation's validation message. */
  required(name: string): string {
    const v = this.p.get(name);
    if (v === null || v === '') {
      const member = name.charAt(0).toLowerCase() + name.slice(1);
      throw new CfnError('ValidationError', `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`);
    }
    return v;
  }

  bool(name: string): boolean {
    return this.p.get(name) === 'true';
  }

  /** `Name.member.1`, `Name.member.2`, … in order. */
  list(name: string): string[] {
    const out: string[] = [];
    for (let i = 1; this.p.has(`${name}.member.${i}`); i++) out.push(this.p.get(`${name}.member.${i}`)!);
    return out;
  }

  /** `Name.member.N.Field` as one record per N, in order. */
  structs(name: string): Record<string, string>[] {
    const byIndex = new Map<number, Record<string, string>>();
    const prefix = `${name}.member.`;
    for (const [k, v] of this.p) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length);
      const dot = rest.indexOf('.');
      if (dot < 0) continue;
      const i = Number(rest.slice(0, dot));
      if (!Number.isInteger(i)) continue;
      const rec = byIndex.get(i) ?? {};
      rec[rest.slice(dot + 1)] = v;
      byIndex.set(i, rec);
    }
    return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
  }
}
