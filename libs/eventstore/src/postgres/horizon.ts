import { quoteSchema, type Queryable } from './sql.ts';

/**
 * How far the global log is final: every transaction id below the horizon that will ever write
 * events has committed (or rolled back), so a reader that stops below it skips nothing.
 *
 * The snapshot's xmin would do, but it is the oldest transaction of the whole server: a write
 * transaction held open in another database, or a long report that writes a table, would hold
 * every reader back for as long as it runs. So the horizon counts only our own appenders: the
 * backends holding a RowExclusiveLock on this schema's events table (an INSERT takes it while the
 * statement is parsed, before the transaction has an id) together with their transaction ids
 * (pg_stat_activity.backend_xid), and, failing any, the snapshot's xmax (the next id to hand out).
 *
 * Why nothing is skipped: take an appender T whose id x is below the xmax n of this statement's
 * snapshot. T took its lock before it got x, so it held the lock when the snapshot was taken. If
 * T is still running when this statement reads pg_locks and pg_stat_activity, the horizon is at
 * most x. If not, T's commit became visible (PostgreSQL drops a transaction from the snapshot
 * table before it releases its locks) before this statement ended, and the read that follows in
 * its own statement, with a later snapshot, sees T's events. An appender that gets its id after
 * the snapshot has x ≥ n ≥ horizon. That is why the horizon and the read are two statements.
 *
 * One rule follows: an append inside a longer transaction must be that transaction's first write
 * (or the transaction must take the events table's lock first), so that it holds the lock before it
 * has an id. The store's own appends are single statements.
 */
export function horizonSql(): string {
  // backend_xid is 32 bits; it is widened against n, which is at most 2^31 ahead of any running
  // id. A distance of 0 or above 2^31 means the id was handed out after the snapshot: not below n.
  return `WITH appenders AS (
  SELECT a.backend_xid::text::bigint AS xid
  FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE l.locktype = 'relation' AND l.mode = 'RowExclusiveLock' AND l.granted
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND l.relation = $1::regclass
    AND a.backend_xid IS NOT NULL
),
next AS (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS n),
behind AS (SELECT n - (n - xid) % 4294967296 AS xid FROM next, appenders WHERE (n - xid) % 4294967296 BETWEEN 1 AND 2147483648)
SELECT least((SELECT n FROM next), (SELECT min(xid) FROM behind))::text AS horizon`;
}

/** The horizon as an xid8 in text, for the read that follows in its own statement. */
export async function readHorizon(db: Queryable, schema: string): Promise<string> {
  const result = await db.query<{ horizon: string }>({
    name: `fangyi-horizon-${schema}`,
    text: horizonSql(),
    values: [`${quoteSchema(schema)}.events`],
  });
  return result.rows[0]!.horizon;
}
