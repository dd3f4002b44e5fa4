import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { uuidv7 } from '@fangyi/contracts';
import { SqliteEventStore, type EventStore } from '@fangyi/eventstore';
import type { ServiceApp } from '@fangyi/service-kit';
import { TEST_AUTH_SECRET, authHeader, testUser } from '@fangyi/testkit';
import {
  buildQuarantineApp,
  parseCallers,
  startPeopleDirectoryFeed,
  streamIdOf,
  type PeopleDirectoryFeed,
} from '../src/index.ts';
import { registerPerson } from './residents.ts';

// What a caller types is trusted only as far as the rules go: a check fits its slot's window, names
// are clean, and every refusal names the field at fault, with nothing appended.

const shanghai = (local: string) => new Date(`${local}:00+08:00`);

describe('quarantine: slot windows, clean names, refusals that name the field', () => {
  let dir: string;
  let eventStore: EventStore;
  let app: ServiceApp;
  let people: PeopleDirectoryFeed;
  let now = shanghai('2020-01-29T09:30');
  const callers = parseCallers('moujia=caller-1');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fangyi-q-trust-'));
    eventStore = new SqliteEventStore({ path: join(dir, 'events.db'), clock: () => now });
    people = await startPeopleDirectoryFeed({ eventStore, logger: pino({ level: 'silent' }) });
    app = buildQuarantineApp({
      eventStore,
      clock: () => now,
      newId: () => uuidv7(),
      timeZone: 'Asia/Shanghai',
      people,
      callers,
      logger: pino({ level: 'silent' }),
      authSecret: TEST_AUTH_SECRET,
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await people.stop();
    await eventStore.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const registrar = testUser('registrar', ['moujia'], 'registrar-2');
  const caller = testUser('caller', ['moujia'], 'caller-1');
  const post = (url: string, payload: object, user = caller) =>
    app.inject({ method: 'POST', url, payload, headers: authHeader(user) });
  const streamOf = async (caseId: string) =>
    (await eventStore.readStream(streamIdOf(caseId))).map((e) => e.type);
  const startBody = {
    personId: 'p-1',
    personName: '李娜',
    community: 'moujia',
    startDate: '2020-01-28',
    reason: 'arrival-from-risk-area',
    assignedCaller: 'caller-1',
  };
  /** A case for a person registered just before (each case its own person: one running case per person). */
  const startCase = async (body: object = startBody) => {
    const { personId } = await registerPerson(eventStore);
    const res = await post('/quarantine/cases', { ...body, personId }, registrar);
    expect(res.statusCode).toBe(201);
    return res.json<{ caseId: string }>().caseId;
  };
  const check = { date: '2020-01-29', slot: 'am', temperatureC: 36.5, reachedVia: 'phone' };

  describe('a check is taken from a little before its window opens (default 30 minutes), never earlier', () => {
    it('at 03:45 a morning check is refused with 409 naming the window; nothing is appended', async () => {
      now = shanghai('2020-01-29T09:30');
      const caseId = await startCase();
      now = shanghai('2020-01-29T03:45');
      const res = await post(`/quarantine/cases/${caseId}/checks`, check);
      expect(res.statusCode).toBe(409);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({
        code: 'SLOT_NOT_OPEN_YET',
        errors: [
          { field: 'body.slot', message: 'am window opens 06:00 (check accepted from 05:30)' },
        ],
      });
      expect(res.json().detail).toContain('am window opens 06:00 (check accepted from 05:30)');
      expect(await streamOf(caseId)).toEqual(['quarantine.home-quarantine-started']);
    });

    it('at 05:30 it is taken; an afternoon check at 09:30 is refused (pm window opens 12:00)', async () => {
      now = shanghai('2020-01-29T05:30');
      const caseId = await startCase();
      expect((await post(`/quarantine/cases/${caseId}/checks`, check)).statusCode).toBe(201);
      now = shanghai('2020-01-29T09:30');
      const pm = await post(`/quarantine/cases/${caseId}/checks`, { ...check, slot: 'pm' });
      expect(pm.statusCode).toBe(409);
      expect(pm.json()).toMatchObject({
        code: 'SLOT_NOT_OPEN_YET',
        errors: [
          { field: 'body.slot', message: 'pm window opens 12:00 (check accepted from 11:30)' },
        ],
      });
      expect(await streamOf(caseId)).toEqual([
        'quarantine.home-quarantine-started',
        'quarantine.symptom-check-logged',
      ]);
    });

    it('judges a check entered late by when the person was reached (checkedAt), and still takes a late check for a past slot', async () => {
      now = shanghai('2020-01-29T09:30');
      const caseId = await startCase();
      const early = await post(`/quarantine/cases/${caseId}/checks`, {
        ...check,
        checkedAt: '2020-01-29T03:45:00+08:00',
      });
      expect(early.json()).toMatchObject({
        code: 'SLOT_NOT_OPEN_YET',
        errors: [{ field: 'body.slot' }],
      });
      const late = await post(`/quarantine/cases/${caseId}/checks`, {
        ...check,
        date: '2020-01-28',
        slot: 'pm',
      });
      expect(late.statusCode).toBe(201);
      expect(await streamOf(caseId)).toEqual([
        'quarantine.home-quarantine-started',
        'quarantine.symptom-check-logged',
      ]);
    });

    it('holds an unreachable attempt to the same window', async () => {
      now = shanghai('2020-01-29T09:30');
      const caseId = await startCase();
      now = shanghai('2020-01-29T03:45');
      const res = await post(`/quarantine/cases/${caseId}/check-attempts`, {
        date: '2020-01-29',
        slot: 'am',
        reason: 'no-answer',
      });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({
        code: 'SLOT_NOT_OPEN_YET',
        errors: [
          { field: 'body.slot', message: 'am window opens 06:00 (attempt accepted from 05:30)' },
        ],
      });
      expect(await streamOf(caseId)).toEqual(['quarantine.home-quarantine-started']);
    });

    it('follows the configured tolerance and windows', async () => {
      now = shanghai('2020-01-29T05:45');
      const strict = buildQuarantineApp({
        eventStore,
        clock: () => now,
        newId: () => uuidv7(),
        timeZone: 'Asia/Shanghai',
        slotWindows: {
          am: { opens: 7 * 60, closes: 12 * 60 },
          pm: { opens: 12 * 60, closes: 21 * 60 },
        },
        earlyCheckMinutes: 10,
        people,
        callers,
        logger: pino({ level: 'silent' }),
        authSecret: TEST_AUTH_SECRET,
      });
      const caseId = await startCase();
      const res = await strict.inject({
        method: 'POST',
        url: `/quarantine/cases/${caseId}/checks`,
        payload: check,
        headers: authHeader(caller),
      });
      expect(res.json()).toMatchObject({
        code: 'SLOT_NOT_OPEN_YET',
        errors: [{ message: 'am window opens 07:00 (check accepted from 06:50)' }],
      });
      await strict.close();
    });
  });

  describe('every 409 names the field at fault', () => {
    it.each([
      [
        'a second check of a slot',
        async (caseId: string) => {
          await post(`/quarantine/cases/${caseId}/checks`, check);
          return post(`/quarantine/cases/${caseId}/checks`, check);
        },
        'SLOT_ALREADY_CHECKED',
        'body.slot',
      ],
      [
        'a correction of nothing',
        async (caseId: string) =>
          post(`/quarantine/cases/${caseId}/checks`, { ...check, correction: true }),
        'NOTHING_TO_CORRECT',
        'body.correction',
      ],
      [
        'a check before the period',
        async (caseId: string) =>
          post(`/quarantine/cases/${caseId}/checks`, { ...check, date: '2020-01-27' }),
        'CHECK_OUTSIDE_PERIOD',
        'body.date',
      ],
      [
        'a reassignment to the same caller',
        async (caseId: string) =>
          post(`/quarantine/cases/${caseId}/reassignment`, { caller: 'caller-1', reason: '换人' }),
        'CALLER_UNCHANGED',
        'body.caller',
      ],
      [
        'an unchanged period',
        async (caseId: string) =>
          post(
            `/quarantine/cases/${caseId}/period-change`,
            { newEndDate: '2020-02-10', reason: '不变' },
            registrar,
          ),
        'PERIOD_UNCHANGED',
        'body.newEndDate',
      ],
      [
        'an escalation that does not exist',
        async (caseId: string) =>
          post(`/quarantine/cases/${caseId}/escalations/${uuidv7()}/acknowledgement`, {}),
        'ESCALATION_NOT_FOUND',
        'params.escalationId',
      ],
      [
        'a case that does not exist',
        async () => post(`/quarantine/cases/${uuidv7()}/checks`, check),
        'CASE_NOT_FOUND',
        'params.caseId',
      ],
    ] as const)('%s', async (_what, act, code, field) => {
      now = shanghai('2020-01-29T09:30');
      const caseId = await startCase();
      const before = await streamOf(caseId);
      const res = await act(caseId);
      expect(res.json()).toMatchObject({ code, errors: [{ field }] });
      if (code !== 'SLOT_ALREADY_CHECKED') expect(await streamOf(caseId)).toEqual(before);
    });

    it('a command on an ended case names the case', async () => {
      now = shanghai('2020-01-29T09:30');
      const caseId = await startCase();
      expect(
        (await post(`/quarantine/cases/${caseId}/end`, { outcome: 'moved-away' }, registrar))
          .statusCode,
      ).toBe(201);
      const res = await post(`/quarantine/cases/${caseId}/checks`, check);
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({
        code: 'QUARANTINE_NOT_ACTIVE',
        errors: [{ field: 'params.caseId' }],
      });
      expect(await streamOf(caseId)).toEqual([
        'quarantine.home-quarantine-started',
        'quarantine.home-quarantine-ended',
      ]);
    });
  });

  describe('names are clean, notes keep emoji', () => {
    it.each([
      ['a zero-width space', '李\u200B娜'],
      ['a right-to-left override', '李娜\u202E'],
      ['a bell', '李\u0007娜'],
      ['a lone surrogate', '李\uD800娜'],
      ['an emoji', '李娜😀'],
    ])(
      'refuses a person name with %s: 400 naming body.personName, no case started',
      async (_what, personName) => {
        const before = (await eventStore.readAll({ limit: 100_000 })).length;
        const res = await post('/quarantine/cases', { ...startBody, personName }, registrar);
        expect(res.statusCode).toBe(400);
        expect(res.json().errors).toEqual([
          { field: 'body.personName', message: expect.any(String) },
        ]);
        expect((await eventStore.readAll({ limit: 100_000 })).length).toBe(before);
      },
    );

    it('stores a name NFC-normalized and trimmed, and a note with its emoji', async () => {
      now = shanghai('2020-01-29T09:30');
      const caseId = await startCase({ ...startBody, personName: '  Ren\u0065\u0301e 李  ' });
      const res = await post(`/quarantine/cases/${caseId}/checks`, {
        ...check,
        symptomNote: '精神好😀\n胃口好',
      });
      expect(res.statusCode).toBe(201);
      const [started, logged] = await eventStore.readStream(streamIdOf(caseId));
      expect((started!.data as { personName: string }).personName).toBe('Ren\u00e9e 李');
      expect((logged!.data as { symptomNote: string }).symptomNote).toBe('精神好😀\n胃口好');
    });

    it('refuses a note with a control or bidi character, naming it', async () => {
      now = shanghai('2020-01-29T09:30');
      const caseId = await startCase();
      for (const symptomNote of ['咳嗽\u0007', '咳嗽\u202E']) {
        const res = await post(`/quarantine/cases/${caseId}/checks`, { ...check, symptomNote });
        expect(res.statusCode).toBe(400);
        expect(res.json().errors).toEqual([
          { field: 'body.symptomNote', message: expect.stringMatching(/control character/) },
        ]);
      }
      expect(await streamOf(caseId)).toEqual(['quarantine.home-quarantine-started']);
    });
  });
});
