import type { ReadFilteredOptions, RecordedEvent } from '../port.ts';
import { checkFilter, isoInstant } from '../filter.ts';
import { readHorizon } from './horizon.ts';
import {
  EVENT_COLUMNS,
  decodePosition,
  quoteSchema,
  toRecorded,
  type EventRow,
  type Queryable,
} from './sql.ts';

/**
 * The global log filtered in SQL, in log order and below the same horizon as readAll, so a page
 * is final. Time ranges use recorded_at_ts and instant_of(occurred_at) (both indexed); a community-like cut (`streamData`) probes
 * each candidate's stream through the (stream_id, stream_revision) index.
 */
export async function readFilteredPostgres(
  db: Queryable,
  schema: string,
  options: ReadFilteredOptions,
): Promise<RecordedEvent[]> {
  const { filter } = options;
  checkFilter(filter);
  const s = quoteSchema(schema);
  const [tx, globalPosition] = decodePosition(options.after);
  const horizon = await readHorizon(db, schema);
  const values: unknown[] = [tx, globalPosition, horizon];
  const param = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  const where = [
    '(e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)',
    'e.transaction_id < $3::xid8',
  ];
  if (filter.streamIds) where.push(`e.stream_id = ANY(${param(filter.streamIds)}::text[])`);
  if (filter.types) where.push(`e.type = ANY(${param(filter.types)}::text[])`);
  if (filter.streamPrefixes)
    where.push(
      `EXISTS (SELECT 1 FROM unnest(${param(filter.streamPrefixes)}::text[]) p WHERE starts_with(e.stream_id, p))`,
    );
  if (filter.recordedFrom !== undefined)
    where.push(`e.recorded_at_ts >= ${param(isoInstant(filter.recordedFrom))}::timestamptz`);
  if (filter.recordedBefore !== undefined)
    where.push(`e.recorded_at_ts < ${param(isoInstant(filter.recordedBefore))}::timestamptz`);
  // The same expression as the index on occurredAt (the text keeps the writer's offset).
  if (filter.occurredFrom !== undefined)
    where.push(
      `${s}.instant_of(e.occurred_at) >= ${param(isoInstant(filter.occurredFrom))}::timestamptz`,
    );
  if (filter.occurredBefore !== undefined)
    where.push(
      `${s}.instant_of(e.occurred_at) < ${param(isoInstant(filter.occurredBefore))}::timestamptz`,
    );
  // The partial index's own predicate, word for word, so the planner can use it.
  if (filter.recordedLate)
    where.push(`e.recorded_at_ts - ${s}.instant_of(e.occurred_at) > interval '1 hour'`);
  if (filter.data)
    where.push(`e.data ->> ${param(filter.data.field)}::text = ${param(filter.data.value)}::text`);
  if (filter.streamData) {
    where.push(
      `EXISTS (SELECT 1 FROM ${s}.events c WHERE c.stream_id = e.stream_id AND c.data ->> ${param(filter.streamData.field)}::text = ${param(filter.streamData.value)}::text)`,
    );
  }
  const limit = param(options.limit ?? 1000);
  // Late events are few, but the planner cannot know it from the predicate and would walk the log
  // in order to fill a page: found through their index first, then ordered.
  const text = filter.recordedLate
    ? `WITH m AS MATERIALIZED (SELECT ${EVENT_COLUMNS}, e.transaction_id AS ord_tx, e.global_position AS ord_gp FROM ${s}.events e WHERE ${where.join(' AND ')})
       SELECT * FROM m ORDER BY ord_tx, ord_gp LIMIT ${limit}::int`
    : `SELECT ${EVENT_COLUMNS} FROM ${s}.events e WHERE ${where.join(' AND ')}
           ORDER BY e.transaction_id, e.global_position LIMIT ${limit}::int`;
  const result = await db.query<EventRow>({ text, values });
  return result.rows.map(toRecorded);
}
