/**
 * The Kubernetes manifests under deploy/k8s/: every object passes its API schema offline
 * (kubernetes-models' bundled JSON schemas), the checked-in YAML is exactly what the generator
 * renders, the Services select the DaemonSet's pods, and the node pod is privileged with the
 * host's cgroup tree. `kubectl kustomize` (offline) also builds each overlay when kubectl exists.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { DaemonSet } from 'kubernetes-models/apps/v1';
import { base } from '../../deploy/k8s/gen/objects.js';
import { allObjects, render } from '../../deploy/k8s/gen/render.js';

const DIR = fileURLToPath(new URL('../../../deploy/k8s/', import.meta.url));

function yamlFiles(dir: string): string[] {
  return readdirSync(join(DIR, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(join(dir, e.name)) : e.name.endsWith('.yaml') ? [join(dir, e.name)] : [],
  );
}

describe('deploy/k8s', () => {
  it('every generated object validates against its schema', () => {
    const objs = allObjects();
    assert.ok(objs.length >= 12);
    for (const o of objs) o.validate();
  });

  it('the schema check is live: a bad port is refused', () => {
    const ds = base()['daemonset.yaml']![0]!.toJSON() as { spec: { template: { spec: { containers: { ports: { containerPort: unknown }[] }[] } } } };
    ds.spec.template.spec.containers[0]!.ports[0]!.containerPort = 'abc';
    assert.throws(() => new DaemonSet(ds as never).validate(), /integer/);
  });

  it('the checked-in files are exactly the rendering (run `npm run k8s:generate` after editing gen/)', () => {
    const rendered = render();
    const onDisk = yamlFiles('base').concat(yamlFiles('overlays')).sort();
    assert.deepEqual(onDisk, [...rendered.keys()].sort());
    for (const [path, text] of rendered) assert.equal(readFileSync(join(DIR, path), 'utf8'), text, path);
  });

  it('every kustomization lists resources and patches that exist', () => {
    for (const k of yamlFiles('.').filter((p) => p.endsWith('kustomization.yaml'))) {
      const dir = join(DIR, k, '..');
      const doc = parseAllDocuments(readFileSync(join(DIR, k), 'utf8'))[0]!.toJS() as { resources?: string[]; patches?: { path: string }[] };
      for (const r of [...(doc.resources ?? []), ...(doc.patches ?? []).map((p) => p.path)]) assert.ok(existsSync(join(dir, r)), `${k}: ${r}`);
    }
  });

  it('the node DaemonSet is privileged, mounts the host cgroup tree, and both Services select its pods', () => {
    const docs = ['daemonset.yaml', 'service.yaml'].flatMap((f) => parseAllDocuments(readFileSync(join(DIR, 'base', f), 'utf8')).map((d) => d.toJS()));
    const ds = docs.find((d) => d.kind === 'DaemonSet');
    const pod = ds.spec.template;
    const c = pod.spec.containers[0];
    assert.equal(c.securityContext.privileged, true);
    assert.ok(pod.spec.volumes.some((v: { hostPath?: { path: string } }) => v.hostPath?.path === '/sys/fs/cgroup'));
    assert.ok(c.args.includes('--cluster') && c.args.includes('--etcd'));
    assert.deepEqual(ds.spec.selector.matchLabels, pod.metadata.labels);
    const services = docs.filter((d) => d.kind === 'Service');
    assert.equal(services.length, 2);
    for (const s of services) {
      for (const [k, v] of Object.entries(s.spec.selector)) assert.equal(pod.metadata.labels[k], v, `${s.metadata.name} selects ${k}`);
      assert.equal(s.spec.ports[0].targetPort, c.ports[0].name);
    }
  });

  it('kubectl kustomize builds both overlays offline (when kubectl is installed)', (t) => {
    if (spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status !== 0) {
      t.skip('kubectl not installed; the schema and golden-file checks above still ran');
      return;
    }
    for (const overlay of ['dev', 'prod']) {
      const r = spawnSync('kubectl', ['kustomize', join(DIR, 'overlays', overlay)], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const kinds = parseAllDocuments(r.stdout).map((d) => (d.toJS() as { kind: string }).kind);
      assert.ok(kinds.includes('DaemonSet') && kinds.includes('Service'), `${overlay}: ${kinds.join(',')}`);
      if (overlay === 'prod') assert.match(r.stdout, /etcd-0\.etcd\.infra/);
    }
  });
});
