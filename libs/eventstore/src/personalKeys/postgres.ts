import pg from 'pg';
import { quoteSchema } from '../postgres/sql.ts';
import type { PersonalKeyStore } from './port.ts';

export type PostgresPersonalKeysOptions = (
  | { readonly pool: pg.Pool; readonly connectionString?: undefined }
  | { readonly connectionString: string; readonly pool?: undefined }
) & { readonly schema?: string };

/** The key table in the event store's PostgreSQL schema, beside `events`. */
export class PostgresPersonalKeys implements PersonalKeyStore {
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly table: string;

  static async create(options: PostgresPersonalKeysOptions): Promise<PostgresPersonalKeys> {
    const keys = new PostgresPersonalKeys(options);
    try {
      await keys.migrate();
    } catch (error) {
      await keys.close();
      throw error;
    }
    return keys;
  }

  constructor(options: PostgresPersonalKeysOptions) {
    const schema = quoteSchema(options.schema ?? 'fangyi');
    this.table = `${schema}.personal_keys`;
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
    const schema = this.table.slice(0, this.table.lastIndexOf('.'));
    await this.pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`).catch(ignoreRace);
    await this.pool
      .query(
        `CREATE TABLE IF NOT EXISTS ${this.table} (subject text PRIMARY KEY, key text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
      )
      .catch(ignoreRace);
  }

  async putIfAbsent(subject: string, key: string): Promise<string> {
    // The no-op update makes RETURNING answer the row that won, whichever writer inserted it.
    const { rows } = await this.pool.query<{ key: string }>({
      text: `INSERT INTO ${this.table} (subject, key) VALUES ($1, $2) ON CONFLICT (subject) DO UPDATE SET subject = EXCLUDED.subject RETURNING key`,
      values: [subject, key],
    });
    return rows[0]!.key;
  }

  async get(subjects: readonly string[]): Promise<Map<string, string>> {
    if (subjects.length === 0) return new Map();
    const { rows } = await this.pool.query<{ subject: string; key: string }>({
      text: `SELECT subject, key FROM ${this.table} WHERE subject = ANY($1::text[])`,
      values: [[...new Set(subjects)]],
    });
    return new Map(rows.map((r) => [r.subject, r.key]));
  }

  async delete(subject: string): Promise<boolean> {
    const { rowCount } = await this.pool.query({
      text: `DELETE FROM ${this.table} WHERE subject = $1`,
      values: [subject],
    });
    return rowCount === 1;
  }

  async count(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${this.table}`,
    );
    return Number(rows[0]!.n);
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }
}

/** Two processes creating the table at once: the loser's unique-violation on the catalog is harmless. */
function ignoreRace(error: unknown): void {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === '23505' || code === '42P07') return;
  throw error;
}
