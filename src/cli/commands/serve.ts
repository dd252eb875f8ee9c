/** `nimbus serve`: runs Nimbus in the foreground until SIGINT or SIGTERM. */
import type { Command } from 'commander';
import { startNimbus } from '../../app.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Start Nimbus: the Lambda API, Invoke and the sandboxes, with data in an embedded SQLite store')
    .option('--host <host>', 'address to listen on (env NIMBUS_HOST)', process.env['NIMBUS_HOST'] ?? '127.0.0.1')
    .option('--port <port>', 'port to listen on (env NIMBUS_PORT)', process.env['NIMBUS_PORT'] ?? '9000')
    .option('--data-dir <dir>', 'where functions, code and logs live (env NIMBUS_DATA_DIR)', process.env['NIMBUS_DATA_DIR'] ?? './.nimbus')
    .addHelpText(
      'after',
      '\nIsolation: functions run as plain child processes of Nimbus (`process` isolation). This does NOT isolate\n' +
        'them from the host, from each other or from the network; run only code you trust.',
    )
    .action(async (opts: { host: string; port: string; dataDir: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got '${opts.port}'`);
      const nimbus = await startNimbus({ host: opts.host, port, dataDir: opts.dataDir });
      if (nimbus.isolation === 'process') {
        process.stderr.write(
          'WARNING: process isolation: functions run as plain child processes with your user, files and network.\n',
        );
      }
      process.stderr.write(`Nimbus listening on ${nimbus.url} (data: ${nimbus.dataDir}, isolation: ${nimbus.isolation})\n`);
      await new Promise<void>((resolve) => {
        const stop = (sig: string): void => {
          process.stderr.write(`${sig}: shutting down (in-flight requests may finish; signal again to force)\n`);
          process.once('SIGINT', () => process.exit(130));
          process.once('SIGTERM', () => process.exit(143));
          void nimbus.close().then(resolve);
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
    });
}
