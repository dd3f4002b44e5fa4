import { uuidv7, type Envelope, type NewEvent } from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import { arrivalAssessmentStreamId } from '@fangyi/quarantine';

/**
 * A small history written out by hand for the policy preview's tests (times +08:00, the district's):
 *
 * - Case A (moujia, person pA), started by hand on 2020-02-01 (registered 08:00) for 14 days;
 *   checks 02-01 09:00 36.5; 02-01 16:00 36.9 corrected to 37.1; 02-02 10:30 36.6; 02-02 19:00
 *   36.7; 02-03 05:45 36.4; 02-03 12:30 36.8 with a cough; sent to hospital on 02-03 (recorded 20:00).
 * - Arrival of pB (zhangcun) from 湖北省/武汉市 on 02-05 (recorded 10:00): the arrival policy
 *   started case B at 10:00:05 for 14 days (to 02-18), extended by hand to 02-20; checks 02-05
 *   13:00 37.2 and 02-06 08:00 36.5; completed on 02-20 (recorded 22:00).
 * - Arrival of pC (zhangcun) from 广东省/深圳市 on 02-10 (recorded 09:00): not a risk area then, no case.
 * - Arrival of pD (moujia) from 浙江省/温州市 on 02-02 (recorded 09:00): a risk area then, case D
 *   started at 09:00:05 for 14 days (to 02-15); never checked, never ended.
 */
interface Append {
  readonly streamId: string;
  readonly recordedAt: string;
  readonly events: readonly {
    id?: string;
    type: string;
    schemaVersion?: number;
    occurredAt?: string;
    actor?: Envelope['actor'];
    causationId?: string;
    data: unknown;
  }[];
}

const CALLER = { id: 'caller-1', role: 'caller' } as const;
const REGISTRAR = { id: 'registrar-1', role: 'registrar' } as const;
const POLICY = { id: 'policy-arrival-quarantine', role: 'system' } as const;

const check = (
  caseId: string,
  n: number,
  date: string,
  slot: 'am' | 'pm',
  temperatureC: number,
  symptoms: string[] = [],
) => ({
  type: 'quarantine.symptom-check-logged',
  schemaVersion: 2,
  actor: CALLER,
  data: {
    caseId,
    checkId: `${caseId}-c${n}`,
    date,
    slot,
    temperatureC,
    symptoms,
    contactChannel: 'phone',
    measuredBy: { who: 'self', site: 'unknown' },
    abnormal: temperatureC >= 37.3 || symptoms.length > 0,
  },
});

const started = (
  caseId: string,
  personId: string,
  community: string,
  startDate: string,
  endDate: string,
  sourceEventId?: string,
) => ({
  type: 'quarantine.home-quarantine-started',
  actor: sourceEventId ? POLICY : REGISTRAR,
  ...(sourceEventId ? { causationId: sourceEventId } : {}),
  data: {
    caseId,
    personId,
    personName: `隔离人员${personId}`,
    community,
    startDate,
    endDate,
    periodDays: 14,
    reason: sourceEventId ? 'arrival-from-risk-area' : 'close-contact',
    assignedCaller: CALLER.id,
    ...(sourceEventId ? { sourceEventId } : {}),
  },
});

function arrival(
  id: string,
  personId: string,
  community: string,
  originProvince: string,
  originCity: string,
  arrivedOn: string,
  recordedAt: string,
  caseId?: string,
): Append[] {
  return [
    {
      streamId: `person-${personId}`,
      recordedAt,
      events: [
        {
          id,
          type: 'residents.person-arrived',
          actor: REGISTRAR,
          data: {
            personId,
            personName: `隔离人员${personId}`,
            householdId: `h-${personId}`,
            community,
            originProvince,
            originCity,
            arrivedOn,
          },
        },
      ],
    },
    {
      streamId: arrivalAssessmentStreamId(id),
      recordedAt: new Date(Date.parse(recordedAt) + 1000).toISOString(),
      events: [
        {
          type: 'quarantine.arrival-assessed',
          actor: POLICY,
          causationId: id,
          data: {
            arrivalEventId: id,
            personId,
            community,
            arrivedOn,
            originProvince,
            originCity,
            outcome: caseId ? 'home-quarantine-started' : 'no-home-quarantine',
            reason: caseId ? 'from-risk-area' : 'not-from-risk-area',
            ...(caseId ? { caseId } : {}),
            periodEndDate: '2020-02-28',
            note: 'assessed',
          },
        },
      ],
    },
  ];
}

/** The appends of the history in log order, each with the instant the store records it at. */
export function knownHistory(): {
  appends: Append[];
  arrivalIds: { b: string; c: string; d: string };
} {
  const b = uuidv7();
  const c = uuidv7();
  const d = uuidv7();
  const appends: Append[] = [
    {
      streamId: 'homeQuarantine-A',
      recordedAt: '2020-02-01T08:00:00+08:00',
      events: [started('A', 'pA', 'moujia', '2020-02-01', '2020-02-14')],
    },
    {
      streamId: 'homeQuarantine-A',
      recordedAt: '2020-02-01T09:01:00+08:00',
      events: [
        { ...check('A', 1, '2020-02-01', 'am', 36.5), occurredAt: '2020-02-01T09:00:00+08:00' },
      ],
    },
    {
      streamId: 'homeQuarantine-A',
      recordedAt: '2020-02-01T16:01:00+08:00',
      events: [
        { ...check('A', 2, '2020-02-01', 'pm', 36.9), occurredAt: '2020-02-01T16:00:00+08:00' },
      ],
    },
    {
      streamId: 'homeQuarantine-A',
      recordedAt: '2020-02-02T09:00:00+08:00',
      events: [
        {
          type: 'quarantine.symptom-check-corrected',
          actor: CALLER,
          occurredAt: '2020-02-02T09:00:00+08:00',
          data: {
            caseId: 'A',
            checkId: 'A-c2b',
            date: '2020-02-01',
            slot: 'pm',
            temperatureC: 37.1,
            symptoms: [],
            reachedVia: 'phone',
            abnormal: false,
            correctsCheckId: 'A-c2',
            correctionReason: '读数记错',
          },
        },
      ],
    },
    ...arrival(
      d,
      'pD',
      'moujia',
      '浙江省',
      '温州市',
      '2020-02-02',
      '2020-02-02T09:00:00+08:00',
      'D',
    ),
    {
      streamId: 'homeQuarantine-D',
      recordedAt: '2020-02-02T09:00:05+08:00',
      events: [started('D', 'pD', 'moujia', '2020-02-02', '2020-02-15', d)],
    },
    {
      streamId: 'homeQuarantine-A',
      recordedAt: '2020-02-02T10:31:00+08:00',
      events: [
        { ...check('A', 3, '2020-02-02', 'am', 36.6), occurredAt: '2020-02-02T10:30:00+08:00' },
      ],
    },
    {
      streamId: 'homeQuarantine-A',
      recordedAt: '2020-02-02T19:01:00+08:00',
      events: [
        { ...check('A', 4, '2020-02-02', 'pm', 36.7), occurredAt: '2020-02-02T19:00:00+08:00' },
      ],
    },
    {
      streamId: 'homeQuarantine-A',
      recordedAt: '2020-02-03T05:46:00+08:00',
      events: [
        { ...check('A', 5, '2020-02-03', 'am', 36.4), occurredAt: '2020-02-03T05:45:00+08:00' },
      ],
    },
    {
      streamId: 'homeQuarantine-A',
      recordedAt: '2020-02-03T12:31:00+08:00',
      events: [
        {
          ...check('A', 6, '2020-02-03', 'pm', 36.8, ['cough']),
          occurredAt: '2020-02-03T12:30:00+08:00',
        },
        {
          type: 'quarantine.escalation-raised',
          actor: CALLER,
          occurredAt: '2020-02-03T12:30:00+08:00',
          data: {
            caseId: 'A',
            escalationId: 'A-e6',
            checkId: 'A-c6',
            date: '2020-02-03',
            slot: 'pm',
            temperatureC: 36.8,
            symptoms: ['cough'],
            reason: 'symptoms',
          },
        },
      ],
    },
    {
      streamId: 'homeQuarantine-A',
      recordedAt: '2020-02-03T20:00:00+08:00',
      events: [
        {
          type: 'quarantine.home-quarantine-ended',
          actor: REGISTRAR,
          data: {
            caseId: 'A',
            personId: 'pA',
            community: 'moujia',
            outcome: 'sent-to-hospital',
            endedOn: '2020-02-03',
          },
        },
      ],
    },
    ...arrival(
      b,
      'pB',
      'zhangcun',
      '湖北省',
      '武汉市',
      '2020-02-05',
      '2020-02-05T10:00:00+08:00',
      'B',
    ),
    {
      streamId: 'homeQuarantine-B',
      recordedAt: '2020-02-05T10:00:05+08:00',
      events: [started('B', 'pB', 'zhangcun', '2020-02-05', '2020-02-18', b)],
    },
    {
      streamId: 'homeQuarantine-B',
      recordedAt: '2020-02-05T13:01:00+08:00',
      events: [
        { ...check('B', 1, '2020-02-05', 'pm', 37.2), occurredAt: '2020-02-05T13:00:00+08:00' },
      ],
    },
    {
      streamId: 'homeQuarantine-B',
      recordedAt: '2020-02-06T08:01:00+08:00',
      events: [
        { ...check('B', 2, '2020-02-06', 'am', 36.5), occurredAt: '2020-02-06T08:00:00+08:00' },
      ],
    },
    ...arrival(c, 'pC', 'zhangcun', '广东省', '深圳市', '2020-02-10', '2020-02-10T09:00:00+08:00'),
    {
      streamId: 'homeQuarantine-B',
      recordedAt: '2020-02-15T11:00:00+08:00',
      events: [
        {
          type: 'quarantine.period-changed',
          actor: REGISTRAR,
          data: {
            caseId: 'B',
            previousEndDate: '2020-02-18',
            newEndDate: '2020-02-20',
            periodDays: 16,
            reason: '复查延长',
          },
        },
      ],
    },
    {
      streamId: 'homeQuarantine-B',
      recordedAt: '2020-02-20T22:00:00+08:00',
      events: [
        {
          type: 'quarantine.home-quarantine-ended',
          actor: REGISTRAR,
          data: {
            caseId: 'B',
            personId: 'pB',
            community: 'zhangcun',
            outcome: 'completed',
            endedOn: '2020-02-20',
          },
        },
      ],
    },
  ];
  return { appends, arrivalIds: { b, c, d } };
}

function newEvents(a: Append): NewEvent[] {
  return a.events.map((e) => ({
    id: e.id ?? uuidv7(),
    type: e.type,
    schemaVersion: e.schemaVersion ?? 1,
    occurredAt: e.occurredAt ?? a.recordedAt,
    actor: e.actor ?? CALLER,
    correlationId: `corr-${a.streamId}`,
    causationId: e.causationId ?? null,
    data: e.data,
  }));
}

/** The history as the log would hand it back (revisions per stream, recordedAt as given). */
export function knownEnvelopes(): Envelope[] {
  const revisions = new Map<string, number>();
  return knownHistory().appends.flatMap((a) =>
    newEvents(a).map((e) => {
      const streamRevision = revisions.get(a.streamId) ?? 0;
      revisions.set(a.streamId, streamRevision + 1);
      return {
        ...e,
        streamId: a.streamId,
        streamRevision,
        recordedAt: new Date(a.recordedAt).toISOString(),
      };
    }),
  );
}

/** Appends the history to a store whose clock `setClock` moves (the store stamps recordedAt). */
export async function appendKnownHistory(
  store: EventStore,
  setClock: (at: Date) => void,
): Promise<void> {
  for (const a of knownHistory().appends) {
    setClock(new Date(a.recordedAt));
    await store.append(a.streamId, newEvents(a), { expectedRevision: 'any' });
  }
}
