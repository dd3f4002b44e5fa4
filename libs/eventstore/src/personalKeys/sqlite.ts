import { DatabaseSync } from 'node:sqlite';
import type { PersonalKeyStore } from './port.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS personal_keys (
  subject    TEXT PRIMARY KEY,
  key        TEXT NOT NULL,
  created_at TEXT NOT NULL
);`;

/**
 * The key table in the embedded SQLite file, beside the events, on its own connection (WAL lets
 * both connections work), as durable as the events beside it (WAL, synchronous NORMAL). A deleted row is gone from the file at the next checkpoint; `secure_delete`
 * overwrites it rather than leaving it in a free page.
 */
export class SqlitePersonalKeys implements PersonalKeyStore {
  private readonly db: DatabaseSync;
  private readonly clock: () => Date;

  constructor(options: { readonly path: string; readonly clock?: () => Date }) {
    this.db = new DatabaseSync(options.path);
    this.clock = options.clock ?? (() => new Date());
    this.db.exec(
      'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA secure_delete = ON;',
    );
    this.db.exec(SCHEMA);
  }

  async putIfAbsent(subject: string, key: string): Promise<string> {
    this.db
      .prepare(
        'INSERT INTO personal_keys (subject, key, created_at) VALUES (?, ?, ?) ON CONFLICT (subject) DO NOTHING',
      )
      .run(subject, key, this.clock().toISOString());
    const row = this.db.prepare('SELECT key FROM personal_keys WHERE subject = ?').get(subject) as
      | { key: string }
      | undefined;
    if (!row) throw new Error(`key for ${subject} vanished while being created`);
    return row.key;
  }

  async get(subjects: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const unique = [...new Set(subjects)];
    // SQLite binds at most 32766 parameters; a few hundred at a time keeps each statement small.
    for (let i = 0; i < unique.length; i += 500) {
      const chunk = unique.slice(i, i + 500);
      const rows = this.db
        .prepare(
          `SELECT subject, key FROM personal_keys WHERE subject IN (${chunk.map(() => '?').join(',')})`,
        )
        .all(...chunk) as { subject: string; key: string }[];
      for (const r of rows) found.set(r.subject, r.key);
    }
    return found;
  }

  async delete(subject: string): Promise<boolean> {
    const { changes } = this.db.prepare('DELETE FROM personal_keys WHERE subject = ?').run(subject);
    // Out of the write-ahead log too, so a copy of the file taken now holds no trace of the key.
    this.db.exec('PRAGMA wal_checkpoint(TRUNCATE);');
    return Number(changes) === 1;
  }

  async count(): Promise<number> {
    return Number(
      (this.db.prepare('SELECT count(*) AS n FROM personal_keys').get() as { n: number }).n,
    );
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }
}
