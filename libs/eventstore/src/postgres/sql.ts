import type pg from 'pg';
import type { Actor } from '@fangyi/contracts';
import type { LogPosition, RecordedEvent } from '../port.ts';

/** What the adapter's statements run on: a pool (autocommit) or a client (possibly inside a transaction). */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    config: pg.QueryConfig,
  ): Promise<pg.QueryResult<R>>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,40}$/;

export function quoteSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema))
    throw new Error(
      `invalid schema name ${JSON.stringify(schema)}: use lower-case letters, digits and _`,
    );
  return `"${schema}"`;
}

export const channelOf = (schema: string) => `${schema}_appended`;

export function encodePosition(tx: string, globalPosition: string): LogPosition {
  return `${tx}:${globalPosition}`;
}

const POSITION = /^(\d{1,20}):(\d{1,19})$/;

/** Log order of two positions: by transaction id, then by place in the log. */
export function comparePositions(a: LogPosition, b: LogPosition): number {
  const [ta, pa] = decodePosition(a).map(BigInt) as [bigint, bigint];
  const [tb, pb] = decodePosition(b).map(BigInt) as [bigint, bigint];
  return ta !== tb ? (ta < tb ? -1 : 1) : pa === pb ? 0 : pa < pb ? -1 : 1;
}

export function decodePosition(
  position: LogPosition | null | undefined,
): [tx: string, globalPosition: string] {
  if (position === null || position === undefined) return ['0', '0'];
  const m = POSITION.exec(position);
  if (!m) throw new Error(`not a PostgreSQL event store position: ${JSON.stringify(position)}`);
  return [m[1]!, m[2]!];
}

export interface EventRow {
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
  traceparent: string | null;
}

export const EVENT_COLUMNS = `transaction_id::text AS tx, global_position::text AS global_position, id, stream_id, stream_revision::text AS stream_revision,
  type, schema_version, occurred_at, recorded_at, actor, correlation_id, causation_id, data, traceparent`;

export function toRecorded(row: EventRow): RecordedEvent {
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
    ...(row.traceparent ? { traceparent: row.traceparent } : {}),
    position: encodePosition(row.tx, row.global_position),
  };
}

export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as { code?: unknown; constraint?: unknown } | null;
  return e?.code === '23505' && e.constraint === constraint;
}
