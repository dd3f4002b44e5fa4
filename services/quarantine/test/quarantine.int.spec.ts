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
import { moveOut, registerPerson } from './residents.ts';

// The district's clock stands at 2020-01-29 09:30 in Shanghai.
const now = new Date('2020-01-29T01:30:00.000Z');

describe('quarantine service over HTTP (SQLite event store)', () => {
  let dir: string;
  let eventStore: EventStore;
  let app: ServiceApp;
  let people: PeopleDirectoryFeed;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fangyi-q-'));
    eventStore = new SqliteEventStore({ path: join(dir, 'events.db'), clock: () => now });
    people = await startPeopleDirectoryFeed({ eventStore, logger: pino({ level: 'silent' }) });
    app = buildQuarantineApp({
      eventStore,
      clock: () => now,
      newId: () => uuidv7(now.getTime()),
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

  const callers = parseCallers('moujia=caller-1|caller-2;zhangcun=caller-zhangcun');
  const registrar = testUser('registrar', ['moujia'], 'registrar-2');
  const caller = testUser('caller', ['moujia'], 'caller-1');
  type InjectOptions = {
    method: 'GET' | 'POST';
    url: string;
    payload?: string | object;
    headers?: Record<string, string>;
  };
  const inject = (target: ServiceApp, options: InjectOptions) =>
    target.inject({ ...options, headers: { ...authHeader(caller), ...options.headers } });

  const startBody = {
    personId: 'p-moujia-1',
    personName: '李娜',
    community: 'moujia',
    startDate: '2020-01-28',
    reason: 'arrival-from-risk-area',
    assignedCaller: 'caller-1',
  };
  /** A case for someone registered a moment before (each case its own person: one running case per person). */
  const startCase = async () => {
    const person = await registerPerson(eventStore);
    const res = await inject(app, {
      method: 'POST',
      url: '/quarantine/cases',
      payload: { ...startBody, personId: person.personId },
      headers: authHeader(registrar),
    });
    expect(res.statusCode).toBe(201);
    return res.json<{ caseId: string; revision: number }>().caseId;
  };
  const allEvents = async () => (await eventStore.readAll({ limit: 10_000 })).length;

  it('starts a case with the default 14-day period and records who did it', async () => {
    const caseId = await startCase();
    const res = await inject(app, { method: 'GET', url: `/quarantine/cases/${caseId}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'active',
      startDate: '2020-01-28',
      endDate: '2020-02-10',
      revision: 0,
    });
    const [started] = await eventStore.readStream(streamIdOf(caseId));
    expect(started).toMatchObject({
      type: 'quarantine.home-quarantine-started',
      actor: { id: 'registrar-2', role: 'registrar' },
    });
  });

  it('logs a normal check, then refuses a second check of the slot with 409 and problem+json', async () => {
    const caseId = await startCase();
    const body = { date: '2020-01-29', slot: 'am', temperatureC: 36.6, reachedVia: 'phone' };
    const ok = await inject(app, {
      method: 'POST',
      url: `/quarantine/cases/${caseId}/checks`,
      payload: body,
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ abnormal: false, escalationId: null, revision: 1 });
    const again = await inject(app, {
      method: 'POST',
      url: `/quarantine/cases/${caseId}/checks`,
      payload: body,
    });
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toContain('application/problem+json');
    expect(again.json()).toMatchObject({ status: 409, code: 'SLOT_ALREADY_CHECKED' });
    const fix = await inject(app, {
      method: 'POST',
      url: `/quarantine/cases/${caseId}/checks`,
      payload: { ...body, temperatureC: 38.2, correction: true },
    });
    expect(fix.statusCode).toBe(201);
    expect(fix.json().escalationId).toEqual(expect.any(String));
    expect((await eventStore.readStream(streamIdOf(caseId))).map((e) => e.type)).toEqual([
      'quarantine.home-quarantine-started',
      'quarantine.symptom-check-logged',
      'quarantine.symptom-check-corrected',
      'quarantine.escalation-raised',
    ]);
  });

  it('answers a fever with an escalation in the same append', async () => {
    const caseId = await startCase();
    const res = await inject(app, {
      method: 'POST',
      url: `/quarantine/cases/${caseId}/checks`,
      payload: {
        date: '2020-01-28',
        slot: 'pm',
        temperatureC: 38.1,
        symptoms: ['cough'],
        reachedVia: 'wechat',
      },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ abnormal: true, escalationId: expect.any(String) });
    const history = await inject(app, {
      method: 'GET',
      url: `/quarantine/cases/${caseId}/history`,
    });
    expect(history.json().map((e: { type: string }) => e.type)).toContain(
      'quarantine.escalation-raised',
    );
  });

  it('keeps the real time of a check entered late, and refuses one timed in the future', async () => {
    const caseId = await startCase();
    const url = `/quarantine/cases/${caseId}/checks`;
    const late = await inject(app, {
      method: 'POST',
      url,
      payload: {
        date: '2020-01-28',
        slot: 'pm',
        temperatureC: 36.5,
        reachedVia: 'visit',
        checkedAt: '2020-01-28T15:10:00+08:00',
      },
    });
    expect(late.statusCode).toBe(201);
    const [, check] = await eventStore.readStream(streamIdOf(caseId));
    expect(check!.occurredAt).toBe('2020-01-28T07:10:00.000Z');
    expect(check!.recordedAt).toBe(now.toISOString());
    const future = await inject(app, {
      method: 'POST',
      url,
      payload: {
        date: '2020-01-29',
        slot: 'am',
        temperatureC: 36.5,
        reachedVia: 'phone',
        checkedAt: '2020-01-29T18:00:00+08:00',
      },
    });
    expect(future.statusCode).toBe(409);
    expect(future.json()).toMatchObject({
      code: 'CHECK_IN_FUTURE',
      errors: [{ field: 'body.checkedAt' }],
    });
  });

  describe('who a case is for, and who follows it up: rules across aggregates, from the people directory and the callers', () => {
    const start = (payload: object) =>
      inject(app, {
        method: 'POST',
        url: '/quarantine/cases',
        payload,
        headers: authHeader(registrar),
      });
    const refused = async (payload: object, status: number, code: string, field: string) => {
      const before = await allEvents();
      const res = await start(payload);
      expect(res.statusCode).toBe(status);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ code, errors: [{ field }] });
      expect(await allEvents()).toBe(before);
      return res.json<{ detail: string; errors: { message: string }[] }>();
    };

    it('refuses a person the residents register does not hold: a random id, whitespace, an injection string', async () => {
      for (const personId of [uuidv7(), '   ', "x' OR '1'='1"])
        await refused({ ...startBody, personId }, 422, 'PERSON_NOT_REGISTERED', 'body.personId');
    });

    it('finds someone registered a moment before (read-your-writes across the log)', async () => {
      const person = await registerPerson(eventStore);
      const res = await start({ ...startBody, personId: person.personId });
      expect(res.statusCode).toBe(201);
    });

    it('refuses a person who has moved out of the district, or lives in another community', async () => {
      const gone = await registerPerson(eventStore);
      await moveOut(eventStore, gone);
      await refused(
        { ...startBody, personId: gone.personId },
        409,
        'PERSON_HAS_MOVED_OUT',
        'body.personId',
      );
      const elsewhere = await registerPerson(eventStore, { community: 'zhangcun' });
      await refused(
        { ...startBody, personId: elsewhere.personId },
        409,
        'PERSON_IN_OTHER_COMMUNITY',
        'body.community',
      );
    });

    it('starts one running case per person: a second start is 409 naming body.personId and the running case; after it ends, a new one may start', async () => {
      const person = await registerPerson(eventStore);
      const first = await start({ ...startBody, personId: person.personId });
      expect(first.statusCode).toBe(201);
      const { caseId } = first.json<{ caseId: string }>();
      const problem = await refused(
        { ...startBody, personId: person.personId, reason: 'close-contact' },
        409,
        'PERSON_ALREADY_UNDER_QUARANTINE',
        'body.personId',
      );
      expect(problem.detail).toContain(caseId);
      expect(problem.errors[0]!.message).toContain(caseId);
      // A member of its own, so a client can open the running case without reading the sentence.
      expect((problem as { existingCaseId?: string }).existingCaseId).toBe(caseId);
      const ended = await inject(app, {
        method: 'POST',
        url: `/quarantine/cases/${caseId}/end`,
        payload: { outcome: 'sent-to-hospital' },
      });
      expect(ended.statusCode).toBe(201);
      expect(
        (await start({ ...startBody, personId: person.personId, reason: 'close-contact' }))
          .statusCode,
      ).toBe(201);
    });

    it('lets only one of two starts sent at once for one person through (a double tap): the other is 409 naming the case', async () => {
      const person = await registerPerson(eventStore);
      const body = { ...startBody, personId: person.personId };
      const results = await Promise.all([
        start(body),
        start(body),
        start({ ...body, assignedCaller: 'caller-2' }),
      ]);
      expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409]);
      const { caseId } = results.find((r) => r.statusCode === 201)!.json<{ caseId: string }>();
      for (const lost of results.filter((r) => r.statusCode === 409)) {
        expect(lost.json()).toMatchObject({
          code: 'PERSON_ALREADY_UNDER_QUARANTINE',
          existingCaseId: caseId,
          errors: [{ field: 'body.personId', message: expect.stringContaining(caseId) }],
        });
      }
      const started = (await eventStore.readAll({ limit: 100_000 })).filter(
        (e) =>
          e.type === 'quarantine.home-quarantine-started' &&
          (e.data as { personId: string }).personId === person.personId,
      );
      expect(started).toHaveLength(1);
    });

    it('assigns a case only to a caller of its community: one of another community, or someone unknown, is refused naming body.assignedCaller', async () => {
      for (const assignedCaller of ['caller-zhangcun', 'nobody', 'unassigned']) {
        const person = await registerPerson(eventStore);
        await refused(
          { ...startBody, personId: person.personId, assignedCaller },
          422,
          'CALLER_NOT_OF_COMMUNITY',
          'body.assignedCaller',
        );
      }
    });

    it("reassigns only to a caller of the case's community, so the case never falls off every real caller's list", async () => {
      const caseId = await startCase();
      const url = `/quarantine/cases/${caseId}/reassignment`;
      const before = await allEvents();
      for (const caller of ['caller-zhangcun', 'nobody']) {
        const res = await inject(app, {
          method: 'POST',
          url,
          payload: { caller, reason: '另有安排' },
        });
        expect(res.statusCode).toBe(422);
        expect(res.json()).toMatchObject({
          code: 'CALLER_NOT_OF_COMMUNITY',
          errors: [{ field: 'body.caller' }],
        });
      }
      expect(await allEvents()).toBe(before);
      const ok = await inject(app, {
        method: 'POST',
        url,
        payload: { caller: 'caller-2', reason: '另有安排' },
      });
      expect(ok.statusCode).toBe(201);
      expect(
        (await inject(app, { method: 'GET', url: `/quarantine/cases/${caseId}` })).json(),
      ).toMatchObject({ assignedCaller: 'caller-2' });
    });
  });

  describe('who may do what', () => {
    const check = { date: '2020-01-29', slot: 'am', temperatureC: 36.5, reachedVia: 'phone' };

    it('refuses a request without a token, or with a forged one, with 401 and appends nothing', async () => {
      const caseId = await startCase();
      const before = await allEvents();
      const none = await app.inject({
        method: 'POST',
        url: `/quarantine/cases/${caseId}/checks`,
        payload: check,
      });
      expect(none.statusCode).toBe(401);
      expect(none.json().code).toBe('UNAUTHENTICATED');
      const forged = await app.inject({
        method: 'POST',
        url: `/quarantine/cases/${caseId}/checks`,
        payload: check,
        headers: authHeader(caller, 'some-other-secret-of-at-least-32-bytes'),
      });
      expect(forged.statusCode).toBe(401);
      expect(await allEvents()).toBe(before);
    });

    it("keeps a caller of another community out of this community's cases: each answers as for a case that does not exist", async () => {
      const caseId = await startCase();
      const unknownId = uuidv7();
      const outsider = authHeader(testUser('caller', ['zhangcun'], 'caller-zhangcun'));
      const before = await allEvents();
      // The same body, byte for byte, once the ids (the case's, the request's) are set aside: an
      // outsider learns neither that the case exists nor in which community.
      const comparable = (body: string, id: string) =>
        body
          .replaceAll(id, '<id>')
          .replace(/"correlationId":"[^"]+"/, '"correlationId":"<request>"');
      for (const [method, path, payload] of [
        ['POST', '/checks', check],
        ['GET', '', undefined],
        ['GET', '/history', undefined],
      ] as const) {
        const outside = await inject(app, {
          method,
          url: `/quarantine/cases/${caseId}${path}`,
          headers: outsider,
          ...(payload ? { payload } : {}),
        });
        const unknown = await inject(app, {
          method,
          url: `/quarantine/cases/${unknownId}${path}`,
          headers: outsider,
          ...(payload ? { payload } : {}),
        });
        expect(outside.statusCode, path).toBe(404);
        expect(outside.json().code, path).toBe('CASE_NOT_FOUND');
        expect(comparable(outside.body, caseId), path).toBe(comparable(unknown.body, unknownId));
        expect(outside.headers['content-type']).toBe(unknown.headers['content-type']);
      }
      const start = await inject(app, {
        method: 'POST',
        url: '/quarantine/cases',
        payload: startBody,
        headers: outsider,
      });
      expect(start.statusCode).toBe(403);
      expect(await allEvents()).toBe(before);
    });

    it('refuses a role that has no part in follow-up', async () => {
      const caseId = await startCase();
      const staff = authHeader(testUser('checkpoint-staff', ['moujia']));
      const res = await inject(app, {
        method: 'POST',
        url: `/quarantine/cases/${caseId}/checks`,
        payload: check,
        headers: staff,
      });
      expect(res.statusCode).toBe(403);
    });

    it('records the caller from the token as the actor', async () => {
      const caseId = await startCase();
      await inject(app, {
        method: 'POST',
        url: `/quarantine/cases/${caseId}/checks`,
        payload: check,
      });
      const [, logged] = await eventStore.readStream(streamIdOf(caseId));
      expect(logged!.actor).toEqual({ id: 'caller-1', role: 'caller' });
    });
  });

  describe('bad input: a 4xx naming the field, and nothing appended', () => {
    const cases: [string, unknown, string[], number?][] = [
      [
        'a temperature as text',
        { date: '2020-01-29', slot: 'am', temperatureC: 'hot', reachedVia: 'phone' },
        ['body.temperatureC'],
      ],
      [
        'a temperature out of range',
        { date: '2020-01-29', slot: 'am', temperatureC: 45, reachedVia: 'phone' },
        ['body.temperatureC'],
      ],
      [
        'an unknown slot',
        { date: '2020-01-29', slot: 'noon', temperatureC: 36.5, reachedVia: 'phone' },
        ['body.slot'],
      ],
      [
        'a missing date and reachedVia',
        { slot: 'am', temperatureC: 36.5 },
        ['body.date', 'body.reachedVia'],
      ],
      [
        'an impossible date',
        { date: '2020-02-30', slot: 'am', temperatureC: 36.5, reachedVia: 'phone' },
        ['body.date'],
      ],
      [
        'an unknown symptom',
        {
          date: '2020-01-29',
          slot: 'am',
          temperatureC: 36.5,
          reachedVia: 'phone',
          symptoms: ['sneezing-loudly'],
        },
        ['body.symptoms.0'],
      ],
      [
        'an unknown field',
        { date: '2020-01-29', slot: 'am', temperatureC: 36.5, reachedVia: 'phone', temprature: 1 },
        ['body.temprature'],
      ],
    ];
    it.each(cases)('%s', async (_label, payload, fields) => {
      const caseId = await startCase();
      const before = await allEvents();
      const res = await inject(app, {
        method: 'POST',
        url: `/quarantine/cases/${caseId}/checks`,
        payload: payload as object,
      });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      const problem = res.json();
      expect(problem.code).toBe('VALIDATION_FAILED');
      expect(problem.errors.map((e: { field: string }) => e.field)).toEqual(
        expect.arrayContaining(fields),
      );
      expect(await allEvents()).toBe(before);
    });

    it('malformed JSON', async () => {
      const caseId = await startCase();
      const before = await allEvents();
      const res = await inject(app, {
        method: 'POST',
        url: `/quarantine/cases/${caseId}/checks`,
        payload: '{"date": ',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'MALFORMED_JSON', errors: [{ field: 'body' }] });
      expect(await allEvents()).toBe(before);
    });

    it('an oversized body', async () => {
      const before = await allEvents();
      const res = await inject(app, {
        method: 'POST',
        url: '/quarantine/cases',
        payload: { ...startBody, reasonNote: 'x'.repeat(100_000) },
      });
      expect(res.statusCode).toBe(413);
      expect(await allEvents()).toBe(before);
    });

    it('a check for an unknown case', async () => {
      const before = await allEvents();
      const res = await inject(app, {
        method: 'POST',
        url: `/quarantine/cases/${uuidv7()}/checks`,
        payload: { date: '2020-01-29', slot: 'am', temperatureC: 36.5, reachedVia: 'phone' },
      });
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('CASE_NOT_FOUND');
      expect(await allEvents()).toBe(before);
    });

    it('a check outside the period names the date', async () => {
      const caseId = await startCase();
      const res = await inject(app, {
        method: 'POST',
        url: `/quarantine/cases/${caseId}/checks`,
        payload: { date: '2020-01-27', slot: 'am', temperatureC: 36.5, reachedVia: 'phone' },
      });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({
        code: 'CHECK_OUTSIDE_PERIOD',
        errors: [{ field: 'body.date' }],
      });
    });

    it('a start with a missing name and a bad period', async () => {
      const before = await allEvents();
      const res = await inject(app, {
        method: 'POST',
        url: '/quarantine/cases',
        payload: { ...startBody, personName: undefined, periodDays: 0 },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual(
        expect.arrayContaining(['body.personName', 'body.periodDays']),
      );
      expect(await allEvents()).toBe(before);
    });
  });

  it('refuses a check sent with a stale If-Match revision with 412', async () => {
    const caseId = await startCase();
    const url = `/quarantine/cases/${caseId}/checks`;
    const first = await inject(app, {
      method: 'POST',
      url,
      payload: { date: '2020-01-29', slot: 'am', temperatureC: 36.5, reachedVia: 'phone' },
      headers: { 'if-match': '"0"' },
    });
    expect(first.statusCode).toBe(201);
    const stale = await inject(app, {
      method: 'POST',
      url,
      payload: { date: '2020-01-29', slot: 'pm', temperatureC: 36.5, reachedVia: 'phone' },
      headers: { 'if-match': '"0"' },
    });
    expect(stale.statusCode).toBe(412);
    expect(await eventStore.readStream(streamIdOf(caseId))).toHaveLength(2);
  });

  /** An app whose first two reads of a stream are held until both have read: two commands decide on the same state. */
  const racingApp = () => {
    let waiting: (() => void)[] = [];
    let held = 0;
    const racing: EventStore = {
      ...eventStore,
      append: eventStore.append.bind(eventStore),
      readAll: eventStore.readAll.bind(eventStore),
      subscribeToAll: eventStore.subscribeToAll.bind(eventStore),
      close: async () => {},
      checkpoints: eventStore.checkpoints,
      readStream: async (id, o) => {
        const events = await eventStore.readStream(id, o);
        if (held++ < 2) {
          await new Promise<void>((resolve) => {
            waiting.push(resolve);
            if (waiting.length === 2) {
              for (const w of waiting) w();
              waiting = [];
            }
          });
        }
        return events;
      },
    };
    return buildQuarantineApp({
      eventStore: racing,
      clock: () => now,
      newId: () => uuidv7(now.getTime()),
      timeZone: 'Asia/Shanghai',
      people,
      callers,
      logger: pino({ level: 'silent' }),
      authSecret: TEST_AUTH_SECRET,
    });
  };
  // "now" is the morning of the 29th: the pm window of that day is not open yet, the 28th's is long past.
  const check = (slot: 'am' | 'pm') => ({
    date: slot === 'am' ? '2020-01-29' : '2020-01-28',
    slot,
    temperatureC: 36.5,
    reachedVia: 'phone',
  });

  it('two checks for the two slots of one case, decided on the same state, both go through (the later one decided again)', async () => {
    const caseId = await startCase();
    const raceApp = racingApp();
    const url = `/quarantine/cases/${caseId}/checks`;
    const results = await Promise.all([
      inject(raceApp, { method: 'POST', url, payload: check('am') }),
      inject(raceApp, { method: 'POST', url, payload: check('pm') }),
    ]);
    expect(results.map((r) => r.statusCode)).toEqual([201, 201]);
    const events = await eventStore.readStream(streamIdOf(caseId));
    expect(
      events
        .map((e) => (e.data as { slot?: string }).slot ?? e.type)
        .slice(1)
        .sort(),
    ).toEqual(['am', 'pm']);
    await raceApp.close();
  });

  it('two checks for the same slot at once: one is recorded, the other is refused on the fresh state with 409 naming the slot', async () => {
    const caseId = await startCase();
    const raceApp = racingApp();
    const url = `/quarantine/cases/${caseId}/checks`;
    const results = await Promise.all([
      inject(raceApp, { method: 'POST', url, payload: check('am') }),
      inject(raceApp, { method: 'POST', url, payload: check('am') }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect(results.find((r) => r.statusCode === 409)!.json().code).toBe('SLOT_ALREADY_CHECKED');
    expect(await eventStore.readStream(streamIdOf(caseId))).toHaveLength(2);
    await raceApp.close();
  });

  it('with If-Match, the loser of a race on the same state is not decided again: 409 CONCURRENCY_CONFLICT', async () => {
    const caseId = await startCase();
    const raceApp = racingApp();
    const url = `/quarantine/cases/${caseId}/checks`;
    const headers = { 'if-match': '"0"' };
    const results = await Promise.all([
      inject(raceApp, { method: 'POST', url, payload: check('am'), headers }),
      inject(raceApp, { method: 'POST', url, payload: check('pm'), headers }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect(results.find((r) => r.statusCode === 409)!.json().code).toBe('CONCURRENCY_CONFLICT');
    expect(await eventStore.readStream(streamIdOf(caseId))).toHaveLength(2);
    await raceApp.close();
  });

  it('serves an OpenAPI document, /health and /ready', async () => {
    const doc = (await inject(app, { method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/quarantine/cases', '/quarantine/cases/{caseId}/checks']),
    );
    expect(
      doc.paths['/quarantine/cases/{caseId}/checks'].post.requestBody.content['application/json']
        .schema.properties.slot.enum,
    ).toEqual(['am', 'pm']);
    expect((await inject(app, { method: 'GET', url: '/health' })).statusCode).toBe(200);
    expect((await inject(app, { method: 'GET', url: '/ready' })).statusCode).toBe(200);
  });
});
