import type pg from 'pg';
import { quoteSchema } from './sql.ts';

/** One key for every migration in the cluster: they are rare, and serialising them all is simplest. */
const MIGRATE_LOCK_KEY = 0x66616e67; // 'fang'

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
-- recordedAt as a real timestamp with an index, for time-range cuts made in SQL (exports, as-of).
-- The text column stays what the envelope carries, written by append as before; this one is
-- derived from it, so tables made before it get it filled in by the ALTER (a rewrite, once).
-- The cast pins the time zone, so the function is as immutable as a generated column needs
-- (the text always carries its offset anyway: Date#toISOString).
CREATE OR REPLACE FUNCTION ${s}.instant_of(text) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE PARALLEL SAFE SET "TimeZone" = 'UTC' AS 'SELECT $1::timestamptz';
ALTER TABLE ${s}.events ADD COLUMN IF NOT EXISTS recorded_at_ts timestamptz GENERATED ALWAYS AS (${s}.instant_of(recorded_at)) STORED;
CREATE INDEX IF NOT EXISTS events_recorded_at_ts_idx ON ${s}.events (recorded_at_ts);
-- occurredAt as an instant, for "what had happened by T" (a check logged late included): an
-- expression index, so tables made before it are not rewritten (only indexed, once). recordedAt
-- rides along so "happened by T, recorded after W" (an as-of answer on top of a snapshot) is
-- answered from the index alone.
CREATE INDEX IF NOT EXISTS events_occurred_at_idx ON ${s}.events ((${s}.instant_of(occurred_at)), recorded_at_ts);
-- The events recorded more than an hour after they happened (checks logged late): few, so "what had
-- happened by T though recorded long after" is found here rather than by walking the log's tail.
CREATE INDEX IF NOT EXISTS events_late_idx ON ${s}.events ((${s}.instant_of(occurred_at)))
  WHERE recorded_at_ts - ${s}.instant_of(occurred_at) > interval '1 hour';
-- The W3C trace context of the request that caused the event, when it was traced; tables made
-- before it get the column empty (a catalog change only), and their events replay without one.
ALTER TABLE ${s}.events ADD COLUMN IF NOT EXISTS traceparent text;
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
