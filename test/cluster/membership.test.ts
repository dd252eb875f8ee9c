/**
 * Membership on a real etcd: nodes see each other join and leave, one is elected reaper and is
 * told when another node's key goes, and a node whose lease is lost is fenced and rejoins under a
 * new epoch (the lease is revoked from outside, as etcd does when a paused node misses its TTL).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { Membership } from '../../src/cluster/membership.js';
import { skipWithoutEtcd, startEtcd, type TempEtcd } from '../helpers/etcd.js';

const skip = skipWithoutEtcd();

async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('cluster membership on etcd', { skip }, () => {
  let etcd: TempEtcd | undefined;
  before(async () => {
    etcd = await startEtcd();
  });
  after(() => etcd?.stop());

  it('nodes see each other; the reaper hears of a node that left; a lost lease fences and rejoins under a new epoch', async (t) => {
    const gone: string[] = [];
    const n1 = await Membership.join({ etcd: etcd!.url, nodeId: 'n1', addr: 'http://127.0.0.1:1001', ttlSeconds: 2, onNodeGone: async (id) => void (id && gone.push(id)) });
    t.after(() => n1.close());
    await until('n1 is reaper', () => n1.isReaper);
    const n2 = await Membership.join({ etcd: etcd!.url, nodeId: 'n2', addr: 'http://127.0.0.1:1002', ttlSeconds: 2 });
    t.after(() => n2.close());
    await until('n1 sees n2', () => n1.live().length === 2);
    assert.deepEqual(n2.live().map((n) => n.id), ['n1', 'n2']);
    assert.equal(n2.isReaper, false);
    assert.equal(n2.fenced, false);

    // n2's lease is revoked behind its back (what etcd does when n2 misses its TTL).
    const firstEpoch = n2.epoch;
    const admin = new Etcd3({ hosts: etcd!.url });
    t.after(() => admin.close());
    await admin.leaseClient.leaseRevoke({ ID: firstEpoch });
    await until('the reaper hears n2 left', () => gone.includes('n2'));
    await until('n2 rejoins under a new epoch', () => !n2.fenced && n2.epoch !== firstEpoch && n1.live().length === 2);
    assert.notEqual(n2.epoch, firstEpoch);

    // A clean stop is seen at once (the lease is revoked, no TTL to wait for).
    await n2.close();
    await until('n1 sees n2 stop', () => n1.live().length === 1);
  });
});
