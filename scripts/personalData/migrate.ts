import { createHash } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { isSealed } from '@fangyi/contracts';
import {
  idNumberSubject,
  normaliseIdNumber,
  phoneSubject,
  reservationDigest,
  type PersonalDataVault,
} from '@fangyi/service-kit';

/**
 * The one-off migration of personal data recorded before events sealed it: each
 * `residents.person-registered` of version 1 has its ID and phone numbers sealed with the person's
 * key and becomes version 2, and each ID-number reservation stream named by the plain SHA-256 of the
 * number is renamed to its HMAC name, its person id sealed (`residents.id-number-reserved` v2). It rewrites rows in place (see libs/eventstore's README for
 * why). ID numbers typed at checkpoints (entries, exits, refusals) and reporters' phones of
 * complaints are sealed for the number's own subject and become version 2 too. Ids, positions and revisions stay, so no processor's checkpoint moves and nothing is
 * appended or published again. Idempotent: a second run finds nothing left to do.
 */

export interface LegacyRegistration {
  readonly id: string;
  readonly data: Record<string, unknown> & { personId: string; idNumber: string; phone: string };
}

/** What the migration needs of an event store's tables, for PostgreSQL and SQLite alike. */
export interface EventRows {
  /** Registrations whose ID or phone number is still in clear. */
  clearRegistrations(): Promise<LegacyRegistration[]>;
  rewrite(id: string, data: object, schemaVersion: number): Promise<void>;
  streamExists(streamId: string): Promise<boolean>;
  /** Every event of a type, in log order. */
  eventsOfType(type: string): Promise<{ id: string; data: Record<string, unknown> }[]>;
  /** The events of a stream, for the reservation's person id. */
  eventsOf(streamId: string): Promise<{ id: string; data: Record<string, unknown> }[]>;
  /** Renames a stream (its events and its revision row) in one transaction. */
  renameStream(from: string, to: string): Promise<void>;
  /** Rewrites the table so that the old row versions (with clear values) leave the files. */
  compact(): Promise<void>;
  close(): Promise<void>;
}

export interface MigrationReport {
  readonly registrationsSealed: number;
  readonly reservationsRenamed: number;
  /** Reservations whose person id was clear, now sealed with that person's key (version 2). */
  readonly reservationsSealed: number;
  /** Reservations found under their keyed name already (renamed by an interrupted run before this one). */
  readonly reservationsAlreadyKeyed: number;
  /** Entries, exits and refusals whose typed ID number was clear. */
  readonly crossingsSealed: number;
  /** Complaints whose reporter's phone was clear. */
  readonly complaintsSealed: number;
  readonly dryRun: boolean;
}

const normalise = normaliseIdNumber;
export const legacyReservationStream = (idNumber: string) =>
  `idNumber-${createHash('sha256').update(normalise(idNumber)).digest('hex')}`;
export const keyedReservationStream = (reservationKey: Buffer, idNumber: string) =>
  `idNumber-${reservationDigest(reservationKey, normalise(idNumber))}`;

export async function migratePersonalData(options: {
  readonly rows: EventRows;
  readonly vault: PersonalDataVault;
  readonly reservationKey: Buffer;
  readonly dryRun?: boolean;
  readonly compact?: boolean;
  readonly log?: (message: string) => void;
}): Promise<MigrationReport> {
  const { rows, vault, reservationKey } = options;
  const dryRun = options.dryRun ?? false;
  const log = options.log ?? (() => {});
  let registrationsSealed = 0;
  let reservationsRenamed = 0;
  let reservationsAlreadyKeyed = 0;
  let reservationsSealed = 0;

  const clear = await rows.clearRegistrations();
  log(`${clear.length} registrations hold clear ID or phone numbers`);
  for (const r of clear) {
    const { personId, idNumber, phone } = r.data;
    // The reservation first: its new name needs the clear number, which the sealed event no longer shows.
    const from = legacyReservationStream(idNumber);
    const to = keyedReservationStream(reservationKey, idNumber);
    if (await rows.streamExists(from)) {
      if (await rows.streamExists(to))
        throw new Error(
          `both ${from} and its keyed name exist: resolve by hand before migrating person ${personId}`,
        );
      if (!dryRun) await rows.renameStream(from, to);
      reservationsRenamed++;
    } else if (await rows.streamExists(to)) {
      reservationsAlreadyKeyed++;
    }
    // The reservation's person id sealed too, so that forgetting them frees the number and unlinks it.
    for (const e of await rows.eventsOf(dryRun ? from : to)) {
      const held = String(e.data.personId);
      if (isSealed(held)) continue;
      if (!dryRun)
        await rows.rewrite(e.id, { ...e.data, personId: await vault.seal(held, held) }, 2);
      reservationsSealed++;
    }
    if (!dryRun) {
      const [sealedId, sealedPhone] = await vault.sealAll(personId, [idNumber, phone]);
      const sealed = {
        ...r.data,
        idNumber: isSealed(idNumber) ? idNumber : sealedId,
        phone: isSealed(phone) ? phone : sealedPhone,
      };
      await rows.rewrite(r.id, sealed, 2);
    }
    registrationsSealed++;
  }
  // A run interrupted between a rename and its rewrite is finished by the next: the registration is
  // still clear, its reservation found under the keyed name.

  // Typed at the gate: sealed alike each time (as the crossing routes do), so a resend still compares equal.
  let crossingsSealed = 0;
  for (const type of CROSSING_TYPES) {
    for (const e of await rows.eventsOfType(type)) {
      const idNumber = e.data.idNumber;
      if (typeof idNumber !== 'string' || isSealed(idNumber)) continue;
      if (!dryRun)
        await rows.rewrite(
          e.id,
          {
            ...e.data,
            idNumber: await vault.sealStable(
              idNumberSubject(reservationKey, idNumber),
              normaliseIdNumber(idNumber),
            ),
          },
          2,
        );
      crossingsSealed++;
    }
  }
  let complaintsSealed = 0;
  for (const e of await rows.eventsOfType(COMPLAINT_FILED)) {
    const reporter = e.data.reporter as { phone?: unknown } | undefined;
    const phone = reporter?.phone;
    if (typeof phone !== 'string' || isSealed(phone)) continue;
    if (!dryRun)
      await rows.rewrite(
        e.id,
        {
          ...e.data,
          reporter: {
            ...reporter,
            phone: await vault.seal(phoneSubject(reservationKey, phone), phone),
          },
        },
        2,
      );
    complaintsSealed++;
  }

  if (
    !dryRun &&
    (options.compact ?? true) &&
    registrationsSealed + crossingsSealed + complaintsSealed > 0
  ) {
    log('rewriting the events table so no old row version keeps a clear value');
    await rows.compact();
  }
  return {
    registrationsSealed,
    reservationsRenamed,
    reservationsSealed,
    reservationsAlreadyKeyed,
    crossingsSealed,
    complaintsSealed,
    dryRun,
  };
}

const REGISTERED = 'residents.person-registered';
const CROSSING_TYPES = [
  'checkpoints.entry-recorded',
  'checkpoints.exit-recorded',
  'checkpoints.refusal-recorded',
] as const;
const COMPLAINT_FILED = 'complaints.complaint-filed';
type Row = { id: string; data: string | LegacyRegistration['data'] };
const parsed = (r: Row): LegacyRegistration => ({
  id: r.id,
  data: typeof r.data === 'string' ? JSON.parse(r.data) : r.data,
});
const hasClear = (r: LegacyRegistration) =>
  !isSealed(String(r.data.idNumber)) || !isSealed(String(r.data.phone));

/** The SQLite event store's file (the embedded mode). */
export function sqliteEventRows(path: string): EventRows {
  const db = new DatabaseSync(path);
  // Overwritten, not left in free pages, whatever the rewrite frees.
  db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA secure_delete = ON;');
  const all = () =>
    (
      db
        .prepare('SELECT id, data FROM events WHERE type = ? ORDER BY position')
        .all(REGISTERED) as unknown as Row[]
    ).map(parsed);
  return {
    clearRegistrations: async () => all().filter(hasClear),
    rewrite: async (id, data, schemaVersion) => {
      db.prepare('UPDATE events SET data = ?, schema_version = ? WHERE id = ?').run(
        JSON.stringify(data),
        schemaVersion,
        id,
      );
    },
    eventsOfType: async (type) =>
      (
        db
          .prepare('SELECT id, data FROM events WHERE type = ? ORDER BY position')
          .all(type) as unknown as Row[]
      ).map(parsed),
    streamExists: async (streamId) =>
      db.prepare('SELECT 1 FROM streams WHERE stream_id = ?').get(streamId) !== undefined,
    eventsOf: async (streamId) =>
      (
        db
          .prepare('SELECT id, data FROM events WHERE stream_id = ? ORDER BY stream_revision')
          .all(streamId) as unknown as Row[]
      ).map(parsed),
    renameStream: async (from, to) => {
      db.exec('BEGIN IMMEDIATE');
      try {
        db.prepare('UPDATE events SET stream_id = ? WHERE stream_id = ?').run(to, from);
        db.prepare('UPDATE streams SET stream_id = ? WHERE stream_id = ?').run(to, from);
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    },
    compact: async () => {
      db.exec('VACUUM; PRAGMA wal_checkpoint(TRUNCATE);');
    },
    close: async () => {
      if (db.isOpen) db.close();
    },
  };
}

/** The PostgreSQL event store's schema (the distributed mode). */
export function postgresEventRows(connectionString: string, schema: string): EventRows {
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(schema))
    throw new Error(`invalid schema name ${JSON.stringify(schema)}`);
  const s = `"${schema}"`;
  const pool = new pg.Pool({ connectionString, max: 2 });
  const all = async () =>
    (
      await pool.query<Row>({
        text: `SELECT id::text AS id, data FROM ${s}.events WHERE type = $1 ORDER BY global_position`,
        values: [REGISTERED],
      })
    ).rows.map(parsed);
  return {
    clearRegistrations: async () => (await all()).filter(hasClear),
    rewrite: async (id, data, schemaVersion) => {
      await pool.query({
        text: `UPDATE ${s}.events SET data = $1::jsonb, schema_version = $2 WHERE id = $3::uuid`,
        values: [JSON.stringify(data), schemaVersion, id],
      });
    },
    eventsOfType: async (type) =>
      (
        await pool.query<Row>({
          text: `SELECT id::text AS id, data FROM ${s}.events WHERE type = $1 ORDER BY global_position`,
          values: [type],
        })
      ).rows.map(parsed),
    streamExists: async (streamId) =>
      ((
        await pool.query({
          text: `SELECT 1 FROM ${s}.streams WHERE stream_id = $1`,
          values: [streamId],
        })
      ).rowCount ?? 0) > 0,
    eventsOf: async (streamId) =>
      (
        await pool.query<Row>({
          text: `SELECT id::text AS id, data FROM ${s}.events WHERE stream_id = $1 ORDER BY stream_revision`,
          values: [streamId],
        })
      ).rows.map(parsed),
    renameStream: async (from, to) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query({
          text: `UPDATE ${s}.events SET stream_id = $1 WHERE stream_id = $2`,
          values: [to, from],
        });
        await client.query({
          text: `UPDATE ${s}.streams SET stream_id = $1 WHERE stream_id = $2`,
          values: [to, from],
        });
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    compact: async () => {
      // UPDATE leaves the old tuple (clear values) in the heap until vacuumed; FULL rewrites the table.
      await pool.query(`VACUUM (FULL) ${s}.events`);
    },
    close: () => pool.end(),
  };
}
