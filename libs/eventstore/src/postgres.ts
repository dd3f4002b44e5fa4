import pg from 'pg';
import type { Actor, NewEvent } from '@fangyi/contracts';
import { catchUpSubscription } from './catchUp.ts';
import {
  CheckpointConflictError,
  WrongExpectedRevisionError,
  checkForward,
  type AppendResult,
  type CheckpointStore,
  type Clock,
  type EventStore,
  type ExpectedRevision,
  type LogPosition,
  type ReadAllOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from './port.ts';
import { LocalWaker } from './wakers.ts';

/**
 * How other processes learn of an append (subscribers poll anyway; this only wakes them sooner).
 * - `'after-commit'` (default): one coalesced NOTIFY on a side connection after the append commits.
 * - `'in-transaction'`: NOTIFY inside the append statement. PostgreSQL then takes a database-wide
 *   lock from the NOTIFY until after the commit's WAL flush, so notifying writers commit one at a
 *   time and lose group commit (see scripts/bench-append.ts for the figures).
 * - `'off'`: only subscribers in this process are woken.
 */
export type PostgresNotifyMode = 'after-commit' | 'in-transaction' | 'off';

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
};

/** What the adapter's statements run on: a pool (autocommit) or a client (possibly inside a transaction). */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<R>>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,40}$/;
/** One key for every migration in the cluster: they are rare, and serialising them all is simplest. */
const MIGRATE_LOCK_KEY = 0x66616e67; // 'fang'

function quoteSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name ${JSON.stringify(schema)}: use lower-case letters, digits and _`);
  return `"${schema}"`;
}

const channelOf = (schema: string) => `${schema}_appended`;

function migrationSql(schema: string): string {
  const s = quoteSchema(schema);
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.events (
  global_position bigserial NOT NULL,
  transaction_id  xid8      NOT NULL DEFAULT pg_current_xact_id(),
  id              uuid      NOT NULL,
  stream_id       text      NOT NULL,
  stream_revision bigint    NOT NULL,
  type            text      NOT NULL,
  schema_version  integer   NOT NULL,
  occurred_at     text      NOT NULL,
  recorded_at     text      NOT NULL,
  actor           jsonb     NOT NULL,
  correlation_id  text      NOT NULL,
  causation_id    text,
  data            jsonb     NOT NULL,
  -- The global log is read in this order; the key doubles as its index.
  CONSTRAINT events_pkey PRIMARY KEY (transaction_id, global_position),
  CONSTRAINT events_id_key UNIQUE (id),
  CONSTRAINT events_stream_revision_key UNIQUE (stream_id, stream_revision)
);
CREATE TABLE IF NOT EXISTS ${s}.streams (
  stream_id text   PRIMARY KEY,
  revision  bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS ${s}.checkpoints (
  name     text PRIMARY KEY,
  position text NOT NULL
);`;
}

/** Creates the schema and tables if missing; safe when several processes start at once. */
export async function migratePostgres(pool: pg.Pool, schema = 'fangyi'): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // CREATE ... IF NOT EXISTS still races on the catalog's unique indexes; the lock orders migrators.
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK_KEY]);
    await client.query(migrationSql(schema));
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

type ExpectedKind = 'no-stream' | 'any' | 'exact';

/**
 * One statement per append, so a single-event append is one round trip: the streams row is the
 * concurrency check (its row lock orders writers of one stream), and the events are inserted only
 * when that row was claimed. No row back means the expected revision was wrong.
 */
function appendSql(schema: string, kind: ExpectedKind, notifyInTransaction: boolean): string {
  const s = quoteSchema(schema);
  const claim = {
    'no-stream': `INSERT INTO ${s}.streams (stream_id, revision) VALUES ($1, $2::int - 1)
                  ON CONFLICT (stream_id) DO NOTHING RETURNING revision`,
    any: `INSERT INTO ${s}.streams AS st (stream_id, revision) VALUES ($1, $2::int - 1)
          ON CONFLICT (stream_id) DO UPDATE SET revision = st.revision + $2::int RETURNING revision`,
    exact: `UPDATE ${s}.streams SET revision = revision + $2::int
            WHERE stream_id = $1 AND revision = $12::bigint RETURNING revision`,
  }[kind];
  return `WITH s AS (${claim}),
ev AS (
  INSERT INTO ${s}.events (id, stream_id, stream_revision, type, schema_version, occurred_at, recorded_at, actor, correlation_id, causation_id, data)
  SELECT e.id, $1, s.revision - $2::int + e.ord, e.type, e.schema_version, e.occurred_at, $3::text, e.actor::jsonb, e.correlation_id, e.causation_id, e.data::jsonb
  FROM s, unnest($4::uuid[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
       WITH ORDINALITY AS e(id, type, schema_version, occurred_at, actor, correlation_id, causation_id, data, ord)
  ORDER BY e.ord
  RETURNING global_position, transaction_id
)${notifyInTransaction ? `, n AS (SELECT pg_notify('${channelOf(schema)}', '') FROM s)` : ''}
SELECT (SELECT revision FROM s)::text AS revision,
       (SELECT max(global_position) FROM ev)::text AS position,
       (SELECT max(transaction_id::text) FROM ev) AS tx${notifyInTransaction ? ', (SELECT count(*) FROM n) AS notified' : ''}`;
}

function encodePosition(tx: string, globalPosition: string): LogPosition {
  return `${tx}:${globalPosition}`;
}

const POSITION = /^(\d{1,20}):(\d{1,19})$/;

/** Log order of two positions: by transaction id, then by place in the log. */
function comparePositions(a: LogPosition, b: LogPosition): number {
  const [ta, pa] = decodePosition(a).map(BigInt) as [bigint, bigint];
  const [tb, pb] = decodePosition(b).map(BigInt) as [bigint, bigint];
  return ta !== tb ? (ta < tb ? -1 : 1) : pa === pb ? 0 : pa < pb ? -1 : 1;
}

function decodePosition(position: LogPosition | null | undefined): [tx: string, globalPosition: string] {
  if (position === null || position === undefined) return ['0', '0'];
  const m = POSITION.exec(position);
  if (!m) throw new Error(`not a PostgreSQL event store position: ${JSON.stringify(position)}`);
  return [m[1]!, m[2]!];
}

interface EventRow {
  tx: string;
  global_position: string;
  id: string;
  stream_id: string;
  stream_revision: string;
  type: string;
  schema_version: number;
  occurred_at: string;
  recorded_at: string;
  actor: Actor;
  correlation_id: string;
  causation_id: string | null;
  data: unknown;
}

const EVENT_COLUMNS = `transaction_id::text AS tx, global_position::text AS global_position, id, stream_id, stream_revision::text AS stream_revision,
  type, schema_version, occurred_at, recorded_at, actor, correlation_id, causation_id, data`;

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.id,
    type: row.type,
    schemaVersion: row.schema_version,
    streamId: row.stream_id,
    streamRevision: Number(row.stream_revision),
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
    actor: row.actor,
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    data: row.data,
    position: encodePosition(row.tx, row.global_position),
  };
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as { code?: unknown; constraint?: unknown } | null;
  return e?.code === '23505' && e.constraint === constraint;
}

/**
 * Runs the adapter's append statement on `db`. The store calls it on its pool (the statement is its
 * own transaction); a caller may run it on a client inside an open transaction (tests hold one open
 * to check that readers never skip an in-flight writer).
 */
export async function appendWithin(
  db: Queryable,
  schema: string,
  streamId: string,
  events: readonly NewEvent[],
  options: { expectedRevision: ExpectedRevision; recordedAt: string; notify?: PostgresNotifyMode },
): Promise<AppendResult> {
  if (events.length === 0) throw new Error('append needs at least one event');
  const expected = options.expectedRevision;
  const kind: ExpectedKind = expected === 'no-stream' || expected === 'any' ? expected : 'exact';
  const notifyInTx = options.notify === 'in-transaction';
  const values: unknown[] = [
    streamId,
    events.length,
    options.recordedAt,
    events.map((e) => e.id),
    events.map((e) => e.type),
    events.map((e) => e.schemaVersion),
    events.map((e) => e.occurredAt),
    events.map((e) => JSON.stringify(e.actor)),
    events.map((e) => e.correlationId),
    events.map((e) => e.causationId),
    events.map((e) => JSON.stringify(e.data ?? null)),
  ];
  if (kind === 'exact') values.push(expected);
  let row: { revision: string | null; position: string | null; tx: string | null } | undefined;
  try {
    const result = await db.query<{ revision: string | null; position: string | null; tx: string | null }>({
      // Named, so each connection parses and plans it once.
      name: `fangyi-append-${kind}${notifyInTx ? '-notify' : ''}-${schema}`,
      text: appendSql(schema, kind, notifyInTx),
      values,
    });
    row = result.rows[0];
  } catch (error) {
    if (!isUniqueViolation(error, 'events_stream_revision_key')) throw error;
  }
  if (!row || row.revision === null || row.position === null || row.tx === null) {
    const actual = await db.query<{ revision: string }>({
      name: `fangyi-revision-${schema}`,
      text: `SELECT revision::text AS revision FROM ${quoteSchema(schema)}.streams WHERE stream_id = $1`,
      values: [streamId],
    });
    const current = actual.rows[0];
    throw new WrongExpectedRevisionError(streamId, expected, current ? Number(current.revision) : 'no-stream');
  }
  return { nextExpectedRevision: Number(row.revision), position: encodePosition(row.tx, row.position) };
}

/**
 * Several appends to distinct streams in one statement and one transaction: each append is still
 * all-or-nothing (a stale expected revision claims no streams row, so its events are not inserted),
 * but they share one round trip and one commit. Expected revision is encoded as -1 'no-stream',
 * -2 'any', else the exact revision.
 */
function appendManySql(schema: string, notifyInTransaction: boolean): string {
  const s = quoteSchema(schema);
  return `WITH a AS (
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[]) AS a(stream_id, expected, n)
),
created AS (
  INSERT INTO ${s}.streams (stream_id, revision) SELECT stream_id, n - 1 FROM a WHERE expected = -1 ORDER BY stream_id
  ON CONFLICT (stream_id) DO NOTHING RETURNING stream_id, revision
),
anyway AS (
  INSERT INTO ${s}.streams AS st (stream_id, revision) SELECT stream_id, n - 1 FROM a WHERE expected = -2 ORDER BY stream_id
  ON CONFLICT (stream_id) DO UPDATE SET revision = st.revision + excluded.revision + 1 RETURNING stream_id, revision
),
moved AS (
  UPDATE ${s}.streams st SET revision = st.revision + a.n FROM a
  WHERE a.expected >= 0 AND st.stream_id = a.stream_id AND st.revision = a.expected
  RETURNING st.stream_id, st.revision
),
claimed AS (
  SELECT c.stream_id, c.revision, a.n FROM a JOIN (SELECT * FROM created UNION ALL SELECT * FROM anyway UNION ALL SELECT * FROM moved) c USING (stream_id)
),
ev AS (
  INSERT INTO ${s}.events (id, stream_id, stream_revision, type, schema_version, occurred_at, recorded_at, actor, correlation_id, causation_id, data)
  SELECT e.id, e.stream_id, c.revision - c.n + e.nth, e.type, e.schema_version, e.occurred_at, e.recorded_at, e.actor::jsonb, e.correlation_id, e.causation_id, e.data::jsonb
  FROM unnest($4::text[], $5::int[], $6::uuid[], $7::text[], $8::int[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
       WITH ORDINALITY AS e(stream_id, nth, id, type, schema_version, occurred_at, recorded_at, actor, correlation_id, causation_id, data, ord)
  JOIN claimed c USING (stream_id)
  ORDER BY e.ord
  RETURNING stream_id, global_position, transaction_id
)${notifyInTransaction ? `, n AS (SELECT pg_notify('${channelOf(schema)}', '') FROM (SELECT 1 FROM claimed LIMIT 1) x)` : ''}
SELECT c.stream_id, c.revision::text AS revision, max(ev.global_position)::text AS position, max(ev.transaction_id::text) AS tx
FROM claimed c JOIN ev USING (stream_id)${notifyInTransaction ? ' CROSS JOIN (SELECT count(*) FROM n) x' : ''}
GROUP BY c.stream_id, c.revision`;
}

interface PendingAppend {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly expectedRevision: ExpectedRevision;
  readonly recordedAt: string;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

const encodeExpected = (e: ExpectedRevision) => (e === 'no-stream' ? -1 : e === 'any' ? -2 : e);

/** Runs a batch of appends to distinct streams; settles each one. Throws if the statement fails as a whole. */
async function appendMany(db: Queryable, schema: string, batch: readonly PendingAppend[], notify: PostgresNotifyMode): Promise<void> {
  const events = batch.flatMap((p) => p.events.map((e, i) => ({ p, e, nth: i + 1 })));
  const result = await db.query<{ stream_id: string; revision: string; position: string; tx: string }>({
    name: `fangyi-append-many${notify === 'in-transaction' ? '-notify' : ''}-${schema}`,
    text: appendManySql(schema, notify === 'in-transaction'),
    values: [
      batch.map((p) => p.streamId),
      batch.map((p) => encodeExpected(p.expectedRevision)),
      batch.map((p) => p.events.length),
      events.map((x) => x.p.streamId),
      events.map((x) => x.nth),
      events.map((x) => x.e.id),
      events.map((x) => x.e.type),
      events.map((x) => x.e.schemaVersion),
      events.map((x) => x.e.occurredAt),
      events.map((x) => x.p.recordedAt),
      events.map((x) => JSON.stringify(x.e.actor)),
      events.map((x) => x.e.correlationId),
      events.map((x) => x.e.causationId),
      events.map((x) => JSON.stringify(x.e.data ?? null)),
    ],
  });
  const done = new Map(result.rows.map((r) => [r.stream_id, r]));
  const losers = batch.filter((p) => !done.has(p.streamId));
  const actual = new Map<string, number>();
  if (losers.length > 0) {
    const current = await db.query<{ stream_id: string; revision: string }>({
      name: `fangyi-revisions-${schema}`,
      text: `SELECT stream_id, revision::text AS revision FROM ${quoteSchema(schema)}.streams WHERE stream_id = ANY($1::text[])`,
      values: [losers.map((p) => p.streamId)],
    });
    for (const r of current.rows) actual.set(r.stream_id, Number(r.revision));
  }
  for (const p of batch) {
    const row = done.get(p.streamId);
    if (row) p.resolve({ nextExpectedRevision: Number(row.revision), position: encodePosition(row.tx, row.position) });
    else p.reject(new WrongExpectedRevisionError(p.streamId, p.expectedRevision, actual.get(p.streamId) ?? 'no-stream'));
  }
}

/**
 * Write combining: at most `concurrency` append statements run at once; appends that arrive
 * meanwhile wait and go together in the next statement. Alone, an append goes out at once, so
 * latency is that of a single statement; under load, many appends share one round trip and one
 * commit, which is where a small-row insert workload spends its time.
 */
class AppendBatcher {
  private readonly queue: PendingAppend[] = [];
  private inFlight = 0;
  private readonly concurrency: number;
  private readonly maxBatch: number;
  private readonly runOne: (p: PendingAppend) => Promise<void>;
  private readonly runMany: (batch: PendingAppend[]) => Promise<void>;

  constructor(
    concurrency: number,
    maxBatch: number,
    runOne: (p: PendingAppend) => Promise<void>,
    runMany: (batch: PendingAppend[]) => Promise<void>,
  ) {
    this.concurrency = concurrency;
    this.maxBatch = maxBatch;
    this.runOne = runOne;
    this.runMany = runMany;
  }

  submit(p: Omit<PendingAppend, 'resolve' | 'reject'>): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...p, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      const batch = this.take();
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  /** The oldest appends, one per stream: a second append to a stream waits for the first's result. */
  private take(): PendingAppend[] {
    const batch: PendingAppend[] = [];
    const streams = new Set<string>();
    const rest: PendingAppend[] = [];
    for (const p of this.queue) {
      if (batch.length < this.maxBatch && !streams.has(p.streamId)) {
        batch.push(p);
        streams.add(p.streamId);
      } else rest.push(p);
    }
    this.queue.splice(0, this.queue.length, ...rest);
    return batch;
  }

  private async run(batch: PendingAppend[]): Promise<void> {
    if (batch.length === 1) return this.runOne(batch[0]!);
    try {
      await this.runMany(batch);
    } catch {
      // One bad append (say, a duplicate event id) or a deadlock between batches fails the whole
      // statement; retrying one by one gives each append its own outcome.
      await Promise.all(batch.map((p) => this.runOne(p)));
    }
  }
}

/**
 * A side connection that LISTENs for appends (ringing the local waker) and sends the coalesced
 * post-commit NOTIFY. Losing it only costs latency: subscribers fall back to polling.
 */
class Notifier {
  private readonly config: pg.ClientConfig;
  private readonly channel: string;
  private readonly waker: LocalWaker;
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private wantListen = false;
  private sending = false;
  private pending = false;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(config: pg.ClientConfig, channel: string, waker: LocalWaker) {
    this.config = config;
    this.channel = channel;
    this.waker = waker;
  }

  listen(): void {
    if (this.wantListen || this.closed) return;
    this.wantListen = true;
    this.connect().catch(() => this.scheduleReconnect());
  }

  /** At most one NOTIFY in flight; appends meanwhile are covered by the next one. */
  poke(): void {
    if (this.closed) return;
    if (this.sending) {
      this.pending = true;
      return;
    }
    this.sending = true;
    void (async () => {
      try {
        do {
          this.pending = false;
          const client = await this.connect();
          await client.query({ name: 'fangyi-notify', text: 'SELECT pg_notify($1, $2)', values: [this.channel, ''] });
        } while (this.pending && !this.closed);
      } catch {
        // A lost wake-up: subscribers elsewhere see the events at their next poll.
      } finally {
        this.sending = false;
      }
    })();
  }

  private connect(): Promise<pg.Client> {
    if (this.closed) return Promise.reject(new Error('event store closed'));
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const client = new pg.Client(this.config);
      client.on('error', () => this.drop(client));
      client.on('end', () => this.drop(client));
      client.on('notification', () => this.waker.ring());
      try {
        await client.connect();
        if (this.wantListen) await client.query(`LISTEN "${this.channel}"`);
      } catch (error) {
        client.end().catch(() => {});
        throw error;
      }
      if (this.closed) {
        await client.end().catch(() => {});
        throw new Error('event store closed');
      }
      this.client = client;
      return client;
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private drop(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    client.end().catch(() => {});
    if (this.wantListen) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      if (!this.client) this.connect().catch(() => this.scheduleReconnect());
    }, 1000);
    this.retry.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    await this.connecting?.catch(() => {});
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }
}

/**
 * The event store on PostgreSQL. Writers overlap, so the global log is ordered by
 * (transaction id, position) and readers only see transactions older than every one still in
 * flight: a writer that commits late can never be skipped.
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
      this.pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10 });
      this.ownsPool = true;
      // An idle client that dies (server restart) is dropped by the pool; without a listener it would crash the process.
      this.pool.on('error', () => {});
    }
    this.notifier = new Notifier(this.pool.options, channelOf(this.schema), this.waker);
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

  async append(streamId: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
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

  async readStream(streamId: string, options?: { fromRevision?: number }): Promise<RecordedEvent[]> {
    const result = await this.pool.query<EventRow>({
      name: `fangyi-read-stream-${this.schema}`,
      text: `SELECT ${EVENT_COLUMNS} FROM ${quoteSchema(this.schema)}.events
             WHERE stream_id = $1 AND stream_revision >= $2 ORDER BY stream_revision`,
      values: [streamId, options?.fromRevision ?? 0],
    });
    return result.rows.map(toRecorded);
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    const [tx, globalPosition] = decodePosition(options?.after);
    const result = await this.pool.query<EventRow>({
      name: `fangyi-read-all-${this.schema}`,
      // Everything below the snapshot's xmin has finished, so this prefix of the log is final.
      text: `SELECT ${EVENT_COLUMNS} FROM ${quoteSchema(this.schema)}.events
             WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
               AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
             ORDER BY transaction_id, global_position
             LIMIT $3`,
      values: [tx, globalPosition, options?.limit ?? 1000],
    });
    return result.rows.map(toRecorded);
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    if (this.closed) throw new Error('event store closed');
    this.notifier.listen();
    const inner = catchUpSubscription((after, limit) => this.readAll({ after, limit }), options, this.waker);
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
      if (result.rowCount !== 1) throw new CheckpointConflictError(name, expected, await this.checkpoints.load(name));
    },
  };

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    await this.notifier.close();
    if (this.ownsPool) await this.pool.end();
  }
}
