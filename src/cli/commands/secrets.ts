/** `nimbus secrets`: the keyring that encrypts secrets at rest (docs/security.md), through the running server. */
import type { Command } from 'commander';
import type { NimbusClient } from '../client.js';

interface KeyListing {
  Name: string;
  ActiveKeyId: string;
  KeyIds: string[];
}

export function registerSecrets(program: Command, client: () => NimbusClient): void {
  const secrets = program.command('secrets').description('Manage the keys that encrypt function environments at rest');

  secrets
    .command('keys')
    .description('List the keyring: key names (default, or a KMS key ARN functions select with KMSKeyArn) and ids, never material')
    .action(async () => {
      const r = await client().json<{ Keys: KeyListing[]; KeyFile: string | null }>('GET', '/nimbus/v1/secrets/keys');
      for (const k of r.Keys) process.stdout.write(`${k.Name}  active ${k.ActiveKeyId}${k.KeyIds.length > 1 ? ` (also ${k.KeyIds.filter((i) => i !== k.ActiveKeyId).join(', ')})` : ''}\n`);
      process.stdout.write(`key file: ${r.KeyFile ?? '(NIMBUS_MASTER_KEY)'}\n`);
    });

  secrets
    .command('add-key [arn]')
    .description('Add a named key; functions select it with KMSKeyArn (default: a new arn:aws:kms:...:key/<uuid>)')
    .action(async (arn?: string) => {
      const r = await client().json<{ KeyArn: string; KeyId: string }>('POST', '/nimbus/v1/secrets/keys', arn ? { KeyArn: arn } : {});
      process.stdout.write(`${r.KeyArn}\n`);
    });

  secrets
    .command('rotate [names...]')
    .description('Make a new key for each name (default all), re-encrypt every stored secret under it, and drop the old keys')
    .action(async (names: string[]) => {
      const r = await client().json<{ Reencrypted: number; Retired: string[]; Rotated: { Name: string; KeyId: string }[] }>(
        'POST',
        '/nimbus/v1/secrets/rotate',
        names.length ? { Names: names } : {},
      );
      for (const k of r.Rotated) process.stdout.write(`${k.Name}: now ${k.KeyId}\n`);
      process.stdout.write(`re-encrypted ${r.Reencrypted} value(s); retired ${r.Retired.length} old key(s)\n`);
    });
}
