import { KurrentDbEventStore } from './kurrentdb.ts';
import { isKurrentDbUrl } from './kurrentdb/url.ts';
import type { Clock, EventStore } from './port.ts';
import { PostgresEventStore } from './postgres.ts';
import { SqliteEventStore } from './sqlite.ts';

/**
 * Opens the event store a URL names, so that a mode is chosen by configuration, never by code:
 * `postgres://…` (PostgreSQL, tables in `schema`), `kurrentdb://…` (also `kurrent://` and
 * `esdb://`, each with `+discover`: KurrentDB, formerly EventStoreDB), `sqlite:path/to/file.db` or `sqlite::memory:` (embedded).
 */
export async function openEventStore(url: string, options: { schema?: string; clock?: Clock } = {}): Promise<EventStore> {
  const clock = options.clock ?? (() => new Date());
  if (/^postgres(ql)?:\/\//.test(url)) return PostgresEventStore.create({ connectionString: url, clock, ...(options.schema ? { schema: options.schema } : {}) });
  if (isKurrentDbUrl(url)) return new KurrentDbEventStore({ connectionString: url, clock });
  if (url.startsWith('sqlite:')) return new SqliteEventStore({ path: url.slice('sqlite:'.length), clock });
  throw new Error(`unsupported event store URL ${url.replace(/\/\/[^@]*@/, '//***@')}: use postgres://, kurrentdb:// (kurrent://, esdb://) or sqlite:`);
}
