import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlitePersonalKeys } from '@fangyi/eventstore';
import { PostgresPersonalKeys } from '@fangyi/eventstore/postgres';
import { dropSchema, freshSchemaName, requireInfra } from '@fangyi/testkit';
import { personalDataVaultContract } from './vault.contract.ts';

personalDataVaultContract('SQLite (the event store file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fangyi-keys-'));
  const path = join(dir, 'events.db');
  const keys = new SqlitePersonalKeys({ path });
  return {
    keys,
    reopen: async () => new SqlitePersonalKeys({ path }),
    async cleanup() {
      await keys.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

personalDataVaultContract('PostgreSQL (the event store schema)', async () => {
  const url = requireInfra('postgres');
  const schema = freshSchemaName();
  const keys = await PostgresPersonalKeys.create({ connectionString: url, schema });
  return {
    keys,
    reopen: () => PostgresPersonalKeys.create({ connectionString: url, schema }),
    async cleanup() {
      await keys.close();
      await dropSchema(url, schema);
    },
  };
});
