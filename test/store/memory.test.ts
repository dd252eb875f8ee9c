/** The shared store suite against the in-memory store. */
import { MemoryStore } from '../../src/store/memory.js';
import { runStoreSuite } from './store.case.js';

runStoreSuite('memory', () => {
  const store = new MemoryStore();
  return { store, close: async () => await store.close() };
});
