/**
 * The shared store suite, part six: event-source mappings - identity by UUID, listing by scope
 * with function and source filters and paging, every mapping at once for the pollers, and no tie
 * to the function's life. Run by store.case.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { A, A2, B, fn, mapping, open, type NewStore } from './fixtures.js';

export function mappingCases(newStore: NewStore): void {
  describe('event-source mappings', () => {
    it('insert, get, put and delete by UUID; a taken UUID is refused, a missing one is not created by put', async (t) => {
      const store = open(t, newStore);
      const m = mapping(A, 'u-1', 'f', {
        qualifier: 'live',
        filterCriteria: '{"Filters":[{"Pattern":"{\\"body\\":{\\"a\\":[1]}}"}]}',
        functionResponseTypes: ['ReportBatchItemFailures'],
        maximumConcurrency: 5,
        extras: { MetricsConfig: { Metrics: ['EventCount'] } },
        tags: { team: 'a' },
      });
      assert.equal(await store.eventSourceMappings.insert(m), true);
      assert.equal(await store.eventSourceMappings.insert(mapping(B, 'u-1', 'other')), false);
      assert.deepEqual(await store.eventSourceMappings.get('u-1'), m);
      await store.eventSourceMappings.put({ ...m, state: 'Enabled', batchSize: 100, maximumConcurrency: undefined, lastModified: 9 });
      assert.deepEqual(await store.eventSourceMappings.get('u-1'), { ...m, state: 'Enabled', batchSize: 100, maximumConcurrency: undefined, lastModified: 9 });
      await store.eventSourceMappings.put(mapping(A, 'u-2', 'f'));
      assert.equal(await store.eventSourceMappings.get('u-2'), undefined);
      assert.equal(await store.eventSourceMappings.delete('u-1'), true);
      assert.equal(await store.eventSourceMappings.delete('u-1'), false);
      assert.equal(await store.eventSourceMappings.get('u-1'), undefined);
    });

    it('list keeps to a scope, filters by function (and qualifier) and by source, pages in UUID order', async (t) => {
      const store = open(t, newStore);
      const other = 'arn:aws:sqs:us-east-1:111111111111:other';
      for (const m of [
        mapping(A, 'c', 'f'),
        mapping(A, 'a', 'f', { qualifier: 'live' }),
        mapping(A, 'b', 'g', { eventSourceArn: other }),
        mapping(A, 'd', 'f', { eventSourceArn: other }),
        mapping(A2, 'e', 'f'),
        mapping(B, 'f', 'f'),
      ]) {
        assert.equal(await store.eventSourceMappings.insert(m), true);
      }
      const uuids = async (f: Parameters<typeof store.eventSourceMappings.list>[1], after?: string, limit = 100): Promise<string[]> =>
        (await store.eventSourceMappings.list(A, f, after, limit)).map((m) => m.uuid);
      assert.deepEqual(await uuids({}), ['a', 'b', 'c', 'd']);
      assert.deepEqual(await uuids({ functionName: 'f' }), ['a', 'c', 'd']);
      assert.deepEqual(await uuids({ functionName: 'f', qualifier: '' }), ['c', 'd']);
      assert.deepEqual(await uuids({ functionName: 'f', qualifier: 'live' }), ['a']);
      assert.deepEqual(await uuids({ eventSourceArn: other }), ['b', 'd']);
      assert.deepEqual(await uuids({ functionName: 'f', eventSourceArn: other }), ['d']);
      assert.deepEqual(await uuids({}, 'b', 1), ['c']);
      assert.deepEqual(await uuids({}, 'd'), []);
      assert.deepEqual((await store.eventSourceMappings.list(B, {}, undefined, 10)).map((m) => m.uuid), ['f']);
    });

    it('all returns every scope in UUID order; mappings outlive their function; records are copies', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      const given = mapping(A, 'm2', 'f', { tags: { k: 'v' } });
      await store.eventSourceMappings.insert(given);
      await store.eventSourceMappings.insert(mapping(B, 'm1', 'g'));
      given.tags['k'] = 'changed';
      await store.deleteFunction(A, 'f');
      const all = await store.eventSourceMappings.all();
      assert.deepEqual(all.map((m) => `${m.accountId}/${m.uuid}`), ['222222222222/m1', '111111111111/m2']);
      all[1]!.tags['k'] = 'scribbled';
      all[1]!.functionResponseTypes.push('x');
      assert.deepEqual(await store.eventSourceMappings.get('m2'), mapping(A, 'm2', 'f', { tags: { k: 'v' } }));
    });
  });
}
