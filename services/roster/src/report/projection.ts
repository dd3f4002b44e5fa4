import type { Envelope } from '@fangyi/contracts';
import type { DocReader, Op, Projection } from '@fangyi/projections';

/**
 * The daily report's read model: one small document per stream (household, person, case,
 * checkpoint, day of crossings, complaint), summed at query time. One document per stream keeps
 * every write inside the per-stream idempotency of the projection store; no counter is shared.
 */
export const REPORT = {
  households: 'households',
  people: 'people',
  cases: 'cases',
  checkpoints: 'checkpoints',
  crossingDays: 'crossingDays',
  complaints: 'complaints',
} as const;

export interface HouseholdDoc { id: string; community: string; kind: string; suspended: boolean }
export interface PersonDoc {
  id: string;
  community: string;
  registration: string;
  originProvince: string | null;
  registeredOn: string;
  movedOutOn: string | null;
  /** date → 'normal' | 'abnormal' (the day's last screening). */
  screenings: Record<string, string>;
  pass: { issuedOn: string; validUntil: string; revokedOn: string | null } | null;
}
export interface CaseDoc {
  id: string;
  community: string;
  startDate: string;
  endDate: string;
  endedOn: string | null;
  outcome: string | null;
  /** date → checks logged (a correction replaces, it does not add). */
  checks: Record<string, { am?: boolean; pm?: boolean }>;
  missed: Record<string, number>;
  escalationsOpen: number;
  escalationsRaised: Record<string, number>;
}
export interface CheckpointDoc { id: string; communities: string[]; openedOn: string; closedOn: string | null }
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
  status: string;
  resolution: string | null;
  resolvedOn: string | null;
  fineYuan: number;
  rewardYuan: number;
}

/** The business date of an ISO instant in the district (the report is by district day). */
export type DateOf = (iso: string) => string;

type Data = Record<string, unknown>;

export function reportProjection(dateOf: DateOf): Projection {
  const put = <T extends { id: string }>(collection: string, doc: T): Op[] => [{ op: 'put', collection, id: doc.id, doc }];
  const update = async <T extends { id: string }>(read: DocReader, collection: string, id: string, change: (doc: T) => T): Promise<Op[]> => {
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
      const on = dateOf(event.occurredAt);
      switch (event.type) {
        case 'residents.household-registered':
          return put(REPORT.households, { id: s('householdId'), community: s('community'), kind: s('kind'), suspended: false });
        case 'residents.rental-suspended':
        case 'residents.rental-suspension-lifted':
          return update<HouseholdDoc>(read, REPORT.households, s('householdId'), (h) => ({ ...h, suspended: event.type === 'residents.rental-suspended' }));
        case 'residents.person-registered':
          return put(REPORT.people, {
            id: s('personId'),
            community: s('community'),
            registration: s('registration'),
            originProvince: (d.originProvince as string | undefined) ?? null,
            registeredOn: on,
            movedOutOn: null,
            screenings: {},
            pass: null,
          } satisfies PersonDoc);
        case 'residents.person-moved-out':
          return update<PersonDoc>(read, REPORT.people, s('personId'), (p) => ({ ...p, movedOutOn: s('movedOutOn') }));
        case 'residents.person-moved-in':
          return update<PersonDoc>(read, REPORT.people, s('personId'), (p) => ({ ...p, community: s('community'), movedOutOn: null }));
        case 'residents.screening-recorded':
          return update<PersonDoc>(read, REPORT.people, s('personId'), (p) => ({ ...p, screenings: { ...p.screenings, [s('date')]: s('result') } }));
        case 'residents.pass-issued':
          return update<PersonDoc>(read, REPORT.people, s('personId'), (p) => ({ ...p, pass: { issuedOn: s('issuedOn'), validUntil: s('validUntil'), revokedOn: null } }));
        case 'residents.pass-revoked':
          return update<PersonDoc>(read, REPORT.people, s('personId'), (p) => ({ ...p, pass: p.pass ? { ...p.pass, revokedOn: s('revokedOn') } : null }));

        case 'quarantine.home-quarantine-started':
          return put(REPORT.cases, {
            id: s('caseId'),
            community: s('community'),
            startDate: s('startDate'),
            endDate: s('endDate'),
            endedOn: null,
            outcome: null,
            checks: {},
            missed: {},
            escalationsOpen: 0,
            escalationsRaised: {},
          } satisfies CaseDoc);
        case 'quarantine.symptom-check-logged':
        case 'quarantine.symptom-check-corrected':
          return update<CaseDoc>(read, REPORT.cases, s('caseId'), (c) => ({ ...c, checks: { ...c.checks, [s('date')]: { ...c.checks[s('date')], [s('slot')]: true } } }));
        case 'quarantine.symptom-check-missed':
          return update<CaseDoc>(read, REPORT.cases, s('caseId'), (c) => ({ ...c, missed: { ...c.missed, [s('date')]: (c.missed[s('date')] ?? 0) + 1 } }));
        case 'quarantine.escalation-raised':
          return update<CaseDoc>(read, REPORT.cases, s('caseId'), (c) => ({
            ...c,
            escalationsOpen: c.escalationsOpen + 1,
            escalationsRaised: { ...c.escalationsRaised, [s('date')]: (c.escalationsRaised[s('date')] ?? 0) + 1 },
          }));
        case 'quarantine.escalation-referred-to-hospital':
        case 'quarantine.escalation-resolved':
          return update<CaseDoc>(read, REPORT.cases, s('caseId'), (c) => ({ ...c, escalationsOpen: Math.max(0, c.escalationsOpen - 1) }));
        case 'quarantine.period-changed':
          return update<CaseDoc>(read, REPORT.cases, s('caseId'), (c) => ({ ...c, endDate: s('newEndDate') }));
        case 'quarantine.home-quarantine-ended':
          return update<CaseDoc>(read, REPORT.cases, s('caseId'), (c) => ({ ...c, endedOn: s('endedOn'), outcome: s('outcome') }));

        case 'checkpoints.checkpoint-opened':
          return put(REPORT.checkpoints, {
            id: s('checkpointId'),
            communities: (d.communities as { community: string }[]).map((c) => c.community),
            openedOn: dateOf(s('openedAt')),
            closedOn: null,
          } satisfies CheckpointDoc);
        case 'checkpoints.checkpoint-merged-into':
        case 'checkpoints.checkpoint-closed':
          return update<CheckpointDoc>(read, REPORT.checkpoints, s('checkpointId'), (c) => ({ ...c, closedOn: dateOf(s('closedAt')) }));
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

        case 'complaints.complaint-filed':
          return put(REPORT.complaints, {
            id: s('complaintId'),
            scope: (d.community as string | undefined) ?? s('estate'),
            category: s('category'),
            filedOn: dateOf(s('receivedAt')),
            status: 'received',
            resolution: null,
            resolvedOn: null,
            fineYuan: 0,
            rewardYuan: 0,
          } satisfies ComplaintDoc);
        case 'complaints.complaint-resolved':
          return update<ComplaintDoc>(read, REPORT.complaints, s('complaintId'), (c) => ({ ...c, status: 'resolved', resolution: s('resolution'), resolvedOn: on }));
        case 'complaints.complaint-reopened':
          return update<ComplaintDoc>(read, REPORT.complaints, s('complaintId'), (c) => ({ ...c, status: 'investigating', resolution: null, resolvedOn: null }));
        case 'complaints.complaint-closed':
          return update<ComplaintDoc>(read, REPORT.complaints, s('complaintId'), (c) => ({ ...c, status: 'closed' }));
        case 'complaints.fine-imposed':
        case 'complaints.fine-withdrawn':
          return update<ComplaintDoc>(read, REPORT.complaints, s('complaintId'), (c) => ({ ...c, fineYuan: c.fineYuan + (event.type === 'complaints.fine-imposed' ? n('amountYuan') : -n('amountYuan')) }));
        case 'complaints.reward-granted':
        case 'complaints.reward-withdrawn':
          return update<ComplaintDoc>(read, REPORT.complaints, s('complaintId'), (c) => ({ ...c, rewardYuan: c.rewardYuan + (event.type === 'complaints.reward-granted' ? n('amountYuan') : -n('amountYuan')) }));
        default:
          return [];
      }
    },
  };
}
