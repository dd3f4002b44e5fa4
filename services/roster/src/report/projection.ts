import type { Envelope } from '@fangyi/contracts';
import type { DocReader, Op, Projection } from '@fangyi/projections';

/**
 * The daily report's read model: one small document per stream (household, person, case,
 * checkpoint, day of crossings, complaint), summed at query time. One document per stream keeps
 * every write inside the per-stream idempotency of the projection store; no counter is shared.
 *
 * Every document keeps dated facts, never a current state: a household's suspensions from/to, a
 * person's residence from/to, each pass issued/revoked on, each escalation raised/closed on, each
 * complaint's status changes and fines with their dates. The report for a date is then a
 * function of the facts dated on or before it, and reads the same whether asked that evening or
 * a year later (`daily.ts`).
 */
export const REPORT = {
  households: 'households',
  people: 'people',
  cases: 'cases',
  checkpoints: 'checkpoints',
  crossingDays: 'crossingDays',
  complaints: 'complaints',
} as const;

/** A span of business dates: from (inclusive) to (exclusive, null: still going). */
export interface Span {
  from: string;
  to: string | null;
}

export interface HouseholdDoc {
  id: string;
  community: string;
  kind: string;
  registeredOn: string;
  /** Rental suspensions, from the day suspended to the day lifted. */
  suspensions: Span[];
}

export interface PersonDoc {
  id: string;
  registration: string;
  originProvince: string | null;
  /** Absent in documents built before it was kept (a rebuild fills it). */
  originCity?: string | null;
  registeredOn: string;
  /** Where the person lived and when: from registration or a move in, to a move out or the next move. */
  residence: (Span & { community: string })[];
  /** date → 'normal' | 'abnormal' (the day's last screening). */
  screenings: Record<string, string>;
  passes: { passId: string; issuedOn: string; validUntil: string; revokedOn: string | null }[];
}

export interface CaseDoc {
  id: string;
  community: string;
  startDate: string;
  /** When the case was registered (recordedAt of its start): slots that closed before were nobody's to check. */
  registeredAt: string;
  /** The business date of registeredAt: the case counts from that day on, never on the days before anyone knew of it. */
  registeredOn: string;
  /** The period's last day as it stood from each date on: the start's, then each change's (dated by when it was made). */
  endDates: { on: string; endDate: string }[];
  endedOn: string | null;
  outcome: string | null;
  /** date → slots with a logged check (a correction replaces, it does not add). */
  checks: Record<string, { am?: boolean; pm?: boolean }>;
  /** date → slots the scheduler recorded as missed. */
  missed: Record<string, { am?: boolean; pm?: boolean }>;
  escalations: { id: string; raisedOn: string; closedOn: string | null }[];
}

export interface CheckpointDoc {
  id: string;
  communities: string[];
  openedOn: string;
  closedOn: string | null;
}

export interface CrossingDayDoc {
  id: string;
  checkpointId: string;
  date: string;
  entries: number;
  exits: number;
  refusals: number;
  feverOnEntry: number;
  breaches: number;
}

export interface ComplaintDoc {
  id: string;
  scope: string;
  category: string;
  filedOn: string;
  /** Each status the complaint took, with the date it took it, in order. */
  history: { on: string; status: string; resolution: string | null }[];
  /** Fines and rewards with the date of each; a withdrawal is a negative amount on its own date. */
  fines: { on: string; yuan: number }[];
  rewards: { on: string; yuan: number }[];
}

/** The business date of an ISO instant in the district (the report is by district day). */
export type DateOf = (iso: string) => string;

type Data = Record<string, unknown>;

/** Closes the open span (if any) at `on`. */
const closeSpan = <T extends Span>(spans: readonly T[], on: string): T[] =>
  spans.map((s) => (s.to === null ? { ...s, to: on } : s));

export function reportProjection(dateOf: DateOf): Projection {
  const put = <T extends { id: string }>(collection: string, doc: T): Op[] => [
    { op: 'put', collection, id: doc.id, doc },
  ];
  const update = async <T extends { id: string }>(
    read: DocReader,
    collection: string,
    id: string,
    change: (doc: T) => T,
  ): Promise<Op[]> => {
    const doc = await read.get<T>(collection, id);
    return doc ? put(collection, change(doc)) : [];
  };

  return {
    name: 'daily-report',
    handles: [
      'residents.household-registered',
      'residents.rental-suspended',
      'residents.rental-suspension-lifted',
      'residents.person-registered',
      'residents.person-moved-out',
      'residents.person-moved-in',
      'residents.screening-recorded',
      'residents.pass-issued',
      'residents.pass-revoked',
      'quarantine.home-quarantine-started',
      'quarantine.symptom-check-logged',
      'quarantine.symptom-check-corrected',
      'quarantine.symptom-check-missed',
      'quarantine.escalation-raised',
      'quarantine.escalation-referred-to-hospital',
      'quarantine.escalation-resolved',
      'quarantine.period-changed',
      'quarantine.home-quarantine-ended',
      'checkpoints.checkpoint-opened',
      'checkpoints.checkpoint-merged-into',
      'checkpoints.checkpoint-closed',
      'checkpoints.entry-recorded',
      'checkpoints.exit-recorded',
      'checkpoints.refusal-recorded',
      'checkpoints.quarantine-breach-recorded',
      'complaints.complaint-filed',
      'complaints.complaint-resolved',
      'complaints.complaint-reopened',
      'complaints.complaint-closed',
      'complaints.fine-imposed',
      'complaints.reward-granted',
      'complaints.fine-withdrawn',
      'complaints.reward-withdrawn',
    ],
    async project(event: Envelope, read: DocReader): Promise<Op[]> {
      const d = event.data as Data;
      const s = (k: string) => d[k] as string;
      const n = (k: string) => d[k] as number;
      /** The business date the fact happened on in the world. */
      const on = dateOf(event.occurredAt);
      switch (event.type) {
        case 'residents.household-registered':
          return put(REPORT.households, {
            id: s('householdId'),
            community: s('community'),
            kind: s('kind'),
            registeredOn: on,
            suspensions: [],
          } satisfies HouseholdDoc);
        case 'residents.rental-suspended':
          return update<HouseholdDoc>(read, REPORT.households, s('householdId'), (h) =>
            h.suspensions.some((x) => x.to === null)
              ? h
              : { ...h, suspensions: [...h.suspensions, { from: s('suspendedOn'), to: null }] },
          );
        case 'residents.rental-suspension-lifted':
          return update<HouseholdDoc>(read, REPORT.households, s('householdId'), (h) => ({
            ...h,
            suspensions: closeSpan(h.suspensions, s('liftedOn')),
          }));
        case 'residents.person-registered':
          return put(REPORT.people, {
            id: s('personId'),
            registration: s('registration'),
            originProvince: (d.originProvince as string | undefined) ?? null,
            originCity: (d.originCity as string | undefined) ?? null,
            registeredOn: on,
            residence: [{ community: s('community'), from: on, to: null }],
            screenings: {},
            passes: [],
          } satisfies PersonDoc);
        case 'residents.person-moved-out':
          return update<PersonDoc>(read, REPORT.people, s('personId'), (p) => ({
            ...p,
            residence: closeSpan(p.residence, s('movedOutOn')),
          }));
        case 'residents.person-moved-in':
          return update<PersonDoc>(read, REPORT.people, s('personId'), (p) => ({
            ...p,
            residence: [
              ...closeSpan(p.residence, s('movedInOn')),
              { community: s('community'), from: s('movedInOn'), to: null },
            ],
          }));
        case 'residents.screening-recorded':
          return update<PersonDoc>(read, REPORT.people, s('personId'), (p) => ({
            ...p,
            screenings: { ...p.screenings, [s('date')]: s('result') },
          }));
        case 'residents.pass-issued':
          return update<PersonDoc>(read, REPORT.people, s('personId'), (p) => ({
            ...p,
            passes: [
              ...p.passes.filter((x) => x.passId !== s('passId')),
              {
                passId: s('passId'),
                issuedOn: s('issuedOn'),
                validUntil: s('validUntil'),
                revokedOn: null,
              },
            ],
          }));
        case 'residents.pass-revoked':
          return update<PersonDoc>(read, REPORT.people, s('personId'), (p) => ({
            ...p,
            passes: p.passes.map((x) =>
              x.passId === s('passId') && x.revokedOn === null
                ? { ...x, revokedOn: s('revokedOn') }
                : x,
            ),
          }));

        case 'quarantine.home-quarantine-started':
          return put(REPORT.cases, {
            id: s('caseId'),
            community: s('community'),
            startDate: s('startDate'),
            registeredAt: event.recordedAt,
            registeredOn: dateOf(event.recordedAt),
            endDates: [{ on: s('startDate'), endDate: s('endDate') }],
            endedOn: null,
            outcome: null,
            checks: {},
            missed: {},
            escalations: [],
          } satisfies CaseDoc);
        case 'quarantine.symptom-check-logged':
        case 'quarantine.symptom-check-corrected':
          return update<CaseDoc>(read, REPORT.cases, s('caseId'), (c) => ({
            ...c,
            checks: { ...c.checks, [s('date')]: { ...c.checks[s('date')], [s('slot')]: true } },
          }));
        case 'quarantine.symptom-check-missed':
          return update<CaseDoc>(read, REPORT.cases, s('caseId'), (c) => ({
            ...c,
            missed: { ...c.missed, [s('date')]: { ...c.missed[s('date')], [s('slot')]: true } },
          }));
        case 'quarantine.escalation-raised':
          return update<CaseDoc>(read, REPORT.cases, s('caseId'), (c) =>
            c.escalations.some((e) => e.id === s('escalationId'))
              ? c
              : {
                  ...c,
                  escalations: [
                    ...c.escalations,
                    { id: s('escalationId'), raisedOn: on, closedOn: null },
                  ],
                },
          );
        case 'quarantine.escalation-referred-to-hospital':
        case 'quarantine.escalation-resolved':
          return update<CaseDoc>(read, REPORT.cases, s('caseId'), (c) => ({
            ...c,
            escalations: c.escalations.map((e) =>
              e.id === s('escalationId') && e.closedOn === null
                ? { ...e, closedOn: dateOf(s('at')) }
                : e,
            ),
          }));
        case 'quarantine.period-changed':
          // The change holds from the day it was made: the days before it were counted on the period as it stood then.
          return update<CaseDoc>(read, REPORT.cases, s('caseId'), (c) => ({
            ...c,
            endDates: [...c.endDates, { on, endDate: s('newEndDate') }],
          }));
        case 'quarantine.home-quarantine-ended':
          return update<CaseDoc>(read, REPORT.cases, s('caseId'), (c) => ({
            ...c,
            endedOn: s('endedOn'),
            outcome: s('outcome'),
          }));

        case 'checkpoints.checkpoint-opened':
          return put(REPORT.checkpoints, {
            id: s('checkpointId'),
            communities: (d.communities as { community: string }[]).map((c) => c.community),
            openedOn: dateOf(s('openedAt')),
            closedOn: null,
          } satisfies CheckpointDoc);
        case 'checkpoints.checkpoint-merged-into':
        case 'checkpoints.checkpoint-closed':
          return update<CheckpointDoc>(read, REPORT.checkpoints, s('checkpointId'), (c) => ({
            ...c,
            closedOn: dateOf(s('closedAt')),
          }));
        case 'checkpoints.entry-recorded':
        case 'checkpoints.exit-recorded':
        case 'checkpoints.refusal-recorded':
        case 'checkpoints.quarantine-breach-recorded': {
          const id = event.streamId;
          const existing = await read.get<CrossingDayDoc>(REPORT.crossingDays, id);
          const day: CrossingDayDoc = existing ?? {
            id,
            checkpointId: s('checkpointId'),
            date: (d.date as string | undefined) ?? dateOf(s('at')),
            entries: 0,
            exits: 0,
            refusals: 0,
            feverOnEntry: 0,
            breaches: 0,
          };
          const next = { ...day };
          if (event.type === 'checkpoints.entry-recorded') {
            next.entries++;
            if (d.fever === true) next.feverOnEntry++;
          } else if (event.type === 'checkpoints.exit-recorded') next.exits++;
          else if (event.type === 'checkpoints.refusal-recorded') next.refusals++;
          else next.breaches++;
          return put(REPORT.crossingDays, next);
        }

        case 'complaints.complaint-filed': {
          const filedOn = dateOf(s('receivedAt'));
          return put(REPORT.complaints, {
            id: s('complaintId'),
            scope: (d.community as string | undefined) ?? s('estate'),
            category: s('category'),
            filedOn,
            history: [
              {
                on: filedOn,
                status: (d.status as string | undefined) ?? 'received',
                resolution: null,
              },
            ],
            fines: [],
            rewards: [],
          } satisfies ComplaintDoc);
        }
        case 'complaints.complaint-resolved':
          return update<ComplaintDoc>(read, REPORT.complaints, s('complaintId'), (c) => ({
            ...c,
            history: [...c.history, { on, status: 'resolved', resolution: s('resolution') }],
          }));
        case 'complaints.complaint-reopened':
          return update<ComplaintDoc>(read, REPORT.complaints, s('complaintId'), (c) => ({
            ...c,
            history: [...c.history, { on, status: s('status'), resolution: null }],
          }));
        case 'complaints.complaint-closed':
          return update<ComplaintDoc>(read, REPORT.complaints, s('complaintId'), (c) => ({
            ...c,
            history: [
              ...c.history,
              { on, status: 'closed', resolution: c.history.at(-1)?.resolution ?? null },
            ],
          }));
        case 'complaints.fine-imposed':
        case 'complaints.fine-withdrawn':
          return update<ComplaintDoc>(read, REPORT.complaints, s('complaintId'), (c) => ({
            ...c,
            fines: [
              ...c.fines,
              {
                on,
                yuan: event.type === 'complaints.fine-imposed' ? n('amountYuan') : -n('amountYuan'),
              },
            ],
          }));
        case 'complaints.reward-granted':
        case 'complaints.reward-withdrawn':
          return update<ComplaintDoc>(read, REPORT.complaints, s('complaintId'), (c) => ({
            ...c,
            rewards: [
              ...c.rewards,
              {
                on,
                yuan:
                  event.type === 'complaints.reward-granted' ? n('amountYuan') : -n('amountYuan'),
              },
            ],
          }));
        default:
          return [];
      }
    },
  };
}
