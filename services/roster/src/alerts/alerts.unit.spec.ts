import { describe, expect, it } from 'vitest';
import { uuidv7, type Envelope, type QuarantineEvent } from '@fangyi/contracts';
import { InMemoryProjectionStore, applyEvent } from '@fangyi/projections';
import { ALERTS_COLLECTION, alertsProjection, type Alert } from './projection.ts';
import { alertsAsOf } from './routes.ts';

/** Applies each case's events in order (recordedAt given per event) and lists the open alerts as of `now`. */
async function alertsOf(
  streams: Record<string, { event: QuarantineEvent; at: string }[]>,
  now: string,
) {
  const store = new InMemoryProjectionStore();
  for (const [caseId, events] of Object.entries(streams)) {
    let revision = 0;
    for (const { event, at } of events) {
      const envelope: Envelope = {
        id: uuidv7(),
        type: event.type,
        schemaVersion: 1,
        streamId: `homeQuarantine-${caseId}`,
        streamRevision: revision++,
        occurredAt: at,
        recordedAt: at,
        actor: { id: 'caller-1', role: 'caller' },
        correlationId: 'x',
        causationId: null,
        data: event.data,
      };
      // Delivered twice, as Kafka may: the second changes nothing.
      await applyEvent(alertsProjection, store, envelope);
      await applyEvent(alertsProjection, store, envelope);
    }
  }
  return alertsAsOf(await store.list<Alert>(ALERTS_COLLECTION), new Date(now));
}

const started = (caseId: string, community = 'moujia'): QuarantineEvent => ({
  type: 'quarantine.home-quarantine-started',
  data: {
    caseId,
    personId: `p-${caseId}`,
    personName: '王芳',
    community,
    startDate: '2020-01-28',
    endDate: '2020-02-10',
    periodDays: 14,
    reason: 'arrival-from-risk-area',
    assignedCaller: 'caller-1',
  },
});
const raised = (caseId: string, escalationId: string): QuarantineEvent => ({
  type: 'quarantine.escalation-raised',
  data: {
    caseId,
    escalationId,
    checkId: `k-${escalationId}`,
    date: '2020-01-29',
    slot: 'am',
    temperatureC: 38.4,
    symptoms: [],
    reason: 'fever',
  },
});
const overdue = (
  caseId: string,
  escalationId: string,
  raisedAt: string,
  dueAt: string,
): QuarantineEvent => ({
  type: 'quarantine.escalation-overdue',
  data: { caseId, escalationId, raisedAt, dueAt, overdueAfterMinutes: 30 },
});
const acknowledged = (caseId: string, escalationId: string): QuarantineEvent => ({
  type: 'quarantine.escalation-acknowledged',
  data: { caseId, escalationId, by: 'caller-1', at: '2020-01-29T03:00:00.000Z' },
});
const breach = (caseId: string, breachId: string, at: string): QuarantineEvent => ({
  type: 'quarantine.breach-recorded',
  data: {
    caseId,
    breachId,
    checkpointId: 'zhangcun-east',
    at,
    direction: 'exit',
    sourceEventId: `ev-${breachId}`,
  },
});

describe('alerts projection', () => {
  it('lists open escalations and breaches oldest first with their age, overdue ones marked', async () => {
    const list = await alertsOf(
      {
        c1: [
          { event: started('c1'), at: '2020-01-28T00:00:00.000Z' },
          { event: raised('c1', 'e1'), at: '2020-01-29T01:00:00.000Z' },
          {
            event: overdue('c1', 'e1', '2020-01-29T01:00:00.000Z', '2020-01-29T01:30:00.000Z'),
            at: '2020-01-29T01:30:10.000Z',
          },
        ],
        c2: [
          { event: started('c2', 'zhangcun'), at: '2020-01-28T00:00:00.000Z' },
          { event: breach('c2', 'b1', '2020-01-29T00:40:00.000Z'), at: '2020-01-29T00:41:00.000Z' },
          { event: raised('c2', 'e2'), at: '2020-01-29T01:50:00.000Z' },
        ],
      },
      '2020-01-29T02:00:00.000Z',
    );
    expect(
      list.map((a) => [a.id, a.kind, a.ageMinutes, a.kind === 'escalation' ? a.overdue : null]),
    ).toEqual([
      ['breach-b1', 'breach', 80, null],
      ['escalation-e1', 'escalation', 60, true],
      ['escalation-e2', 'escalation', 10, false],
    ]);
    expect(list[1]).toMatchObject({
      caseId: 'c1',
      personName: '王芳',
      community: 'moujia',
      assignedCaller: 'caller-1',
      overdueAt: '2020-01-29T01:30:00.000Z',
      temperatureC: 38.4,
    });
  });

  it('drops an escalation once acknowledged (overdue or not), referred or resolved, and every alert of a case that ends', async () => {
    const list = await alertsOf(
      {
        c1: [
          { event: started('c1'), at: '2020-01-28T00:00:00.000Z' },
          { event: raised('c1', 'e1'), at: '2020-01-29T01:00:00.000Z' },
          {
            event: overdue('c1', 'e1', '2020-01-29T01:00:00.000Z', '2020-01-29T01:30:00.000Z'),
            at: '2020-01-29T01:31:00.000Z',
          },
          { event: acknowledged('c1', 'e1'), at: '2020-01-29T02:00:00.000Z' },
          { event: raised('c1', 'e2'), at: '2020-01-29T02:10:00.000Z' },
          { event: acknowledged('c1', 'e2'), at: '2020-01-29T02:12:00.000Z' },
          {
            event: {
              type: 'quarantine.escalation-resolved',
              data: {
                caseId: 'c1',
                escalationId: 'e2',
                note: '复测正常',
                by: 'caller-1',
                at: '2020-01-29T02:20:00.000Z',
              },
            },
            at: '2020-01-29T02:20:00.000Z',
          },
        ],
        c2: [
          { event: started('c2'), at: '2020-01-28T00:00:00.000Z' },
          { event: raised('c2', 'e3'), at: '2020-01-29T01:00:00.000Z' },
          { event: breach('c2', 'b2', '2020-01-29T01:05:00.000Z'), at: '2020-01-29T01:06:00.000Z' },
          {
            event: {
              type: 'quarantine.home-quarantine-ended',
              data: {
                caseId: 'c2',
                personId: 'p-c2',
                community: 'moujia',
                outcome: 'sent-to-hospital',
                endedOn: '2020-01-29',
              },
            },
            at: '2020-01-29T02:30:00.000Z',
          },
        ],
        c3: [
          { event: started('c3'), at: '2020-01-28T00:00:00.000Z' },
          { event: raised('c3', 'e4'), at: '2020-01-29T01:00:00.000Z' },
          {
            event: {
              type: 'quarantine.caller-reassigned',
              data: {
                caseId: 'c3',
                previousCaller: 'caller-1',
                newCaller: 'caller-2',
                reason: '轮换',
              },
            },
            at: '2020-01-29T01:10:00.000Z',
          },
        ],
      },
      '2020-01-29T03:00:00.000Z',
    );
    expect(list.map((a) => [a.id, a.assignedCaller])).toEqual([['escalation-e4', 'caller-2']]);
  });
});
