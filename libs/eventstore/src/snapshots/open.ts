import type { SnapshotStore } from './port.ts';
import { SqliteSnapshots } from './sqlite.ts';

/**
 * Opens the snapshot table on the database a URL names, beside the events: the same PostgreSQL
 * schema or SQLite file. EventStoreDB keeps no tables: there, as-of answers replay without
 * snapshots (null).
 */
export async function openSnapshots(
  url: string,
  options: { schema?: string } = {},
): Promise<SnapshotStore | null> {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { PostgresSnapshots } = await import('./postgres.ts');
    return PostgresSnapshots.create({
      connectionString: url,
      ...(options.schema ? { schema: options.schema } : {}),
    });
  }
  if (url.startsWith('sqlite:')) return new SqliteSnapshots({ path: url.slice('sqlite:'.length) });
  return null;
}
