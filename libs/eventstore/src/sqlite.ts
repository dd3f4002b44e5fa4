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
const LATE = 'julianday(recorded_at) > julianday(occurred_at) + 1.0 / 24';

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

/** How many of the last committed events a store object keeps for its readers (see `recent`). */
const RECENT_EVENTS = 4096;

interface PendingAppend {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly expectedRevision: ExpectedRevision;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
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
    dataVersion: StatementSync;
  };

  constructor(options: SqliteEventStoreOptions) {
    this.db = new DatabaseSync(options.path);
    this.clock = options.clock ?? (() => new Date());
    this.db.exec(
      'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;',
    );
    this.db.exec(SCHEMA);
    // The trace context column came later: files made before it get it, empty.
    const columns = this.db.prepare("SELECT name FROM pragma_table_info('events')").all() as {
      name: string;
    }[];
    if (!columns.some((c) => c.name === 'traceparent'))
      this.db.exec('ALTER TABLE events ADD COLUMN traceparent TEXT');
    this.stmts = {
      revision: this.db.prepare('SELECT revision FROM streams WHERE stream_id = ?'),
      insert: this.db.prepare(
        `INSERT INTO events (id, stream_id, stream_revision, type, schema_version, occurred_at, recorded_at, actor, correlation_id, causation_id, data, traceparent)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      upsertStream: this.db.prepare(
        'INSERT INTO streams (stream_id, revision) VALUES (?, ?) ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision',
      ),
      readStream: this.db.prepare(
        'SELECT * FROM events WHERE stream_id = ? AND stream_revision >= ? ORDER BY stream_revision',
      ),
      readAll: this.db.prepare('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?'),
      dataVersion: this.db.prepare('PRAGMA data_version'),
      loadCheckpoint: this.db.prepare('SELECT position FROM checkpoints WHERE name = ?'),
      createCheckpoint: this.db.prepare(
        'INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO NOTHING',
      ),
      moveCheckpoint: this.db.prepare(
        'UPDATE checkpoints SET position = ? WHERE name = ? AND position = ?',
      ),
    };
  }

  /**
   * Appends wait for the end of the event loop's turn and are written together, each in a savepoint
   * of one transaction: a burst of commands (several requests read in one turn) pays for one commit
   * instead of one each, and one append refused for its expected revision is rolled back alone.
   * Two appends to one stream in a burst are decided in order: the second sees the first's revision.
   */
  append(
    streamId: string,
    events: readonly NewEvent[],
    options: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    if (events.length === 0) return Promise.reject(new Error('append needs at least one event'));
    return new Promise((resolve, reject) => {
      this.pending.push({
        streamId,
        events,
        expectedRevision: options.expectedRevision,
        resolve,
        reject,
      });
      if (this.pending.length === 1) setImmediate(() => this.writePending());
    });
  }

  private pending: PendingAppend[] = [];

  private writePending(): void {
    const batch = this.pending;
    this.pending = [];
    if (!this.db.isOpen) {
      for (const a of batch) a.reject(new Error('the event store is closed'));
      return;
    }
    const recordedAt = this.clock().toISOString();
    const outcomes: ({ ok: AppendResult; recorded: RecordedEvent[] } | { error: unknown })[] = [];
    let dataVersion = -1;
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      for (const a of batch) a.reject(error);
      return;
    }
    try {
      for (const a of batch) {
        this.db.exec('SAVEPOINT fangyi_append');
        try {
          const { result, recorded } = this.insertAppend(a, recordedAt);
          outcomes.push({ ok: result, recorded });
          this.db.exec('RELEASE fangyi_append');
        } catch (error) {
          this.db.exec('ROLLBACK TO fangyi_append');
          this.db.exec('RELEASE fangyi_append');
          outcomes.push({ error });
        }
      }
      // Read while this connection holds the write lock: no other commit can come between it and ours.
      dataVersion = this.dataVersion();
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      for (const a of batch) a.reject(error);
      return;
    }
    for (const outcome of outcomes) if ('ok' in outcome) this.remember(outcome.recorded);
    this.recentDataVersion = dataVersion;
    this.waker.ring();
    batch.forEach((a, i) => {
      const outcome = outcomes[i]!;
      if ('ok' in outcome) a.resolve(outcome.ok);
      else a.reject(outcome.error);
    });
  }

  private insertAppend(
    a: PendingAppend,
    recordedAt: string,
  ): { result: AppendResult; recorded: RecordedEvent[] } {
    const row = this.stmts.revision.get(a.streamId) as { revision: number } | undefined;
    const actual = row ? row.revision : ('no-stream' as const);
    checkExpected(a.streamId, a.expectedRevision, actual);
    let revision = row ? row.revision : -1;
    let position = 0;
    const recorded: RecordedEvent[] = [];
    for (const e of a.events) {
      revision++;
      const row: Omit<Row, 'position'> = {
        id: e.id,
        stream_id: a.streamId,
        stream_revision: revision,
        type: e.type,
        schema_version: e.schemaVersion,
        occurred_at: e.occurredAt,
        recorded_at: recordedAt,
        actor: JSON.stringify(e.actor),
        correlation_id: e.correlationId,
        causation_id: e.causationId,
        data: JSON.stringify(e.data),
        traceparent: e.traceparent ?? null,
      };
      const result = this.stmts.insert.run(
        row.id,
        row.stream_id,
        row.stream_revision,
        row.type,
        row.schema_version,
        row.occurred_at,
        row.recorded_at,
        row.actor,
        row.correlation_id,
        row.causation_id,
        row.data,
        row.traceparent,
      );
      position = Number(result.lastInsertRowid);
      // Exactly what reading the row back gives: the same text, decoded the same way.
      recorded.push(toRecorded({ ...row, position }));
    }
    this.stmts.upsertStream.run(a.streamId, revision);
    return { result: { nextExpectedRevision: revision, position: String(position) }, recorded };
  }

  /**
   * The tail of the log this store object committed last, as readers get it from the file: the
   * dozen subscribers of the embedded process read each new event from here instead of each
   * querying and decoding it again. Only an unbroken run of positions is kept (a row another
   * connection wrote in between starts the run again), so a read served from it returns exactly
   * the rows the file holds after that position; one after the run's end goes to the file. Readers
   * share these objects and must not change them.
   */
  private recent: RecordedEvent[] = [];
  private recentFirst = 0;
  /** PRAGMA data_version after this connection's last commit: it moves only when another one commits. */
  private recentDataVersion = -1;

  private dataVersion(): number {
    return (this.stmts.dataVersion.get() as { data_version: number }).data_version;
  }

  private remember(events: readonly RecordedEvent[]): void {
    for (const e of events) {
      const position = Number(e.position);
      if (this.recent.length === 0 || position !== this.recentFirst + this.recent.length) {
        this.recent = [];
        this.recentFirst = position;
      }
      this.recent.push(e);
    }
    if (this.recent.length > 2 * RECENT_EVENTS) {
      const drop = this.recent.length - RECENT_EVENTS;
      this.recent = this.recent.slice(drop);
      this.recentFirst += drop;
    }
  }

  async readStream(
    streamId: string,
    options?: { fromRevision?: number },
  ): Promise<RecordedEvent[]> {
    return (
      this.stmts.readStream.all(streamId, options?.fromRevision ?? 0) as unknown as Row[]
    ).map(toRecorded);
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    const after = options?.after ? Number(options.after) : 0;
    const limit = options?.limit ?? 1000;
    const from = after + 1 - this.recentFirst;
    if (this.recent.length > 0 && from >= 0 && from < this.recent.length) {
      // A page that ends inside the tail is what the file holds. One that reaches its end is too,
      // unless another connection committed since this one last did (data_version tells).
      if (from + limit < this.recent.length || this.dataVersion() === this.recentDataVersion)
        return this.recent.slice(from, from + limit);
    }
    return (this.stmts.readAll.all(after, options?.limit ?? 1000) as unknown as Row[]).map(
      toRecorded,
    );
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
      where.push(
        filter.streamPrefixes.length === 0
          ? '0'
          : `(${filter.streamPrefixes.map(() => 'substr(e.stream_id, 1, length(?)) = ?').join(' OR ')})`,
      );
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
      where.push(
        `EXISTS (SELECT 1 FROM events c WHERE c.stream_id = e.stream_id AND json_extract(c.data, ?) = ?)`,
      );
      values.push(`$.${filter.streamData.field}`, filter.streamData.value);
    }
    values.push(options.limit ?? 1000);
    const sql = `SELECT e.* FROM events e WHERE ${where.join(' AND ')} ORDER BY e.position LIMIT ?`;
    return (this.db.prepare(sql).all(...values) as unknown as Row[]).map(toRecorded);
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    return catchUpSubscription(
      (after, limit) => this.readAll({ after, limit }),
      options,
      this.waker,
    );
  }

  readonly checkpoints = {
    load: async (name: string): Promise<LogPosition | null> => {
      const row = this.stmts.loadCheckpoint.get(name) as { position: string } | undefined;
      return row?.position ?? null;
    },
    store: async (
      name: string,
      position: LogPosition,
      expected: LogPosition | null,
    ): Promise<void> => {
      checkForward(name, position, expected, (a, b) => Number(a) - Number(b));
      const { changes } =
        expected === null
          ? this.stmts.createCheckpoint.run(name, position)
          : this.stmts.moveCheckpoint.run(position, name, expected);
      if (changes !== 1)
        throw new CheckpointConflictError(name, expected, await this.checkpoints.load(name));
    },
  };

  async close(): Promise<void> {
    this.leases.releaseAll();
    // Appends already accepted are written before the file closes.
    if (this.pending.length > 0 && this.db.isOpen) this.writePending();
    if (this.db.isOpen) this.db.close();
  }
}
