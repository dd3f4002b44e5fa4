import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Actor, NewEvent } from '@fangyi/contracts';
import { catchUpSubscription } from './catchUp.ts';
import {
  CheckpointConflictError,
  checkExpected,
  checkForward,
  type AppendResult,
  type Clock,
  type EventStore,
  type ExpectedRevision,
  type LogPosition,
  type ReadAllOptions,
  type ReadFilteredOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from './port.ts';
import { LocalLeases } from './leases.ts';
import { checkFilter, isoInstant } from './filter.ts';
import { LocalWaker } from './wakers.ts';

/** occurredAt as Date#toISOString would write it (UTC, milliseconds). */
const OCCURRED_UTC = "strftime('%Y-%m-%dT%H:%M:%fZ', occurred_at)";

/** Recorded more than an hour (LATE_AFTER_MS) after it happened. */
const LATE = "julianday(recorded_at) > julianday(occurred_at) + 1.0 / 24";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position        INTEGER PRIMARY KEY AUTOINCREMENT,
  id              TEXT    NOT NULL UNIQUE,
  stream_id       TEXT    NOT NULL,
  stream_revision INTEGER NOT NULL,
  type            TEXT    NOT NULL,
  schema_version  INTEGER NOT NULL,
  occurred_at     TEXT    NOT NULL,
  recorded_at     TEXT    NOT NULL,
  actor           TEXT    NOT NULL,
  correlation_id  TEXT    NOT NULL,
  causation_id    TEXT,
  data            TEXT    NOT NULL,
  UNIQUE (stream_id, stream_revision)
);
-- Time-range cuts of exports and as-of questions (recordedAt is Date#toISOString: text order is time order).
CREATE INDEX IF NOT EXISTS events_recorded_at ON events (recorded_at);
-- occurredAt keeps the writer's offset (+08:00 or Z), so it is indexed as the UTC instant in the
-- form of recordedAt: text order is then time order. The query repeats the expression.
CREATE INDEX IF NOT EXISTS events_occurred_at ON events (${OCCURRED_UTC}, recorded_at);
-- Events recorded more than an hour after they happened (checks logged late), apart: they are few.
CREATE INDEX IF NOT EXISTS events_late ON events (${OCCURRED_UTC}) WHERE ${LATE};
CREATE TABLE IF NOT EXISTS streams (
  stream_id TEXT PRIMARY KEY,
  revision  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoints (
  name     TEXT PRIMARY KEY,
  position TEXT NOT NULL
);
`;

interface Row {
  position: number;
  id: string;
  stream_id: string;
  stream_revision: number;
  type: string;
  schema_version: number;
  occurred_at: string;
  recorded_at: string;
  actor: string;
  correlation_id: string;
  causation_id: string | null;
  data: string;
  traceparent: string | null;
}

function toRecorded(row: Row): RecordedEvent {
  return {
    id: row.id,
    type: row.type,
    schemaVersion: row.schema_version,
    streamId: row.stream_id,
    streamRevision: row.stream_revision,
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
    actor: JSON.parse(row.actor) as Actor,
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    data: JSON.parse(row.data) as unknown,
    ...(row.traceparent ? { traceparent: row.traceparent } : {}),
    position: String(row.position),
  };
}

export interface SqliteEventStoreOptions {
  /** A file path, or ':memory:'. */
  readonly path: string;
  readonly clock?: Clock;
}

/**
 * The embedded event store: one SQLite file through Node's built-in `node:sqlite`.
 * Appends are serialised by SQLite's write lock, so the rowid is the commit order.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: DatabaseSync;
  private readonly clock: Clock;
  private readonly waker = new LocalWaker();
  /** One holder per name among the users of this store object (the embedded mode runs in one process). */
  readonly leases = new LocalLeases();
  private readonly stmts: {
    revision: StatementSync;
    insert: StatementSync;
    upsertStream: StatementSync;
    readStream: StatementSync;
    readAll: StatementSync;
    loadCheckpoint: StatementSync;
    createCheckpoint: StatementSync;
    moveCheckpoint: StatementSync;
  };

  constructor(options: SqliteEventStoreOptions) {
    this.db = new DatabaseSync(options.path);
    this.clock = options.clock ?? (() => new Date());
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
    this.db.exec(SCHEMA);
    // The trace context column came later: files made before it get it, empty.
    const columns = this.db.prepare("SELECT name FROM pragma_table_info('events')").all() as { name: string }[];
    if (!columns.some((c) => c.name === 'traceparent')) this.db.exec('ALTER TABLE events ADD COLUMN traceparent TEXT');
    this.stmts = {
      revision: this.db.prepare('SELECT revision FROM streams WHERE stream_id = ?'),
      insert: this.db.prepare(
        `INSERT INTO events (id, stream_id, stream_revision, type, schema_version, occurred_at, recorded_at, actor, correlation_id, causation_id, data, traceparent)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      upsertStream: this.db.prepare(
        'INSERT INTO streams (stream_id, revision) VALUES (?, ?) ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision',
      ),
      readStream: this.db.prepare('SELECT * FROM events WHERE stream_id = ? AND stream_revision >= ? ORDER BY stream_revision'),
      readAll: this.db.prepare('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?'),
      loadCheckpoint: this.db.prepare('SELECT position FROM checkpoints WHERE name = ?'),
      createCheckpoint: this.db.prepare('INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO NOTHING'),
      moveCheckpoint: this.db.prepare(
        'UPDATE checkpoints SET position = ? WHERE name = ? AND position = ?',
      ),
    };
  }

  async append(streamId: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    const recordedAt = this.clock().toISOString();
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const row = this.stmts.revision.get(streamId) as { revision: number } | undefined;
      const actual = row ? row.revision : ('no-stream' as const);
      checkExpected(streamId, options.expectedRevision, actual);
      let revision = row ? row.revision : -1;
      let position = 0;
      for (const e of events) {
        revision++;
        const result = this.stmts.insert.run(
          e.id,
          streamId,
          revision,
          e.type,
          e.schemaVersion,
          e.occurredAt,
          recordedAt,
          JSON.stringify(e.actor),
          e.correlationId,
          e.causationId,
          JSON.stringify(e.data),
          e.traceparent ?? null,
        );
        position = Number(result.lastInsertRowid);
      }
      this.stmts.upsertStream.run(streamId, revision);
      this.db.exec('COMMIT');
      this.waker.ring();
      return { nextExpectedRevision: revision, position: String(position) };
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  async readStream(streamId: string, options?: { fromRevision?: number }): Promise<RecordedEvent[]> {
    return (this.stmts.readStream.all(streamId, options?.fromRevision ?? 0) as unknown as Row[]).map(toRecorded);
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    const after = options?.after ? Number(options.after) : 0;
    return (this.stmts.readAll.all(after, options?.limit ?? 1000) as unknown as Row[]).map(toRecorded);
  }

  async readFiltered(options: ReadFilteredOptions): Promise<RecordedEvent[]> {
    const { filter } = options;
    checkFilter(filter);
    const where = ['e.position > ?'];
    const values: (string | number)[] = [options.after ? Number(options.after) : 0];
    const list = (column: string, items: readonly string[]) => {
      where.push(items.length === 0 ? '0' : `${column} IN (${items.map(() => '?').join(', ')})`);
      values.push(...items);
    };
    if (filter.streamIds) list('e.stream_id', filter.streamIds);
    if (filter.types) list('e.type', filter.types);
    if (filter.streamPrefixes) {
      where.push(filter.streamPrefixes.length === 0 ? '0' : `(${filter.streamPrefixes.map(() => "substr(e.stream_id, 1, length(?)) = ?").join(' OR ')})`);
      for (const p of filter.streamPrefixes) values.push(p, p);
    }
    if (filter.recordedFrom !== undefined) {
      where.push('e.recorded_at >= ?');
      values.push(isoInstant(filter.recordedFrom));
    }
    if (filter.recordedBefore !== undefined) {
      where.push('e.recorded_at < ?');
      values.push(isoInstant(filter.recordedBefore));
    }
    if (filter.occurredFrom !== undefined) {
      where.push(`${OCCURRED_UTC} >= ?`);
      values.push(isoInstant(filter.occurredFrom));
    }
    if (filter.occurredBefore !== undefined) {
      where.push(`${OCCURRED_UTC} < ?`);
      values.push(isoInstant(filter.occurredBefore));
    }
    if (filter.recordedLate) where.push(LATE);
    if (filter.data) {
      where.push('json_extract(e.data, ?) = ?');
      values.push(`$.${filter.data.field}`, filter.data.value);
    }
    if (filter.streamData) {
      // The stream's own events, found by the (stream_id, stream_revision) index.
      where.push(`EXISTS (SELECT 1 FROM events c WHERE c.stream_id = e.stream_id AND json_extract(c.data, ?) = ?)`);
      values.push(`$.${filter.streamData.field}`, filter.streamData.value);
    }
    values.push(options.limit ?? 1000);
    const sql = `SELECT e.* FROM events e WHERE ${where.join(' AND ')} ORDER BY e.position LIMIT ?`;
    return (this.db.prepare(sql).all(...values) as unknown as Row[]).map(toRecorded);
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    return catchUpSubscription((after, limit) => this.readAll({ after, limit }), options, this.waker);
  }

  readonly checkpoints = {
    load: async (name: string): Promise<LogPosition | null> => {
      const row = this.stmts.loadCheckpoint.get(name) as { position: string } | undefined;
      return row?.position ?? null;
    },
    store: async (name: string, position: LogPosition, expected: LogPosition | null): Promise<void> => {
      checkForward(name, position, expected, (a, b) => Number(a) - Number(b));
      const { changes } =
        expected === null ? this.stmts.createCheckpoint.run(name, position) : this.stmts.moveCheckpoint.run(position, name, expected);
      if (changes !== 1) throw new CheckpointConflictError(name, expected, await this.checkpoints.load(name));
    },
  };

  async close(): Promise<void> {
    this.leases.releaseAll();
    if (this.db.isOpen) this.db.close();
  }
}
