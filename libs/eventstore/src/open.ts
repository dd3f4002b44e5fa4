import { EventStoreDbEventStore } from './eventstoredb.ts';
import type { Clock, EventStore } from './port.ts';
import { PostgresEventStore } from './postgres.ts';
import { SqliteEventStore } from './sqlite.ts';

/**
 * Opens the event store a URL names, so that a mode is chosen by configuration, never by code:
 * `postgres://…` (PostgreSQL, tables in `schema`), `esdb://…` or `kurrentdb://…` (EventStoreDB /
 * KurrentDB), `sqlite:path/to/file.db` or `sqlite::memory:` (embedded).
 */
export async function openEventStore(url: string, options: { schema?: string; clock?: Clock } = {}): Promise<EventStore> {
  const clock = options.clock ?? (() => new Date());
  if (/^postgres(ql)?:\/\//.test(url)) return PostgresEventStore.create({ connectionString: url, clock, ...(options.schema ? { schema: options.schema } : {}) });
  if (/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kurrent):\/\//.test(url)) return new EventStoreDbEventStore({ connectionString: url, clock });
  if (url.startsWith('sqlite:')) return new SqliteEventStore({ path: url.slice('sqlite:'.length), clock });
  throw new Error(`unsupported event store URL ${url.replace(/\/\/[^@]*@/, '//***@')}: use postgres://, esdb://, kurrentdb:// or sqlite:`);
}
