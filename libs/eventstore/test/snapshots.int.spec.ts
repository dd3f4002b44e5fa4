import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { SqliteSnapshots } from '../src/index.ts';
import { PostgresSnapshots } from '../src/postgres/index.ts';
import { snapshotStoreContract } from './snapshots.contract.ts';

snapshotStoreContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fangyi-snapshots-'));
  const store = new SqliteSnapshots({ path: join(dir, 'fangyi.db') });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

snapshotStoreContract('PostgreSQL', async () => {
  const url = process.env.DATABASE_URL;
  if (!url)
    throw new Error('DATABASE_URL is not set: the PostgreSQL snapshot store needs a server');
  const schema = `fangyi_s_${randomBytes(6).toString('hex')}`;
  const store = await PostgresSnapshots.create({ connectionString: url, schema });
  return {
    store,
    cleanup: async () => {
      await store.close();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
    },
  };
});
