import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../src/index.ts';
import { eventStoreContract } from './contract.ts';

eventStoreContract('SQLite (node:sqlite)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fangyi-sqlite-'));
  const now = new Date('2026-02-01T00:31:00.000Z');
  let at = now;
  const store = new SqliteEventStore({ path: join(dir, 'events.db'), clock: () => at });
  return {
    store,
    now,
    setClock: (d: Date) => (at = d),
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
