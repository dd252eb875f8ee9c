/** Where the benchmark finds the repository, its fixtures and its scratch space. */
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/bench/lib/). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const FIXTURES = `${ROOT}bench/fixtures/`;
export const WORK = `${ROOT}bench/.work/`;
export const PEERS = `${ROOT}bench/peers/`;
