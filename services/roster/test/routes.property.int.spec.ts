import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { uuidv7 } from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import { InMemoryProjectionStore, applyEvent } from '@fangyi/projections';
import { DEFAULT_SLOT_WINDOWS, type ServiceApp } from '@fangyi/service-kit';
import {
  type TempEventStore,
  TEST_AUTH_SECRET,
  checkReadRoutes,
  tempEventStore,
  testUser,
} from '@fangyi/testkit';
import { buildRosterApp, rosterProjection } from '../src/index.ts';

// Generated query strings (?asOf=, ?format=, filters, unknown and hostile values) and ids against
// every read route of the roster and the daily report, as-of questions answered from a SQLite
// event store: never a 5xx, and a read appends nothing.

const now = new Date('2020-01-29T07:00:00.000Z');

describe('roster and report routes under generated query strings', () => {
  let temp: TempEventStore;
  let eventStore: EventStore;
  let app: ServiceApp;
  const store = new InMemoryProjectionStore();

  beforeAll(async () => {
    temp = tempEventStore('roster-prop', () => now);
    eventStore = temp.eventStore;
    const started = {
      type: 'quarantine.home-quarantine-started',
      data: {
        caseId: 'case-1',
        personId: 'p-1',
        personName: '李娜',
        community: 'moujia',
        startDate: '2020-01-28',
        endDate: '2020-02-10',
        periodDays: 14,
        reason: 'close-contact',
        assignedCaller: 'caller-1',
      },
    };
    await eventStore.append(
      'homeQuarantine-case-1',
      [
        {
          id: uuidv7(now.getTime()),
          type: started.type,
          schemaVersion: 1,
          occurredAt: now.toISOString(),
          actor: { id: 'registrar-1', role: 'registrar' },
          correlationId: 'x',
          causationId: null,
          data: started.data,
        },
      ],
      { expectedRevision: 'no-stream' },
    );
    await applyEvent(rosterProjection, store, {
      id: uuidv7(),
      ...started,
      schemaVersion: 1,
      streamId: 'homeQuarantine-case-1',
      streamRevision: 0,
      occurredAt: now.toISOString(),
      recordedAt: now.toISOString(),
      actor: { id: 'registrar-1', role: 'registrar' },
      correlationId: 'x',
      causationId: null,
    });
    app = buildRosterApp({
      store,
      reportStore: new InMemoryProjectionStore(),
      alertsStore: new InMemoryProjectionStore(),
      eventStore,
      clock: () => now,
      timeZone: 'Asia/Shanghai',
      slotWindows: DEFAULT_SLOT_WINDOWS,
      logger: pino({ level: 'silent' }),
      authSecret: TEST_AUTH_SECRET,
      rateLimit: false,
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await temp.remove();
  });

  it('never answers 5xx, and appends nothing, for any query string or id on any read route', async () => {
    const countEvents = () => temp.countEvents();
    const vocabulary = [
      'case-1',
      'moujia',
      'zhangcun',
      'caller-1',
      '2020-01-29',
      '2020-01-28',
      '2020-01-29T08:00:00+08:00',
      '2020-01-29T07:00:00.000Z',
      '1970-01-01T00:00:00Z',
      '9999-12-31T23:59:59Z',
      'csv',
      'html',
      'json',
      'xlsx',
      'am',
      'pm',
      'overdue',
      'before-registration',
      'escalation',
      'breach',
      'true',
    ];
    const users = [
      testUser('caller', ['moujia'], 'caller-1'),
      testUser('report-officer'),
      testUser('analyst', ['zhangcun']),
    ];
    const { routes, byStatus: statuses } = await checkReadRoutes(app, {
      countEvents,
      users,
      ids: ['case-1', 'case-2'],
      vocabulary,
      numRuns: 80,
    });
    expect(routes).toBeGreaterThanOrEqual(3);
    expect(statuses[200] ?? 0, JSON.stringify(statuses)).toBeGreaterThan(0);
  });
});
