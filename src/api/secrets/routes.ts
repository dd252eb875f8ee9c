/**
 * Nimbus's keyring API under /nimbus/v1/secrets (docs/security.md): list the keys (names and ids,
 * never material), add a named key that functions can select as `KMSKeyArn`, and rotate. A
 * rotation adds a new active key per name, re-encrypts every stored secret under it, and only then
 * drops the old keys that nothing references: a crash at any step leaves every secret readable.
 * It runs inside the server, whose keyring is the one encrypting, so no write races it.
 */
import { randomUUID } from 'node:crypto';
import { invalidParameter, NimbusError } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';
import type { SecretBox } from '../../secrets/secret-box.js';
import type { Store } from '../../store/types.js';
import { json, type Handler } from '../http/context.js';
import { isObject } from '../http/validate.js';

export function secretsHandlers(deps: { box: SecretBox; store: Store; clustered?: boolean }) {
  const ring = deps.box.ring;
  /**
   * A cluster node's keyring is the one every node loaded at start: a key added or rotated in one
   * node's memory and file would leave the others unable to open what it seals (docs/cluster.md).
   */
  const changeable = (): void => {
    if (deps.clustered) {
      throw invalidParameter('In a cluster the keyring is the one all nodes share: it cannot be changed through one node. Change the shared key file with every node stopped (docs/cluster.md).');
    }
  };
  const listing = () =>
    ring.names().map((name) => ({ Name: name, ActiveKeyId: ring.active(name)!.id, KeyIds: ring.ids().filter((id) => ring.byKeyId(id)!.name === name) }));
  let rotating = false;

  return {
    list: () => json(200, { Keys: listing(), KeyFile: ring.file ?? null }),

    /** `{"KeyArn": "..."}` or nothing (a new `arn:aws:kms:<region>:<account>:key/<uuid>`). */
    addKey: async (ctx) => {
      changeable();
      const body = await ctx.json();
      const given = isObject(body) ? body['KeyArn'] : undefined;
      if (given !== undefined && (typeof given !== 'string' || !/^arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.+$/.test(given))) {
        throw invalidParameter('KeyArn must be an ARN (arn:aws:kms:<region>:<account>:key/<id>).');
      }
      const name = typeof given === 'string' ? given : kmsArn(ctx.scope);
      const k = ring.addKey(name);
      return json(201, { KeyArn: name, KeyId: k.id });
    },

    /** `{"Names": [...]}` or nothing (every key). */
    rotate: async (ctx) => {
      changeable();
      const body = await ctx.json();
      const raw = isObject(body) ? body['Names'] : undefined;
      const names = Array.isArray(raw) ? raw.map(String) : ring.names();
      for (const n of names) if (!ring.has(n)) throw invalidParameter(`No key named ${n} in the keyring.`);
      if (rotating) throw new NimbusError('ERR_CONFLICT', 'A rotation is already running.');
      rotating = true;
      try {
        const made = ring.rotate(names);
        const { rewritten, keyIdsInUse } = (await deps.store.reencryptSecrets?.()) ?? { rewritten: 0, keyIdsInUse: [] };
        const active = new Set(ring.names().map((n) => ring.active(n)!.id));
        const inUse = new Set(keyIdsInUse);
        const retired = ring.ids().filter((id) => !active.has(id) && !inUse.has(id));
        ring.retire(retired);
        return json(200, { Rotated: made.map((k) => ({ Name: k.name, KeyId: k.id })), Reencrypted: rewritten, Retired: retired, Keys: listing() });
      } finally {
        rotating = false;
      }
    },
  } satisfies Record<string, Handler>;
}

const kmsArn = (scope: Scope): string => `arn:aws:kms:${scope.region}:${scope.accountId}:key/${randomUUID()}`;
