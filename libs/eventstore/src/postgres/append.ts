import type { NewEvent } from '@fangyi/contracts';
import { WrongExpectedRevisionError, type AppendResult, type ExpectedRevision } from '../port.ts';
import type { PostgresNotifyMode } from './notifier.ts';
import {
  channelOf,
  encodePosition,
  isUniqueViolation,
  quoteSchema,
  type Queryable,
} from './sql.ts';

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
            WHERE stream_id = $1 AND revision = $13::bigint RETURNING revision`,
  }[kind];
  return `WITH s AS (${claim}),
ev AS (
  INSERT INTO ${s}.events (id, stream_id, stream_revision, type, schema_version, occurred_at, recorded_at, actor, correlation_id, causation_id, data, traceparent)
  SELECT e.id, $1, s.revision - $2::int + e.ord, e.type, e.schema_version, e.occurred_at, $3::text, e.actor::jsonb, e.correlation_id, e.causation_id, e.data::jsonb, e.traceparent
  FROM s, unnest($4::uuid[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
       WITH ORDINALITY AS e(id, type, schema_version, occurred_at, actor, correlation_id, causation_id, data, traceparent, ord)
  ORDER BY e.ord
  RETURNING global_position, transaction_id
)${notifyInTransaction ? `, n AS (SELECT pg_notify('${channelOf(schema)}', '') FROM s)` : ''}
SELECT (SELECT revision FROM s)::text AS revision,
       (SELECT max(global_position) FROM ev)::text AS position,
       (SELECT max(transaction_id::text) FROM ev) AS tx${notifyInTransaction ? ', (SELECT count(*) FROM n) AS notified' : ''}`;
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
    events.map((e) => e.traceparent ?? null),
  ];
  if (kind === 'exact') values.push(expected);
  let row: { revision: string | null; position: string | null; tx: string | null } | undefined;
  try {
    const result = await db.query<{
      revision: string | null;
      position: string | null;
      tx: string | null;
    }>({
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
    throw new WrongExpectedRevisionError(
      streamId,
      expected,
      current ? Number(current.revision) : 'no-stream',
    );
  }
  return {
    nextExpectedRevision: Number(row.revision),
    position: encodePosition(row.tx, row.position),
  };
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
  INSERT INTO ${s}.events (id, stream_id, stream_revision, type, schema_version, occurred_at, recorded_at, actor, correlation_id, causation_id, data, traceparent)
  SELECT e.id, e.stream_id, c.revision - c.n + e.nth, e.type, e.schema_version, e.occurred_at, e.recorded_at, e.actor::jsonb, e.correlation_id, e.causation_id, e.data::jsonb, e.traceparent
  FROM unnest($4::text[], $5::int[], $6::uuid[], $7::text[], $8::int[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
       WITH ORDINALITY AS e(stream_id, nth, id, type, schema_version, occurred_at, recorded_at, actor, correlation_id, causation_id, data, traceparent, ord)
  JOIN claimed c USING (stream_id)
  ORDER BY e.ord
  RETURNING stream_id, global_position, transaction_id
)${notifyInTransaction ? `, n AS (SELECT pg_notify('${channelOf(schema)}', '') FROM (SELECT 1 FROM claimed LIMIT 1) x)` : ''}
SELECT c.stream_id, c.revision::text AS revision, max(ev.global_position)::text AS position, max(ev.transaction_id::text) AS tx
FROM claimed c JOIN ev USING (stream_id)${notifyInTransaction ? ' CROSS JOIN (SELECT count(*) FROM n) x' : ''}
GROUP BY c.stream_id, c.revision`;
}

export interface PendingAppend {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly expectedRevision: ExpectedRevision;
  readonly recordedAt: string;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

const encodeExpected = (e: ExpectedRevision) => (e === 'no-stream' ? -1 : e === 'any' ? -2 : e);

/** Runs a batch of appends to distinct streams; settles each one. Throws if the statement fails as a whole. */
export async function appendMany(
  db: Queryable,
  schema: string,
  batch: readonly PendingAppend[],
  notify: PostgresNotifyMode,
): Promise<void> {
  const events = batch.flatMap((p) => p.events.map((e, i) => ({ p, e, nth: i + 1 })));
  const result = await db.query<{
    stream_id: string;
    revision: string;
    position: string;
    tx: string;
  }>({
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
      events.map((x) => x.e.traceparent ?? null),
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
    if (row)
      p.resolve({
        nextExpectedRevision: Number(row.revision),
        position: encodePosition(row.tx, row.position),
      });
    else
      p.reject(
        new WrongExpectedRevisionError(
          p.streamId,
          p.expectedRevision,
          actual.get(p.streamId) ?? 'no-stream',
        ),
      );
  }
}
