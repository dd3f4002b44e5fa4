import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@fangyi/contracts';
import { InMemoryProjectionStore } from '@fangyi/projections';
import {
  homeQuarantineDecider,
  recordOverdueEscalations,
  startActiveCasesFeed,
  streamIdOf,
} from '@fangyi/quarantine';
import { handleCommand } from '@fangyi/service-kit';
import { authHeader, requireInfra, testUser } from '@fangyi/testkit';
import { Redis } from 'ioredis';
import { startFullPath, type FullPath } from './fullPath.ts';
import { readWorkbook } from './workbook.ts';

const shanghai = (local: string) => new Date(`${local}:00+08:00`);

/**
 * The report and the alerts through the full path on the real parts: PostgreSQL event store →
 * relay → Kafka → the worker's processors → Redis → the roster API. Fails (does not skip)
 * without DATABASE_URL, REDIS_URL and KAFKA_BROKERS.
 */
describe('the daily report and the alerts through PostgreSQL, Kafka and Redis', {
  timeout: 120_000,
}, () => {
  let path: FullPath;
  const officer = authHeader(testUser('report-officer', ['*']));
  const get = (url: string, headers = officer) => path.app.inject({ method: 'GET', url, headers });

  beforeAll(async () => {
    path = await startFullPath({ now: shanghai('2020-02-01T09:00') });
  }, 60_000);
  afterAll(async () => {
    await path?.close();
  });

  /** Appends at a given Shanghai time (recordedAt and occurredAt) and waits until the read model has it. */
  const appendAt = async (
    local: string,
    streamId: string,
    type: string,
    data: unknown,
    wait = true,
  ) => {
    path.setNow(shanghai(local));
    const revision = await path.append(streamId, [{ type, data }]);
    // A type the report does not read records no revision there: the next one waited for covers it.
    if (wait) await path.applied(path.stores.report, streamId, revision);
  };

  describe('the daily report for a past date', () => {
    const run = uuidv7().slice(-8);
    const household = `household-h${run}`;
    const caseStream = `homeQuarantine-c${run}`;
    const complaint = `complaint-k${run}`;

    it('reads the same for the 3rd in JSON, CSV and .xlsx before and after what came later', async () => {
      await appendAt('2020-02-01T09:00', household, 'residents.household-registered', {
        householdId: `h${run}`,
        community: 'zhangcun',
        grid: 'g1',
        address: '张村 1 号',
        kind: 'rental',
      });
      await appendAt('2020-02-02T10:00', household, 'residents.rental-suspended', {
        householdId: `h${run}`,
        community: 'zhangcun',
        reason: 'illegal-rental-report',
        suspendedOn: '2020-02-02',
      });
      await appendAt('2020-02-01T09:30', caseStream, 'quarantine.home-quarantine-started', {
        caseId: `c${run}`,
        personId: `p${run}`,
        personName: '王芳',
        community: 'moujia',
        startDate: '2020-02-01',
        endDate: '2020-02-14',
        periodDays: 14,
        reason: 'arrival-from-risk-area',
        assignedCaller: 'caller-1',
      });
      await appendAt('2020-02-03T09:00', caseStream, 'quarantine.escalation-raised', {
        caseId: `c${run}`,
        escalationId: `e${run}`,
        checkId: `k${run}`,
        date: '2020-02-03',
        slot: 'am',
        temperatureC: 38.0,
        symptoms: [],
        reason: 'fever',
      });
      await appendAt('2020-02-02T11:00', complaint, 'complaints.complaint-filed', {
        complaintId: `k${run}`,
        channel: 'phone',
        category: 'illegal-rental',
        community: 'kutao',
        description: '出租给外来人员',
        reporter: { anonymous: true },
        receivedAt: shanghai('2020-02-02T11:00').toISOString(),
        replyWithinHours: 24,
        replyDueAt: shanghai('2020-02-03T11:00').toISOString(),
        status: 'received',
        statusNote: '已受理',
      });
      await appendAt('2020-02-03T15:00', complaint, 'complaints.fine-imposed', {
        complaintId: `k${run}`,
        householdId: `h${run}`,
        amountYuan: 5000,
      });

      path.setNow(shanghai('2020-02-03T22:00'));
      const ask = async () => ({
        json: (await get('/report/daily?date=2020-02-03')).json(),
        csv: (await get('/report/daily?date=2020-02-03&format=csv')).body,
        xlsx: (await get('/report/daily?date=2020-02-03&format=xlsx')).rawPayload,
      });
      const then = await ask();
      expect(then.json.total).toMatchObject({
        households: { total: 1, rentalsSuspended: 1 },
        homeQuarantine: { underQuarantine: 1, escalationsRaisedOnDate: 1, escalationsOpen: 1 },
        complaints: { open: 1, finesYuan: 5000 },
      });
      expect(then.json.districts.map((d: { district: string }) => d.district)).toEqual(['kutao']);
      expect(then.csv.charCodeAt(0)).toBe(0xfeff);
      expect(then.csv).toContain('"2020-02-03","社区","枯桃管区","张村"');

      // Later: the suspension lifted, the escalation closed, the fine withdrawn, the complaint closed.
      await appendAt('2020-02-04T09:00', household, 'residents.rental-suspension-lifted', {
        householdId: `h${run}`,
        community: 'zhangcun',
        liftedOn: '2020-02-04',
      });
      await appendAt(
        '2020-02-04T09:10',
        caseStream,
        'quarantine.escalation-acknowledged',
        {
          caseId: `c${run}`,
          escalationId: `e${run}`,
          by: 'caller-1',
          at: shanghai('2020-02-04T09:10').toISOString(),
        },
        false,
      );
      await appendAt('2020-02-04T10:00', caseStream, 'quarantine.escalation-resolved', {
        caseId: `c${run}`,
        escalationId: `e${run}`,
        note: '复测正常',
        by: 'caller-1',
        at: shanghai('2020-02-04T10:00').toISOString(),
      });
      await appendAt('2020-02-04T11:00', complaint, 'complaints.fine-withdrawn', {
        complaintId: `k${run}`,
        householdId: `h${run}`,
        amountYuan: 5000,
        reason: 'household-corrected',
      });
      await appendAt('2020-02-04T12:00', complaint, 'complaints.complaint-closed', {
        complaintId: `k${run}`,
        status: 'closed',
        statusNote: '已办结',
      });

      path.setNow(shanghai('2021-02-03T09:00'));
      const later = await ask();
      const { asOf: _a, ...thenFigures } = then.json;
      const { asOf: _b, ...laterFigures } = later.json;
      expect(laterFigures).toEqual(thenFigures);
      expect(later.csv).toBe(then.csv);
      const [a, b] = [await readWorkbook(then.xlsx), await readWorkbook(later.xlsx)];
      expect(b.sheets).toEqual(a.sheets);
      expect(a.sheets[0]!.data[0]).toContain('居家隔离·未处理预警');
      expect(a.sheets[0]!.data.find((row) => row[3] === '牟家')).toBeDefined();
      expect(a.part('xl/worksheets/sheet1.xml')).toMatch(/<pane[^>]*ySplit="1"[^>]*state="frozen"/);

      // The 4th shows what happened on it.
      expect((await get('/report/daily?date=2020-02-04')).json().total).toMatchObject({
        households: { rentalsSuspended: 0 },
        homeQuarantine: { escalationsOpen: 0 },
        complaints: { open: 0, finesYuan: 0 },
      });
    });
  });

  describe('the caller worklist', () => {
    it("lists a caller's people most urgent first with the phone residents sealed, opened at query time, never in clear in Redis", async () => {
      const run = uuidv7().slice(-8);
      const caller = authHeader(testUser('caller', ['moujia'], `caller-w${run}`));
      const phone = `139${run.replace(/\D/g, '7').padEnd(8, '7').slice(0, 8)}`;
      const person = `p${run}`;
      const appendTo = async (streamId: string, type: string, data: unknown) =>
        path.applied(path.stores.roster, streamId, await path.append(streamId, [{ type, data }]));
      path.setNow(shanghai('2020-04-01T08:00'));
      await appendTo(`household-w${run}`, 'residents.household-registered', {
        householdId: `w${run}`,
        community: 'moujia',
        grid: 'g1',
        address: '牟家 8 号楼 301',
        kind: 'owner-occupied',
      });
      const [idNumber, sealedPhone] = await path.vault.sealAll(person, [
        '110101199001011234',
        phone,
      ]);
      await appendTo(`person-${person}`, 'residents.person-registered', {
        personId: person,
        householdId: `w${run}`,
        community: 'moujia',
        name: '孙丽',
        idNumber,
        phone: sealedPhone,
        sex: 'female',
        birthDate: '1990-01-01',
        registration: 'local',
        travelHistory: [],
      });
      for (const [c, name, who] of [
        [`a${run}`, '孙丽', person],
        [`b${run}`, '钱军', `q${run}`],
      ] as const) {
        await appendTo(`homeQuarantine-${c}`, 'quarantine.home-quarantine-started', {
          caseId: c,
          personId: who,
          personName: name,
          community: 'moujia',
          startDate: '2020-04-01',
          endDate: '2020-04-14',
          periodDays: 14,
          reason: 'close-contact',
          assignedCaller: `caller-w${run}`,
        });
      }
      path.setNow(shanghai('2020-04-01T09:00'));
      await appendTo(`homeQuarantine-b${run}`, 'quarantine.symptom-check-logged', {
        caseId: `b${run}`,
        checkId: uuidv7(),
        date: '2020-04-01',
        slot: 'am',
        temperatureC: 36.5,
        symptoms: [],
        contactChannel: 'phone',
        measuredBy: { who: 'self', site: 'unknown' },
        abnormal: false,
      });

      path.setNow(shanghai('2020-04-01T12:30'));
      const res = await get('/roster/worklist', caller);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().entries).toEqual([
        expect.objectContaining({
          personName: '孙丽',
          phone,
          address: '牟家 8 号楼 301',
          day: 1,
          urgency: 'overdue',
          am: expect.objectContaining({ state: 'overdue' }),
          pm: expect.objectContaining({ state: 'due-now' }),
        }),
        expect.objectContaining({
          personName: '钱军',
          phone: null,
          urgency: 'due-now',
          lastTemperatureC: 36.5,
          am: expect.objectContaining({ state: 'done-normal' }),
        }),
      ]);
      // Redis holds the sealed value only.
      const redis = new Redis(requireInfra('redis'));
      try {
        const keys = await redis.keys(`${path.namespaces.roster}:*`);
        const values = await Promise.all(
          keys.map(async (k) =>
            (await redis.type(k)) === 'hash' ? JSON.stringify(await redis.hgetall(k)) : '',
          ),
        );
        expect(values.join('\n')).not.toContain(phone);
        expect(values.join('\n')).toContain(sealedPhone);
      } finally {
        await redis.quit();
      }
      // Another community's caller does not see them, nor may ask for the community.
      const other = authHeader(testUser('caller', ['zhangcun'], `caller-w${run}`));
      expect((await get('/roster/worklist', other)).json().entries).toEqual([]);
      expect((await get('/roster/worklist?community=moujia', other)).statusCode).toBe(403);
    });
  });

  describe('the alerts', () => {
    const logger = pino({ level: 'silent' });
    const meta = () => ({
      actor: { id: 'caller-1', role: 'caller' as const },
      correlationId: 'test',
      occurredAt: new Date(),
      newId: () => uuidv7(),
    });
    const send = (caseId: string, command: Parameters<typeof homeQuarantineDecider.decide>[0]) =>
      handleCommand(path.eventStore, streamIdOf(caseId), homeQuarantineDecider, command, meta());
    const startCase = async (caseId: string, community: string, caller: string) =>
      send(caseId, {
        type: 'StartHomeQuarantine',
        data: {
          caseId,
          personId: `p-${caseId}`,
          personName: '李娜',
          community,
          startDate: '2020-03-01',
          periodDays: 14,
          reason: 'close-contact',
          assignedCaller: caller,
          facts: {
            person: { community, status: 'living' },
            activeCaseId: null,
            callers: new Map([[community, [caller]]]),
          },
        },
      });
    const alerts = async (headers: { authorization: string }, query = '') =>
      (await get(`/roster/alerts${query}`, headers)).json();
    const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const value = await probe();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    it('lists an escalation, marks it overdue once (two timers at once, and again after a restart), and drops it when acknowledged; breaches too, by community', async () => {
      const moujiaCaller = authHeader(testUser('caller', ['moujia'], 'caller-moujia-x'));
      const caseId = uuidv7();
      const other = uuidv7();
      const escalationId = uuidv7();
      path.setNow(shanghai('2020-03-01T08:00'));
      await startCase(caseId, 'moujia', 'caller-moujia-x');
      await startCase(other, 'zhangcun', 'caller-zhangcun-x');
      await send(other, {
        type: 'RecordBreach',
        data: {
          caseId: other,
          personId: `p-${other}`,
          breachId: uuidv7(),
          checkpointId: 'zhangcun-east',
          at: shanghai('2020-03-01T08:30').toISOString(),
          direction: 'exit',
          sourceEventId: uuidv7(),
        },
      });
      path.setNow(shanghai('2020-03-01T09:00'));
      await send(caseId, {
        type: 'LogSymptomCheck',
        data: {
          caseId,
          checkId: uuidv7(),
          escalationId,
          today: '2020-03-01',
          date: '2020-03-01',
          slot: 'am',
          temperatureC: 38.6,
          symptoms: [],
          reachedVia: 'phone',
          correction: false,
          feverThresholdC: 37.3,
          checkedAtLocal: { date: '2020-03-01', minutes: 9 * 60 },
          window: { opens: 360, earlyMinutes: 30 },
        },
      });

      path.setNow(shanghai('2020-03-01T09:20'));
      const mine = await waitFor('the escalation on the alerts', async () => {
        const body = await alerts(moujiaCaller);
        return body.alerts.some((a: { caseId: string }) => a.caseId === caseId) ? body : undefined;
      });
      expect(mine.alerts.filter((a: { caseId: string }) => a.caseId === caseId)).toEqual([
        expect.objectContaining({
          kind: 'escalation',
          escalationId,
          overdue: false,
          ageMinutes: 20,
          community: 'moujia',
          personName: '李娜',
          temperatureC: 38.6,
        }),
      ]);
      // Another community's breach is not this caller's to see, nor to ask for.
      expect(mine.alerts.some((a: { caseId: string }) => a.caseId === other)).toBe(false);
      expect((await get('/roster/alerts?community=zhangcun', moujiaCaller)).statusCode).toBe(403);
      // The report officer sees both, oldest first: the breach at 08:30, the escalation at 09:00.
      const both = (await alerts(officer)).alerts.filter(
        (a: { caseId: string }) => a.caseId === caseId || a.caseId === other,
      );
      expect(both.map((a: { kind: string }) => a.kind)).toEqual(['breach', 'escalation']);

      // 31 minutes after it was raised, two timers (two instances, each with its own read model) run at once.
      path.setNow(shanghai('2020-03-01T09:31'));
      const feeds = await Promise.all(
        [0, 1].map(() =>
          startActiveCasesFeed({
            eventStore: path.eventStore,
            store: new InMemoryProjectionStore(),
            logger,
            idleMs: 20,
          }),
        ),
      );
      try {
        await Promise.all(feeds.map((f) => f.caughtUp()));
        const runs = await Promise.all(
          feeds.map((f) =>
            recordOverdueEscalations({
              eventStore: path.eventStore,
              activeCases: f.activeCases,
              clock: () => shanghai('2020-03-01T09:31'),
              newId: () => uuidv7(),
              logger,
            }),
          ),
        );
        expect(runs.reduce((n, r) => n + r.recorded, 0)).toBe(1);
        expect(runs.reduce((n, r) => n + r.failed, 0)).toBe(0);
      } finally {
        await Promise.all(feeds.map((f) => f.stop()));
      }
      // A restarted instance finds it done.
      const restarted = await startActiveCasesFeed({
        eventStore: path.eventStore,
        store: new InMemoryProjectionStore(),
        logger,
        idleMs: 20,
      });
      await restarted.caughtUp();
      await recordOverdueEscalations({
        eventStore: path.eventStore,
        activeCases: restarted.activeCases,
        clock: () => shanghai('2020-03-01T10:00'),
        newId: () => uuidv7(),
        logger,
      });
      await restarted.stop();
      const history = await path.eventStore.readStream(streamIdOf(caseId));
      expect(history.filter((e) => e.type === 'quarantine.escalation-overdue')).toHaveLength(1);

      const overdue = await waitFor('the overdue mark on the alerts', async () => {
        const a = (await alerts(moujiaCaller, '?overdue=true')).alerts.find(
          (x: { caseId: string }) => x.caseId === caseId,
        );
        return a ?? undefined;
      });
      expect(overdue).toMatchObject({
        overdue: true,
        overdueAt: shanghai('2020-03-01T09:30').toISOString(),
      });

      // Acknowledged: it leaves the list.
      await send(caseId, {
        type: 'AcknowledgeEscalation',
        data: {
          caseId,
          escalationId,
          by: 'caller-moujia-x',
          at: shanghai('2020-03-01T09:40').toISOString(),
        },
      });
      await path.applied(path.stores.alerts, streamIdOf(caseId), history.length);
      expect(
        (await alerts(moujiaCaller)).alerts.some((a: { caseId: string }) => a.caseId === caseId),
      ).toBe(false);
      expect(
        (await alerts(officer)).alerts.some((a: { caseId: string }) => a.caseId === other),
      ).toBe(true);
    });
  });
});
