/** Writes the rendered Kustomize tree to deploy/k8s/ (run after changing objects.ts). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allObjects, render } from './render.js';

const ROOT = fileURLToPath(new URL('../../../../deploy/k8s/', import.meta.url));
for (const o of allObjects()) o.validate();
for (const [path, text] of render()) {
  mkdirSync(dirname(join(ROOT, path)), { recursive: true });
  writeFileSync(join(ROOT, path), text);
  process.stdout.write(`wrote deploy/k8s/${path}\n`);
}
