import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { idNumberCheckChar, parseEnvelope, uuidv7, type NewEvent } from '@fangyi/contracts';
import {
  SqliteEventStore,
  SqlitePersonalKeys,
  type EventStore,
  type PersonalKeyStore,
} from '@fangyi/eventstore';
import { PostgresEventStore, PostgresPersonalKeys } from '@fangyi/eventstore/postgres';
import { createVault, idNumberSubject, phoneSubject } from '@fangyi/service-kit';
import { dropSchema, freshSchemaName, requireInfra } from '@fangyi/testkit';
import {
  keyedReservationStream,
  legacyReservationStream,
  migratePersonalData,
  postgresEventRows,
  sqliteEventRows,
  type EventRows,
} from './migrate.ts';

const now = new Date('2020-02-05T01:30:00.000Z');
const actor = { id: 'registrar-zhangcun', role: 'registrar' as const };
const idNumberOf = (first17: string) => first17 + idNumberCheckChar(first17);

interface Opened {
  store: EventStore;
  keys: PersonalKeyStore;
  rows(): EventRows;
  reopen(): Promise<EventStore>;
  /** Every byte of the store's files, where the adapter can show them. */
  bytes(): string | null;
  cleanup(): Promise<void>;
}

const envelope = (type: string, schemaVersion: number, data: object): NewEvent => ({
  id: uuidv7(now.getTime()),
  type,
  schemaVersion,
  occurredAt: now.toISOString(),
  actor,
  correlationId: 'history',
  causationId: null,
  data,
});

function migrationSuite(adapter: string, open: () => Promise<Opened>) {
  describe(`scripts/migrate-personal-data on ${adapter}`, () => {
    it('seals clear history in place, renames reservations to their HMAC names, keeps every id, position and revision, and runs again as a no-op', async () => {
      const opened = await open();
      try {
        const masterKey = randomBytes(32);
        const reservationKey = randomBytes(32);
        const vault = createVault({ keys: opened.keys, masterKey });
        // History recorded before sealing: version 1, clear numbers, reservations named by SHA-256.
        const people = [
          {
            personId: uuidv7(now.getTime()),
            idNumber: idNumberOf('42010619900315123'),
            phone: '13971234567',
          },
          {
            personId: uuidv7(now.getTime()),
            idNumber: idNumberOf('37020219850601004'),
            phone: '13805321234',
          },
        ];
        for (const p of people) {
          await opened.store.append(
            legacyReservationStream(p.idNumber),
            [envelope('residents.id-number-reserved', 1, { personId: p.personId })],
            { expectedRevision: 'no-stream' },
          );
          await opened.store.append(
            `person-${p.personId}`,
            [
              envelope('residents.person-registered', 1, {
                personId: p.personId,
                householdId: 'h1',
                community: 'zhangcun',
                name: '刘伟',
                idNumber: p.idNumber,
                phone: p.phone,
                sex: 'male',
                birthDate: '1990-03-15',
                registration: 'local',
                travelHistory: [],
              }),
              envelope('residents.screening-recorded', 1, {
                personId: p.personId,
                screeningId: uuidv7(),
                householdId: 'h1',
                community: 'zhangcun',
                date: '2020-02-05',
                temperatureC: 36.5,
                symptoms: [],
                result: 'normal',
                visitedBy: 'registrar-zhangcun',
              }),
            ],
            { expectedRevision: 'no-stream' },
          );
        }
        // Typed at a gate and left with a complaint, before sealing: version 1, clear.
        const crossing = {
          checkpointId: uuidv7(),
          crossingId: uuidv7(),
          shiftId: uuidv7(),
          date: '2020-02-05',
          personId: people[0]!.personId,
          name: '刘伟',
          idNumber: people[0]!.idNumber.toLowerCase(),
          temperatureC: 36.5,
          fever: false,
          passValid: true,
          at: now.toISOString(),
        };
        await opened.store.append(
          `crossings-${crossing.checkpointId}-2020-02-05`,
          [envelope('checkpoints.entry-recorded', 1, crossing)],
          { expectedRevision: 'no-stream' },
        );
        const complaintId = uuidv7();
        await opened.store.append(
          `complaint-${complaintId}`,
          [
            envelope('complaints.complaint-filed', 1, {
              complaintId,
              channel: 'phone',
              category: 'sanitation',
              community: 'zhangcun',
              description: '垃圾',
              reporter: { anonymous: false, name: '王芳', phone: people[1]!.phone },
              receivedAt: now.toISOString(),
              replyWithinHours: 24,
              replyDueAt: now.toISOString(),
              status: 'received',
              statusNote: '已受理',
            }),
          ],
          { expectedRevision: 'no-stream' },
        );
        // One registered after the change: sealed already, left as it is.
        const recent = uuidv7(now.getTime());
        const recentSealed = await vault.seal(recent, idNumberOf('11010519491231002'));
        await opened.store.append(
          `person-${recent}`,
          [
            envelope('residents.person-registered', 2, {
              personId: recent,
              householdId: 'h1',
              community: 'zhangcun',
              name: '王芳',
              idNumber: recentSealed,
              phone: await vault.seal(recent, '13900000000'),
              sex: 'female',
              birthDate: '1949-12-31',
              registration: 'local',
              travelHistory: [],
            }),
          ],
          { expectedRevision: 'no-stream' },
        );
        const shape = (events: Awaited<ReturnType<EventStore['readAll']>>) =>
          events.map((e) => `${e.id} ${e.position} ${e.streamRevision} ${e.type}`);
        const before = await opened.store.readAll({ limit: 10_000 });
        await opened.store.close();
        // Where the files can be read, the scan below is shown to see clear history.
        const bytesBefore = opened.bytes();
        if (bytesBefore !== null) expect(bytesBefore).toContain(people[0]!.idNumber);

        // A dry run counts and changes nothing.
        const dry = await migratePersonalData({
          rows: opened.rows(),
          vault,
          reservationKey,
          dryRun: true,
        });
        expect(dry).toEqual({
          registrationsSealed: 2,
          reservationsRenamed: 2,
          reservationsSealed: 2,
          reservationsAlreadyKeyed: 0,
          crossingsSealed: 1,
          complaintsSealed: 1,
          dryRun: true,
        });

        const rows = opened.rows();
        const report = await migratePersonalData({ rows, vault, reservationKey });
        await rows.close();
        expect(report).toEqual({
          registrationsSealed: 2,
          reservationsRenamed: 2,
          reservationsSealed: 2,
          reservationsAlreadyKeyed: 0,
          crossingsSealed: 1,
          complaintsSealed: 1,
          dryRun: false,
        });

        const store = await opened.reopen();
        const after = await store.readAll({ limit: 10_000 });
        // Nothing appended, nothing moved: no processor reads anything again.
        expect(shape(after).map((s) => s.split(' ').slice(0, 3).join(' '))).toEqual(
          shape(before).map((s) => s.split(' ').slice(0, 3).join(' ')),
        );
        const text = JSON.stringify(after) + (opened.bytes() ?? '');
        for (const p of people) {
          expect(text).not.toContain(p.idNumber);
          expect(text).not.toContain(p.phone);
          const [registered] = await store.readStream(`person-${p.personId}`);
          const parsed = parseEnvelope(registered);
          expect(parsed.schemaVersion).toBe(2);
          const data = parsed.data as { idNumber: string; phone: string };
          expect(await vault.openAll([data.idNumber, data.phone])).toEqual([p.idNumber, p.phone]);
          // The reservation: gone from the guessable name, found under the keyed one, still for this person.
          expect(await store.readStream(legacyReservationStream(p.idNumber))).toEqual([]);
          const reservation = (
            await store.readStream(keyedReservationStream(reservationKey, p.idNumber))
          ).map((e) => parseEnvelope(e));
          expect(reservation.map((e) => e.schemaVersion)).toEqual([2]);
          const held = (reservation[0]!.data as { personId: string }).personId;
          expect(held.startsWith(`enc:v1:${p.personId}:`)).toBe(true);
          expect(await vault.open(held)).toBe(p.personId);
        }
        // The crossing's number, sealed for the number's own subject as the gate now seals it; the reporter's phone for the phone's.
        const [entry] = (
          await store.readStream(`crossings-${crossing.checkpointId}-2020-02-05`)
        ).map((e) => parseEnvelope(e));
        expect(entry!.schemaVersion).toBe(2);
        const sealedId = (entry!.data as { idNumber: string }).idNumber;
        expect(sealedId).toBe(
          await vault.sealStable(
            idNumberSubject(reservationKey, people[0]!.idNumber),
            people[0]!.idNumber,
          ),
        );
        const [filed] = (await store.readStream(`complaint-${complaintId}`)).map((e) =>
          parseEnvelope(e),
        );
        const sealedPhone = (filed!.data as { reporter: { phone: string } }).reporter.phone;
        expect(
          sealedPhone.startsWith(`enc:v1:${phoneSubject(reservationKey, people[1]!.phone)}:`),
        ).toBe(true);
        expect(await vault.openAll([sealedId, sealedPhone])).toEqual([
          people[0]!.idNumber,
          people[1]!.phone,
        ]);
        const [recentAfter] = await store.readStream(`person-${recent}`);
        expect((recentAfter!.data as { idNumber: string }).idNumber).toBe(recentSealed);

        // Once migrated, a person is forgotten like any other.
        await vault.forget(people[0]!.personId);
        const [forgotten] = await store.readStream(`person-${people[0]!.personId}`);
        expect(await vault.open((forgotten!.data as { idNumber: string }).idNumber)).toBeNull();

        // Again: nothing left to do.
        const again = opened.rows();
        expect(await migratePersonalData({ rows: again, vault, reservationKey })).toEqual({
          registrationsSealed: 0,
          reservationsRenamed: 0,
          reservationsSealed: 0,
          reservationsAlreadyKeyed: 0,
          crossingsSealed: 0,
          complaintsSealed: 0,
          dryRun: false,
        });
        await again.close();
        opened.store = store;
      } finally {
        await opened.cleanup();
      }
    });

    it('refuses, before touching anything of that person, when a number has a reservation under both names', async () => {
      const opened = await open();
      try {
        const reservationKey = randomBytes(32);
        const vault = createVault({ keys: opened.keys, masterKey: randomBytes(32) });
        const personId = uuidv7(now.getTime());
        const idNumber = idNumberOf('42010619900315999');
        await opened.store.append(
          legacyReservationStream(idNumber),
          [envelope('residents.id-number-reserved', 1, { personId })],
          { expectedRevision: 'no-stream' },
        );
        await opened.store.append(
          keyedReservationStream(reservationKey, idNumber),
          [envelope('residents.id-number-reserved', 1, { personId: uuidv7() })],
          { expectedRevision: 'no-stream' },
        );
        await opened.store.append(
          `person-${personId}`,
          [
            envelope('residents.person-registered', 1, {
              personId,
              householdId: 'h1',
              community: 'zhangcun',
              name: '刘伟',
              idNumber,
              phone: '13971234567',
              sex: 'male',
              birthDate: '1990-03-15',
              registration: 'local',
              travelHistory: [],
            }),
          ],
          { expectedRevision: 'no-stream' },
        );
        const rows = opened.rows();
        await expect(migratePersonalData({ rows, vault, reservationKey })).rejects.toThrow(
          /resolve by hand/,
        );
        await rows.close();
        const [registered] = await opened.store.readStream(`person-${personId}`);
        expect((registered!.data as { idNumber: string }).idNumber).toBe(idNumber);
      } finally {
        await opened.cleanup();
      }
    });
  });
}

migrationSuite('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fangyi-migrate-'));
  const path = join(dir, 'fangyi.db');
  const keys = new SqlitePersonalKeys({ path });
  const opened: Opened = {
    store: new SqliteEventStore({ path, clock: () => now }),
    keys,
    rows: () => sqliteEventRows(path),
    reopen: async () => new SqliteEventStore({ path, clock: () => now }),
    bytes: () =>
      [path, `${path}-wal`]
        .filter(existsSync)
        .map((p) => readFileSync(p).toString('latin1'))
        .join(''),
    async cleanup() {
      await opened.store.close();
      await keys.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return opened;
});

migrationSuite('PostgreSQL', async () => {
  const url = requireInfra('postgres');
  const schema = freshSchemaName();
  const keys = await PostgresPersonalKeys.create({ connectionString: url, schema });
  const opened: Opened = {
    store: await PostgresEventStore.create({ connectionString: url, schema, clock: () => now }),
    keys,
    rows: () => postgresEventRows(url, schema),
    reopen: () => PostgresEventStore.create({ connectionString: url, schema, clock: () => now }),
    bytes: () => null,
    async cleanup() {
      await opened.store.close();
      await keys.close();
      await dropSchema(url, schema);
    },
  };
  return opened;
});
