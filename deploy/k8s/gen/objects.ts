/**
 * The Kubernetes objects of a Nimbus cluster, typed with `kubernetes-models` (each object is
 * checked against the API's JSON schema by `.validate()`, and TypeScript rejects unknown fields,
 * which the schemas let through). The shape follows OpenWhisk's DockerContainerFactory invoker: one
 * privileged node agent per worker (a DaemonSet) that makes sandboxes with namespaces and cgroups
 * on its host, because per-function pods would throw away Nimbus's own sandboxes and warm pool.
 * See docs/cluster-k8s.md.
 */
import { DaemonSet, StatefulSet } from 'kubernetes-models/apps/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';

/** Anything `kubernetes-models` builds: validates itself and serialises to the API's JSON. */
export interface Manifest {
  validate(): void;
  toJSON(): unknown;
}

export const NAMESPACE = 'nimbus';
export const PORT = 9000;
/** The image the DaemonSet runs; docs/cluster-k8s.md says how to build it. */
export const IMAGE = 'nimbus-lambda:0.1.0';
const app = { 'app.kubernetes.io/name': 'nimbus', 'app.kubernetes.io/component': 'node' };
/** Lambda's longest timeout: a draining node lets running invocations finish. */
const LONGEST_TIMEOUT_S = 900;

/** base/: everything but PostgreSQL and etcd, which are references (a Secret and a ConfigMap key). */
export function base(): Record<string, Manifest[]> {
  return {
    'namespace.yaml': [
      new Namespace({
        metadata: { name: NAMESPACE, labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } },
      }),
    ],
    'serviceaccount.yaml': [new ServiceAccount({ metadata: { name: 'nimbus-node', namespace: NAMESPACE } })],
    'config.yaml': [
      new ConfigMap({
        metadata: { name: 'nimbus-config', namespace: NAMESPACE },
        data: { NIMBUS_ETCD: 'http://etcd:2379', NIMBUS_MAX_CONCURRENCY: '1000' },
      }),
    ],
    'daemonset.yaml': [
      new DaemonSet({
        metadata: { name: 'nimbus-node', namespace: NAMESPACE, labels: app },
        spec: {
          selector: { matchLabels: app },
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
          template: {
            metadata: { labels: app },
            spec: {
              serviceAccountName: 'nimbus-node',
              nodeSelector: { 'nimbus.dev/worker': 'true' },
              terminationGracePeriodSeconds: LONGEST_TIMEOUT_S + 30,
              containers: [
                {
                  name: 'nimbus',
                  image: IMAGE,
                  command: ['node', '/app/bin/nimbus.js'],
                  args: [
                    'serve',
                    '--host', '0.0.0.0',
                    '--port', String(PORT),
                    '--data-dir', '/var/lib/nimbus',
                    '--cluster', '$(NIMBUS_DATABASE_URL)',
                    '--etcd', '$(NIMBUS_ETCD)',
                  ],
                  env: [
                    { name: 'NIMBUS_DATABASE_URL', valueFrom: { secretKeyRef: { name: 'nimbus-database', key: 'url' } } },
                    // Every node opens what the others sealed: one keyring for the cluster (docs/cluster.md).
                    { name: 'NIMBUS_MASTER_KEY', valueFrom: { secretKeyRef: { name: 'nimbus-master-key', key: 'key' } } },
                    { name: 'NIMBUS_NODE_ID', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                    { name: 'NIMBUS_ADVERTISE_ADDRESS', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                  ],
                  envFrom: [{ configMapRef: { name: 'nimbus-config' } }],
                  ports: [{ name: 'api', containerPort: PORT, protocol: 'TCP' }],
                  // Namespaces, cgroups and bubblewrap sandboxes on the host, as a single node does.
                  securityContext: { privileged: true },
                  readinessProbe: { httpGet: { path: '/nimbus/v1/health', port: 'api' }, periodSeconds: 2, failureThreshold: 2 },
                  livenessProbe: { httpGet: { path: '/nimbus/v1/health', port: 'api' }, periodSeconds: 10, failureThreshold: 6 },
                  // Leave the Service's endpoints before SIGTERM, so no new request lands on a stopping node.
                  lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } },
                  resources: { requests: { cpu: '500m', memory: '512Mi' } },
                  volumeMounts: [
                    { name: 'cgroup', mountPath: '/sys/fs/cgroup' },
                    { name: 'data', mountPath: '/var/lib/nimbus' },
                  ],
                },
              ],
              volumes: [
                { name: 'cgroup', hostPath: { path: '/sys/fs/cgroup', type: 'Directory' } },
                { name: 'data', hostPath: { path: '/var/lib/nimbus', type: 'DirectoryOrCreate' } },
              ],
            },
          },
        },
      }),
    ],
    'service.yaml': [
      new Service({
        metadata: { name: 'nimbus-api', namespace: NAMESPACE, labels: app },
        spec: { type: 'ClusterIP', selector: app, ports: [{ name: 'api', port: PORT, targetPort: 'api' }] },
      }),
      // Node-to-node forwarding addresses each pod directly; the headless Service gives them DNS names.
      new Service({
        metadata: { name: 'nimbus-peers', namespace: NAMESPACE, labels: app },
        spec: { clusterIP: 'None', publishNotReadyAddresses: false, selector: app, ports: [{ name: 'api', port: PORT, targetPort: 'api' }] },
      }),
    ],
    'disruption.yaml': [
      new PodDisruptionBudget({
        metadata: { name: 'nimbus-node', namespace: NAMESPACE },
        spec: { maxUnavailable: 1, selector: { matchLabels: app } },
      }),
      new NetworkPolicy({
        metadata: { name: 'nimbus-api', namespace: NAMESPACE },
        spec: {
          podSelector: { matchLabels: app },
          policyTypes: ['Ingress'],
          ingress: [{ ports: [{ protocol: 'TCP', port: PORT }] }],
        },
      }),
    ],
  };
}

const pgLabels = { 'app.kubernetes.io/name': 'postgres' };
const etcdLabels = { 'app.kubernetes.io/name': 'etcd' };

/** overlays/dev/: one-replica PostgreSQL 15 and etcd 3.4 in the namespace, and a dev Secret. Not for production. */
export function dev(): Record<string, Manifest[]> {
  return {
    'postgres.yaml': [
      new Secret({
        metadata: { name: 'nimbus-database', namespace: NAMESPACE },
        type: 'Opaque',
        stringData: { url: 'postgres://nimbus:nimbus@postgres:5432/nimbus', password: 'nimbus' },
      }),
      // A fixed, public dev key: fine for trying things out, never for real secrets.
      new Secret({
        metadata: { name: 'nimbus-master-key', namespace: NAMESPACE },
        type: 'Opaque',
        stringData: { key: 'bmltYnVzLWRldi1vbmx5LW1hc3Rlci1rZXktMzJieXQ=' },
      }),
      new Service({
        metadata: { name: 'postgres', namespace: NAMESPACE },
        spec: { selector: pgLabels, ports: [{ name: 'pg', port: 5432, targetPort: 5432 }] },
      }),
      new StatefulSet({
        metadata: { name: 'postgres', namespace: NAMESPACE },
        spec: {
          serviceName: 'postgres',
          replicas: 1,
          selector: { matchLabels: pgLabels },
          template: {
            metadata: { labels: pgLabels },
            spec: {
              containers: [
                {
                  name: 'postgres',
                  image: 'postgres:15',
                  env: [
                    { name: 'POSTGRES_USER', value: 'nimbus' },
                    { name: 'POSTGRES_DB', value: 'nimbus' },
                    { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: 'nimbus-database', key: 'password' } } },
                    { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
                  ],
                  ports: [{ containerPort: 5432 }],
                  readinessProbe: { exec: { command: ['pg_isready', '-U', 'nimbus'] }, periodSeconds: 5 },
                  volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }],
                },
              ],
            },
          },
          volumeClaimTemplates: [
            { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } } },
          ],
        },
      }),
    ],
    'etcd.yaml': [
      new Service({
        metadata: { name: 'etcd', namespace: NAMESPACE },
        spec: { selector: etcdLabels, ports: [{ name: 'client', port: 2379, targetPort: 2379 }] },
      }),
      new StatefulSet({
        metadata: { name: 'etcd', namespace: NAMESPACE },
        spec: {
          serviceName: 'etcd',
          replicas: 1,
          selector: { matchLabels: etcdLabels },
          template: {
            metadata: { labels: etcdLabels },
            spec: {
              containers: [
                {
                  name: 'etcd',
                  image: 'quay.io/coreos/etcd:v3.4.23',
                  command: [
                    'etcd',
                    '--data-dir=/var/lib/etcd',
                    '--listen-client-urls=http://0.0.0.0:2379',
                    '--advertise-client-urls=http://etcd:2379',
                  ],
                  ports: [{ containerPort: 2379 }],
                  volumeMounts: [{ name: 'data', mountPath: '/var/lib/etcd' }],
                },
              ],
            },
          },
          volumeClaimTemplates: [
            { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
          ],
        },
      }),
    ],
  };
}

/**
 * overlays/prod/: the base pointed at an external, highly available PostgreSQL (Patroni with
 * synchronous_mode) and a 3-member etcd that is NOT Kubernetes' own. The database Secret is
 * created by the operator (`kubectl create secret generic nimbus-database --from-literal=url=...`).
 */
export function prodPatches(): Record<string, Manifest[]> {
  return {
    'config-patch.yaml': [
      new ConfigMap({
        metadata: { name: 'nimbus-config', namespace: NAMESPACE },
        data: { NIMBUS_ETCD: 'http://etcd-0.etcd.infra:2379,http://etcd-1.etcd.infra:2379,http://etcd-2.etcd.infra:2379' },
      }),
    ],
  };
}
