import pg from 'pg';
import { quoteSchema } from '../postgres/sql.ts';
import {
  snapshotInstant,
  type SnapshotBounds,
  type SnapshotMeta,
  type SnapshotStore,
  type ViewSnapshot,
} from './port.ts';

export type PostgresSnapshotsOptions = (
  | { readonly pool: pg.Pool; readonly connectionString?: undefined }
  | { readonly connectionString: string; readonly pool?: undefined }
) & { readonly schema?: string };

interface Row {
  view: string;
  recorded_up_to: string;
  occurred_up_to: string | null;
  position: string;
  events: string;
  bytes: string;
  taken_at: string;
}

const META =
  'view, recorded_up_to, occurred_up_to, position, events::text AS events, octet_length(state)::text AS bytes, taken_at';
const toMeta = (r: Row): SnapshotMeta => ({
  view: r.view,
  recordedUpTo: r.recorded_up_to,
  occurredUpTo: r.occurred_up_to,
  position: r.position,
  events: Number(r.events),
  bytes: Number(r.bytes),
  takenAt: r.taken_at,
});

/** Snapshots in the event store's PostgreSQL schema, beside `events`. */
export class PostgresSnapshots implements SnapshotStore {
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly schema: string;
  private readonly table: string;

  static async create(options: PostgresSnapshotsOptions): Promise<PostgresSnapshots> {
    const store = new PostgresSnapshots(options);
    try {
      await store.migrate();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  constructor(options: PostgresSnapshotsOptions) {
    this.schema = quoteSchema(options.schema ?? 'fangyi');
    this.table = `${this.schema}.view_snapshots`;
    if (options.pool) {
      this.pool = options.pool;
      this.ownsPool = false;
    } else {
      this.pool = new pg.Pool({ connectionString: options.connectionString, max: 4 });
      this.ownsPool = true;
      this.pool.on('error', () => {});
    }
  }

  async migrate(): Promise<void> {
    await this.pool.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`).catch(ignoreRace);
    // Instants as Date#toISOString text, so they order as times and read back exactly as written.
    await this.pool
      .query(
        `CREATE TABLE IF NOT EXISTS ${this.table} (
           view text NOT NULL, recorded_up_to text NOT NULL, occurred_up_to text, position text NOT NULL,
           events bigint NOT NULL, state bytea NOT NULL, taken_at text NOT NULL,
           PRIMARY KEY (view, recorded_up_to))`,
      )
      .catch(ignoreRace);
  }

  async save(s: ViewSnapshot): Promise<void> {
    await this.pool.query({
      text: `INSERT INTO ${this.table} (view, recorded_up_to, occurred_up_to, position, events, state, taken_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (view, recorded_up_to) DO UPDATE SET occurred_up_to = EXCLUDED.occurred_up_to, position = EXCLUDED.position, events = EXCLUDED.events, state = EXCLUDED.state, taken_at = EXCLUDED.taken_at`,
      values: [
        s.view,
        snapshotInstant(s.recordedUpTo),
        s.occurredUpTo === null ? null : snapshotInstant(s.occurredUpTo),
        s.position,
        s.events,
        Buffer.from(s.state.buffer, s.state.byteOffset, s.state.byteLength),
        s.takenAt,
      ],
    });
  }

  async latest(view: string, bounds: SnapshotBounds = {}): Promise<SnapshotMeta | null> {
    const values: unknown[] = [view];
    const where = ['view = $1'];
    if (bounds.recordedBy !== undefined) {
      values.push(snapshotInstant(bounds.recordedBy));
      where.push(`recorded_up_to <= $${values.length}`);
    }
    if (bounds.occurredBy !== undefined) {
      values.push(snapshotInstant(bounds.occurredBy));
      where.push(`(occurred_up_to IS NULL OR occurred_up_to <= $${values.length})`);
    }
    const { rows } = await this.pool.query<Row>({
      text: `SELECT ${META} FROM ${this.table} WHERE ${where.join(' AND ')} ORDER BY recorded_up_to DESC LIMIT 1`,
      values,
    });
    return rows[0] ? toMeta(rows[0]) : null;
  }

  async state(view: string, recordedUpTo: string): Promise<Uint8Array | null> {
    const { rows } = await this.pool.query<{ state: Buffer }>({
      text: `SELECT state FROM ${this.table} WHERE view = $1 AND recorded_up_to = $2`,
      values: [view, snapshotInstant(recordedUpTo)],
    });
    return rows[0]?.state ?? null;
  }

  async list(view: string): Promise<SnapshotMeta[]> {
    const { rows } = await this.pool.query<Row>({
      text: `SELECT ${META} FROM ${this.table} WHERE view = $1 ORDER BY recorded_up_to`,
      values: [view],
    });
    return rows.map(toMeta);
  }

  async clear(view?: string): Promise<number> {
    const result =
      view === undefined
        ? await this.pool.query(`DELETE FROM ${this.table}`)
        : await this.pool.query({
            text: `DELETE FROM ${this.table} WHERE view = $1 OR starts_with(view, $1 || '/')`,
            values: [view],
          });
    return result.rowCount ?? 0;
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }
}

/** Two processes creating the schema or table at once: the loser's error says it exists. */
function ignoreRace(error: unknown): void {
  const code = (error as { code?: string }).code;
  if (code !== '23505' && code !== '42P07' && code !== '42P06') throw error;
}
