import { DatabaseSync } from 'node:sqlite';
import {
  snapshotInstant,
  type SnapshotBounds,
  type SnapshotMeta,
  type SnapshotStore,
  type ViewSnapshot,
} from './port.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS view_snapshots (
  view           TEXT    NOT NULL,
  recorded_up_to TEXT    NOT NULL,
  occurred_up_to TEXT,
  position       TEXT    NOT NULL,
  events         INTEGER NOT NULL,
  state          BLOB    NOT NULL,
  taken_at       TEXT    NOT NULL,
  PRIMARY KEY (view, recorded_up_to)
);`;

interface Row {
  view: string;
  recorded_up_to: string;
  occurred_up_to: string | null;
  position: string;
  events: number;
  bytes: number;
  taken_at: string;
}

const META =
  'view, recorded_up_to, occurred_up_to, position, events, length(state) AS bytes, taken_at';
const toMeta = (r: Row): SnapshotMeta => ({
  view: r.view,
  recordedUpTo: r.recorded_up_to,
  occurredUpTo: r.occurred_up_to,
  position: r.position,
  events: Number(r.events),
  bytes: Number(r.bytes),
  takenAt: r.taken_at,
});

/** Snapshots in the embedded SQLite file, beside the events, on their own connection (WAL lets both work). */
export class SqliteSnapshots implements SnapshotStore {
  private readonly db: DatabaseSync;

  constructor(options: { readonly path: string }) {
    this.db = new DatabaseSync(options.path);
    this.db.exec(
      'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;',
    );
    this.db.exec(SCHEMA);
  }

  async save(s: ViewSnapshot): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO view_snapshots (view, recorded_up_to, occurred_up_to, position, events, state, taken_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (view, recorded_up_to) DO UPDATE SET occurred_up_to = excluded.occurred_up_to, position = excluded.position, events = excluded.events, state = excluded.state, taken_at = excluded.taken_at`,
      )
      .run(
        s.view,
        snapshotInstant(s.recordedUpTo),
        s.occurredUpTo === null ? null : snapshotInstant(s.occurredUpTo),
        s.position,
        s.events,
        s.state,
        s.takenAt,
      );
  }

  async latest(view: string, bounds: SnapshotBounds = {}): Promise<SnapshotMeta | null> {
    const where = ['view = ?'];
    const values: string[] = [view];
    if (bounds.recordedBy !== undefined) {
      where.push('recorded_up_to <= ?');
      values.push(snapshotInstant(bounds.recordedBy));
    }
    if (bounds.occurredBy !== undefined) {
      where.push('(occurred_up_to IS NULL OR occurred_up_to <= ?)');
      values.push(snapshotInstant(bounds.occurredBy));
    }
    const row = this.db
      .prepare(
        `SELECT ${META} FROM view_snapshots WHERE ${where.join(' AND ')} ORDER BY recorded_up_to DESC LIMIT 1`,
      )
      .get(...values) as Row | undefined;
    return row ? toMeta(row) : null;
  }

  async state(view: string, recordedUpTo: string): Promise<Uint8Array | null> {
    const row = this.db
      .prepare('SELECT state FROM view_snapshots WHERE view = ? AND recorded_up_to = ?')
      .get(view, snapshotInstant(recordedUpTo)) as { state: Uint8Array } | undefined;
    return row?.state ?? null;
  }

  async list(view: string): Promise<SnapshotMeta[]> {
    return (
      this.db
        .prepare(`SELECT ${META} FROM view_snapshots WHERE view = ? ORDER BY recorded_up_to`)
        .all(view) as unknown as Row[]
    ).map(toMeta);
  }

  async clear(view?: string): Promise<number> {
    const { changes } =
      view === undefined
        ? this.db.prepare('DELETE FROM view_snapshots').run()
        : this.db
            .prepare(
              "DELETE FROM view_snapshots WHERE view = ? OR substr(view, 1, length(?) + 1) = ? || '/'",
            )
            .run(view, view, view);
    return Number(changes);
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }
}
