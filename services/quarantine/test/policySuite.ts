import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { topicFor, uuidv7, type Envelope } from '@fangyi/contracts';
import { SqliteEventStore, type EventStore } from '@fangyi/eventstore';
import type { MessageBus } from '@fangyi/messaging';
import { busSource } from '@fangyi/processors';
import { InMemoryProjectionStore } from '@fangyi/projections';
import { handleCommand } from '@fangyi/service-kit';
import {
  arrivalAssessmentStreamId,
  homeQuarantineDecider,
  nextCaseId,
  parseCallers,
  parseRiskAreas,
  startActiveCasesFeed,
  startPeopleDirectoryFeed,
  startQuarantinePolicies,
  streamIdOf,
  type ActiveCasesFeed,
  type PeopleDirectoryFeed,
} from '../src/index.ts';
import { arrival, breach, eventually, publish } from './policySupport.ts';

/**
 * The quarantine policies against a message bus: each triggering envelope is published twice and
 * must take effect once. Run with the in-process bus and with Kafka.
 */
export function quarantinePolicySuite(
  name: string,
  makeBus: () => MessageBus,
  timeoutMs = 20_000,
): void {
  describe(`quarantine policies (${name})`, { timeout: timeoutMs * 3 }, () => {
    const prefix = `fangyi-t-${randomUUID().slice(0, 8)}`;
    const residents = topicFor('residents', prefix);
    const checkpoints = topicFor('checkpoints', prefix);
    const now = new Date('2020-01-29T01:30:00.000Z');
    const logger = pino({ level: 'silent' });
    let dir: string;
    let eventStore: EventStore;
    let bus: MessageBus;
    let feed: ActiveCasesFeed;
    let people: PeopleDirectoryFeed;
    let policies: { stop(): Promise<void> };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'fangyi-pol-'));
      eventStore = new SqliteEventStore({ path: join(dir, 'events.db'), clock: () => now });
      bus = makeBus();
      feed = await startActiveCasesFeed({
        eventStore,
        store: new InMemoryProjectionStore(),
        logger,
        idleMs: 10,
      });
      people = await startPeopleDirectoryFeed({ eventStore, logger, idleMs: 10 });
      policies = await startQuarantinePolicies({
        source: busSource({ bus, topicPrefix: prefix }),
        eventStore,
        logger,
        activeCases: feed.activeCases,
        people,
        district: { riskAreas: parseRiskAreas('湖北省,浙江省/温州市'), quarantinePeriodDays: 14 },
        callers: parseCallers('moujia=caller-moujia-1|caller-moujia-2;wenzhang=w1|w2'),
        clock: () => now,
        timeZone: 'Asia/Shanghai',
        newId: () => uuidv7(),
      });
    }, 60_000);
    afterAll(async () => {
      await policies?.stop();
      await bus?.close();
      await feed?.stop();
      await people?.stop();
      await eventStore?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    /** The case an arrival started: the one whose start names it as its source. */
    const caseIdOf = async (arrivalEvent: Envelope) =>
      (
        (await eventStore.readAll({ limit: 100_000 })).find(
          (e) =>
            e.type === 'quarantine.home-quarantine-started' &&
            (e.data as { sourceEventId?: string }).sourceEventId === arrivalEvent.id,
        )?.data as { caseId: string } | undefined
      )?.caseId;
    const caseOf = async (arrivalEvent: Envelope) => {
      const caseId = await caseIdOf(arrivalEvent);
      return caseId ? eventStore.readStream(streamIdOf(caseId)) : [];
    };
    const waitForCase = (arrivalEvent: Envelope) =>
      eventually(
        'the case of the sentinel arrival',
        async () => ((await caseOf(arrivalEvent)).length > 0 ? true : undefined),
        timeoutMs,
      );
    const assessmentOf = async (arrivalEvent: Envelope) =>
      eventStore.readStream(arrivalAssessmentStreamId(arrivalEvent.id));
    const waitForAssessment = (arrivalEvent: Envelope) =>
      eventually(
        'the assessment of the arrival',
        async () => ((await assessmentOf(arrivalEvent)).length > 0 ? true : undefined),
        timeoutMs,
      );
    const startedCases = async () =>
      (await eventStore.readAll({ limit: 100_000 })).filter(
        (e) => e.type === 'quarantine.home-quarantine-started',
      );

    it('an arrival from Hubei delivered twice starts one 14-day case from the arrival day, with the arrival as its source', async () => {
      const arrived = arrival({
        originProvince: '湖北省',
        originCity: '孝感市',
        arrivedOn: '2020-01-28',
      });
      const sentinel = arrival({ streamId: arrived.streamId });
      await publish(bus, residents, [arrived, arrived, sentinel]);
      await waitForCase(sentinel);

      const events = await caseOf(arrived);
      expect(events.map((e) => e.type)).toEqual(['quarantine.home-quarantine-started']);
      expect(events[0]).toMatchObject({
        actor: { id: 'policy-arrival-quarantine', role: 'system' },
        causationId: arrived.id,
        correlationId: arrived.correlationId,
        data: {
          caseId: nextCaseId((arrived.data as { personId: string }).personId, 0),
          personId: (arrived.data as { personId: string }).personId,
          community: 'moujia',
          startDate: '2020-01-28',
          endDate: '2020-02-10',
          reason: 'arrival-from-risk-area',
          sourceEventId: arrived.id,
          assignedCaller: expect.stringMatching(/^caller-moujia-[12]$/),
        },
      });
    });

    it('an arrival from elsewhere, or one whose period is already over, starts nothing', async () => {
      const before = (await startedCases()).length;
      const fromShandong = arrival({ originProvince: '山东省', originCity: '青岛市' });
      const fromHangzhou = arrival({
        originProvince: '浙江省',
        originCity: '杭州市',
        streamId: fromShandong.streamId,
      });
      const longAgo = arrival({ arrivedOn: '2020-01-01', streamId: fromShandong.streamId });
      const sentinel = arrival({
        originProvince: '浙江省',
        originCity: '温州市',
        streamId: fromShandong.streamId,
      });
      await publish(bus, residents, [fromShandong, fromHangzhou, longAgo, sentinel]);
      await waitForCase(sentinel);
      expect((await startedCases()).length).toBe(before + 1);
    });

    it("spreads new cases over the community's callers, and starts a case unassigned where no caller is configured", async () => {
      const first = arrival({ community: 'wenzhang' });
      const rest = [1, 2, 3].map(() =>
        arrival({ community: 'wenzhang', streamId: first.streamId }),
      );
      const kutao = arrival({ community: 'kutao', streamId: first.streamId });
      await publish(bus, residents, [first, ...rest, kutao]);
      await waitForCase(kutao);
      const callers = await Promise.all(
        [first, ...rest].map(
          async (a) => ((await caseOf(a))[0]!.data as { assignedCaller: string }).assignedCaller,
        ),
      );
      expect(callers.filter((c) => c === 'w1')).toHaveLength(2);
      expect(callers.filter((c) => c === 'w2')).toHaveLength(2);
      expect((await caseOf(kutao))[0]!.data).toMatchObject({ assignedCaller: 'unassigned' });
    });

    it("a checkpoint breach delivered twice is recorded once on the person's active case", async () => {
      const personId = `p-${uuidv7()}`;
      const caseId = uuidv7();
      await handleCommand(
        eventStore,
        streamIdOf(caseId),
        homeQuarantineDecider,
        {
          type: 'StartHomeQuarantine',
          data: {
            caseId,
            personId,
            personName: '刘洋',
            community: 'zhangcun',
            startDate: '2020-01-27',
            periodDays: 14,
            reason: 'close-contact',
            assignedCaller: 'unassigned',
            facts: {
              person: { community: 'zhangcun', status: 'living' },
              activeCaseId: null,
              callers: new Map(),
            },
          },
        },
        {
          actor: { id: 'registrar-1', role: 'registrar' },
          correlationId: 'c',
          occurredAt: now,
          newId: () => uuidv7(),
        },
      );
      await feed.caughtUp();

      const crossed = breach(personId);
      // A breach of someone with no case is skipped, as is one naming a case that does not exist or is
      // someone else's; a second breach of the same person follows on the same key.
      const stranger = breach(`p-${uuidv7()}`, { streamId: crossed.streamId });
      const phantom = breach(personId, { caseId: uuidv7(), streamId: crossed.streamId });
      const notTheirs = breach(`p-${uuidv7()}`, { caseId, streamId: crossed.streamId });
      const sentinel = breach(personId, { caseId, streamId: crossed.streamId });
      await publish(bus, checkpoints, [crossed, crossed, stranger, phantom, notTheirs, sentinel]);
      const breachesOf = async () =>
        (await eventStore.readStream(streamIdOf(caseId))).filter(
          (e) => e.type === 'quarantine.breach-recorded',
        );
      await eventually(
        'both breaches on the case',
        async () => ((await breachesOf()).length >= 2 ? true : undefined),
        timeoutMs,
      );

      const recorded = await breachesOf();
      expect(recorded.map((e) => (e.data as { breachId: string }).breachId)).toEqual([
        (crossed.data as { breachId: string }).breachId,
        (sentinel.data as { breachId: string }).breachId,
      ]);
      expect(recorded[0]).toMatchObject({
        actor: { id: 'policy-checkpoint-breach', role: 'system' },
        causationId: crossed.id,
        data: {
          caseId,
          checkpointId: 'zhangcun-east',
          direction: 'exit',
          at: '2020-01-29T02:15:00.000Z',
          sourceEventId: crossed.id,
        },
      });
      const all = (await eventStore.readAll({ limit: 100_000 })).filter(
        (e) => e.type === 'quarantine.breach-recorded',
      );
      expect(all).toHaveLength(2);
    });

    it("records every arrival's assessment once, the decisions not to act with why", async () => {
      const fromHubei = arrival({
        originProvince: '湖北省',
        originCity: '孝感市',
        arrivedOn: '2020-01-28',
      });
      const fromShandong = arrival({
        originProvince: '山东省',
        originCity: '青岛市',
        streamId: fromHubei.streamId,
      });
      const over = arrival({ arrivedOn: '2020-01-10', streamId: fromHubei.streamId });
      await publish(bus, residents, [fromHubei, fromShandong, over, over, fromShandong]);
      await waitForAssessment(over);
      await waitForAssessment(fromShandong);
      expect(await caseIdOf(fromHubei)).toEqual(expect.any(String));
      const [started] = await assessmentOf(fromHubei);
      expect(started).toMatchObject({
        type: 'quarantine.arrival-assessed',
        causationId: fromHubei.id,
        actor: { id: 'policy-arrival-quarantine' },
        data: {
          arrivalEventId: fromHubei.id,
          outcome: 'home-quarantine-started',
          reason: 'from-risk-area',
          caseId: await caseIdOf(fromHubei),
          periodEndDate: '2020-02-10',
        },
      });
      expect((await assessmentOf(fromShandong)).map((e) => e.data)).toEqual([
        expect.objectContaining({ outcome: 'no-home-quarantine', reason: 'not-from-risk-area' }),
      ]);
      const overAssessed = await assessmentOf(over);
      expect(overAssessed).toHaveLength(1);
      expect(overAssessed[0]!.data).toMatchObject({
        outcome: 'no-home-quarantine',
        reason: 'period-already-over',
        periodEndDate: '2020-01-23',
        note: expect.stringMatching(
          /no home quarantine, the 14 days from 2020-01-10 .* already over/,
        ),
      });
      expect(await caseOf(over)).toEqual([]);
    });

    it('starts no second case for someone already under home quarantine, and says so', async () => {
      const first = arrival({ arrivedOn: '2020-01-27' });
      const personId = (first.data as { personId: string }).personId;
      await publish(bus, residents, [first]);
      await waitForCase(first);
      const again = arrival({
        personId,
        arrivedOn: '2020-01-28',
        originCity: '黄冈市',
        streamId: first.streamId,
      });
      await publish(bus, residents, [again]);
      await waitForAssessment(again);
      expect(await caseOf(again)).toEqual([]);
      expect((await assessmentOf(again))[0]!.data).toMatchObject({
        outcome: 'no-home-quarantine',
        reason: 'already-under-quarantine',
        caseId: await caseIdOf(first),
      });
      const ofPerson = (await startedCases()).filter(
        (e) => (e.data as { personId: string }).personId === personId,
      );
      expect(ofPerson).toHaveLength(1);
    });
  });
}
