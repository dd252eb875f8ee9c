/**
 * The Query protocol: `Action=<Operation>&Version=2012-11-05&...` as a form body or query string,
 * what the AWS CLI v2 of Debian 12 and older SDKs send. Nested members are dotted and numbered
 * (`SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.StringValue`); this file rebuilds
 * the canonical parameters from them using the operation's shape.
 */
import { invalidValue } from '../errors.js';
import type { Member, Params, Shape } from './shapes.js';

interface Node {
  value?: string;
  children: Map<string, Node>;
}

function tree(params: URLSearchParams): Node {
  const root: Node = { children: new Map() };
  for (const [key, value] of params) {
    let node = root;
    for (const part of key.split('.')) {
      let next = node.children.get(part);
      if (!next) {
        next = { children: new Map() };
        node.children.set(part, next);
      }
      node = next;
    }
    node.value = value;
  }
  return root;
}

/** The numbered children of a node (`X.1`, `X.2`, ...) in order. */
function numbered(node: Node | undefined): Node[] {
  if (!node) return [];
  return [...node.children.entries()]
    .filter(([k]) => /^\d+$/.test(k))
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([, n]) => n);
}

/** A list or map member can appear flattened under its wire name, or under its own name (with or without `.member`/`.entry`). */
function elements(node: Node, name: string, wire: string, inner: 'member' | 'entry'): Node[] {
  const flat = numbered(node.children.get(wire));
  if (flat.length > 0) return flat;
  const own = node.children.get(name);
  const wrapped = numbered(own?.children.get(inner));
  return wrapped.length > 0 ? wrapped : numbered(own);
}

export function decodeQueryParams(params: URLSearchParams, shape: Shape): Params {
  return decodeStruct(tree(params), shape);
}

function decodeStruct(node: Node, shape: Shape): Params {
  const out: Params = {};
  for (const [name, member] of Object.entries(shape)) {
    const v = decodeMember(node, name, member);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

function decodeMember(node: Node, name: string, m: Member): unknown {
  switch (m.kind) {
    case 'string':
      return node.children.get(name)?.value;
    case 'integer': {
      const raw = node.children.get(name)?.value;
      if (raw === undefined) return undefined;
      if (!/^\s*-?\d{1,15}\s*$/.test(raw)) throw invalidValue(name, raw, 'Must be an integer.');
      return Number(raw);
    }
    case 'stringList': {
      const items = elements(node, name, m.wire, 'member');
      return items.length > 0 ? items.map((n) => n.value ?? '') : undefined;
    }
    case 'stringMap': {
      const items = elements(node, name, m.wire, 'entry');
      if (items.length === 0) return undefined;
      const out: Record<string, string> = {};
      for (const n of items) {
        const k = n.children.get(m.key)?.value;
        if (k !== undefined) out[k] = n.children.get(m.value)?.value ?? '';
      }
      return out;
    }
    case 'attributeMap': {
      const items = elements(node, name, m.wire, 'entry');
      if (items.length === 0) return undefined;
      const out: Record<string, unknown> = {};
      for (const n of items) {
        const k = n.children.get('Name')?.value;
        const v = n.children.get('Value');
        if (k === undefined) continue;
        const s = v?.children.get('StringValue')?.value;
        const b = v?.children.get('BinaryValue')?.value;
        out[k] = { DataType: v?.children.get('DataType')?.value ?? '', ...(s !== undefined ? { StringValue: s } : {}), ...(b !== undefined ? { BinaryValue: b } : {}) };
      }
      return out;
    }
    case 'structList': {
      const items = elements(node, name, m.wire, 'member');
      return items.length > 0 ? items.map((n) => decodeStruct(n, m.members)) : undefined;
    }
  }
}
