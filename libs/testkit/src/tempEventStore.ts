import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@fangyi/eventstore';

/** A SQLite event store in a temporary directory of its own, for a test that builds a service's app in-process. */
export interface TempEventStore {
  readonly eventStore: SqliteEventStore;
  /** The database file (a vault of personal keys may live in it too). */
  readonly path: string;
  /** How many events the store holds: what a refused request must leave unchanged. */
  countEvents(): Promise<number>;
  /** Closes the store and deletes its directory. */
  remove(): Promise<void>;
}

export function tempEventStore(name: string, clock: () => Date): TempEventStore {
  const dir = mkdtempSync(join(tmpdir(), `fangyi-${name}-`));
  const path = join(dir, 'events.db');
  const eventStore = new SqliteEventStore({ path, clock });
  return {
    eventStore,
    path,
    countEvents: async () => (await eventStore.readAll({ limit: 1_000_000 })).length,
    remove: async () => {
      await eventStore.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
