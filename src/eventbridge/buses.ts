/** Event buses: CreateEventBus, DescribeEventBus, DeleteEventBus, ListEventBuses. The default bus always exists. */
import type { Clock } from '../core/clock.js';
import type { Scope } from '../core/model.js';
import { alreadyExists, notFound, validation } from './errors.js';
import { busArn, busName, DEFAULT_BUS } from './names.js';
import { decodeToken, encodeToken, int, str, type Params } from './params.js';
import type { EventBridgeStoreApi as EventBridgeStore } from './store.js';

const CUSTOM_BUS = /^[.\-_A-Za-z0-9]{1,256}$/;

export async function createBus(store: EventBridgeStore, clock: Clock, scope: Scope, p: Params): Promise<Params> {
  const name = str(p, 'Name', 'name', { required: true, max: 256, pattern: CUSTOM_BUS })!;
  const exists = (): never => {
    throw alreadyExists(`Event bus ${name} already exists.`);
  };
  if (name === DEFAULT_BUS) exists();
  if (!await store.insertBus({ ...scope, name, description: str(p, 'Description', 'description', { max: 512 }), createdAt: clock.now() })) exists();
  return { EventBusArn: busArn(scope, name) };
}

export async function describeBus(store: EventBridgeStore, scope: Scope, p: Params): Promise<Params> {
  const name = busName(p['Name'], 'name');
  if (name === DEFAULT_BUS) return { Name: DEFAULT_BUS, Arn: busArn(scope, DEFAULT_BUS) };
  const b = await store.bus(scope, name);
  if (!b) throw notFound(`Event bus ${name} does not exist.`);
  // JSON 1.1 timestamps are epoch seconds.
  return { Name: b.name, Arn: busArn(scope, b.name), ...(b.description ? { Description: b.description } : {}), CreationTime: b.createdAt / 1000, LastModifiedTime: b.createdAt / 1000 };
}

export async function deleteBus(store: EventBridgeStore, scope: Scope, p: Params): Promise<Params> {
  const name = busName(p['Name'], 'name');
  if (name === DEFAULT_BUS) throw validation('Cannot delete event bus default.');
  await store.deleteBus(scope, name);
  return {};
}

export async function listBuses(store: EventBridgeStore, scope: Scope, p: Params): Promise<Params> {
  const prefix = str(p, 'NamePrefix', 'namePrefix', { max: 256 }) ?? '';
  const limit = int(p, 'Limit', 'limit', 1, 100) ?? 100;
  const from = decodeToken(str(p, 'NextToken', 'nextToken'));
  const all = [{ Name: DEFAULT_BUS, Arn: busArn(scope, DEFAULT_BUS) }, ...(await store.buses(scope)).map((b) => ({ Name: b.name, Arn: busArn(scope, b.name), CreationTime: b.createdAt / 1000 }))].filter(
    (b) => b.Name.startsWith(prefix),
  );
  return { EventBuses: all.slice(from, from + limit), ...(from + limit < all.length ? { NextToken: encodeToken(from + limit) } : {}) };
}
