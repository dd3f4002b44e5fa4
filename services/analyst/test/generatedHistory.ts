import { uuidv7, type NewEvent, type QuarantineEvent } from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import { addDays } from '@fangyi/service-kit';

const COMMUNITIES = ['kutao', 'moujia', 'wenzhang', 'zhengzhang', 'zhangcun', 'edinburgh'];

/**
 * A large history of home quarantine cases, as the quarantine service writes them: each case
 * started, then 14 days of am/pm checks (every 9th slot missed, every 13th check a fever that
 * escalates), then ended. Deterministic for a case number; recordedAt moves one minute per case
 * from 2020-01-20, so time ranges cut it.
 */
export function caseEvents(n: number): { streamId: string; recordedAt: Date; events: NewEvent[] } {
  const caseId = `gen-${String(n).padStart(7, '0')}`;
  const community = COMMUNITIES[n % COMMUNITIES.length]!;
  const startDate = addDays('2020-01-20', n % 10);
  const actor = { id: `caller-${community}-1`, role: 'caller' as const };
  const correlationId = uuidv7();
  const events: QuarantineEvent[] = [
    {
      type: 'quarantine.home-quarantine-started',
      data: {
        caseId,
        personId: `p-${caseId}`,
        personName: `隔离人员${n}`,
        community,
        startDate,
        endDate: addDays(startDate, 13),
        periodDays: 14,
        reason: 'arrival-from-risk-area',
        assignedCaller: actor.id,
      },
    },
  ];
  let i = 0;
  for (let day = 0; day < 14; day++) {
    for (const slot of ['am', 'pm'] as const) {
      i++;
      const date = addDays(startDate, day);
      if ((n + i) % 9 === 0) {
        events.push({ type: 'quarantine.symptom-check-missed', data: { caseId, date, slot } });
        continue;
      }
      const fever = (n + i) % 13 === 0;
      const checkId = `${caseId}-${i}`;
      events.push({
        type: 'quarantine.symptom-check-logged',
        data: {
          caseId,
          checkId,
          date,
          slot,
          temperatureC: fever ? 38.2 : 36.6,
          symptoms: [],
          contactChannel: 'phone',
          measuredBy: { who: 'self', site: 'unknown' },
          abnormal: fever,
        },
      });
      if (fever)
        events.push({
          type: 'quarantine.escalation-raised',
          data: {
            caseId,
            escalationId: `${checkId}-e`,
            checkId,
            date,
            slot,
            temperatureC: 38.2,
            symptoms: [],
            reason: 'fever',
          },
        });
    }
  }
  events.push({
    type: 'quarantine.home-quarantine-ended',
    data: {
      caseId,
      personId: `p-${caseId}`,
      community,
      outcome: 'completed',
      endedOn: addDays(startDate, 13),
    },
  });
  return {
    streamId: `homeQuarantine-${caseId}`,
    recordedAt: new Date(Date.parse('2020-01-20T00:00:00.000Z') + n * 60_000),
    events: events.map((e) => ({
      id: uuidv7(),
      type: e.type,
      schemaVersion: e.type === 'quarantine.symptom-check-logged' ? 2 : 1,
      occurredAt: `${startDate}T09:00:00.000+08:00`,
      actor,
      correlationId,
      causationId: null,
      data: e.data,
    })),
  };
}

/** Appends `cases` generated cases, several appends in flight, each stamped by `setClock` as it is made. */
export async function appendGenerated(
  store: EventStore,
  setClock: (at: Date) => void,
  cases: number,
  inFlight = 8,
): Promise<number> {
  let next = 0;
  let events = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < cases) {
        const c = caseEvents(next++);
        setClock(c.recordedAt);
        // The store reads its clock when append is called, before it awaits anything.
        const appended = store.append(c.streamId, c.events, { expectedRevision: 'no-stream' });
        events += c.events.length;
        await appended;
      }
    }),
  );
  return events;
}
