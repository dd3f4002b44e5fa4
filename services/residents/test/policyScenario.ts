import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pino } from 'pino';
import type { PersonalDataVault } from '@fangyi/service-kit';
import { TEST_RESERVATION_KEY, sqliteVault } from './privacy.ts';
import { idNumberCheckChar, topicFor, uuidv7, type Envelope } from '@fangyi/contracts';
import { SqliteEventStore, type EventStore } from '@fangyi/eventstore';
import type { MessageBus } from '@fangyi/messaging';
import type { ServiceApp } from '@fangyi/service-kit';
import { TEST_AUTH_SECRET, authHeader, testUser } from '@fangyi/testkit';
import { busSource } from '@fangyi/processors';
import {
  POLICY_ACTOR,
  buildResidentsApp,
  householdStreamId,
  personStreamId,
  startHouseholdPeopleFeed,
  startResidentsPolicies,
  type HouseholdPeopleFeed,
} from '../src/index.ts';

// 2020-02-05 09:30 in Shanghai.
const now = new Date('2020-02-05T01:30:00.000Z');
const TODAY = '2020-02-05';
const POLL = { timeout: 30_000, interval: 50 };

/**
 * The policies end to end over a bus: envelopes published as the quarantine and complaints relays
 * would publish them, each triggering one TWICE (a redelivery), and the residents event store
 * checked for the effect, once. A later event on the same key (so the same partition, in order)
 * tells the test that the earlier ones have all been handled.
 */
export function policyScenario(makeBus: () => MessageBus | Promise<MessageBus>): void {
  const prefix = `fangyi-t-${randomUUID().slice(0, 8)}`;
  let dir: string;
  let eventStore: EventStore;
  let vault: PersonalDataVault;
  let bus: MessageBus;
  let app: ServiceApp;
  let policies: { stop(): Promise<void> };
  let householdPeople: HouseholdPeopleFeed;
  const registrar = authHeader(testUser('registrar', ['zhangcun'], 'registrar-zhangcun'));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fangyi-rp-'));
    eventStore = new SqliteEventStore({ path: join(dir, 'events.db'), clock: () => now });
    ({ vault } = sqliteVault(join(dir, 'events.db')));
    bus = await makeBus();
    const newId = () => uuidv7();
    householdPeople = await startHouseholdPeopleFeed({
      eventStore,
      logger: pino({ level: 'silent' }),
      dateOf: (iso) => iso.slice(0, 10),
    });
    app = buildResidentsApp({
      vault,
      reservationKey: TEST_RESERVATION_KEY,
      eventStore,
      clock: () => now,
      newId,
      timeZone: 'Asia/Shanghai',
      householdPeople,
      logger: pino({ level: 'silent' }),
      authSecret: TEST_AUTH_SECRET,
    });
    await app.ready();
    policies = await startResidentsPolicies({
      source: busSource({ bus, topicPrefix: prefix }),
      eventStore,
      logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }),
      clock: () => now,
      newId,
    });
  });
  afterAll(async () => {
    await policies?.stop();
    await bus?.close();
    await app?.close();
    await householdPeople?.stop();
    await eventStore?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = async (url: string, payload: object) => {
    const res = await app.inject({ method: 'POST', url, payload, headers: registrar });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json();
  };
  let seq = 301;
  const registerHousehold = async () =>
    (
      await post('/residents/households', {
        community: 'zhangcun',
        grid: 'zhangcun-01',
        address: '张村河路3号',
        kind: 'rental',
      })
    ).householdId as string;
  const registerPerson = async (householdId: string) => {
    const first17 = `37020219880808${seq}`;
    seq += 2;
    return (
      await post('/residents/people', {
        householdId,
        name: '陈静',
        idNumber: first17 + idNumberCheckChar(first17),
        phone: '13800000000',
        registration: 'local',
      })
    ).personId as string;
  };

  const envelope = (
    type: string,
    streamId: string,
    streamRevision: number,
    data: object,
  ): Envelope => {
    const id = uuidv7();
    const at = now.toISOString();
    return {
      id,
      type,
      schemaVersion: 1,
      streamId,
      streamRevision,
      occurredAt: at,
      recordedAt: at,
      actor: { id: 'someone', role: 'caller' },
      correlationId: id,
      causationId: null,
      data,
    };
  };
  const publish = (context: string, ...envelopes: Envelope[]) =>
    bus.publish(
      topicFor(context, prefix),
      envelopes.map((e) => ({ key: e.streamId, value: JSON.stringify(e) })),
    );
  const started = (caseStream: string, caseId: string, personId: string) =>
    envelope('quarantine.home-quarantine-started', caseStream, 0, {
      caseId,
      personId,
      personName: '陈静',
      community: 'zhangcun',
      startDate: TODAY,
      endDate: '2020-02-18',
      periodDays: 14,
      reason: 'close-contact',
      assignedCaller: 'caller-1',
    });
  const ended = (caseStream: string, caseId: string, personId: string) =>
    envelope('quarantine.home-quarantine-ended', caseStream, 1, {
      caseId,
      personId,
      community: 'zhangcun',
      outcome: 'completed',
      endedOn: TODAY,
    });
  const resolved = (complaintId: string, householdId: string | undefined, o: object = {}) =>
    envelope('complaints.complaint-resolved', `complaint-${complaintId}`, 2, {
      complaintId,
      community: 'zhangcun',
      category: 'illegal-rental',
      resolution: 'substantiated',
      ...(householdId ? { householdId } : {}),
      status: 'resolved',
      statusNote: '查实',
      ...o,
    });
  const typesOf = async (streamId: string) =>
    (await eventStore.readStream(streamId)).map((e) => e.type);

  it('home quarantine started, delivered twice: the person is marked once and the pass revoked once; ended clears it', async () => {
    const personId = await registerPerson(await registerHousehold());
    await post(`/residents/people/${personId}/screenings`, { date: TODAY, temperatureC: 36.4 });
    await post(`/residents/people/${personId}/pass`, { validUntil: '2020-02-19' });
    const caseId = uuidv7();
    const caseStream = `homeQuarantine-${caseId}`;
    const start = started(caseStream, caseId, personId);
    const end = ended(caseStream, caseId, personId);

    await publish('quarantine', start, start);
    await expect
      .poll(() => typesOf(personStreamId(personId)), POLL)
      .toContain('residents.pass-revoked');
    await publish('quarantine', end);
    await expect
      .poll(() => typesOf(personStreamId(personId)), POLL)
      .toContain('residents.quarantine-cleared');

    const events = await eventStore.readStream(personStreamId(personId));
    expect(events.map((e) => e.type)).toEqual([
      'residents.person-registered',
      'residents.screening-recorded',
      'residents.pass-issued',
      'residents.quarantine-marked',
      'residents.pass-revoked',
      'residents.quarantine-cleared',
    ]);
    const [marked, revoked, cleared] = events.slice(3);
    expect(marked).toMatchObject({
      actor: POLICY_ACTOR,
      causationId: start.id,
      correlationId: start.correlationId,
      data: { caseId, startDate: TODAY },
    });
    expect(revoked!.data).toMatchObject({ reason: 'home-quarantine-started' });
    expect(cleared).toMatchObject({ causationId: end.id, data: { caseId, outcome: 'completed' } });

    // Eligible for a pass again once the quarantine has ended.
    const person = await app.inject({
      method: 'GET',
      url: `/residents/people/${personId}`,
      headers: registrar,
    });
    expect(person.json()).toMatchObject({
      underQuarantine: false,
      passEligibility: 'eligible',
      pass: { status: 'revoked' },
    });

    // Late redeliveries of the whole case, an event for a person the register does not know, then a
    // second case on the same key: once that is marked, everything before it has been handled.
    const secondCase = uuidv7();
    await publish(
      'quarantine',
      end,
      start,
      started(caseStream, uuidv7(), `unknown-${uuidv7()}`),
      started(caseStream, secondCase, personId),
    );
    await expect
      .poll(
        async () =>
          (await eventStore.readStream(personStreamId(personId))).filter(
            (e) => (e.data as { caseId?: string }).caseId === secondCase,
          ).length,
        POLL,
      )
      .toBe(1);
    expect((await typesOf(personStreamId(personId))).slice(6)).toEqual([
      'residents.quarantine-marked',
    ]);
  });

  it("an arrival's assessment, delivered twice, is recorded once on the person and shown on their record; until then the record says pending", async () => {
    const householdId = await registerHousehold();
    const first17 = `42010219900101${seq}`;
    seq += 2;
    const registered = await post('/residents/people', {
      householdId,
      name: '王磊',
      idNumber: first17 + idNumberCheckChar(first17),
      phone: '13900000000',
      registration: 'outside',
      originProvince: '湖北省',
      originCity: '武汉市',
      arrivedOn: '2020-01-10',
    });
    const personId = registered.personId as string;
    // The registrar is told that the arrival is being assessed, and where the outcome will appear.
    expect(registered).toMatchObject({
      arrivalReported: true,
      quarantineAssessment: { status: 'pending', see: `/residents/people/${personId}` },
    });
    const read = async () =>
      (
        await app.inject({
          method: 'GET',
          url: `/residents/people/${personId}`,
          headers: registrar,
        })
      ).json();
    expect((await read()).quarantineAssessment).toEqual({
      status: 'pending',
      arrivedOn: '2020-01-10',
      originProvince: '湖北省',
      originCity: '武汉市',
    });

    const assessed = envelope('quarantine.arrival-assessed', `arrivalAssessment-${uuidv7()}`, 0, {
      arrivalEventId: uuidv7(),
      personId,
      community: 'zhangcun',
      arrivedOn: '2020-01-10',
      originProvince: '湖北省',
      originCity: '武汉市',
      outcome: 'no-home-quarantine',
      reason: 'period-already-over',
      periodEndDate: '2020-01-23',
      note: 'arrival assessed: no home quarantine, the 14 days from 2020-01-10 (from 湖北省/武汉市) were already over on 2020-01-23',
    });
    await publish('quarantine', assessed, assessed);
    await expect
      .poll(async () => (await read()).quarantineAssessment.status, POLL)
      .toBe('assessed');
    // A later event on the person's key: once it shows, the redelivery has been handled too.
    const caseId = uuidv7();
    await publish('quarantine', {
      ...started(`homeQuarantine-${caseId}`, caseId, personId),
      streamId: assessed.streamId,
    });
    await expect
      .poll(() => typesOf(personStreamId(personId)), POLL)
      .toContain('residents.quarantine-marked');
    expect(
      (await typesOf(personStreamId(personId))).filter(
        (t) => t === 'residents.quarantine-assessed',
      ),
    ).toHaveLength(1);
    expect((await read()).quarantineAssessment).toMatchObject({
      status: 'assessed',
      outcome: 'no-home-quarantine',
      reason: 'period-already-over',
      note: expect.stringContaining('already over'),
      assessmentEventId: assessed.id,
    });
    const history = (
      await app.inject({
        method: 'GET',
        url: `/residents/people/${personId}/history`,
        headers: registrar,
      })
    ).json<{ type: string; causationId: string }[]>();
    expect(history.find((e) => e.type === 'residents.quarantine-assessed')).toMatchObject({
      causationId: assessed.id,
    });
  });

  it('a substantiated illegal-rental complaint, delivered twice, suspends the household once; others change nothing', async () => {
    const host = await registerHousehold();
    const other = await registerHousehold();
    const sentinel = await registerHousehold();
    const complaintId = uuidv7();
    const complaint = resolved(complaintId, host);
    const sameKey = (e: Envelope) => ({ ...e, streamId: complaint.streamId });

    await publish(
      'complaints',
      complaint,
      complaint,
      sameKey(resolved(uuidv7(), other, { resolution: 'unsubstantiated' })),
      sameKey(resolved(uuidv7(), other, { category: 'sanitation' })),
      sameKey(resolved(uuidv7(), undefined)),
      sameKey(resolved(uuidv7(), `unknown-${uuidv7()}`)),
      sameKey(resolved(uuidv7(), sentinel)),
    );
    await expect
      .poll(() => typesOf(householdStreamId(sentinel)), POLL)
      .toContain('residents.rental-suspended');

    const events = await eventStore.readStream(householdStreamId(host));
    expect(events.map((e) => e.type)).toEqual([
      'residents.household-registered',
      'residents.rental-suspended',
    ]);
    expect(events[1]).toMatchObject({
      actor: POLICY_ACTOR,
      causationId: complaint.id,
      data: { reason: 'illegal-rental-report', sourceComplaintId: complaintId, suspendedOn: TODAY },
    });
    expect(await typesOf(householdStreamId(other))).toEqual(['residents.household-registered']);

    // The ban holds at registration: no new outside tenant for the host household.
    const first17 = '42010619950505007';
    const res = await app.inject({
      method: 'POST',
      url: '/residents/people',
      headers: registrar,
      payload: {
        householdId: host,
        name: '赵磊',
        idNumber: first17 + idNumberCheckChar(first17),
        phone: '13700000000',
        registration: 'outside',
        originProvince: '湖北',
        originCity: '黄冈',
      },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('RENTAL_SUSPENDED');
  });

  it('an overturned report lifts the suspension it caused, once, and leaves a ban with another cause alone', async () => {
    const host = await registerHousehold();
    const bannedByHand = await registerHousehold();
    await post(`/residents/households/${bannedByHand}/rental-suspension`, {
      reason: 'community-rental-ban',
    });
    const complaintId = uuidv7();
    const complaint = resolved(complaintId, host);
    const withdrawn = (householdId: string) =>
      envelope('complaints.fine-withdrawn', complaint.streamId, 5, {
        complaintId,
        householdId,
        amountYuan: 5000,
        reason: 'resolution-changed',
      });

    await publish('complaints', complaint);
    await expect
      .poll(() => typesOf(householdStreamId(host)), POLL)
      .toContain('residents.rental-suspended');
    // Delivered twice, and once aimed at a household whose ban has another cause.
    await publish('complaints', withdrawn(host), withdrawn(host), withdrawn(bannedByHand));
    await expect
      .poll(() => typesOf(householdStreamId(host)), POLL)
      .toContain('residents.rental-suspension-lifted');
    // A later event on the same key: once it is handled, so are the ones before it.
    const sentinel = await registerHousehold();
    await publish('complaints', { ...resolved(uuidv7(), sentinel), streamId: complaint.streamId });
    await expect
      .poll(() => typesOf(householdStreamId(sentinel)), POLL)
      .toContain('residents.rental-suspended');

    expect(await typesOf(householdStreamId(host))).toEqual([
      'residents.household-registered',
      'residents.rental-suspended',
      'residents.rental-suspension-lifted',
    ]);
    expect(await typesOf(householdStreamId(bannedByHand))).toEqual([
      'residents.household-registered',
      'residents.rental-suspended',
    ]);
  });
}
