/**
 * The one store suite, written against the Store contract (src/store/types.ts) only and run
 * against every implementation: each implementation's test file calls `runStoreSuite` with a
 * factory for empty stores (sqlite.test.ts, memory.test.ts; PostgreSQL's later). The cases are
 * split by part of the contract into the *.case.ts files beside this one.
 */
import { describe } from 'node:test';
import { aliasAndUrlCases } from './aliases-urls.case.js';
import { mappingCases } from './esm.case.js';
import { featureCases } from './features.case.js';
import type { NewStore } from './fixtures.js';
import { functionCases } from './functions.case.js';
import { layerCases } from './layers.case.js';
import { logCases } from './logs.case.js';
import { stackCases } from './stacks.case.js';
import { versionCases } from './versions.case.js';

export type { NewStore } from './fixtures.js';

/** Runs every case against stores made by `newStore`, under a heading named `name`. */
export function runStoreSuite(name: string, newStore: NewStore): void {
  describe(`store contract: ${name}`, () => {
    functionCases(newStore);
    versionCases(newStore);
    aliasAndUrlCases(newStore);
    featureCases(newStore);
    logCases(newStore);
    stackCases(newStore);
    mappingCases(newStore);
    layerCases(newStore);
  });
}
