/** The `nimbus` command line: a client of Nimbus's HTTP API, plus `serve` to run Nimbus itself. */
import { Command, CommanderError } from 'commander';
import { CliError, NimbusClient } from './client.js';
import { registerAccounts } from './commands/accounts.js';
import { registerDeploy } from './commands/deploy.js';
import { registerEvents } from './commands/events.js';
import { registerInvoke } from './commands/invoke.js';
import { registerLogs } from './commands/logs.js';
import { registerLs } from './commands/ls.js';
import { registerQueues } from './commands/queues.js';
import { registerRuntimes } from './commands/runtimes.js';
import { registerSchedule } from './commands/schedule.js';
import { registerSecrets } from './commands/secrets.js';
import { registerServe } from './commands/serve.js';
import { registerSim } from './commands/sim.js';
import { registerStack } from './commands/stack.js';
import { registerStats } from './commands/stats.js';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('nimbus')
    .description('Nimbus: run AWS Lambda functions on your own machine')
    .option('--endpoint <url>', 'Nimbus to talk to (env NIMBUS_ENDPOINT)', process.env['NIMBUS_ENDPOINT'] ?? 'http://127.0.0.1:9000')
    .option('--region <region>', 'region (env AWS_REGION)', process.env['AWS_REGION'] ?? 'us-east-1')
    .showHelpAfterError()
    .exitOverride();
  const client = (): NimbusClient => {
    const o = program.opts<{ endpoint: string; region: string }>();
    return new NimbusClient(o.endpoint, o.region);
  };
  registerServe(program);
  registerDeploy(program, client);
  registerInvoke(program, client);
  registerLogs(program, client);
  registerLs(program, client);
  registerEvents(program, client);
  registerQueues(program, client);
  registerSchedule(program, client);
  registerStack(program, client);
  registerStats(program, client);
  registerSecrets(program, client);
  registerSim(program);
  registerRuntimes(program);
  registerAccounts(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof CliError || e instanceof Error) {
      process.stderr.write(`nimbus: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
