import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { uuidv7, type Envelope } from '@fangyi/contracts';
import { SqliteEventStore, type EventStore } from '@fangyi/eventstore';
import { InMemoryProjectionStore, applyEvent } from '@fangyi/projections';
import {
  SHIPPED_DISTRICT,
  districtOf,
  parseDistrictConfig,
  type ServiceApp,
} from '@fangyi/service-kit';
import {
  TEST_AUTH_SECRET,
  TEST_NAMING_KEY,
  testVault,
  authHeader,
  testUser,
} from '@fangyi/testkit';
import {
  buildCheckpointsApp,
  checkpointStreamId,
  crossingStreamId,
  startCheckpointList,
  startResidentsDirectory,
  underQuarantineProjection,
  type CheckpointList,
  type ResidentsDirectory,
} from '../src/index.ts';
import { issuePass, registerPerson } from './residents.ts';

// The district's clock: checkpoints open the evening before, and "now" is 2020-01-29 12:00 in Shanghai.
const EVENING_BEFORE = new Date('2020-01-28T22:00:00+08:00');
const NOON = new Date('2020-01-29T12:00:00+08:00');
const TODAY = '2020-01-29';

describe('checkpoints service over HTTP (SQLite event store)', () => {
  let dir: string;
  let eventStore: EventStore;
  let projectionStore: InMemoryProjectionStore;
  let checkpointList: CheckpointList;
  let residents: ResidentsDirectory;
  let app: ServiceApp;
  let now = NOON;
  const clock = () => now;

  const buildApp = (store: EventStore) =>
    buildCheckpointsApp({
      eventStore: store,
      clock,
      newId: () => uuidv7(now.getTime()),
      timeZone: 'Asia/Shanghai',
      projectionStore,
      checkpointList,
      residents,
      logger: pino({ level: 'silent' }),
      authSecret: TEST_AUTH_SECRET,
      vault: testVault().vault,
      namingKey: TEST_NAMING_KEY,
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fangyi-cp-'));
    eventStore = new SqliteEventStore({ path: join(dir, 'events.db'), clock });
    projectionStore = new InMemoryProjectionStore();
    // The people the crossings name, as the residents register holds them; ZC-0012 is p-zc-1's pass.
    for (const [personId, community] of [
      ['p-zc-1', 'zhangcun'],
      ['p-zc-2', 'zhangcun'],
      ['p-mj-hubei-1', 'moujia'],
      ['p-mj-hubei-2', 'moujia'],
    ] as const) {
      await registerPerson(eventStore, personId, community);
    }
    await issuePass(eventStore, 'p-zc-1', 'ZC-0012');
    checkpointList = await startCheckpointList({ eventStore, logger: pino({ level: 'silent' }) });
    residents = await startResidentsDirectory({ eventStore, logger: pino({ level: 'silent' }) });
    app = buildApp(eventStore);
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await checkpointList.stop();
    await residents.stop();
    await eventStore.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const registrar = testUser('registrar', ['*'], 'registrar-district');
  const staffZhangcun = testUser('checkpoint-staff', ['zhangcun'], 'staff-zhangcun');
  type InjectOptions = {
    method: 'GET' | 'POST';
    url: string;
    payload?: string | object;
    headers?: Record<string, string>;
  };
  const inject = (options: InjectOptions, target: ServiceApp = app) =>
    target.inject({ ...options, headers: { ...authHeader(staffZhangcun), ...options.headers } });
  const as = (user: ReturnType<typeof testUser>) => authHeader(user);
  const allEvents = async () => (await eventStore.readAll({ limit: 100_000 })).length;

  const gate = {
    name: '张村东口',
    location: '张村东路与枯桃路交口',
    communities: ['zhangcun'],
    kind: 'road',
  };
  const openCheckpoint = async (body: object = gate) => {
    now = EVENING_BEFORE;
    const res = await inject({
      method: 'POST',
      url: '/checkpoints',
      payload: body,
      headers: as(registrar),
    });
    now = NOON;
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ checkpointId: string }>().checkpointId;
  };
  const staff = [
    { id: 's1', name: '张伟', community: 'zhangcun', role: 'community-staff' },
    { id: 's2', name: '刘警官', community: 'zhangcun', role: 'police' },
  ];
  const startShift = async (
    id: string,
    startedAt = '2020-01-29T08:00:00+08:00',
    extra: object = {},
    headers: Record<string, string> = {},
  ) => {
    const res = await inject({
      method: 'POST',
      url: `/checkpoints/${id}/shifts`,
      payload: { staff, startedAt, ...extra },
      headers,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ shiftId: string; handedOverFrom: string | null }>();
  };
  const crossing = {
    personId: 'p-zc-1',
    name: '王芳',
    temperatureC: 36.4,
    passNumber: 'ZC-0012',
    passValid: true,
    at: '2020-01-29T11:50:00+08:00',
  };

  describe('checkpoints', () => {
    it('opens a 24-hour checkpoint, recording the district of each community', async () => {
      const id = await openCheckpoint();
      const res = await inject({ method: 'GET', url: `/checkpoints/${id}` });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        status: 'open',
        staffedHours: 24,
        kind: 'road',
        communities: [{ community: 'zhangcun', district: 'kutao' }],
        currentShift: null,
        merge: null,
        revision: 0,
      });
      const [opened] = await eventStore.readStream(checkpointStreamId(id));
      expect(opened).toMatchObject({
        type: 'checkpoints.checkpoint-opened',
        actor: { id: 'registrar-district', role: 'registrar' },
      });
    });

    it('closes a checkpoint, ending the shift on duty; no crossing is recorded there afterwards', async () => {
      const id = await openCheckpoint();
      await startShift(id);
      const res = await inject({
        method: 'POST',
        url: `/checkpoints/${id}/closure`,
        payload: { reason: '合并后撤除' },
        headers: as(registrar),
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'closed' });
      expect((await eventStore.readStream(checkpointStreamId(id))).map((e) => e.type)).toEqual([
        'checkpoints.checkpoint-opened',
        'checkpoints.shift-started',
        'checkpoints.shift-ended',
        'checkpoints.checkpoint-closed',
      ]);
      const entry = await inject({
        method: 'POST',
        url: `/checkpoints/${id}/entries`,
        payload: crossing,
      });
      expect(entry.statusCode).toBe(409);
      expect(entry.json().code).toBe('CHECKPOINT_CLOSED');
      const again = await inject({
        method: 'POST',
        url: `/checkpoints/${id}/closure`,
        payload: { reason: 'x' },
        headers: as(registrar),
      });
      expect(again.json().code).toBe('CHECKPOINT_CLOSED');
    });

    it('refuses a closure with a stale If-Match revision with 412', async () => {
      const id = await openCheckpoint();
      await startShift(id);
      const res = await inject({
        method: 'POST',
        url: `/checkpoints/${id}/closure`,
        payload: { reason: 'x' },
        headers: { ...as(registrar), 'if-match': '"0"' },
      });
      expect(res.statusCode).toBe(412);
      expect(res.json()).toMatchObject({
        code: 'PRECONDITION_FAILED',
        errors: [{ field: 'headers.if-match', message: 'not the current revision (1)' }],
      });
      expect(await eventStore.readStream(checkpointStreamId(id))).toHaveLength(2);
    });
  });

  describe('merging "from many to few"', () => {
    const merge = (checkpointId: string, sources: string[], target: ServiceApp = app) =>
      inject(
        {
          method: 'POST',
          url: '/checkpoints/merge',
          payload: {
            checkpointId,
            sources,
            name: '枯桃-南张联合卡口',
            location: '枯桃路南口',
            kind: 'road',
          },
          headers: as(registrar),
        },
        target,
      );

    it('merges checkpoints of two districts into one jointly run checkpoint', async () => {
      const kutao = await openCheckpoint({ ...gate, name: '枯桃南口', communities: ['kutao'] });
      const wenzhang = await openCheckpoint({
        ...gate,
        name: '文张北口',
        communities: ['wenzhang', 'kutao'],
      });
      const nanzhang = await openCheckpoint({
        ...gate,
        name: '南张西口',
        communities: ['nanzhang'],
        kind: 'alley',
      });
      const nanzhangStaff = as(testUser('checkpoint-staff', ['nanzhang'], 'staff-nanzhang'));
      await startShift(nanzhang, undefined, {}, nanzhangStaff);
      const jointId = uuidv7();
      const res = await merge(jointId, [kutao, wenzhang, nanzhang]);
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({
        newlyOpened: true,
        newlyClosed: [kutao, wenzhang, nanzhang],
      });

      const joint = (
        await inject({ method: 'GET', url: `/checkpoints/${jointId}`, headers: as(registrar) })
      ).json();
      expect(joint).toMatchObject({
        status: 'open',
        mergedFrom: [kutao, wenzhang, nanzhang],
        communities: [
          { community: 'kutao', district: 'kutao' },
          { community: 'wenzhang', district: 'kutao' },
          { community: 'nanzhang', district: 'zhangcunhe' },
        ],
        merge: { complete: true, pendingSources: [] },
      });
      for (const source of [kutao, wenzhang, nanzhang]) {
        const s = (
          await inject({ method: 'GET', url: `/checkpoints/${source}`, headers: as(registrar) })
        ).json();
        expect(s).toMatchObject({ status: 'closed', mergedInto: jointId, currentShift: null });
      }
      // Staff of Nanzhang (the other district) now work the joint checkpoint.
      const shift = await inject({
        method: 'POST',
        url: `/checkpoints/${jointId}/shifts`,
        payload: { staff, startedAt: '2020-01-29T12:00:00+08:00' },
        headers: nanzhangStaff,
      });
      expect(shift.statusCode).toBe(201);

      // A retry of the same merge changes nothing and says so.
      const before = await allEvents();
      const retry = await merge(jointId, [kutao, wenzhang, nanzhang]);
      expect(retry.statusCode).toBe(200);
      expect(retry.json()).toMatchObject({ newlyOpened: false, newlyClosed: [] });
      expect(await allEvents()).toBe(before);
    });

    it('a retry of a merge already recorded: 200 with the checkpoint as first recorded, nothing appended', async () => {
      const a = await openCheckpoint({ ...gate, name: '郑张东口', communities: ['zhengzhang'] });
      const b = await openCheckpoint({ ...gate, name: '牟家北口', communities: ['moujia'] });
      const jointId = uuidv7();
      const first = await merge(jointId, [a, b]);
      expect(first.statusCode, first.body).toBe(201);
      expect(first.json()).toEqual({
        checkpointId: jointId,
        name: '枯桃-南张联合卡口',
        location: '枯桃路南口',
        kind: 'road',
        staffedHours: 24,
        communities: [
          { community: 'zhengzhang', district: 'kutao' },
          { community: 'moujia', district: 'kutao' },
        ],
        mergedFrom: [a, b],
        openedAt: NOON.toISOString(),
        newlyOpened: true,
        newlyClosed: [a, b],
      });
      const streams = [jointId, a, b].map(checkpointStreamId);
      const recorded = async () =>
        Promise.all(streams.map(async (id) => (await eventStore.readStream(id)).map((e) => e.id)));
      const history = async () =>
        (
          await inject({
            method: 'GET',
            url: `/checkpoints/${jointId}/history`,
            headers: as(registrar),
          })
        ).json();
      const [eventsBefore, historyBefore, totalBefore] = [
        await recorded(),
        await history(),
        await allEvents(),
      ];
      expect(historyBefore).toHaveLength(1);

      // Sent again later (the answer was lost), the same content: staffedHours now spelled out, the sources in another order.
      now = new Date(NOON.getTime() + 5 * 60_000);
      const again = await inject({
        method: 'POST',
        url: '/checkpoints/merge',
        payload: {
          checkpointId: jointId,
          sources: [b, a],
          name: '枯桃-南张联合卡口',
          location: '枯桃路南口',
          kind: 'road',
          staffedHours: 24,
        },
        headers: as(registrar),
      });
      now = NOON;
      expect(again.statusCode, again.body).toBe(200);
      // As first recorded: the first call's sources order and opening time, not this call's.
      expect(again.json()).toEqual({ ...first.json(), newlyOpened: false, newlyClosed: [] });
      expect(again.headers.location).toBe(`/checkpoints/${jointId}`);
      expect(await recorded()).toEqual(eventsBefore);
      expect(await history()).toEqual(historyBefore);
      expect(await allEvents()).toBe(totalBefore);

      // Still 200 once the joint checkpoint has moved on (a shift on duty, then closed).
      const jointStaff = as(testUser('checkpoint-staff', ['moujia'], 'staff-moujia'));
      await startShift(jointId, '2020-01-29T12:00:00+08:00', {}, jointStaff);
      expect(
        (
          await inject({
            method: 'POST',
            url: `/checkpoints/${jointId}/closure`,
            payload: { reason: '撤除' },
            headers: as(registrar),
          })
        ).statusCode,
      ).toBe(200);
      const late = await merge(jointId, [a, b]);
      expect(late.statusCode, late.body).toBe(200);
      expect(late.json()).toEqual({ ...first.json(), newlyOpened: false, newlyClosed: [] });
    });

    it.each([
      ['name', { name: '另一个卡口' }],
      ['location', { location: '枯桃路北口' }],
      ['kind', { kind: 'alley' }],
      ['staffedHours', { staffedHours: 12 }],
      ['sources', {}],
    ] as const)(
      'the same checkpointId with another %s → 409 CHECKPOINT_ALREADY_EXISTS naming body.checkpointId, nothing appended',
      async (field, change) => {
        const a = await openCheckpoint({ ...gate, communities: ['wenzhang'] });
        const b = await openCheckpoint({ ...gate, communities: ['wenzhang'] });
        const c = await openCheckpoint({ ...gate, communities: ['wenzhang'] });
        const jointId = uuidv7();
        const body = {
          checkpointId: jointId,
          sources: [a, b],
          name: '枯桃-南张联合卡口',
          location: '枯桃路南口',
          kind: 'road',
        };
        expect(
          (
            await inject({
              method: 'POST',
              url: '/checkpoints/merge',
              payload: body,
              headers: as(registrar),
            })
          ).statusCode,
        ).toBe(201);
        const before = await allEvents();
        const reused = await inject({
          method: 'POST',
          url: '/checkpoints/merge',
          payload: { ...body, ...change, ...(field === 'sources' ? { sources: [a, c] } : {}) },
          headers: as(registrar),
        });
        expect(reused.statusCode, reused.body).toBe(409);
        expect(reused.headers['content-type']).toContain('application/problem+json');
        expect(reused.json()).toMatchObject({
          code: 'CHECKPOINT_ALREADY_EXISTS',
          errors: [{ field: 'body.checkpointId' }],
        });
        expect(reused.json().detail).toContain(field);
        expect(await allEvents()).toBe(before);
        // The other source offered stays open: the reused id did not merge it.
        expect(
          (
            await inject({ method: 'GET', url: `/checkpoints/${c}`, headers: as(registrar) })
          ).json(),
        ).toMatchObject({ status: 'open', mergedInto: null });
      },
    );

    it('a reused id is named even when another source it lists is closed: the id is checked before the sources', async () => {
      const a = await openCheckpoint({ ...gate, communities: ['wenzhang'] });
      const b = await openCheckpoint({ ...gate, communities: ['wenzhang'] });
      const closedOne = await openCheckpoint({ ...gate, communities: ['wenzhang'] });
      await inject({
        method: 'POST',
        url: `/checkpoints/${closedOne}/closure`,
        payload: { reason: '撤除' },
        headers: as(registrar),
      });
      const jointId = uuidv7();
      expect((await merge(jointId, [a, b])).statusCode).toBe(201);
      const reused = await merge(jointId, [a, closedOne]);
      expect(reused.statusCode).toBe(409);
      expect(reused.json()).toMatchObject({
        code: 'CHECKPOINT_ALREADY_EXISTS',
        errors: [{ field: 'body.checkpointId' }],
      });
    });

    it('the id of a merge a registrar may not act on → 403 before anything about its content is said', async () => {
      const a = await openCheckpoint({ ...gate, communities: ['nanzhang'] });
      const b = await openCheckpoint({ ...gate, communities: ['nanzhang'] });
      const jointId = uuidv7();
      expect((await merge(jointId, [a, b])).statusCode).toBe(201);
      const mine = await openCheckpoint({ ...gate, communities: ['kutao'] });
      const other = await openCheckpoint({ ...gate, communities: ['kutao'] });
      const res = await inject({
        method: 'POST',
        url: '/checkpoints/merge',
        payload: {
          checkpointId: jointId,
          sources: [mine, other],
          name: 'x',
          location: 'y',
          kind: 'road',
        },
        headers: as(testUser('registrar', ['kutao'], 'registrar-kutao')),
      });
      expect(res.statusCode).toBe(403);
    });

    it('a merge that failed part-way shows as incomplete, and a retry with the same id finishes it', async () => {
      const a = await openCheckpoint({ ...gate, communities: ['zhengzhang'] });
      const b = await openCheckpoint({ ...gate, communities: ['moujia'] });
      // The append that closes the second source fails once, as a crash between the steps would.
      let failed = false;
      const flaky: EventStore = {
        ...eventStore,
        readStream: eventStore.readStream.bind(eventStore),
        readAll: eventStore.readAll.bind(eventStore),
        subscribeToAll: eventStore.subscribeToAll.bind(eventStore),
        checkpoints: eventStore.checkpoints,
        close: async () => {},
        append: async (streamId, events, options) => {
          if (streamId === checkpointStreamId(b) && !failed) {
            failed = true;
            throw new Error('connection lost');
          }
          return eventStore.append(streamId, events, options);
        },
      };
      const flakyApp = buildApp(flaky);
      const jointId = uuidv7();
      expect((await merge(jointId, [a, b], flakyApp)).statusCode).toBe(500);
      await flakyApp.close();

      const halfway = (
        await inject({ method: 'GET', url: `/checkpoints/${jointId}`, headers: as(registrar) })
      ).json();
      expect(halfway).toMatchObject({
        status: 'open',
        merge: { complete: false, pendingSources: [b] },
      });

      // Other content under the same id does not finish this merge: refused, nothing appended, still half done.
      const before = await allEvents();
      const reused = await inject({
        method: 'POST',
        url: '/checkpoints/merge',
        payload: {
          checkpointId: jointId,
          sources: [a, b],
          name: '另一个名字',
          location: '枯桃路南口',
          kind: 'road',
        },
        headers: as(registrar),
      });
      expect(reused.statusCode).toBe(409);
      expect(reused.json()).toMatchObject({
        code: 'CHECKPOINT_ALREADY_EXISTS',
        errors: [{ field: 'body.checkpointId' }],
      });
      expect(await allEvents()).toBe(before);
      expect(
        (
          await inject({ method: 'GET', url: `/checkpoints/${jointId}`, headers: as(registrar) })
        ).json().merge,
      ).toEqual({ complete: false, pendingSources: [b] });

      // The same request finishes it: it appended the missing step, so 201; sent once more, nothing is left to do: 200.
      const retry = await merge(jointId, [a, b]);
      expect(retry.statusCode).toBe(201);
      expect(retry.json()).toMatchObject({
        newlyOpened: false,
        newlyClosed: [b],
        mergedFrom: [a, b],
      });
      expect(
        (
          await inject({ method: 'GET', url: `/checkpoints/${jointId}`, headers: as(registrar) })
        ).json().merge,
      ).toEqual({ complete: true, pendingSources: [] });
      const settled = await allEvents();
      const once = await merge(jointId, [a, b]);
      expect(once.statusCode).toBe(200);
      expect(once.json()).toMatchObject({ newlyOpened: false, newlyClosed: [] });
      expect(await allEvents()).toBe(settled);
      expect((await eventStore.readStream(checkpointStreamId(b))).map((e) => e.type)).toEqual([
        'checkpoints.checkpoint-opened',
        'checkpoints.checkpoint-merged-into',
      ]);
    });

    it('refuses, appending nothing, a source already merged elsewhere, an unknown source, or the new id among the sources', async () => {
      const a = await openCheckpoint({ ...gate, communities: ['edinburgh'] });
      const b = await openCheckpoint({ ...gate, communities: ['edinburgh'] });
      const c = await openCheckpoint({ ...gate, communities: ['edinburgh'] });
      expect((await merge(uuidv7(), [a, b])).statusCode).toBe(201);
      const before = await allEvents();
      const elsewhere = await merge(uuidv7(), [c, b]);
      expect(elsewhere.statusCode).toBe(409);
      expect(elsewhere.json()).toMatchObject({
        code: 'CHECKPOINT_ALREADY_MERGED',
        errors: [{ field: 'body.sources.1' }],
      });
      const unknown = await merge(uuidv7(), [c, uuidv7()]);
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json()).toMatchObject({
        code: 'CHECKPOINT_NOT_FOUND',
        errors: [{ field: 'body.sources.1' }],
      });
      const self = await merge(c, [c, a]);
      expect(self.json().code).toBe('MERGE_INTO_SELF');
      expect(await allEvents()).toBe(before);
    });

    it('a registrar must work in every community of the merged checkpoints', async () => {
      const a = await openCheckpoint({ ...gate, communities: ['kutao'] });
      const b = await openCheckpoint({ ...gate, communities: ['nanzhang'] });
      const before = await allEvents();
      const res = await inject({
        method: 'POST',
        url: '/checkpoints/merge',
        payload: {
          checkpointId: uuidv7(),
          sources: [a, b],
          name: 'x',
          location: 'y',
          kind: 'road',
        },
        headers: as(testUser('registrar', ['kutao'], 'registrar-kutao')),
      });
      // Nanzhang's checkpoint is, to Kutao's registrar, as unknown as one that does not exist.
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({
        code: 'CHECKPOINT_NOT_FOUND',
        errors: [{ field: 'body.sources.1' }],
      });
      expect(await allEvents()).toBe(before);
    });
  });

  describe('shifts and coverage', () => {
    it('one shift on duty at a time; a handover ends one and starts the next in one step', async () => {
      const id = await openCheckpoint();
      const first = await startShift(id, '2020-01-29T00:00:00+08:00');
      const second = await inject({
        method: 'POST',
        url: `/checkpoints/${id}/shifts`,
        payload: { staff, startedAt: '2020-01-29T08:00:00+08:00' },
      });
      expect(second.statusCode).toBe(409);
      expect(second.json().code).toBe('SHIFT_ALREADY_OPEN');
      const handover = await startShift(id, '2020-01-29T08:00:00+08:00', {
        handoverNote: '夜班无异常，劝返2人',
      });
      expect(handover.handedOverFrom).toBe(first.shiftId);
      const current = (await inject({ method: 'GET', url: `/checkpoints/${id}` })).json()
        .currentShift;
      expect(current).toMatchObject({
        shiftId: handover.shiftId,
        endedAt: null,
        staff: [{ name: '张伟' }, { name: '刘警官' }],
      });
    });

    it('ends the shift on duty; ending again is refused', async () => {
      const id = await openCheckpoint();
      await startShift(id);
      const end = await inject({
        method: 'POST',
        url: `/checkpoints/${id}/shifts/current/end`,
        payload: { endedAt: '2020-01-29T11:00:00+08:00', handoverNote: '无异常' },
      });
      expect(end.statusCode).toBe(200);
      expect(end.json()).toMatchObject({ endedAt: '2020-01-29T03:00:00.000Z' });
      const again = await inject({
        method: 'POST',
        url: `/checkpoints/${id}/shifts/current/end`,
        payload: { endedAt: '2020-01-29T11:30:00+08:00', handoverNote: '' },
      });
      expect(again.statusCode).toBe(409);
      expect(again.json().code).toBe('NO_OPEN_SHIFT');
    });

    it('a 24-hour checkpoint with an hour nobody was on duty shows the gap', async () => {
      const id = await openCheckpoint();
      await startShift(id, '2020-01-29T00:00:00+08:00');
      await inject({
        method: 'POST',
        url: `/checkpoints/${id}/shifts/current/end`,
        payload: { endedAt: '2020-01-29T08:00:00+08:00', handoverNote: '下班' },
      });
      await startShift(id, '2020-01-29T09:00:00+08:00');
      const res = await inject({
        method: 'GET',
        url: `/checkpoints/${id}/coverage?date=${TODAY}`,
        headers: as(testUser('report-officer', ['*'])),
      });
      expect(res.statusCode).toBe(200);
      const c = res.json();
      expect(c.uncovered).toEqual([
        {
          from: '2020-01-29T00:00:00.000Z',
          to: '2020-01-29T01:00:00.000Z',
          fromLocal: '08:00',
          toLocal: '09:00',
          minutes: 60,
        },
      ]);
      expect(c).toMatchObject({
        timeZone: 'Asia/Shanghai',
        coveredMinutes: 660,
        uncoveredMinutes: 60,
        meetsStaffedHours: false,
      });
      // The evening before: opened at 22:00 with nobody on duty until midnight.
      const evening = (
        await inject({ method: 'GET', url: `/checkpoints/${id}/coverage?date=2020-01-28` })
      ).json();
      expect(evening.uncovered).toEqual([
        expect.objectContaining({ fromLocal: '22:00', toLocal: '24:00' }),
      ]);
    });
  });

  describe('crossings', () => {
    it('refuses a crossing with no shift on duty (409 NO_OPEN_SHIFT) and appends nothing', async () => {
      const id = await openCheckpoint();
      const before = await allEvents();
      const res = await inject({
        method: 'POST',
        url: `/checkpoints/${id}/entries`,
        payload: crossing,
      });
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe('NO_OPEN_SHIFT');
      expect(await allEvents()).toBe(before);
    });

    describe('who crossed: a person or pass named must be a real one, or the crossing is recorded as unidentified', () => {
      const refused = async (
        id: string,
        path: string,
        payload: object,
        status: number,
        code: string,
        field: string,
      ) => {
        const before = await allEvents();
        const res = await inject({ method: 'POST', url: `/checkpoints/${id}/${path}`, payload });
        expect(res.statusCode, res.body).toBe(status);
        expect(res.json()).toMatchObject({ code, errors: [{ field }] });
        expect(await allEvents()).toBe(before);
      };

      it('refuses a personId the residents register does not hold, and a pass never issued or issued to someone else', async () => {
        const id = await openCheckpoint();
        await startShift(id);
        for (const personId of [randomUUID(), "x' OR '1'='1"]) {
          await refused(
            id,
            'entries',
            { ...crossing, personId, passNumber: undefined },
            422,
            'CROSSING_PERSON_UNKNOWN',
            'body.personId',
          );
          await refused(
            id,
            'refusals',
            { personId, reason: 'no-pass', note: '无通行证', at: '2020-01-29T11:50:00+08:00' },
            422,
            'CROSSING_PERSON_UNKNOWN',
            'body.personId',
          );
        }
        await refused(
          id,
          'exits',
          { ...crossing, passNumber: 'ZC-9999' },
          422,
          'PASS_UNKNOWN',
          'body.passNumber',
        );
        await refused(
          id,
          'entries',
          { ...crossing, personId: 'p-zc-2' },
          409,
          'PASS_NOT_OF_PERSON',
          'body.passNumber',
        );
      });

      it("records a crossing named by its pass for the pass's holder, one naming neither as unidentified, and someone registered a moment ago as themselves", async () => {
        const id = await openCheckpoint();
        await startShift(id);
        const byPass = await inject({
          method: 'POST',
          url: `/checkpoints/${id}/entries`,
          payload: {
            name: '王芳',
            temperatureC: 36.5,
            passNumber: 'ZC-0012',
            passValid: true,
            at: '2020-01-29T11:40:00+08:00',
          },
        });
        expect(byPass.statusCode).toBe(201);
        const told = await inject({
          method: 'POST',
          url: `/checkpoints/${id}/entries`,
          payload: {
            name: '过路人',
            temperatureC: 36.5,
            passValid: false,
            at: '2020-01-29T11:41:00+08:00',
          },
        });
        expect(told.statusCode).toBe(201);
        const newcomer = `p-${randomUUID()}`;
        await registerPerson(eventStore, newcomer);
        const fresh = await inject({
          method: 'POST',
          url: `/checkpoints/${id}/exits`,
          payload: {
            personId: newcomer,
            name: '新登记',
            temperatureC: 36.5,
            passValid: false,
            at: '2020-01-29T11:42:00+08:00',
          },
        });
        expect(fresh.statusCode).toBe(201);
        const day = (
          await inject({ method: 'GET', url: `/checkpoints/${id}/crossings?date=${TODAY}` })
        ).json<{
          crossings: { crossingId: string; personId?: string; unidentified?: boolean }[];
        }>();
        const byId = (crossingId: string) => day.crossings.find((c) => c.crossingId === crossingId);
        expect(byId(byPass.json().crossingId)).toMatchObject({
          personId: 'p-zc-1',
          passNumber: 'ZC-0012',
        });
        expect(byId(told.json().crossingId)).toMatchObject({ name: '过路人', unidentified: true });
        expect(byId(told.json().crossingId)).not.toHaveProperty('personId');
        expect(byId(fresh.json().crossingId)).toMatchObject({ personId: newcomer });
      });
    });

    it("records entries, exits and refusals on the day's crossing stream, with counts", async () => {
      const id = await openCheckpoint();
      await startShift(id);
      expect(
        (await inject({ method: 'POST', url: `/checkpoints/${id}/entries`, payload: crossing }))
          .statusCode,
      ).toBe(201);
      expect(
        (
          await inject({
            method: 'POST',
            url: `/checkpoints/${id}/exits`,
            payload: { ...crossing, at: '2020-01-29T11:55:00+08:00' },
          })
        ).statusCode,
      ).toBe(201);
      const fever = await inject({
        method: 'POST',
        url: `/checkpoints/${id}/entries`,
        payload: { ...crossing, personId: 'p-zc-2', passNumber: undefined, temperatureC: 37.8 },
      });
      expect(fever.json()).toMatchObject({
        fever: true,
        refusalRequired: true,
        breachId: null,
        date: TODAY,
      });
      const feverId = fever.json().crossingId;

      let day = (
        await inject({ method: 'GET', url: `/checkpoints/${id}/crossings?date=${TODAY}` })
      ).json();
      expect(day.feverEntriesAwaitingRefusal).toEqual([feverId]);

      const refused = await inject({
        method: 'POST',
        url: `/checkpoints/${id}/refusals`,
        payload: {
          personId: 'p-zc-2',
          reason: 'fever',
          note: '体温37.8，劝返并通知社区',
          crossingId: feverId,
          at: '2020-01-29T11:58:00+08:00',
        },
      });
      expect(refused.statusCode).toBe(201);
      const outsider = await inject({
        method: 'POST',
        url: `/checkpoints/${id}/refusals`,
        payload: {
          name: '外地访客',
          idNumber: '420106199001010044',
          reason: 'outside-person',
          note: '非本社区人员',
          at: '2020-01-29T11:59:00+08:00',
        },
      });
      expect(outsider.statusCode).toBe(201);
      const twice = await inject({
        method: 'POST',
        url: `/checkpoints/${id}/refusals`,
        payload: {
          reason: 'fever',
          note: '',
          crossingId: feverId,
          at: '2020-01-29T11:59:00+08:00',
        },
      });
      expect(twice.json()).toMatchObject({
        code: 'CROSSING_ALREADY_REFUSED',
        errors: [{ field: 'body.crossingId' }],
      });

      day = (
        await inject({ method: 'GET', url: `/checkpoints/${id}/crossings?date=${TODAY}` })
      ).json();
      expect(day.counts).toMatchObject({
        entries: 2,
        exits: 1,
        refusals: 2,
        fever: 1,
        breaches: 0,
        refusalsByReason: { fever: 1, 'outside-person': 1, 'no-pass': 0 },
      });
      expect(day.feverEntriesAwaitingRefusal).toEqual([]);
      expect(
        day.crossings.find((c: { crossingId: string }) => c.crossingId === feverId),
      ).toMatchObject({ refusalId: refused.json().refusalId, recordedBy: 'staff-zhangcun' });
      expect((await eventStore.readStream(crossingStreamId(id, TODAY))).map((e) => e.type)).toEqual(
        [
          'checkpoints.entry-recorded',
          'checkpoints.exit-recorded',
          'checkpoints.entry-recorded',
          'checkpoints.refusal-recorded',
          'checkpoints.refusal-recorded',
        ],
      );
      // The checkpoint's own stream stays small: crossings are not on it.
      expect(await eventStore.readStream(checkpointStreamId(id))).toHaveLength(2);
    });

    it('a crossing just after midnight goes to the new business day', async () => {
      const id = await openCheckpoint();
      await startShift(id, '2020-01-28T23:00:00+08:00');
      const res = await inject({
        method: 'POST',
        url: `/checkpoints/${id}/entries`,
        payload: { ...crossing, at: '2020-01-28T23:59:00+08:00' },
      });
      expect(res.json().date).toBe('2020-01-28');
      expect(
        (
          await inject({ method: 'GET', url: `/checkpoints/${id}/crossings?date=2020-01-28` })
        ).json().counts.entries,
      ).toBe(1);
      expect(
        (await inject({ method: 'GET', url: `/checkpoints/${id}/crossings?date=${TODAY}` })).json()
          .counts.entries,
      ).toBe(0);
    });

    it('an entry by a person under home quarantine records a breach in the same append', async () => {
      const id = await openCheckpoint();
      await startShift(id);
      const started: Envelope = {
        id: uuidv7(),
        type: 'quarantine.home-quarantine-started',
        schemaVersion: 1,
        streamId: 'homeQuarantine-case-mj-1',
        streamRevision: 0,
        occurredAt: '2020-01-28T02:00:00.000Z',
        recordedAt: '2020-01-28T02:00:00.000Z',
        actor: { id: 'registrar-1', role: 'registrar' },
        correlationId: 'c1',
        causationId: null,
        data: {
          caseId: 'case-mj-1',
          personId: 'p-mj-hubei-1',
          personName: '李娜',
          community: 'moujia',
          startDate: '2020-01-28',
          endDate: '2020-02-10',
          periodDays: 14,
          reason: 'arrival-from-risk-area',
          assignedCaller: 'caller-1',
        },
      };
      await applyEvent(underQuarantineProjection, projectionStore, started);
      const res = await inject({
        method: 'POST',
        url: `/checkpoints/${id}/exits`,
        payload: { ...crossing, personId: 'p-mj-hubei-1', passNumber: undefined, name: '李娜' },
      });
      expect(res.statusCode).toBe(201);
      expect(res.json().breachId).toEqual(expect.any(String));
      const events = await eventStore.readStream(crossingStreamId(id, TODAY));
      expect(events.map((e) => e.type)).toEqual([
        'checkpoints.exit-recorded',
        'checkpoints.quarantine-breach-recorded',
      ]);
      expect(events[1]!.data).toMatchObject({
        personId: 'p-mj-hubei-1',
        caseId: 'case-mj-1',
        direction: 'exit',
        crossingId: res.json().crossingId,
      });
      expect(
        (await inject({ method: 'GET', url: `/checkpoints/${id}/crossings` })).json().counts
          .breaches,
      ).toBe(1);
    });

    it('masks ID numbers for everyone who may not see them', async () => {
      const id = await openCheckpoint();
      await startShift(id);
      await inject({
        method: 'POST',
        url: `/checkpoints/${id}/refusals`,
        payload: {
          name: '外地访客',
          idNumber: '420106199001010044',
          reason: 'outside-person',
          note: '',
          at: '2020-01-29T11:00:00+08:00',
        },
      });
      await inject({
        method: 'POST',
        url: `/checkpoints/${id}/entries`,
        payload: {
          name: '访客',
          idNumber: '42010619900101001X',
          temperatureC: 36.5,
          passValid: true,
          at: '2020-01-29T11:00:00+08:00',
        },
      });
      const idNumbers = async (user: ReturnType<typeof testUser>) => {
        const day = (
          await inject({ method: 'GET', url: `/checkpoints/${id}/crossings`, headers: as(user) })
        ).json();
        return [day.refusals[0].idNumber, day.crossings[0].idNumber];
      };
      expect(await idNumbers(testUser('report-officer', ['*']))).toEqual([
        '4201**********0044',
        '4201**********001X',
      ]);
      expect(await idNumbers(testUser('analyst', ['zhangcun']))).toEqual([
        '4201**********0044',
        '4201**********001X',
      ]);
      expect(await idNumbers(staffZhangcun)).toEqual(['4201**********0044', '4201**********001X']);
      expect(await idNumbers(testUser('registrar', ['zhangcun']))).toEqual([
        '420106199001010044',
        '42010619900101001X',
      ]);
    });
  });

  describe('resends on a poor connection: a client-chosen crossingId / refusalId records once', () => {
    const dayStream = async (id: string) =>
      (await eventStore.readStream(crossingStreamId(id, TODAY))).map((e) => e.type);
    const post = (id: string, what: 'entries' | 'exits' | 'refusals', payload: object) =>
      inject({ method: 'POST', url: `/checkpoints/${id}/${what}`, payload });

    it('the same entry sent twice with one crossingId: one event, 201 then 200 with the same answer', async () => {
      const id = await openCheckpoint();
      await startShift(id);
      const crossingId = randomUUID();
      const first = await post(id, 'entries', { ...crossing, temperatureC: 37.6, crossingId });
      expect(first.statusCode, first.body).toBe(201);
      expect(first.json()).toMatchObject({ crossingId, fever: true, refusalRequired: true });
      const again = await post(id, 'entries', { ...crossing, temperatureC: 37.6, crossingId });
      expect(again.statusCode, again.body).toBe(200);
      expect(again.json()).toEqual(first.json());
      // The same instant written in UTC is the same crossing.
      const utcForm = await post(id, 'entries', {
        ...crossing,
        temperatureC: 37.6,
        crossingId,
        at: '2020-01-29T03:50:00Z',
      });
      expect(utcForm.statusCode, utcForm.body).toBe(200);
      expect(await dayStream(id)).toEqual(['checkpoints.entry-recorded']);
      expect(
        (await inject({ method: 'GET', url: `/checkpoints/${id}/crossings` })).json(),
      ).toMatchObject({
        counts: { entries: 1, fever: 1 },
        feverEntriesAwaitingRefusal: [crossingId],
      });
    });

    it('a person under quarantine crossing twice with one crossingId: exactly one breach event', async () => {
      const id = await openCheckpoint();
      await startShift(id);
      await applyEvent(underQuarantineProjection, projectionStore, {
        id: uuidv7(),
        type: 'quarantine.home-quarantine-started',
        schemaVersion: 1,
        streamId: 'homeQuarantine-case-mj-2',
        streamRevision: 0,
        occurredAt: '2020-01-28T02:00:00.000Z',
        recordedAt: '2020-01-28T02:00:00.000Z',
        actor: { id: 'registrar-1', role: 'registrar' },
        correlationId: 'c2',
        causationId: null,
        data: {
          caseId: 'case-mj-2',
          personId: 'p-mj-hubei-2',
          personName: '陈静',
          community: 'moujia',
          startDate: '2020-01-28',
          endDate: '2020-02-10',
          periodDays: 14,
          reason: 'arrival-from-risk-area',
          assignedCaller: 'caller-1',
        },
      });
      const payload = {
        ...crossing,
        personId: 'p-mj-hubei-2',
        passNumber: undefined,
        name: '陈静',
        crossingId: randomUUID(),
      };
      const first = await post(id, 'exits', payload);
      const again = await post(id, 'exits', payload);
      expect([first.statusCode, again.statusCode]).toEqual([201, 200]);
      expect(first.json().breachId).toEqual(expect.any(String));
      expect(again.json().breachId).toBe(first.json().breachId);
      expect(await dayStream(id)).toEqual([
        'checkpoints.exit-recorded',
        'checkpoints.quarantine-breach-recorded',
      ]);
    });

    it('the same crossingId with another temperature → 409 CROSSING_ID_REUSED naming body.crossingId, nothing appended', async () => {
      const id = await openCheckpoint();
      await startShift(id);
      const crossingId = randomUUID();
      expect((await post(id, 'entries', { ...crossing, crossingId })).statusCode).toBe(201);
      const before = await allEvents();
      const reused = await post(id, 'entries', { ...crossing, temperatureC: 38.1, crossingId });
      expect(reused.statusCode).toBe(409);
      expect(reused.json()).toMatchObject({
        code: 'CROSSING_ID_REUSED',
        errors: [{ field: 'body.crossingId' }],
      });
      expect(reused.json().detail).toContain('temperatureC');
      // Nor may an entry's id be used again for an exit.
      expect((await post(id, 'exits', { ...crossing, crossingId })).json().code).toBe(
        'CROSSING_ID_REUSED',
      );
      expect(await allEvents()).toBe(before);
    });

    it('without an id nothing changes: each send is a new crossing with a server-made id, 201', async () => {
      const id = await openCheckpoint();
      await startShift(id);
      const [a, b] = [await post(id, 'entries', crossing), await post(id, 'entries', crossing)];
      expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
      expect(a.json().crossingId).not.toBe(b.json().crossingId);
      expect(await dayStream(id)).toEqual([
        'checkpoints.entry-recorded',
        'checkpoints.entry-recorded',
      ]);
    });

    it('the same refusal sent twice with one refusalId: one event, 201 then 200; the same id with another note → 409 naming body.refusalId', async () => {
      const id = await openCheckpoint();
      await startShift(id);
      const fever = await post(id, 'entries', {
        ...crossing,
        temperatureC: 38.2,
        crossingId: randomUUID(),
      });
      const refusalId = randomUUID();
      const turnBack = {
        personId: crossing.personId,
        reason: 'fever',
        note: '体温38.2，劝返',
        crossingId: fever.json().crossingId,
        at: '2020-01-29T11:52:00+08:00',
        refusalId,
      };
      const first = await post(id, 'refusals', turnBack);
      expect(first.statusCode, first.body).toBe(201);
      expect(first.json()).toMatchObject({ refusalId, date: TODAY });
      // Not CROSSING_ALREADY_REFUSED: the entry was turned back by this very refusal.
      const again = await post(id, 'refusals', turnBack);
      expect(again.statusCode, again.body).toBe(200);
      expect(again.json()).toEqual(first.json());
      const before = await allEvents();
      const reused = await post(id, 'refusals', { ...turnBack, note: '另一位' });
      expect(reused.statusCode).toBe(409);
      expect(reused.json()).toMatchObject({
        code: 'CROSSING_ID_REUSED',
        errors: [{ field: 'body.refusalId' }],
      });
      expect(await allEvents()).toBe(before);
      expect(await dayStream(id)).toEqual([
        'checkpoints.entry-recorded',
        'checkpoints.refusal-recorded',
      ]);
      expect(
        (await inject({ method: 'GET', url: `/checkpoints/${id}/crossings` })).json(),
      ).toMatchObject({ counts: { refusals: 1 }, feverEntriesAwaitingRefusal: [] });
    });
  });

  describe('who may do what', () => {
    it('no token → 401, and nothing appended', async () => {
      const id = await openCheckpoint();
      await startShift(id);
      const before = await allEvents();
      for (const [url, payload] of [
        [`/checkpoints/${id}/entries`, crossing],
        [`/checkpoints/${id}/shifts`, { staff, startedAt: '2020-01-29T09:00:00+08:00' }],
        ['/checkpoints', gate],
      ] as const) {
        const res = await app.inject({ method: 'POST', url, payload });
        expect(res.statusCode).toBe(401);
        expect(res.json().code).toBe('UNAUTHENTICATED');
      }
      expect((await app.inject({ method: 'GET', url: `/checkpoints/${id}` })).statusCode).toBe(401);
      expect(await allEvents()).toBe(before);
    });

    it('staff of another community → 404, as for an unknown checkpoint, on its shifts, crossings and reads', async () => {
      const id = await openCheckpoint();
      await startShift(id);
      const outsider = as(testUser('checkpoint-staff', ['moujia'], 'staff-moujia'));
      const before = await allEvents();
      for (const [url, payload] of [
        [`/checkpoints/${id}/entries`, crossing],
        [`/checkpoints/${id}/exits`, crossing],
        [
          `/checkpoints/${id}/refusals`,
          { reason: 'other', note: '', at: '2020-01-29T11:00:00+08:00' },
        ],
        [
          `/checkpoints/${id}/shifts`,
          { staff, startedAt: '2020-01-29T09:00:00+08:00', handoverNote: 'x' },
        ],
        [
          `/checkpoints/${id}/shifts/current/end`,
          { endedAt: '2020-01-29T09:00:00+08:00', handoverNote: 'x' },
        ],
      ] as const) {
        const res = await inject({ method: 'POST', url, payload, headers: outsider });
        expect(res.statusCode, url).toBe(404);
        expect(res.json().code, url).toBe('CHECKPOINT_NOT_FOUND');
      }
      for (const url of [
        `/checkpoints/${id}`,
        `/checkpoints/${id}/coverage`,
        `/checkpoints/${id}/crossings`,
        `/checkpoints/${id}/history`,
      ]) {
        expect((await inject({ method: 'GET', url, headers: outsider })).statusCode, url).toBe(404);
      }
      const registrarElsewhere = as(testUser('registrar', ['moujia']));
      // Opening one in a community one does not work in names that community: 403.
      expect(
        (
          await inject({
            method: 'POST',
            url: '/checkpoints',
            payload: gate,
            headers: registrarElsewhere,
          })
        ).statusCode,
      ).toBe(403);
      expect(
        (
          await inject({
            method: 'POST',
            url: `/checkpoints/${id}/closure`,
            payload: { reason: 'x' },
            headers: registrarElsewhere,
          })
        ).statusCode,
      ).toBe(404);
      expect(await allEvents()).toBe(before);
    });

    it('wrong role → 403: staff cannot open or close, a registrar cannot record crossings, an analyst cannot write', async () => {
      const id = await openCheckpoint();
      await startShift(id);
      const before = await allEvents();
      expect(
        (await inject({ method: 'POST', url: '/checkpoints', payload: gate })).statusCode,
      ).toBe(403);
      expect(
        (
          await inject({
            method: 'POST',
            url: `/checkpoints/${id}/closure`,
            payload: { reason: 'x' },
          })
        ).statusCode,
      ).toBe(403);
      expect(
        (
          await inject({
            method: 'POST',
            url: `/checkpoints/${id}/entries`,
            payload: crossing,
            headers: as(registrar),
          })
        ).statusCode,
      ).toBe(403);
      expect(
        (
          await inject({
            method: 'POST',
            url: `/checkpoints/${id}/entries`,
            payload: crossing,
            headers: as(testUser('analyst')),
          })
        ).statusCode,
      ).toBe(403);
      expect(
        (
          await inject({
            method: 'GET',
            url: `/checkpoints/${id}`,
            headers: as(testUser('caller', ['zhangcun'])),
          })
        ).statusCode,
      ).toBe(403);
      expect(await allEvents()).toBe(before);
      expect(
        (
          await inject({
            method: 'GET',
            url: `/checkpoints/${id}/crossings`,
            headers: as(testUser('analyst')),
          })
        ).statusCode,
      ).toBe(200);
    });
  });

  describe('bad input: a 4xx naming the field, and nothing appended', () => {
    let id: string;
    beforeAll(async () => {
      id = await openCheckpoint();
      await startShift(id);
    });
    const at = '2020-01-29T11:00:00+08:00';
    const cases: [string, string, unknown, string[]][] = [
      [
        'open: an unknown kind and too many hours',
        '/checkpoints',
        { ...gate, kind: 'gate', staffedHours: 25 },
        ['body.kind', 'body.staffedHours'],
      ],
      ['open: no community', '/checkpoints', { ...gate, communities: [] }, ['body.communities']],
      [
        'open: a community the district does not know',
        '/checkpoints',
        { ...gate, communities: ['atlantis'] },
        ['body.communities.0'],
      ],
      [
        'open: a repeated community',
        '/checkpoints',
        { ...gate, communities: ['zhangcun', 'zhangcun'] },
        ['body.communities'],
      ],
      [
        'open: missing name, unknown field',
        '/checkpoints',
        { ...gate, name: undefined, colour: 'red' },
        ['body.name', 'body.colour'],
      ],
      [
        'merge: an id that is not a UUID, one source only',
        '/checkpoints/merge',
        { checkpointId: 'mine', sources: ['a'], name: 'x', location: 'y', kind: 'road' },
        ['body.checkpointId', 'body.sources'],
      ],
      ['closure: no reason', '/checkpoints/ID/closure', {}, ['body.reason']],
      ['shift: no staff', '/checkpoints/ID/shifts', { staff: [], startedAt: at }, ['body.staff']],
      [
        'shift: a bad role and a missing time',
        '/checkpoints/ID/shifts',
        { staff: [{ ...staff[0], role: 'guard' }] },
        ['body.staff.0.role', 'body.startedAt'],
      ],
      [
        'shift: a time that is not a time',
        '/checkpoints/ID/shifts',
        { staff, startedAt: 'eight o’clock', handoverNote: 'x' },
        ['body.startedAt'],
      ],
      [
        'end: no handover note',
        '/checkpoints/ID/shifts/current/end',
        { endedAt: at },
        ['body.handoverNote'],
      ],
      [
        'entry: temperature as text, pass check missing',
        '/checkpoints/ID/entries',
        { ...crossing, temperatureC: 'hot', passValid: undefined },
        ['body.temperatureC', 'body.passValid'],
      ],
      [
        'entry: temperature out of range',
        '/checkpoints/ID/entries',
        { ...crossing, temperatureC: 45 },
        ['body.temperatureC'],
      ],
      [
        'entry: nobody named',
        '/checkpoints/ID/entries',
        { temperatureC: 36.5, passValid: true, at },
        ['body.personId'],
      ],
      [
        'entry: a malformed ID number',
        '/checkpoints/ID/entries',
        { ...crossing, idNumber: '12345' },
        ['body.idNumber'],
      ],
      [
        'exit: no time, unknown field',
        '/checkpoints/ID/exits',
        { ...crossing, at: undefined, temprature: 36 },
        ['body.at', 'body.temprature'],
      ],
      [
        'refusal: an unknown reason, no note',
        '/checkpoints/ID/refusals',
        { name: 'x', reason: 'rude', at },
        ['body.reason', 'body.note'],
      ],
      [
        'entry: a crossingId that is not a UUID',
        '/checkpoints/ID/entries',
        { ...crossing, crossingId: 'retry-1' },
        ['body.crossingId'],
      ],
      [
        'refusal: a refusalId that is not a UUID',
        '/checkpoints/ID/refusals',
        { name: 'x', reason: 'other', note: '', at, refusalId: 'r-1' },
        ['body.refusalId'],
      ],
    ];
    it.each(cases)('%s', async (_label, url, payload, fields) => {
      const before = await allEvents();
      const res = await inject({
        method: 'POST',
        url: url.replace('ID', id),
        payload: payload as object,
        headers:
          url.startsWith('/checkpoints/ID/') && !url.endsWith('closure') ? {} : as(registrar),
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual(
        expect.arrayContaining(fields),
      );
      expect(await allEvents()).toBe(before);
    });

    it('query and path: an impossible date, an id with bad characters', async () => {
      const coverage = await inject({
        method: 'GET',
        url: `/checkpoints/${id}/coverage?date=2020-02-30`,
      });
      expect(coverage.statusCode).toBe(400);
      expect(coverage.json().errors[0].field).toBe('query.date');
      const crossings = await inject({
        method: 'GET',
        url: `/checkpoints/${id}/crossings?date=yesterday&extra=1`,
      });
      expect(crossings.json().errors.map((e: { field: string }) => e.field)).toEqual(
        expect.arrayContaining(['query.date', 'query.extra']),
      );
      expect(
        (await inject({ method: 'GET', url: '/checkpoints/bad%20id' })).json().errors[0].field,
      ).toBe('params.id');
    });

    it('unknown checkpoint ids → 404 on every endpoint, nothing appended', async () => {
      const before = await allEvents();
      const unknown = uuidv7();
      for (const [url, payload] of [
        [`/checkpoints/${unknown}/entries`, crossing],
        [`/checkpoints/${unknown}/exits`, crossing],
        [`/checkpoints/${unknown}/refusals`, { reason: 'other', note: '', at }],
        [`/checkpoints/${unknown}/shifts`, { staff, startedAt: at }],
        [`/checkpoints/${unknown}/shifts/current/end`, { endedAt: at, handoverNote: '' }],
        [`/checkpoints/${unknown}/closure`, { reason: 'x' }],
      ] as const) {
        const res = await inject({
          method: 'POST',
          url,
          payload,
          headers: url.endsWith('closure') ? as(registrar) : {},
        });
        expect(res.statusCode, url).toBe(404);
        expect(res.json().code).toBe('CHECKPOINT_NOT_FOUND');
      }
      for (const suffix of ['', '/coverage', '/crossings', '/history']) {
        expect(
          (await inject({ method: 'GET', url: `/checkpoints/${unknown}${suffix}` })).statusCode,
        ).toBe(404);
      }
      expect(await allEvents()).toBe(before);
    });

    it('a crossing timed in the future names the time', async () => {
      const res = await inject({
        method: 'POST',
        url: `/checkpoints/${id}/entries`,
        payload: { ...crossing, at: '2020-01-29T18:00:00+08:00' },
      });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({
        code: 'CROSSING_IN_FUTURE',
        errors: [{ field: 'body.at' }],
      });
    });

    it('malformed JSON and an oversized body', async () => {
      const before = await allEvents();
      const malformed = await inject({
        method: 'POST',
        url: `/checkpoints/${id}/entries`,
        payload: '{"temperatureC": ',
        headers: { 'content-type': 'application/json' },
      });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json()).toMatchObject({
        code: 'MALFORMED_JSON',
        errors: [{ field: 'body' }],
      });
      const big = await inject({
        method: 'POST',
        url: `/checkpoints/${id}/refusals`,
        payload: { reason: 'other', note: 'x'.repeat(100_000), at },
      });
      expect(big.statusCode).toBe(413);
      expect(await allEvents()).toBe(before);
    });
  });

  it('serves an OpenAPI document listing the routes with their roles', async () => {
    const doc = (await inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/checkpoints',
        '/checkpoints/merge',
        '/checkpoints/{id}/shifts',
        '/checkpoints/{id}/entries',
        '/checkpoints/{id}/coverage',
        '/checkpoints/{id}/crossings',
      ]),
    );
    expect(doc.paths['/checkpoints/{id}/entries'].post['x-roles']).toEqual(['checkpoint-staff']);
    expect(doc.paths['/checkpoints'].get['x-roles']).toEqual([
      'checkpoint-staff',
      'registrar',
      'report-officer',
      'analyst',
    ]);
    expect(doc.paths['/checkpoints'].get.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'status',
          in: 'query',
          required: false,
          schema: expect.objectContaining({ enum: ['open', 'closed', 'merged'] }),
        }),
      ]),
    );
  });

  describe('the list of checkpoints (GET /checkpoints)', () => {
    // An event store and directory of its own, so the list holds only what these tests open: the
    // communities of two districts, north (alpha, beta) and south (gamma).
    const directory = { alpha: 'north', beta: 'north', gamma: 'south' };
    let listDir: string;
    let listEvents: EventStore;
    let listApp: ServiceApp;
    const lists: { stop(): Promise<void> }[] = [];
    /** A service instance of its own, with the list it keeps in memory from the log. */
    const buildListApp = async () => {
      const list = await startCheckpointList({
        eventStore: listEvents,
        logger: pino({ level: 'silent' }),
      });
      const listResidents = await startResidentsDirectory({
        eventStore: listEvents,
        logger: pino({ level: 'silent' }),
      });
      lists.push(list, listResidents);
      return buildCheckpointsApp({
        eventStore: listEvents,
        clock,
        newId: () => uuidv7(now.getTime()),
        timeZone: 'Asia/Shanghai',
        projectionStore: new InMemoryProjectionStore(),
        checkpointList: list,
        residents: listResidents,
        district: districtOf(
          parseDistrictConfig({
            ...SHIPPED_DISTRICT.config,
            districts: [
              { id: 'north', label: '北' },
              { id: 'south', label: '南' },
            ],
            communities: Object.entries(directory).map(([id, district]) => ({
              id,
              label: id,
              district,
            })),
            estates: [],
          }),
        ),
        logger: pino({ level: 'silent' }),
        authSecret: TEST_AUTH_SECRET,
        vault: testVault().vault,
        namingKey: TEST_NAMING_KEY,
      });
    };
    beforeAll(async () => {
      listDir = mkdtempSync(join(tmpdir(), 'fangyi-cp-list-'));
      listEvents = new SqliteEventStore({ path: join(listDir, 'events.db'), clock });
      listApp = await buildListApp();
      await listApp.ready();
    });
    afterAll(async () => {
      await listApp.close();
      await Promise.all(lists.map((l) => l.stop()));
      await listEvents.close();
      rmSync(listDir, { recursive: true, force: true });
    });

    type Row = { checkpointId: string; status: string; [key: string]: unknown };
    const send = (
      user: ReturnType<typeof testUser>,
      method: 'GET' | 'POST',
      url: string,
      payload?: object,
      target = listApp,
    ) => target.inject({ method, url, ...(payload ? { payload } : {}), headers: authHeader(user) });
    const listAs = async (user: ReturnType<typeof testUser>, query = '', target = listApp) => {
      const res = await send(user, 'GET', `/checkpoints${query}`, undefined, target);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json<{ total: number; checkpoints: Row[] }>();
      expect(body.total).toBe(body.checkpoints.length);
      return body.checkpoints;
    };
    const ids = (rows: Row[]) => rows.map((r) => r.checkpointId);
    const byId = (rows: Row[], id: string) => rows.find((r) => r.checkpointId === id);
    const listRegistrar = testUser('registrar', ['*'], 'registrar-list');
    const openAt = async (name: string, communities: string[], at = EVENING_BEFORE) => {
      now = at;
      const res = await send(listRegistrar, 'POST', '/checkpoints', {
        name,
        location: `${name}路口`,
        communities,
        kind: 'road',
      });
      now = NOON;
      expect(res.statusCode, res.body).toBe(201);
      return res.json<{ checkpointId: string }>().checkpointId;
    };

    let a: string;
    let b: string;
    let c: string;
    let d: string;
    let e: string;
    let f: string;
    let joint: string;
    const staffAlpha = testUser('checkpoint-staff', ['alpha'], 'staff-alpha');
    beforeAll(async () => {
      a = await openAt('甲东口', ['alpha'], new Date('2020-01-28T20:00:00+08:00'));
      b = await openAt('乙西口', ['beta'], new Date('2020-01-28T20:30:00+08:00'));
      c = await openAt('甲丙联合口', ['alpha', 'gamma'], new Date('2020-01-28T21:00:00+08:00'));
      d = await openAt('甲南口', ['alpha'], new Date('2020-01-28T21:30:00+08:00'));
      e = await openAt('乙南口', ['beta'], new Date('2020-01-28T21:40:00+08:00'));
      f = await openAt('甲北口', ['alpha'], new Date('2020-01-28T21:50:00+08:00'));
    });

    it('each caller sees the checkpoints of their communities; a joint one is seen from each of its communities', async () => {
      expect(ids(await listAs(staffAlpha))).toEqual(expect.arrayContaining([a, c, d, f]));
      expect(ids(await listAs(staffAlpha))).not.toEqual(expect.arrayContaining([b]));
      expect(ids(await listAs(testUser('checkpoint-staff', ['gamma'], 'staff-gamma')))).toEqual([
        c,
      ]);
      expect(ids(await listAs(testUser('report-officer', ['beta'], 'officer-beta')))).toEqual(
        expect.arrayContaining([b, e]),
      );
      const everyone = await listAs(testUser('analyst', ['*'], 'analyst-all'));
      expect(ids(everyone)).toEqual(expect.arrayContaining([a, b, c, d, e, f]));
      // Oldest first.
      expect(ids(everyone).slice(0, 3)).toEqual([a, b, c]);
      expect(byId(everyone, c)).toEqual({
        checkpointId: c,
        name: '甲丙联合口',
        location: '甲丙联合口路口',
        kind: 'road',
        communities: [
          { community: 'alpha', district: 'north' },
          { community: 'gamma', district: 'south' },
        ],
        status: 'open',
        staffedHours: 24,
        shiftOnDuty: null,
        mergedInto: null,
        mergedFrom: [],
        openedAt: '2020-01-28T13:00:00.000Z',
        closedAt: null,
      });
    });

    it("?community= narrows to one of the caller's communities; another community is 403, whoever else may see the checkpoint", async () => {
      expect(ids(await listAs(staffAlpha, '?community=alpha'))).toEqual(
        expect.arrayContaining([a, c, d, f]),
      );
      const gammaForAdmin = await listAs(testUser('admin'), '?community=gamma');
      expect(ids(gammaForAdmin)).toEqual([c]);
      for (const community of ['gamma', 'beta']) {
        const res = await send(staffAlpha, 'GET', `/checkpoints?community=${community}`);
        expect(res.statusCode, community).toBe(403);
        expect(res.json().code).toBe('FORBIDDEN');
      }
    });

    it('who may read: no token 401, a caller or complaint handler 403', async () => {
      expect((await listApp.inject({ method: 'GET', url: '/checkpoints' })).statusCode).toBe(401);
      expect((await send(testUser('caller', ['alpha']), 'GET', '/checkpoints')).statusCode).toBe(
        403,
      );
      expect(
        (await send(testUser('complaint-handler', ['alpha']), 'GET', '/checkpoints')).statusCode,
      ).toBe(403);
    });

    it('shows the shift on duty, closures and merges at once, and ?status= picks them out', async () => {
      const shift = await send(staffAlpha, 'POST', `/checkpoints/${d}/shifts`, {
        staff,
        startedAt: '2020-01-29T08:00:00+08:00',
      });
      expect(shift.statusCode, shift.body).toBe(201);
      let rows = await listAs(staffAlpha);
      expect(byId(rows, d)!.shiftOnDuty).toEqual({
        shiftId: shift.json().shiftId,
        since: '2020-01-29T00:00:00.000Z',
        staffCount: 2,
      });

      expect(
        (await send(listRegistrar, 'POST', `/checkpoints/${f}/closure`, { reason: '封闭小区北门' }))
          .statusCode,
      ).toBe(200);
      joint = uuidv7();
      const merged = await send(listRegistrar, 'POST', '/checkpoints/merge', {
        checkpointId: joint,
        sources: [d, e],
        name: '甲乙联合口',
        location: '南环路',
        kind: 'road',
      });
      expect(merged.statusCode, merged.body).toBe(201);

      // Read right after the writes: the list is up to date with them.
      rows = await listAs(testUser('analyst', ['*']));
      expect(byId(rows, f)).toMatchObject({
        status: 'closed',
        closedAt: NOON.toISOString(),
        mergedInto: null,
        shiftOnDuty: null,
      });
      for (const source of [d, e])
        expect(byId(rows, source)).toMatchObject({
          status: 'merged',
          mergedInto: joint,
          closedAt: NOON.toISOString(),
          shiftOnDuty: null,
        });
      expect(byId(rows, joint)).toMatchObject({
        status: 'open',
        mergedFrom: [d, e],
        mergedInto: null,
        communities: [
          { community: 'alpha', district: 'north' },
          { community: 'beta', district: 'north' },
        ],
        openedAt: NOON.toISOString(),
      });

      expect(ids(await listAs(testUser('analyst', ['*']), '?status=merged'))).toEqual([d, e]);
      expect(ids(await listAs(testUser('analyst', ['*']), '?status=closed'))).toEqual([f]);
      expect(ids(await listAs(testUser('analyst', ['*']), '?status=open'))).toEqual([
        a,
        b,
        c,
        joint,
      ]);
      expect(
        ids(await listAs(testUser('checkpoint-staff', ['beta']), '?community=beta&status=open')),
      ).toEqual([b, joint]);
      // Nothing was appended by reading.
      const total = (await listEvents.readAll({ limit: 100_000 })).length;
      await listAs(staffAlpha);
      expect((await listEvents.readAll({ limit: 100_000 })).length).toBe(total);
    });

    it('a merge retried after the list was read changes no row', async () => {
      const before = await listAs(testUser('admin'));
      const retry = await send(listRegistrar, 'POST', '/checkpoints/merge', {
        checkpointId: joint,
        sources: [d, e],
        name: '甲乙联合口',
        location: '南环路',
        kind: 'road',
      });
      expect(retry.statusCode).toBe(200);
      expect(await listAs(testUser('admin'))).toEqual(before);
    });

    it('a fresh instance builds the same list from the event store, and each instance sees the writes made through the other at once', async () => {
      const expected = await listAs(testUser('admin'));
      const first = await buildListApp();
      const second = await buildListApp();
      expect(await listAs(testUser('admin'), '', first)).toEqual(expected);
      expect(await listAs(testUser('admin'), '', second)).toEqual(expected);
      const g = await openAt('丙口', ['gamma']);
      expect(ids(await listAs(testUser('admin'), '?community=gamma', second))).toEqual([c, g]);
      expect(ids(await listAs(testUser('admin'), '?community=gamma', first))).toEqual([c, g]);
      await Promise.all([first.close(), second.close()]);
    });

    const badQueries: [string, string[]][] = [
      ['?status=shut', ['query.status']],
      ['?status=', ['query.status']],
      ['?status=open&status=closed', ['query.status']],
      ['?community=atlantis', ['query.community']],
      ['?community=', ['query.community']],
      ['?page=2', ['query.page']],
    ];
    it.each(badQueries)('bad query %s → 400 problem+json naming %s', async (query, fields) => {
      const res = await send(staffAlpha, 'GET', `/checkpoints${query}`);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().errors.map((x: { field: string }) => x.field)).toEqual(fields);
    });
  });
});
