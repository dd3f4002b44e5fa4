import { isKurrentDbUrl } from './kurrentdb/url.ts';
import type { Clock, EventStore } from './port.ts';
import { SqliteEventStore } from './sqlite.ts';

/**
 * Opens the event store a URL names, so that a mode is chosen by configuration, never by code:
 * `postgres://…` (PostgreSQL, tables in `schema`), `kurrentdb://…` (also `kurrent://` and
 * `esdb://`, each with `+discover`: KurrentDB, formerly EventStoreDB), `sqlite:path/to/file.db` or `sqlite::memory:` (embedded).
 * Each adapter's client library is loaded only when its URL is opened.
 */
export async function openEventStore(
  url: string,
  options: { schema?: string; clock?: Clock } = {},
): Promise<EventStore> {
  const clock = options.clock ?? (() => new Date());
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { PostgresEventStore } = await import('./postgres.ts');
    return PostgresEventStore.create({
      connectionString: url,
      clock,
      ...(options.schema ? { schema: options.schema } : {}),
    });
  }
  if (isKurrentDbUrl(url)) {
    const { KurrentDbEventStore } = await import('./kurrentdb.ts');
    return new KurrentDbEventStore({ connectionString: url, clock });
  }
  if (url.startsWith('sqlite:'))
    return new SqliteEventStore({ path: url.slice('sqlite:'.length), clock });
  throw new Error(
    `unsupported event store URL ${url.replace(/\/\/[^@]*@/, '//***@')}: use postgres://, kurrentdb:// (kurrent://, esdb://) or sqlite:`,
  );
}
