import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { idNumberCheckChar, uuidv7 } from '@fangyi/contracts';
import { SqliteEventStore, type EventStore } from '@fangyi/eventstore';
import { InMemoryProjectionStore } from '@fangyi/projections';
import type { ServiceApp } from '@fangyi/service-kit';
import {
  TEST_AUTH_SECRET,
  TEST_NAMING_KEY,
  authHeader,
  testUser,
  testVault,
} from '@fangyi/testkit';
import {
  buildCheckpointsApp,
  crossingStreamId,
  startCheckpointList,
  startResidentsDirectory,
  type CheckpointList,
  type ResidentsDirectory,
} from '../src/index.ts';

// At the gate, what staff type must be matchable later: an ID number follows the same rule as at
// registration, names are clean, and every refusal names the field at fault with nothing appended.

const EVENING_BEFORE = new Date('2020-01-28T22:00:00+08:00');
const NOON = new Date('2020-01-29T12:00:00+08:00');
const TODAY = '2020-01-29';

const first17 = '42010619900101123';
const VALID_ID = first17 + idNumberCheckChar(first17);
const WRONG_CHECKSUM = first17 + (idNumberCheckChar(first17) === '0' ? '1' : '0');

describe('checkpoints: the shared ID number rule, clean names, refusals that name the field', () => {
  let dir: string;
  let eventStore: EventStore;
  let app: ServiceApp;
  let checkpointList: CheckpointList;
  let residents: ResidentsDirectory;
  let now = NOON;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fangyi-cp-trust-'));
    eventStore = new SqliteEventStore({ path: join(dir, 'events.db'), clock: () => now });
    checkpointList = await startCheckpointList({ eventStore, logger: pino({ level: 'silent' }) });
    residents = await startResidentsDirectory({ eventStore, logger: pino({ level: 'silent' }) });
    app = buildCheckpointsApp({
      eventStore,
      clock: () => now,
      newId: () => uuidv7(),
      timeZone: 'Asia/Shanghai',
      projectionStore: new InMemoryProjectionStore(),
      checkpointList,
      residents,
      logger: pino({ level: 'silent' }),
      authSecret: TEST_AUTH_SECRET,
      vault,
      namingKey: TEST_NAMING_KEY,
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await checkpointList.stop();
    await residents.stop();
    await eventStore.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const registrar = authHeader(testUser('registrar', ['*'], 'registrar-district'));
  const staff = authHeader(testUser('checkpoint-staff', ['zhangcun'], 'staff-zhangcun'));
  const post = (url: string, payload: object, headers = staff) =>
    app.inject({ method: 'POST', url, payload, headers });
  const allEvents = async () => (await eventStore.readAll({ limit: 100_000 })).length;
  const gate = {
    name: '张村东口',
    location: '张村东路与枯桃路交口',
    communities: ['zhangcun'],
    kind: 'road',
  };
  const openCheckpoint = async (body: object = gate) => {
    now = EVENING_BEFORE;
    const res = await post('/checkpoints', body, registrar);
    now = NOON;
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ checkpointId: string }>().checkpointId;
  };
  const shiftStaff = [{ id: 's1', name: '张伟', community: 'zhangcun', role: 'community-staff' }];
  const withShift = async () => {
    const id = await openCheckpoint();
    expect(
      (
        await post(`/checkpoints/${id}/shifts`, {
          staff: shiftStaff,
          startedAt: '2020-01-29T08:00:00+08:00',
        })
      ).statusCode,
    ).toBe(201);
    return id;
  };
  const entry = {
    name: '王芳',
    temperatureC: 36.4,
    passValid: true,
    at: '2020-01-29T11:50:00+08:00',
  };
  /** Recorded as sealed; the test opens them as the crossing log does. */
  const { vault } = testVault();
  const dayOf = async (id: string) =>
    (await eventStore.readStream(crossingStreamId(id, TODAY))).map(
      (e) => e.data as Record<string, unknown>,
    );

  describe('ID numbers at the gate (GB 11643, as at registration)', () => {
    it.each([
      ['an entry', 'entries', { ...entry, idNumber: WRONG_CHECKSUM }],
      ['an exit', 'exits', { ...entry, idNumber: WRONG_CHECKSUM }],
      [
        'a refusal',
        'refusals',
        {
          name: '访客',
          idNumber: WRONG_CHECKSUM,
          reason: 'outside-person',
          note: '',
          at: entry.at,
        },
      ],
    ])(
      'a wrong check character on %s is 400 naming body.idNumber; nothing is appended',
      async (_what, path, payload) => {
        const id = await withShift();
        const before = await allEvents();
        const res = await post(`/checkpoints/${id}/${path}`, payload);
        expect(res.statusCode).toBe(400);
        expect(res.json()).toMatchObject({
          code: 'VALIDATION_FAILED',
          errors: [
            { field: 'body.idNumber', message: 'the check character of the ID number is wrong' },
          ],
        });
        expect(await allEvents()).toBe(before);
      },
    );

    it('the old 15-digit form is refused; a lower-case x is recorded as X, so it matches the registered number', async () => {
      const id = await withShift();
      const old = await post(`/checkpoints/${id}/entries`, {
        ...entry,
        idNumber: '420106900101123',
      });
      expect(old.json()).toMatchObject({ errors: [{ field: 'body.idNumber' }] });
      let withX = '';
      for (let i = 0; i < 1000 && !withX; i++) {
        const candidate = `42010619850601${String(i).padStart(3, '0')}`;
        if (idNumberCheckChar(candidate) === 'X') withX = `${candidate}X`;
      }
      expect(
        (await post(`/checkpoints/${id}/entries`, { ...entry, idNumber: withX.toLowerCase() }))
          .statusCode,
      ).toBe(201);
      const recorded = (await dayOf(id)).map((d) => d.idNumber as string);
      expect(recorded[0]).toMatch(/^enc:v1:idNumber-[0-9a-f]{64}:/);
      expect(await vault.openAll(recorded)).toEqual([withX]);
      expect(
        (await post(`/checkpoints/${id}/entries`, { ...entry, idNumber: VALID_ID })).statusCode,
      ).toBe(201);
    });
  });

  describe('names', () => {
    it.each([
      ['a zero-width space', '张村\u200B东口'],
      ['a right-to-left override', '张村东口\u202E'],
      ['a bell', '张村\u0007东口'],
      ['a lone surrogate', '张村\uD800'],
      ['an emoji', '张村东口😀'],
    ])(
      'a checkpoint name with %s is 400 naming body.name, on opening and on merging',
      async (_what, name) => {
        const before = await allEvents();
        const opened = await post('/checkpoints', { ...gate, name }, registrar);
        expect(opened.statusCode).toBe(400);
        expect(opened.json().errors).toEqual([{ field: 'body.name', message: expect.any(String) }]);
        const merged = await post(
          '/checkpoints/merge',
          {
            checkpointId: randomUUID(),
            sources: [uuidv7(), uuidv7()],
            name,
            location: '枯桃路南口',
            kind: 'road',
          },
          registrar,
        );
        expect(merged.statusCode).toBe(400);
        expect(merged.json().errors).toEqual([{ field: 'body.name', message: expect.any(String) }]);
        expect(await allEvents()).toBe(before);
      },
    );

    it('a person at the gate and a staff member are checked the same way', async () => {
      const id = await openCheckpoint();
      const shift = await post(`/checkpoints/${id}/shifts`, {
        staff: [{ ...shiftStaff[0], name: '张\u200B伟' }],
        startedAt: '2020-01-29T08:00:00+08:00',
      });
      expect(shift.json().errors).toEqual([
        { field: 'body.staff.0.name', message: expect.stringContaining('U+200B') },
      ]);
      const other = await withShift();
      const res = await post(`/checkpoints/${other}/entries`, { ...entry, name: '王芳😀' });
      expect(res.json().errors).toEqual([
        { field: 'body.name', message: expect.stringContaining('emoji') },
      ]);
    });

    it('a name is stored NFC-normalized and trimmed; a refusal note keeps its emoji', async () => {
      const id = await withShift();
      expect(
        (await post(`/checkpoints/${id}/entries`, { ...entry, name: '  Jose\u0301  ' })).statusCode,
      ).toBe(201);
      expect(
        (
          await post(`/checkpoints/${id}/refusals`, {
            name: '访客',
            reason: 'outside-person',
            note: '劝返🙏\n已登记',
            at: entry.at,
          })
        ).statusCode,
      ).toBe(201);
      const [crossed, refused] = await dayOf(id);
      expect(crossed!.name).toBe('Jos\u00e9');
      expect(refused!.note).toBe('劝返🙏\n已登记');
    });
  });

  describe('every 409 names the field at fault, and nothing is appended', () => {
    it('no shift on duty: params.id', async () => {
      const id = await openCheckpoint();
      const before = await allEvents();
      const res = await post(`/checkpoints/${id}/entries`, entry);
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'NO_OPEN_SHIFT', errors: [{ field: 'params.id' }] });
      expect(await allEvents()).toBe(before);
    });

    it('a closed checkpoint: params.id; a second shift without a handover note: body.handoverNote', async () => {
      const id = await withShift();
      const before = await allEvents();
      const second = await post(`/checkpoints/${id}/shifts`, {
        staff: shiftStaff,
        startedAt: '2020-01-29T09:00:00+08:00',
      });
      expect(second.statusCode).toBe(409);
      expect(second.json()).toMatchObject({
        code: 'SHIFT_ALREADY_OPEN',
        errors: [{ field: 'body.handoverNote' }],
      });
      expect(await allEvents()).toBe(before);
      expect(
        (await post(`/checkpoints/${id}/closure`, { reason: '合并' }, registrar)).statusCode,
      ).toBe(200);
      const afterClose = await allEvents();
      const res = await post(`/checkpoints/${id}/entries`, entry);
      expect(res.json()).toMatchObject({
        code: 'CHECKPOINT_CLOSED',
        errors: [{ field: 'params.id' }],
      });
      expect(await allEvents()).toBe(afterClose);
    });

    it('a crossing timed in the future: body.at; an unknown checkpoint: 404 params.id', async () => {
      const id = await withShift();
      const future = await post(`/checkpoints/${id}/entries`, {
        ...entry,
        at: '2020-01-29T13:00:00+08:00',
      });
      expect(future.json()).toMatchObject({
        code: 'CROSSING_IN_FUTURE',
        errors: [{ field: 'body.at' }],
      });
      const unknown = await post(`/checkpoints/${uuidv7()}/entries`, entry);
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json()).toMatchObject({
        code: 'CHECKPOINT_NOT_FOUND',
        errors: [{ field: 'params.id' }],
      });
    });
  });
});
