/**
 * scripts/cluster-lab: the one-box cluster lab (root). Commands:
 *   up [n]            PostgreSQL, etcd and n nodes (default 3)
 *   run [n] [secs]    up, mixed load with a crash, a pause and a partition, check, down (CI profile)
 *   add|kill|pause|resume|partition|heal <k>    one node; `partition <k> <addr>` cuts it from one address
 *   status | down
 * Environment: NIMBUS_LAB_DIR (/tmp/nimbus-lab), NIMBUS_LAB_PREFIX (nlab), NIMBUS_LAB_SUBNET (10.200.0),
 * NIMBUS_LAB_CPUS (0.5 CPU per node).
 */
import { fileURLToPath } from 'node:url';
import { addNode, clusterModeAvailable, crash, down, heal, nodeAddr, nodePids, partition, pause, readState, resume, upInfra, type LabConfig } from './lab.js';
import { runLab, waitHealthy } from './run.js';

export function labConfig(env: NodeJS.ProcessEnv = process.env): LabConfig {
  return {
    prefix: env['NIMBUS_LAB_PREFIX'] ?? 'nlab',
    subnet: env['NIMBUS_LAB_SUBNET'] ?? '10.200.0',
    dir: env['NIMBUS_LAB_DIR'] ?? '/tmp/nimbus-lab',
    root: fileURLToPath(new URL('../../../', import.meta.url)),
    cpus: Number(env['NIMBUS_LAB_CPUS'] ?? '0.5'),
  };
}

async function main(argv: string[]): Promise<void> {
  const c = labConfig();
  const [cmd, a, b] = argv;
  const k = Number(a);
  switch (cmd) {
    case 'up': {
      let s;
      try {
        s = upInfra(c);
      } catch (e) {
        if (!(e instanceof Error && e.message.startsWith('a lab is already up'))) down(c, true);
        throw e;
      }
      const n = Number(a ?? 3);
      for (let i = 1; i <= n; i++) addNode(c, i);
      for (let i = 1; i <= n; i++) await waitHealthy(c, i);
      process.stdout.write(`lab up in ${c.dir}: ${n} nodes at ${Array.from({ length: n }, (_, i) => `http://${nodeAddr(c, i + 1)}:9000`).join(' ')}\n`);
      if (!s.cluster) process.stdout.write('cluster mode not available in this checkout (serve has no --cluster): the nodes are independent single nodes\n');
      process.stdout.write(`talk to them from the client namespace: ip netns exec ${c.prefix}-client aws --endpoint-url http://${nodeAddr(c, 1)}:9000 lambda list-functions\n`);
      return;
    }
    case 'run': {
      try {
        upInfra(c);
        const r = await runLab(c, { nodes: Number(a ?? 3), durationS: Number(b ?? 30), concurrency: 8, asyncShare: 0.4, sqsShare: 0.2, faults: true, quiesceS: 15 });
        process.exitCode = r.valid ? 0 : 1;
      } finally {
        if (!process.env['NIMBUS_LAB_KEEP']) down(c, true);
      }
      process.stdout.write(`logs kept in ${c.dir}\n`);
      return;
    }
    case 'add':
      addNode(c, k);
      await waitHealthy(c, k);
      return;
    case 'kill':
      crash(c, k);
      return;
    case 'pause':
      pause(c, k);
      return;
    case 'resume':
      resume(c, k);
      return;
    case 'partition':
      partition(c, k, b);
      return;
    case 'heal':
      heal(c, k);
      return;
    case 'status': {
      const s = readState(c);
      if (!s) {
        process.stdout.write('lab is down\n');
        return;
      }
      process.stdout.write(`cluster mode: ${s.cluster}; available in this checkout: ${clusterModeAvailable(c.root)}\n`);
      for (let i = 1; i <= s.nodes; i++) process.stdout.write(`n${i} ${nodeAddr(c, i)} pids ${nodePids(c, i).join(',') || '(none)'}\n`);
      return;
    }
    case 'down':
      down(c);
      return;
    default:
      throw new Error(`unknown command '${cmd ?? ''}'; see deploy/lab/cli.ts`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`cluster-lab: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
