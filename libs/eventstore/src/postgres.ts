import pg from 'pg';
import type { NewEvent } from '@fangyi/contracts';
import { catchUpSubscription } from './catchUp.ts';
import {
  CheckpointConflictError,
  checkForward,
  type AppendResult,
  type CheckpointStore,
  type Clock,
  type EventStore,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadFilteredOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from './port.ts';
import { LocalWaker } from './wakers.ts';
import { appendMany, appendWithin } from './postgres/append.ts';
import { AppendBatcher } from './postgres/batcher.ts';
import { migratePostgres } from './postgres/migrations.ts';
import { readHorizon } from './postgres/horizon.ts';
import { readFilteredPostgres } from './postgres/readFiltered.ts';
import { PostgresLeases } from './postgres/leases.ts';
import { Notifier, type PostgresNotifyMode } from './postgres/notifier.ts';
import {
  EVENT_COLUMNS,
  channelOf,
  comparePositions,
  decodePosition,
  quoteSchema,
  toRecorded,
  type EventRow,
} from './postgres/sql.ts';

export { appendWithin } from './postgres/append.ts';
export { migratePostgres } from './postgres/migrations.ts';
export type { PostgresNotifyMode } from './postgres/notifier.ts';
export type { Queryable } from './postgres/sql.ts';

export type PostgresEventStoreOptions = (
  | { readonly pool: pg.Pool; readonly connectionString?: undefined }
  | { readonly connectionString: string; readonly poolSize?: number; readonly pool?: undefined }
) & {
  /** The schema holding the tables; created by migrate(). */
  readonly schema?: string;
  readonly clock?: Clock;
  readonly notify?: PostgresNotifyMode;
  /** Append statements in flight at once; more concurrent appends are combined (default 2). */
  readonly appendConcurrency?: number;
  /** Most appends combined into one statement (default 64); 1 turns combining off. */
  readonly maxAppendBatch?: number;
  /** How often a lease holder checks its lock connection (default 1000 ms). */
  readonly leaseHeartbeatMs?: number;
};

/**
 * The event store on PostgreSQL. Writers overlap, so the global log is ordered by
 * (transaction id, position) and readers only see transactions older than every append still in
 * flight: a writer that commits late can never be skipped, and a long transaction that does not
 * append (another database, a report) does not hold readers back (see postgres/horizon.ts).
 */
export class PostgresEventStore implements EventStore {
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly clock: Clock;
  private readonly notifyMode: PostgresNotifyMode;
  private readonly waker = new LocalWaker();
  private readonly notifier: Notifier;
  private readonly subscriptions = new Set<Subscription>();
  private readonly batcher: AppendBatcher;
  /** Advisory-lock leases, one dedicated connection per lease held (see postgres/leases.ts). */
  readonly leases: PostgresLeases;
  private closed = false;

  /** Connects and migrates: the usual way to get a store. */
  static async create(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    const store = new PostgresEventStore(options);
    try {
      await store.migrate();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  constructor(options: PostgresEventStoreOptions) {
    this.schema = options.schema ?? 'fangyi';
    quoteSchema(this.schema);
    this.clock = options.clock ?? (() => new Date());
    this.notifyMode = options.notify ?? 'after-commit';
    if (options.pool) {
      this.pool = options.pool;
      this.ownsPool = false;
    } else {
      this.pool = new pg.Pool({
        connectionString: options.connectionString,
        max: options.poolSize ?? 10,
      });
      this.ownsPool = true;
      // An idle client that dies (server restart) is dropped by the pool; without a listener it would crash the process.
      this.pool.on('error', () => {});
    }
    this.notifier = new Notifier(this.pool.options, channelOf(this.schema), this.waker);
    this.leases = new PostgresLeases(
      this.pool.options,
      this.schema,
      options.leaseHeartbeatMs !== undefined ? { heartbeatMs: options.leaseHeartbeatMs } : {},
    );
    const maxBatch = options.maxAppendBatch ?? 64;
    this.batcher = new AppendBatcher(
      maxBatch > 1 ? (options.appendConcurrency ?? 2) : Number.POSITIVE_INFINITY,
      maxBatch,
      (p) =>
        appendWithin(this.pool, this.schema, p.streamId, p.events, {
          expectedRevision: p.expectedRevision,
          recordedAt: p.recordedAt,
          notify: this.notifyMode,
        }).then(p.resolve, p.reject),
      (batch) => appendMany(this.pool, this.schema, batch, this.notifyMode),
    );
  }

  migrate(): Promise<void> {
    return migratePostgres(this.pool, this.schema);
  }

  async append(
    streamId: string,
    events: readonly NewEvent[],
    options: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    const result = await this.batcher.submit({
      streamId,
      events,
      expectedRevision: options.expectedRevision,
      recordedAt: this.clock().toISOString(),
    });
    this.waker.ring();
    if (this.notifyMode === 'after-commit') this.notifier.poke();
    return result;
  }

  async readStream(
    streamId: string,
    options?: { fromRevision?: number },
  ): Promise<RecordedEvent[]> {
    const result = await this.pool.query<EventRow>({
      name: `fangyi-read-stream-${this.schema}`,
      // Ordered by the table's columns (e.), not by EVENT_COLUMNS' text aliases of the same names:
      // those would sort revision 10 before 2, and global position 100 before 99.
      text: `SELECT ${EVENT_COLUMNS} FROM ${quoteSchema(this.schema)}.events e
             WHERE stream_id = $1 AND stream_revision >= $2 ORDER BY e.stream_revision`,
      values: [streamId, options?.fromRevision ?? 0],
    });
    return result.rows.map(toRecorded);
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    const [tx, globalPosition] = decodePosition(options?.after);
    // Two statements on purpose: the read's snapshot must be taken after the horizon was found.
    const horizon = await readHorizon(this.pool, this.schema);
    const result = await this.pool.query<EventRow>({
      name: `fangyi-read-all-${this.schema}`,
      // Every appender below the horizon has finished, so this prefix of the log is final.
      text: `SELECT ${EVENT_COLUMNS} FROM ${quoteSchema(this.schema)}.events e
             WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
               AND transaction_id < $4::xid8
             ORDER BY e.transaction_id, e.global_position
             LIMIT $3`,
      values: [tx, globalPosition, options?.limit ?? 1000, horizon],
    });
    return result.rows.map(toRecorded);
  }

  readFiltered(options: ReadFilteredOptions): Promise<RecordedEvent[]> {
    return readFilteredPostgres(this.pool, this.schema, options);
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    if (this.closed) throw new Error('event store closed');
    this.notifier.listen();
    const inner = catchUpSubscription(
      (after, limit) => this.readAll({ after, limit }),
      options,
      this.waker,
    );
    const subscription: Subscription = {
      stop: async () => {
        this.subscriptions.delete(subscription);
        await inner.stop();
      },
      caughtUp: () => inner.caughtUp(),
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  readonly checkpoints: CheckpointStore = {
    load: async (name) => {
      const result = await this.pool.query<{ position: string }>({
        name: `fangyi-load-checkpoint-${this.schema}`,
        text: `SELECT position FROM ${quoteSchema(this.schema)}.checkpoints WHERE name = $1`,
        values: [name],
      });
      return result.rows[0]?.position ?? null;
    },
    store: async (name, position, expected) => {
      checkForward(name, position, expected, comparePositions);
      const table = `${quoteSchema(this.schema)}.checkpoints`;
      const result =
        expected === null
          ? await this.pool.query({
              name: `fangyi-create-checkpoint-${this.schema}`,
              text: `INSERT INTO ${table} (name, position) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
              values: [name, position],
            })
          : await this.pool.query({
              name: `fangyi-move-checkpoint-${this.schema}`,
              text: `UPDATE ${table} SET position = $2 WHERE name = $1 AND position = $3`,
              values: [name, position, expected],
            });
      if (result.rowCount !== 1)
        throw new CheckpointConflictError(name, expected, await this.checkpoints.load(name));
    },
  };

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    await this.leases.close();
    await this.notifier.close();
    if (this.ownsPool) await this.pool.end();
  }
}
