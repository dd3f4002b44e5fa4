import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { uuidv7 } from '@fangyi/contracts';
import { SqliteEventStore, type EventStore } from '@fangyi/eventstore';
import { InMemoryProjectionStore } from '@fangyi/projections';
import { handleCommand } from '@fangyi/service-kit';
import {
  homeQuarantineDecider,
  recordOverdueEscalations,
  startActiveCasesFeed,
  startEscalationTimer,
  streamIdOf,
  type ActiveCasesFeed,
} from '../src/index.ts';

const shanghai = (local: string) => new Date(`${local}:00+08:00`);
const minutes = (at: Date, n: number) => new Date(at.getTime() + n * 60_000);

describe('the escalation timer (fake clock, SQLite event store): an unacknowledged escalation is recorded overdue exactly once', () => {
  let dir: string;
  let eventStore: SqliteEventStore;
  let feed: ActiveCasesFeed;
  // One clock for the event store's recordedAt and the timer.
  let now = shanghai('2020-01-29T09:00');
  const clock = () => now;
  const logger = pino({ level: 'silent' });
  const meta = () => ({
    actor: { id: 'caller-1', role: 'caller' as const },
    correlationId: 'test',
    occurredAt: now,
    newId: () => uuidv7(),
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fangyi-esc-'));
    eventStore = new SqliteEventStore({ path: join(dir, 'events.db'), clock });
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

  const options = (store: EventStore = eventStore, activeCases = feed.activeCases) => ({
    eventStore: store,
    activeCases,
    clock,
    overdueAfterMinutes: 30,
    newId: () => uuidv7(),
    logger,
  });
  const send = (caseId: string, command: Parameters<typeof homeQuarantineDecider.decide>[0]) =>
    handleCommand(eventStore, streamIdOf(caseId), homeQuarantineDecider, command, meta());

  /** A case with a fever check logged at `now`: one escalation raised, recorded at `now`. */
  const caseWithFever = async () => {
    const caseId = uuidv7();
    const escalationId = uuidv7();
    await send(caseId, {
      type: 'StartHomeQuarantine',
      data: {
        caseId,
        personId: `p-${caseId}`,
        personName: '王芳',
        community: 'moujia',
        startDate: '2020-01-28',
        periodDays: 14,
        reason: 'arrival-from-risk-area',
        assignedCaller: 'caller-1',
        facts: {
          person: { community: 'moujia', status: 'living' },
          activeCaseId: null,
          callers: new Map([['moujia', ['caller-1']]]),
        },
      },
    });
    await send(caseId, {
      type: 'LogSymptomCheck',
      data: {
        caseId,
        checkId: uuidv7(),
        escalationId,
        today: '2020-01-29',
        date: '2020-01-29',
        slot: 'am',
        temperatureC: 38.2,
        symptoms: [],
        reachedVia: 'phone',
        correction: false,
        feverThresholdC: 37.3,
        checkedAtLocal: { date: '2020-01-29', minutes: 9 * 60 },
        window: { opens: 360, earlyMinutes: 30 },
      },
    });
    await feed.caughtUp();
    return { caseId, escalationId };
  };
  const overdueOf = async (caseId: string) =>
    (await eventStore.readStream(streamIdOf(caseId))).filter(
      (e) => e.type === 'quarantine.escalation-overdue',
    );

  it('records nothing before the time runs out, then one event dated when it ran out, and nothing on later passes or after a restart', async () => {
    now = shanghai('2020-01-29T09:00');
    const raisedAt = now;
    const { caseId, escalationId } = await caseWithFever();

    now = minutes(raisedAt, 29);
    expect((await recordOverdueEscalations(options())).recorded).toBe(0);
    now = minutes(raisedAt, 30);
    expect(await recordOverdueEscalations(options())).toMatchObject({ recorded: 1, failed: 0 });
    const [event] = await overdueOf(caseId);
    expect(event).toMatchObject({
      occurredAt: minutes(raisedAt, 30).toISOString(),
      actor: { id: 'timer-escalations', role: 'system' },
      data: {
        caseId,
        escalationId,
        raisedAt: raisedAt.toISOString(),
        dueAt: minutes(raisedAt, 30).toISOString(),
        overdueAfterMinutes: 30,
      },
    });

    // Later passes, before and after the read model has caught up.
    now = minutes(raisedAt, 31);
    await recordOverdueEscalations(options());
    await feed.caughtUp();
    expect((await recordOverdueEscalations(options())).recorded).toBe(0);

    // A restart: the active cases rebuilt from the log, the timer run anew.
    const restarted = await startActiveCasesFeed({
      eventStore,
      store: new InMemoryProjectionStore(),
      logger,
      idleMs: 10,
    });
    await restarted.caughtUp();
    try {
      expect(
        (await recordOverdueEscalations(options(eventStore, restarted.activeCases))).recorded,
      ).toBe(0);
    } finally {
      await restarted.stop();
    }
    expect(await overdueOf(caseId)).toHaveLength(1);
  });

  it('two timers racing on the same escalation record it once: the loser re-reads and finds it done', async () => {
    now = shanghai('2020-01-30T09:00');
    const { caseId } = await caseWithFever();
    now = minutes(now, 45);
    // Both timers read the stream before either appends.
    let waiting: (() => void)[] = [];
    let barrier = true;
    const racing: EventStore = {
      ...eventStore,
      append: eventStore.append.bind(eventStore),
      readAll: eventStore.readAll.bind(eventStore),
      subscribeToAll: eventStore.subscribeToAll.bind(eventStore),
      readFiltered: eventStore.readFiltered.bind(eventStore),
      checkpoints: eventStore.checkpoints,
      close: async () => {},
      readStream: async (id, o) => {
        const events = await eventStore.readStream(id, o);
        if (barrier && id === streamIdOf(caseId)) {
          await new Promise<void>((resolve) => {
            waiting.push(resolve);
            if (waiting.length === 2) {
              // Both have read the same revision; from here on (the loser's retry) reads pass.
              barrier = false;
              for (const w of waiting) w();
              waiting = [];
            }
          });
        }
        return events;
      },
    };
    const results = await Promise.all([
      recordOverdueEscalations(options(racing)),
      recordOverdueEscalations(options(racing)),
    ]);
    expect(barrier).toBe(false);
    expect(await overdueOf(caseId)).toHaveLength(1);
    // One appended it; the other found it done (its retry after the lost append read it again).
    expect(results.map((r) => r.recorded).sort()).toEqual([0, 1]);
    expect(results.reduce((n, r) => n + r.failed, 0)).toBe(0);
  });

  it('records nothing for an escalation acknowledged in time, or for a case that ended', async () => {
    now = shanghai('2020-01-31T09:00');
    const acked = await caseWithFever();
    const ended = await caseWithFever();
    now = minutes(now, 10);
    await send(acked.caseId, {
      type: 'AcknowledgeEscalation',
      data: {
        caseId: acked.caseId,
        escalationId: acked.escalationId,
        by: 'caller-1',
        at: now.toISOString(),
      },
    });
    await send(ended.caseId, {
      type: 'EndHomeQuarantine',
      data: {
        caseId: ended.caseId,
        outcome: 'sent-to-hospital',
        endedOn: '2020-01-31',
        today: '2020-01-31',
      },
    });
    now = minutes(now, 60);
    // Before the read model has seen either: the decider refuses both, as done.
    const stale = await recordOverdueEscalations(options());
    expect(stale).toMatchObject({ recorded: 0, failed: 0 });
    await feed.caughtUp();
    expect((await recordOverdueEscalations(options())).recorded).toBe(0);
    expect(await overdueOf(acked.caseId)).toEqual([]);
    expect(await overdueOf(ended.caseId)).toEqual([]);
  });

  it('runs on its interval until stopped', async () => {
    now = shanghai('2020-02-01T09:00');
    const { caseId } = await caseWithFever();
    const timer = startEscalationTimer({ ...options(), intervalMs: 20 });
    try {
      await new Promise((r) => setTimeout(r, 60));
      expect(await overdueOf(caseId)).toEqual([]);
      now = minutes(now, 30);
      const deadline = Date.now() + 5_000;
      while ((await overdueOf(caseId)).length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(await overdueOf(caseId)).toHaveLength(1);
    } finally {
      await timer.stop();
    }
  });
});
