/** DescribeLogGroups and DescribeLogStreams: what a scope's functions log to, and its streams (events.ts). */
import type { Scope } from '../../core/model.js';
import { groupArn, groupOf, type LogsDeps } from './deps.js';
import { invalidParameter } from './errors.js';
import { streamName } from './events.js';
import { bool, GROUP_NAME, int, str, STREAM_NAME, type Params } from './params.js';
import { readEntries } from './reader.js';
import { decode, encode } from './tokens.js';

export async function describeLogGroups(d: LogsDeps, scope: Scope, p: Params): Promise<Params> {
  const prefix = str(p, 'logGroupNamePrefix', { min: 1, max: 512, pattern: GROUP_NAME });
  const pattern = str(p, 'logGroupNamePattern', { max: 512 });
  if (prefix !== undefined && pattern !== undefined) throw invalidParameter('LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.');
  const limit = int(p, 'limit', 1, 50) ?? 50;
  const after = decode(str(p, 'nextToken', { min: 1 }), ['a'])?.['a'];
  const needle = pattern?.toLowerCase();
  const all = [...(await d.groups.all(scope, true)).values()]
    .filter((g) => (prefix === undefined || g.name.startsWith(prefix)) && (needle === undefined || g.name.toLowerCase().includes(needle)))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .filter((g) => after === undefined || g.name > String(after));
  const page = all.slice(0, limit);
  return {
    logGroups: page.map((g) => ({
      logGroupName: g.name,
      creationTime: g.creationTime,
      metricFilterCount: 0,
      arn: `${groupArn(scope, g.name)}:*`,
      logGroupClass: 'STANDARD',
      logGroupArn: groupArn(scope, g.name),
    })),
    ...(all.length > limit ? { nextToken: encode({ a: page[page.length - 1]!.name }) } : {}),
  };
}

interface StreamFacts {
  name: string;
  first: number;
  last: number;
}

export async function describeLogStreams(d: LogsDeps, scope: Scope, p: Params): Promise<Params> {
  const group = await groupOf(d, scope, p);
  const prefix = str(p, 'logStreamNamePrefix', { min: 1, max: 512, pattern: STREAM_NAME });
  const orderBy = str(p, 'orderBy') ?? 'LogStreamName';
  if (orderBy !== 'LogStreamName' && orderBy !== 'LastEventTime') {
    throw invalidParameter(`1 validation error detected: Value '${orderBy}' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]`);
  }
  if (orderBy === 'LastEventTime' && prefix !== undefined) throw invalidParameter('Cannot order by LastEventTime with a logStreamNamePrefix.');
  const descending = bool(p, 'descending') ?? false;
  const limit = int(p, 'limit', 1, 50) ?? 50;
  const offset = Number(decode(str(p, 'nextToken', { min: 1 }), ['n'])?.['n'] ?? 0);

  // One pass over the group's entries; a stream's name is computed once per function, version and day.
  const streams = new Map<string, StreamFacts>();
  const names = new Map<string, string>();
  for await (const e of readEntries(d.logs, scope, group.functions, { afterId: 0 })) {
    const k = `${e.functionName}\n${e.version}\n${Math.floor(e.timestamp / 86_400_000)}`;
    let name = names.get(k);
    if (name === undefined) names.set(k, (name = streamName(e.functionName, e.version, e.timestamp)));
    const s = streams.get(name);
    if (s) {
      s.first = Math.min(s.first, e.timestamp);
      s.last = Math.max(s.last, e.timestamp);
    } else streams.set(name, { name, first: e.timestamp, last: e.timestamp });
  }
  const sorted = [...streams.values()]
    .filter((s) => prefix === undefined || s.name.startsWith(prefix))
    .sort((a, b) => (orderBy === 'LastEventTime' ? a.last - b.last : 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (descending) sorted.reverse();
  const page = sorted.slice(offset, offset + limit);
  return {
    logStreams: page.map((s) => ({
      logStreamName: s.name,
      creationTime: s.first,
      firstEventTimestamp: s.first,
      lastEventTimestamp: s.last,
      lastIngestionTime: s.last,
      arn: `${groupArn(scope, group.name)}:log-stream:${s.name}`,
      // Deprecated by AWS for streams (reported as zero since 2019).
      storedBytes: 0,
    })),
    ...(offset + limit < sorted.length ? { nextToken: encode({ n: offset + limit }) } : {}),
  };
}
