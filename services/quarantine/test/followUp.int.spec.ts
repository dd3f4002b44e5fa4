import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { uuidv7 } from '@fangyi/contracts';
import { SqliteEventStore, type EventStore } from '@fangyi/eventstore';
import { InMemoryProjectionStore } from '@fangyi/projections';
import type { ServiceApp } from '@fangyi/service-kit';
import { TEST_AUTH_SECRET, authHeader, testUser } from '@fangyi/testkit';
import {
  buildQuarantineApp,
  parseCallers,
  startActiveCasesFeed,
  startPeopleDirectoryFeed,
  streamIdOf,
  type ActiveCasesFeed,
  type PeopleDirectoryFeed,
} from '../src/index.ts';
import { registerPerson } from './residents.ts';

// The district's clock stands at 2020-01-29 09:30 in Shanghai.
const now = new Date('2020-01-29T01:30:00.000Z');

describe('home quarantine follow-up over HTTP: attempts, reassignment, period, escalations, supplies, end (SQLite)', () => {
  let dir: string;
  let eventStore: EventStore;
  let feed: ActiveCasesFeed;
  let people: PeopleDirectoryFeed;
  let app: ServiceApp;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fangyi-qf-'));
    eventStore = new SqliteEventStore({ path: join(dir, 'events.db'), clock: () => now });
    const logger = pino({ level: 'silent' });
    feed = await startActiveCasesFeed({
      eventStore,
      store: new InMemoryProjectionStore(),
      logger,
      idleMs: 20,
    });
    people = await startPeopleDirectoryFeed({ eventStore, logger, idleMs: 20 });
    app = buildQuarantineApp({
      eventStore,
      clock: () => now,
      newId: () => uuidv7(now.getTime()),
      timeZone: 'Asia/Shanghai',
      activeCases: feed.activeCases,
      people,
      callers: parseCallers('moujia=caller-1|caller-2;zhangcun=caller-zhangcun'),
      logger,
      authSecret: TEST_AUTH_SECRET,
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await feed.stop();
    await people.stop();
    await eventStore.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const registrar = authHeader(testUser('registrar', ['moujia'], 'registrar-2'));
  const caller = authHeader(testUser('caller', ['moujia'], 'caller-1'));
  type Method = 'GET' | 'POST';
  const call = (
    method: Method,
    url: string,
    payload?: object | string,
    headers: Record<string, string> = caller,
  ) => app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  const types = async (caseId: string) =>
    (await eventStore.readStream(streamIdOf(caseId))).map((e) => e.type);
  const allEvents = async () => (await eventStore.readAll({ limit: 100_000 })).length;

  const startCase = async (community = 'moujia', as = registrar) => {
    const { personId } = await registerPerson(eventStore, { community });
    const assignedCaller = community === 'moujia' ? 'caller-1' : 'caller-zhangcun';
    const res = await call(
      'POST',
      '/quarantine/cases',
      {
        personId,
        personName: '李娜',
        community,
        startDate: '2020-01-28',
        reason: 'close-contact',
        assignedCaller,
      },
      as,
    );
    expect(res.statusCode).toBe(201);
    return res.json<{ caseId: string }>().caseId;
  };
  const feverCase = async () => {
    const caseId = await startCase();
    const res = await call('POST', `/quarantine/cases/${caseId}/checks`, {
      date: '2020-01-29',
      slot: 'am',
      temperatureC: 38.4,
      reachedVia: 'phone',
    });
    expect(res.statusCode).toBe(201);
    return { caseId, escalationId: res.json<{ escalationId: string }>().escalationId };
  };

  it('follows one case from an unreachable attempt to its end, and reads it back', async () => {
    const caseId = await startCase();
    const base = `/quarantine/cases/${caseId}`;

    const attempt = await call('POST', `${base}/check-attempts`, {
      date: '2020-01-28',
      slot: 'pm',
      reason: 'phone-off',
      attemptedAt: '2020-01-28T19:05:00+08:00',
    });
    expect(attempt.statusCode).toBe(201);
    // The attempt is not a check: the slot still takes one.
    expect(
      (
        await call('POST', `${base}/checks`, {
          date: '2020-01-28',
          slot: 'pm',
          temperatureC: 36.4,
          reachedVia: 'visit',
        })
      ).statusCode,
    ).toBe(201);

    const reassigned = await call(
      'POST',
      `${base}/reassignment`,
      { caller: 'caller-2', reason: '原随访人员休假' },
      registrar,
    );
    expect(reassigned.statusCode).toBe(201);
    const extended = await call(
      'POST',
      `${base}/period-change`,
      { newEndDate: '2020-02-14', reason: '同住人确诊，延长隔离' },
      registrar,
    );
    expect(extended.statusCode).toBe(201);
    expect(
      (
        await call('POST', `${base}/supplies`, {
          items: ['thermometer', 'disinfectant', 'food'],
          note: '体温计、84消毒液、蔬菜',
        })
      ).statusCode,
    ).toBe(201);
    expect((await call('POST', `${base}/disinfections`, { place: 'vehicle' })).statusCode).toBe(
      201,
    );
    const endRes = await call(
      'POST',
      `${base}/end`,
      { outcome: 'moved-away', note: '搬离本社区' },
      registrar,
    );
    expect(endRes.statusCode).toBe(201);

    const view = await call('GET', base);
    expect(view.statusCode).toBe(200);
    expect(view.json()).toMatchObject({
      status: 'ended',
      outcome: 'moved-away',
      endedOn: '2020-01-29',
      endDate: '2020-02-14',
      assignedCaller: 'caller-2',
      failedAttempts: [{ date: '2020-01-28', slot: 'pm', count: 1 }],
      suppliesDelivered: 1,
      disinfections: 1,
    });
    expect(await types(caseId)).toEqual([
      'quarantine.home-quarantine-started',
      'quarantine.check-attempt-failed',
      'quarantine.symptom-check-logged',
      'quarantine.caller-reassigned',
      'quarantine.period-changed',
      'quarantine.supplies-delivered',
      'quarantine.disinfection-recorded',
      'quarantine.home-quarantine-ended',
    ]);
    const [, failed, , reassignment, period, , , ending] = await eventStore.readStream(
      streamIdOf(caseId),
    );
    // The attempt keeps the time the caller tried; the changes keep who made them and why.
    expect(failed!.occurredAt).toBe('2020-01-28T11:05:00.000Z');
    expect(reassignment).toMatchObject({
      actor: { id: 'registrar-2', role: 'registrar' },
      data: { previousCaller: 'caller-1', newCaller: 'caller-2', reason: '原随访人员休假' },
    });
    expect(period).toMatchObject({
      data: { previousEndDate: '2020-02-10', newEndDate: '2020-02-14', periodDays: 18 },
    });
    expect(ending!.data).toEqual({
      caseId,
      personId: expect.any(String),
      community: 'moujia',
      outcome: 'moved-away',
      endedOn: '2020-01-29',
      note: '搬离本社区',
    });
  });

  it('after the end, every command is a 409 QUARANTINE_NOT_ACTIVE and nothing is appended; reading still works', async () => {
    const { caseId, escalationId } = await feverCase();
    const base = `/quarantine/cases/${caseId}`;
    expect(
      (await call('POST', `${base}/end`, { outcome: 'sent-to-hospital' }, registrar)).statusCode,
    ).toBe(201);
    const before = await allEvents();
    const attempts: [string, object][] = [
      [
        `${base}/checks`,
        { date: '2020-01-29', slot: 'pm', temperatureC: 36.5, reachedVia: 'phone' },
      ],
      [`${base}/check-attempts`, { date: '2020-01-29', slot: 'pm', reason: 'no-answer' }],
      [`${base}/reassignment`, { caller: 'caller-3', reason: 'x' }],
      [`${base}/period-change`, { newEndDate: '2020-02-20', reason: 'x' }],
      [`${base}/end`, { outcome: 'lost-to-follow-up' }],
      [`${base}/supplies`, { items: ['food'] }],
      [`${base}/disinfections`, { place: 'home' }],
      [`${base}/escalations/${escalationId}/acknowledgement`, {}],
    ];
    for (const [url, body] of attempts) {
      const res = await call('POST', url, body, authHeader(testUser('admin')));
      expect(res.statusCode, url).toBe(409);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().code, url).toBe('QUARANTINE_NOT_ACTIVE');
    }
    expect(await allEvents()).toBe(before);
    expect((await call('GET', base)).json()).toMatchObject({
      status: 'ended',
      outcome: 'sent-to-hospital',
    });
    expect((await call('GET', `${base}/history`)).statusCode).toBe(200);
  });

  describe('escalations: acknowledged, then referred to hospital or resolved', () => {
    it('acknowledges (by the caller) and refers to a hospital (by the registrar), each with who and when', async () => {
      const { caseId, escalationId } = await feverCase();
      const base = `/quarantine/cases/${caseId}/escalations/${escalationId}`;
      const ack = await call('POST', `${base}/acknowledgement`);
      expect(ack.statusCode).toBe(201);
      const referral = await call(
        'POST',
        `${base}/referral`,
        { hospital: '青岛市第八人民医院' },
        registrar,
      );
      expect(referral.statusCode).toBe(201);
      const events = await eventStore.readStream(streamIdOf(caseId));
      expect(events.slice(-2).map((e) => [e.type, e.data])).toEqual([
        [
          'quarantine.escalation-acknowledged',
          { caseId, escalationId, by: 'caller-1', at: now.toISOString() },
        ],
        [
          'quarantine.escalation-referred-to-hospital',
          {
            caseId,
            escalationId,
            hospital: '青岛市第八人民医院',
            by: 'registrar-2',
            at: now.toISOString(),
          },
        ],
      ]);
      expect((await call('GET', `/quarantine/cases/${caseId}`)).json().escalations).toEqual([
        expect.objectContaining({ escalationId, status: 'referred-to-hospital' }),
      ]);
    });

    it('resolves an acknowledged escalation with a note', async () => {
      const { caseId, escalationId } = await feverCase();
      const base = `/quarantine/cases/${caseId}/escalations/${escalationId}`;
      expect(
        (await call('POST', `${base}/acknowledgement`, { note: '已电话联系' })).statusCode,
      ).toBe(201);
      expect(
        (await call('POST', `${base}/resolution`, { note: '复测 36.8℃，无其他症状' })).statusCode,
      ).toBe(201);
      expect((await types(caseId)).at(-1)).toBe('quarantine.escalation-resolved');
    });

    it('answers the wrong order with 409 and appends nothing', async () => {
      const { caseId, escalationId } = await feverCase();
      const base = `/quarantine/cases/${caseId}/escalations/${escalationId}`;
      const before = await allEvents();
      const early = await call('POST', `${base}/referral`, { hospital: '市立医院' }, registrar);
      expect(early.statusCode).toBe(409);
      expect(early.json().code).toBe('ESCALATION_NOT_ACKNOWLEDGED');
      expect((await call('POST', `${base}/resolution`, { note: 'x' })).json().code).toBe(
        'ESCALATION_NOT_ACKNOWLEDGED',
      );
      expect(await allEvents()).toBe(before);
      expect((await call('POST', `${base}/acknowledgement`)).statusCode).toBe(201);
      const twice = await call('POST', `${base}/acknowledgement`);
      expect(twice.statusCode).toBe(409);
      expect(twice.json().code).toBe('ESCALATION_ALREADY_ACKNOWLEDGED');
      expect((await call('POST', `${base}/resolution`, { note: 'ok' })).statusCode).toBe(201);
      const afterClose = await call(
        'POST',
        `${base}/referral`,
        { hospital: '市立医院' },
        registrar,
      );
      expect(afterClose.statusCode).toBe(409);
      expect(afterClose.json().code).toBe('ESCALATION_CLOSED');
    });

    it('answers an unknown escalation with 404', async () => {
      const caseId = await startCase();
      const res = await call(
        'POST',
        `/quarantine/cases/${caseId}/escalations/${uuidv7()}/acknowledgement`,
      );
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('ESCALATION_NOT_FOUND');
    });
  });

  it('refuses a period that would end before the last logged check, naming the field', async () => {
    const caseId = await startCase();
    await call('POST', `/quarantine/cases/${caseId}/checks`, {
      date: '2020-01-29',
      slot: 'am',
      temperatureC: 36.5,
      reachedVia: 'phone',
    });
    const res = await call(
      'POST',
      `/quarantine/cases/${caseId}/period-change`,
      { newEndDate: '2020-01-28', reason: '提前解除' },
      registrar,
    );
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      code: 'PERIOD_END_BEFORE_LAST_CHECK',
      errors: [{ field: 'body.newEndDate' }],
    });
  });

  it('refuses "completed" before the period has run its course', async () => {
    const caseId = await startCase();
    const res = await call(
      'POST',
      `/quarantine/cases/${caseId}/end`,
      { outcome: 'completed' },
      registrar,
    );
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      code: 'PERIOD_NOT_COMPLETE',
      errors: [{ field: 'body.outcome' }],
    });
  });

  describe('bad input: a 400 naming the field, and nothing appended', () => {
    const table: [string, string, unknown, string[]][] = [
      [
        'check-attempts',
        'an unknown reason',
        { date: '2020-01-29', slot: 'am', reason: 'busy' },
        ['body.reason'],
      ],
      [
        'check-attempts',
        'a missing slot and an impossible date',
        { date: '2020-02-30', reason: 'no-answer' },
        ['body.slot', 'body.date'],
      ],
      [
        'check-attempts',
        'an attempt time that is not a time',
        { date: '2020-01-29', slot: 'am', reason: 'no-answer', attemptedAt: 'this morning' },
        ['body.attemptedAt'],
      ],
      [
        'check-attempts',
        'an unknown field',
        { date: '2020-01-29', slot: 'am', reason: 'no-answer', temperatureC: 36 },
        ['body.temperatureC'],
      ],
      ['reassignment', 'a missing reason', { caller: 'caller-2' }, ['body.reason']],
      [
        'reassignment',
        'a blank reason and a caller as a number',
        { caller: 7, reason: '   ' },
        ['body.caller', 'body.reason'],
      ],
      [
        'period-change',
        'a date that is not a date',
        { newEndDate: '14 Feb', reason: 'x' },
        ['body.newEndDate'],
      ],
      [
        'period-change',
        'an unknown field',
        { newEndDate: '2020-02-14', reason: 'x', periodDays: 17 },
        ['body.periodDays'],
      ],
      ['end', 'an unknown outcome', { outcome: 'recovered' }, ['body.outcome']],
      ['end', 'a missing outcome', {}, ['body.outcome']],
      ['supplies', 'no items', { items: [] }, ['body.items']],
      ['supplies', 'an unknown item', { items: ['masks'] }, ['body.items.0']],
      ['supplies', 'the same item twice', { items: ['food', 'food'] }, ['body.items']],
      ['supplies', 'a note too long', { items: ['food'], note: 'x'.repeat(501) }, ['body.note']],
      ['disinfections', 'an unknown place', { place: 'office' }, ['body.place']],
    ];
    it.each(table)('%s: %s', async (path, _label, payload, fields) => {
      const caseId = await startCase();
      const before = await allEvents();
      const res = await call(
        'POST',
        `/quarantine/cases/${caseId}/${path}`,
        payload as object,
        authHeader(testUser('admin')),
      );
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().code).toBe('VALIDATION_FAILED');
      expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual(
        expect.arrayContaining(fields),
      );
      expect(await allEvents()).toBe(before);
    });

    it.each([
      ['referral', { note: 'x' }, ['body.hospital']],
      ['referral', { hospital: '' }, ['body.hospital']],
      ['resolution', {}, ['body.note']],
      ['acknowledgement', { by: 'someone-else' }, ['body.by']],
    ] as const)('escalation %s with %j', async (step, payload, fields) => {
      const { caseId, escalationId } = await feverCase();
      const before = await allEvents();
      const res = await call(
        'POST',
        `/quarantine/cases/${caseId}/escalations/${escalationId}/${step}`,
        payload,
        authHeader(testUser('admin')),
      );
      expect(res.statusCode).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual(
        expect.arrayContaining([...fields]),
      );
      expect(await allEvents()).toBe(before);
    });

    it('an escalation id with characters no id has', async () => {
      const caseId = await startCase();
      const res = await call(
        'POST',
        `/quarantine/cases/${caseId}/escalations/${encodeURIComponent('e1;drop')}/acknowledgement`,
      );
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual([
        expect.objectContaining({ field: 'params.escalationId' }),
      ]);
    });

    it('an oversized body', async () => {
      const caseId = await startCase();
      const before = await allEvents();
      const res = await call('POST', `/quarantine/cases/${caseId}/supplies`, {
        items: ['food'],
        note: 'x'.repeat(100_000),
      });
      expect(res.statusCode).toBe(413);
      expect(await allEvents()).toBe(before);
    });

    it('an unknown case: 404 on every command', async () => {
      const before = await allEvents();
      const base = `/quarantine/cases/${uuidv7()}`;
      for (const [url, body] of [
        [`${base}/check-attempts`, { date: '2020-01-29', slot: 'am', reason: 'no-answer' }],
        [`${base}/reassignment`, { caller: 'caller-2', reason: 'x' }],
        [`${base}/period-change`, { newEndDate: '2020-02-14', reason: 'x' }],
        [`${base}/end`, { outcome: 'moved-away' }],
        [`${base}/supplies`, { items: ['food'] }],
        [`${base}/disinfections`, { place: 'street' }],
        [`${base}/escalations/${uuidv7()}/acknowledgement`, {}],
      ] as const) {
        const res = await call('POST', url, body, authHeader(testUser('admin')));
        expect(res.statusCode, url).toBe(404);
        expect(res.json().code).toBe('CASE_NOT_FOUND');
      }
      expect(await allEvents()).toBe(before);
    });
  });

  describe('who may do what', () => {
    it('without a token: 401 on every new endpoint', async () => {
      const caseId = await startCase();
      const before = await allEvents();
      for (const path of [
        'check-attempts',
        'reassignment',
        'period-change',
        'end',
        'supplies',
        'disinfections',
        'escalations/e1/acknowledgement',
        'escalations/e1/referral',
        'escalations/e1/resolution',
      ]) {
        const res = await app.inject({
          method: 'POST',
          url: `/quarantine/cases/${caseId}/${path}`,
          payload: {},
        });
        expect(res.statusCode, path).toBe(401);
      }
      expect((await app.inject({ method: 'GET', url: '/quarantine/cases' })).statusCode).toBe(401);
      expect(await allEvents()).toBe(before);
    });

    it('a caller or registrar of another community: 404 as for an unknown case (403 for a role never allowed), nothing appended', async () => {
      const { caseId, escalationId } = await feverCase();
      const outsiders = [
        authHeader(testUser('caller', ['zhangcun'], 'caller-zhangcun')),
        authHeader(testUser('registrar', ['zhangcun'], 'registrar-zhangcun')),
      ];
      const before = await allEvents();
      for (const outsider of outsiders) {
        for (const [path, body] of [
          ['check-attempts', { date: '2020-01-29', slot: 'pm', reason: 'no-answer' }],
          ['reassignment', { caller: 'caller-zhangcun', reason: 'x' }],
          ['period-change', { newEndDate: '2020-02-14', reason: 'x' }],
          ['end', { outcome: 'moved-away' }],
          ['supplies', { items: ['food'] }],
          ['disinfections', { place: 'home' }],
          [`escalations/${escalationId}/acknowledgement`, {}],
          [`escalations/${escalationId}/referral`, { hospital: 'h' }],
          [`escalations/${escalationId}/resolution`, { note: 'n' }],
        ] as const) {
          const res = await call('POST', `/quarantine/cases/${caseId}/${path}`, body, outsider);
          // A role not allowed at all is refused (403) before the community is looked at; a role
          // allowed elsewhere meets a case it cannot tell from one that does not exist (404).
          if (res.statusCode === 403) expect(res.json().detail, path).toMatch(/^role /);
          else expect(res.json(), path).toMatchObject({ status: 404, code: 'CASE_NOT_FOUND' });
        }
      }
      expect(await allEvents()).toBe(before);
    });

    it("roles: follow-up steps are the caller's, case management the registrar's or caller's", async () => {
      const { caseId, escalationId } = await feverCase();
      const base = `/quarantine/cases/${caseId}`;
      const reg = registrar;
      const staff = authHeader(testUser('checkpoint-staff', ['moujia']));
      const officer = authHeader(testUser('report-officer', ['*']));
      const before = await allEvents();
      // The registrar does not log follow-up contacts or acknowledge escalations.
      expect(
        (
          await call(
            'POST',
            `${base}/check-attempts`,
            { date: '2020-01-29', slot: 'pm', reason: 'no-answer' },
            reg,
          )
        ).statusCode,
      ).toBe(403);
      expect((await call('POST', `${base}/supplies`, { items: ['food'] }, reg)).statusCode).toBe(
        403,
      );
      expect(
        (await call('POST', `${base}/escalations/${escalationId}/acknowledgement`, {}, reg))
          .statusCode,
      ).toBe(403);
      // Checkpoint staff and the report officer change nothing on a case.
      for (const who of [staff, officer]) {
        expect(
          (await call('POST', `${base}/reassignment`, { caller: 'caller-2', reason: 'x' }, who))
            .statusCode,
        ).toBe(403);
        expect((await call('POST', `${base}/end`, { outcome: 'moved-away' }, who)).statusCode).toBe(
          403,
        );
      }
      expect(await allEvents()).toBe(before);
      // A caller may reassign, and the admin may do anything.
      expect(
        (await call('POST', `${base}/reassignment`, { caller: 'caller-2', reason: '换班' }))
          .statusCode,
      ).toBe(201);
      expect(
        (
          await call(
            'POST',
            `${base}/disinfections`,
            { place: 'street' },
            authHeader(testUser('admin')),
          )
        ).statusCode,
      ).toBe(201);
    });
  });

  describe('GET /quarantine/cases (the active-cases read model)', () => {
    it("lists the cases of the user's communities, active by default, ended on request", async () => {
      const active = await startCase();
      const endedCase = await startCase();
      await call(
        'POST',
        `/quarantine/cases/${endedCase}/end`,
        { outcome: 'lost-to-follow-up' },
        registrar,
      );
      const other = await startCase('zhangcun', authHeader(testUser('registrar', ['zhangcun'])));
      await feed.caughtUp();

      const list = await call('GET', '/quarantine/cases');
      expect(list.statusCode).toBe(200);
      const ids = list.json().cases.map((c: { caseId: string }) => c.caseId);
      expect(ids).toContain(active);
      expect(ids).not.toContain(endedCase);
      expect(ids).not.toContain(other);
      const ended = (await call('GET', '/quarantine/cases?status=ended')).json().cases;
      expect(ended).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            caseId: endedCase,
            status: 'ended',
            outcome: 'lost-to-follow-up',
          }),
        ]),
      );
      const admin = (
        await call(
          'GET',
          '/quarantine/cases?community=zhangcun',
          undefined,
          authHeader(testUser('admin')),
        )
      ).json().cases;
      expect(admin.map((c: { caseId: string }) => c.caseId)).toContain(other);
      expect(admin.every((c: { community: string }) => c.community === 'zhangcun')).toBe(true);
    });

    it("shows a person once on the caller's list: a second start for them is refused", async () => {
      const { personId } = await registerPerson(eventStore);
      const body = {
        personId,
        personName: '李娜',
        community: 'moujia',
        startDate: '2020-01-28',
        reason: 'close-contact',
        assignedCaller: 'caller-1',
      };
      expect((await call('POST', '/quarantine/cases', body, registrar)).statusCode).toBe(201);
      const second = await call(
        'POST',
        '/quarantine/cases',
        { ...body, assignedCaller: 'caller-2' },
        registrar,
      );
      expect(second.statusCode).toBe(409);
      expect(second.json()).toMatchObject({
        code: 'PERSON_ALREADY_UNDER_QUARANTINE',
        errors: [{ field: 'body.personId' }],
      });
      await feed.caughtUp();
      const cases = (await call('GET', '/quarantine/cases')).json<{
        cases: { personId: string }[];
      }>().cases;
      expect(cases.filter((c) => c.personId === personId)).toHaveLength(1);
    });

    it('refuses another community (403) and a bad status (400)', async () => {
      expect((await call('GET', '/quarantine/cases?community=zhangcun')).statusCode).toBe(403);
      const bad = await call('GET', '/quarantine/cases?status=closed');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().errors).toEqual([expect.objectContaining({ field: 'query.status' })]);
      expect(
        (
          await call(
            'GET',
            '/quarantine/cases',
            undefined,
            authHeader(testUser('checkpoint-staff', ['moujia'])),
          )
        ).statusCode,
      ).toBe(403);
    });
  });
});
