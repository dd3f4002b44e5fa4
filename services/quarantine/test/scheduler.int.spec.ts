import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { uuidv7 } from '@fangyi/contracts';
import { SqliteEventStore, type EventStore } from '@fangyi/eventstore';
import { InMemoryProjectionStore } from '@fangyi/projections';
import { DEFAULT_SLOT_WINDOWS, handleCommand } from '@fangyi/service-kit';
import {
  homeQuarantineDecider,
  recordMissedChecks,
  startActiveCasesFeed,
  startMissedCheckScheduler,
  streamIdOf,
  type ActiveCasesFeed,
} from '../src/index.ts';

/** Shanghai wall-clock time → instant (UTC+8, no DST). */
const shanghai = (local: string) => new Date(`${local}:00+08:00`);

describe('the missed-check scheduler (fake clock, SQLite event store)', () => {
  let dir: string;
  let eventStore: EventStore;
  let feed: ActiveCasesFeed;
  let clockNow = shanghai('2020-01-29T09:30');
  const clock = () => clockNow;
  // What the event store stamps as recordedAt: a case's registration is its start's recordedAt.
  let storeNow = clockNow;
  const logger = pino({ level: 'silent' });
  const system = { id: 'test', role: 'registrar' as const };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fangyi-sched-'));
    eventStore = new SqliteEventStore({ path: join(dir, 'events.db'), clock: () => storeNow });
    feed = await startActiveCasesFeed({
      eventStore,
      store: new InMemoryProjectionStore(),
      logger,
      idleMs: 10,
    });
  });
  afterAll(async () => {
    await feed.stop();
    await eventStore.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const options = (store: EventStore = eventStore) => ({
    eventStore: store,
    activeCases: feed.activeCases,
    clock,
    timeZone: 'Asia/Shanghai',
    slotWindows: DEFAULT_SLOT_WINDOWS,
    newId: () => uuidv7(),
    logger,
  });
  const meta = {
    actor: system,
    correlationId: 'test',
    occurredAt: new Date(),
    newId: () => uuidv7(),
  };

  /** Starts a case registered at `registeredAt` (default: 00:00 of its start date in Shanghai). */
  const startCase = async (
    startDate = '2020-01-28',
    periodDays = 14,
    registeredAt = shanghai(`${startDate}T00:00`),
  ) => {
    const caseId = uuidv7();
    storeNow = registeredAt;
    await handleCommand(
      eventStore,
      streamIdOf(caseId),
      homeQuarantineDecider,
      {
        type: 'StartHomeQuarantine',
        data: {
          caseId,
          personId: `p-${caseId}`,
          personName: '王芳',
          community: 'moujia',
          startDate,
          periodDays,
          reason: 'arrival-from-risk-area',
          assignedCaller: 'caller-1',
          facts: {
            person: { community: 'moujia', status: 'living' },
            activeCaseId: null,
            callers: new Map([['moujia', ['caller-1']]]),
          },
        },
      },
      meta,
    );
    return caseId;
  };
  const logCheck = (caseId: string, date: string, slot: 'am' | 'pm', today = date) =>
    handleCommand(
      eventStore,
      streamIdOf(caseId),
      homeQuarantineDecider,
      {
        type: 'LogSymptomCheck',
        data: {
          caseId,
          checkId: uuidv7(),
          escalationId: uuidv7(),
          today,
          date,
          slot,
          temperatureC: 36.5,
          symptoms: [],
          reachedVia: 'phone',
          correction: false,
          feverThresholdC: 37.3,
          checkedAtLocal: { date: today, minutes: 23 * 60 },
          window: { opens: 6 * 60, earlyMinutes: 30 },
        },
      },
      meta,
    );
  const missedOf = async (caseId: string) =>
    (await eventStore.readStream(streamIdOf(caseId)))
      .filter((e) => e.type === 'quarantine.symptom-check-missed')
      .map((e) => e.data as { date: string; slot: string });

  it('records each closed, unchecked slot once, however often it runs; none for a checked slot; none before the window closes', async () => {
    clockNow = shanghai('2020-01-29T09:30');
    const caseId = await startCase('2020-01-28');
    await logCheck(caseId, '2020-01-28', 'am');
    await feed.caughtUp();

    const first = await recordMissedChecks(options());
    expect(first.failed).toBe(0);
    // 28 am was checked; 28 pm closed at 21:00 unchecked; 29 am is still open at 09:30.
    expect(await missedOf(caseId)).toEqual([{ caseId, date: '2020-01-28', slot: 'pm' }]);

    await recordMissedChecks(options());
    await feed.caughtUp();
    await recordMissedChecks(options());
    expect(await missedOf(caseId)).toHaveLength(1);

    clockNow = shanghai('2020-01-29T11:59');
    await recordMissedChecks(options());
    expect(await missedOf(caseId)).toHaveLength(1);

    clockNow = shanghai('2020-01-29T12:00');
    await recordMissedChecks(options());
    expect((await missedOf(caseId)).map((m) => `${m.date}/${m.slot}`)).toEqual([
      '2020-01-28/pm',
      '2020-01-29/am',
    ]);
  });

  it('dates the missed record at the close of the window, whenever the scheduler got to it', async () => {
    clockNow = shanghai('2020-01-30T08:00');
    const caseId = await startCase('2020-01-29');
    await feed.caughtUp();
    await recordMissedChecks(options());
    const events = (await eventStore.readStream(streamIdOf(caseId))).filter(
      (e) => e.type === 'quarantine.symptom-check-missed',
    );
    expect(events.map((e) => e.occurredAt)).toEqual([
      shanghai('2020-01-29T12:00').toISOString(),
      shanghai('2020-01-29T21:00').toISOString(),
    ]);
    expect(events[0]!.actor).toEqual({ id: 'scheduler-missed-checks', role: 'system' });
  });

  it('two instances at once record exactly one event per slot (the loser re-reads and finds it done)', async () => {
    clockNow = shanghai('2020-02-01T22:00');
    const caseId = await startCase('2020-01-30');
    await logCheck(caseId, '2020-01-31', 'pm', '2020-02-01');
    await feed.caughtUp();

    // Both instances read each stream before either appends: a barrier holds each read until both have read.
    let waiting: (() => void)[] = [];
    let barrierOn = true;
    const racing: EventStore = {
      ...eventStore,
      append: eventStore.append.bind(eventStore),
      readAll: eventStore.readAll.bind(eventStore),
      subscribeToAll: eventStore.subscribeToAll.bind(eventStore),
      checkpoints: eventStore.checkpoints,
      close: async () => {},
      readStream: async (id, o) => {
        const events = await eventStore.readStream(id, o);
        if (barrierOn && id === streamIdOf(caseId)) {
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
    const allMissed = async () =>
      (await eventStore.readAll({ limit: 100_000 })).filter(
        (e) => e.type === 'quarantine.symptom-check-missed',
      ).length;
    const missedBefore = await allMissed();
    const pass = (async () => {
      const results = await Promise.all([
        recordMissedChecks(options(racing)),
        recordMissedChecks(options(racing)),
      ]);
      barrierOn = false;
      return results;
    })();
    // A lone retry read has no partner at the barrier: release stragglers so the test cannot hang.
    const release = setInterval(() => {
      if (waiting.length === 1 && barrierOn) {
        const w = waiting.pop()!;
        w();
      }
    }, 50);
    const [a, b] = await pass;
    clearInterval(release);

    const missed = (await missedOf(caseId)).map((m) => `${m.date}/${m.slot}`);
    // 30 am/pm, 31 am, 1 am/pm: five slots, each once; 31 pm was checked.
    expect(missed.sort()).toEqual([
      '2020-01-30/am',
      '2020-01-30/pm',
      '2020-01-31/am',
      '2020-02-01/am',
      '2020-02-01/pm',
    ]);
    // Other tests' cases are in the store too: every slot one instance recorded, the other found done.
    expect(a.recorded + b.recorded).toBe((await allMissed()) - missedBefore);
    // At least the barrier case's five slots were found done by the instance that lost each race.
    expect(a.alreadyDone + b.alreadyDone).toBeGreaterThanOrEqual(5);
    expect(a.failed + b.failed).toBe(0);

    // And two plain instances, sharing nothing but the event store, once more: nothing new.
    await feed.caughtUp();
    const again = await Promise.all([recordMissedChecks(options()), recordMissedChecks(options())]);
    expect(again.reduce((n, r) => n + r.recorded, 0)).toBe(0);
    expect(await missedOf(caseId)).toHaveLength(5);
  });

  it('takes a late check for a slot already recorded as missed', async () => {
    clockNow = shanghai('2020-02-02T13:00');
    const caseId = await startCase('2020-02-02');
    await feed.caughtUp();
    await recordMissedChecks(options());
    expect(await missedOf(caseId)).toEqual([{ caseId, date: '2020-02-02', slot: 'am' }]);
    const late = await logCheck(caseId, '2020-02-02', 'am');
    expect(late.events.map((e) => e.type)).toEqual(['quarantine.symptom-check-logged']);
  });

  it('records nothing after the period, and nothing for an ended case', async () => {
    clockNow = shanghai('2020-02-10T10:00');
    const short = await startCase('2020-02-05', 2);
    const ended = await startCase('2020-02-09');
    await handleCommand(
      eventStore,
      streamIdOf(ended),
      homeQuarantineDecider,
      {
        type: 'EndHomeQuarantine',
        data: {
          caseId: ended,
          outcome: 'sent-to-hospital',
          endedOn: '2020-02-09',
          today: '2020-02-10',
        },
      },
      meta,
    );
    await feed.caughtUp();
    await recordMissedChecks(options());
    expect((await missedOf(short)).map((m) => `${m.date}/${m.slot}`)).toEqual([
      '2020-02-05/am',
      '2020-02-05/pm',
      '2020-02-06/am',
      '2020-02-06/pm',
    ]);
    expect(await missedOf(ended)).toEqual([]);
  });

  it('runs on its interval until stopped', async () => {
    clockNow = shanghai('2020-03-01T10:00');
    const caseId = await startCase('2020-03-01');
    await feed.caughtUp();
    const scheduler = startMissedCheckScheduler({ ...options(), intervalMs: 20 });
    try {
      // The first pass finds nothing closed yet; the clock moves past noon and a later pass records it.
      await sleep(60);
      expect(await missedOf(caseId)).toEqual([]);
      clockNow = shanghai('2020-03-01T12:01');
      const deadline = Date.now() + 5_000;
      while ((await missedOf(caseId)).length === 0 && Date.now() < deadline) await sleep(20);
      expect(await missedOf(caseId)).toEqual([{ caseId, date: '2020-03-01', slot: 'am' }]);
    } finally {
      await scheduler.stop();
    }
    const after = (await eventStore.readStream(streamIdOf(caseId))).length;
    clockNow = shanghai('2020-03-01T22:00');
    await sleep(60);
    expect((await eventStore.readStream(streamIdOf(caseId))).length).toBe(after);
  });

  describe('time edges: missed slots start at registration', () => {
    const slotsOf = async (caseId: string) =>
      (await missedOf(caseId)).map((m) => `${m.date}/${m.slot}`);

    it('a case registered after its start date: no missed slot for windows that closed before it was registered', async () => {
      // Started on the 5th (the arrival), registered on the 7th at 15:00: the 7th's am had closed, its pm had not.
      const caseId = await startCase('2020-02-05', 14, shanghai('2020-02-07T15:00'));
      clockNow = shanghai('2020-02-08T13:00');
      await feed.caughtUp();
      await recordMissedChecks(options());
      expect(await slotsOf(caseId)).toEqual(['2020-02-07/pm', '2020-02-08/am']);
    });

    it('midnight in Asia/Shanghai while the machine runs on UTC: 00:01 in Shanghai is still the day before in UTC', async () => {
      expect(new Date('2020-02-10T16:01:00.000Z').getUTCDate()).toBe(10);
      expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe('UTC');
      // Registered one minute after midnight of the 11th in Shanghai (16:01 UTC on the 10th), started on the 10th.
      const afterMidnight = await startCase('2020-02-10', 14, shanghai('2020-02-11T00:01'));
      // Registered one minute before midnight: the 10th's pm (closing 21:00) had closed already.
      const beforeMidnight = await startCase('2020-02-10', 14, shanghai('2020-02-10T23:59'));
      // Registered at 20:59 on the 10th: its pm window was still open, so missing it counts.
      const beforeClose = await startCase('2020-02-10', 14, shanghai('2020-02-10T20:59'));
      clockNow = shanghai('2020-02-11T12:00');
      await feed.caughtUp();
      await recordMissedChecks(options());
      expect(await slotsOf(afterMidnight)).toEqual(['2020-02-11/am']);
      expect(await slotsOf(beforeMidnight)).toEqual(['2020-02-11/am']);
      expect(await slotsOf(beforeClose)).toEqual(['2020-02-10/pm', '2020-02-11/am']);
    });

    it('a registration at the very instant a window closes leaves that slot out', async () => {
      const caseId = await startCase('2020-02-12', 14, shanghai('2020-02-12T12:00'));
      clockNow = shanghai('2020-02-12T21:00');
      await feed.caughtUp();
      await recordMissedChecks(options());
      expect(await slotsOf(caseId)).toEqual(['2020-02-12/pm']);
    });

    it('a check logged late, before the scheduler got to its slot, leaves nothing to record', async () => {
      const caseId = await startCase('2020-02-14');
      clockNow = shanghai('2020-02-14T13:10');
      await logCheck(caseId, '2020-02-14', 'am');
      await feed.caughtUp();
      await recordMissedChecks(options());
      expect(await slotsOf(caseId)).toEqual([]);
    });

    it('a window that closes while the clock moves is recorded on the first pass after it closed, and only then', async () => {
      const caseId = await startCase('2020-02-16');
      await feed.caughtUp();
      for (const [local, expected] of [
        ['2020-02-16T20:59', []],
        ['2020-02-16T21:00', ['2020-02-16/pm']],
        ['2020-02-16T21:01', ['2020-02-16/pm']],
      ] as const) {
        clockNow = shanghai(local);
        await recordMissedChecks(options());
        await feed.caughtUp();
        // The am window closed at 12:00 and is recorded from the first pass on.
        expect(await slotsOf(caseId)).toEqual(['2020-02-16/am', ...expected]);
      }
    });

    it('a case that ends mid-day: what closed before the end is recorded, nothing after it', async () => {
      const caseId = await startCase('2020-02-18');
      clockNow = shanghai('2020-02-18T12:30');
      await feed.caughtUp();
      await recordMissedChecks(options());
      // Sent to hospital at 14:00: the pm window (closing 21:00) is no longer anybody's to work.
      clockNow = shanghai('2020-02-18T14:00');
      await handleCommand(
        eventStore,
        streamIdOf(caseId),
        homeQuarantineDecider,
        {
          type: 'EndHomeQuarantine',
          data: { caseId, outcome: 'sent-to-hospital', endedOn: '2020-02-18', today: '2020-02-18' },
        },
        meta,
      );
      await feed.caughtUp();
      clockNow = shanghai('2020-02-18T22:00');
      await recordMissedChecks(options());
      expect(await slotsOf(caseId)).toEqual(['2020-02-18/am']);
    });
  });
});
