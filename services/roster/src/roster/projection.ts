import type { Envelope, HomeQuarantineStarted, Slot, SymptomCheckCorrected, SymptomCheckLogged, EscalationRaised } from '@fangyi/contracts';
import type { Op, Projection } from '@fangyi/projections';

export const ROSTER_COLLECTION = 'cases';

export interface RosterCheck {
  readonly checkId: string;
  readonly temperatureC: number;
  readonly abnormal: boolean;
  readonly symptoms: readonly string[];
  readonly reachedVia: string;
  /** When the check happened; a late entry still belongs to its slot. */
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly by: string;
  readonly corrected: boolean;
}

/** One person under home quarantine, as the roster keeps them. */
export interface RosterCase {
  readonly caseId: string;
  readonly personId: string;
  readonly personName: string;
  readonly community: string;
  readonly startDate: string;
  readonly endDate: string;
  readonly periodDays: number;
  readonly assignedCaller: string;
  /** checks[date][slot] */
  readonly checks: Readonly<Record<string, Partial<Record<Slot, RosterCheck>>>>;
  readonly lastCheck: { readonly date: string; readonly slot: Slot; readonly temperatureC: number; readonly occurredAt: string } | null;
  readonly escalations: number;
}

function withCheck(doc: RosterCase, e: Envelope<SymptomCheckLogged | SymptomCheckCorrected>, corrected: boolean): RosterCase {
  const d = e.data;
  const check: RosterCheck = {
    checkId: d.checkId,
    temperatureC: d.temperatureC,
    abnormal: d.abnormal,
    symptoms: d.symptoms,
    reachedVia: d.reachedVia,
    occurredAt: e.occurredAt,
    recordedAt: e.recordedAt,
    by: e.actor.id,
    corrected,
  };
  const day = { ...doc.checks[d.date], [d.slot]: check };
  const isLatest = !doc.lastCheck || `${d.date}/${d.slot}` >= `${doc.lastCheck.date}/${doc.lastCheck.slot}`;
  return {
    ...doc,
    checks: { ...doc.checks, [d.date]: day },
    lastCheck: isLatest ? { date: d.date, slot: d.slot, temperatureC: d.temperatureC, occurredAt: e.occurredAt } : doc.lastCheck,
  };
}

/** The live roster of everyone under home quarantine with their twice-daily check status. */
export const rosterProjection: Projection = {
  name: 'roster',
  handles: [
    'quarantine.home-quarantine-started',
    'quarantine.symptom-check-logged',
    'quarantine.symptom-check-corrected',
    'quarantine.escalation-raised',
  ],
  async project(event, read): Promise<Op[]> {
    const put = (doc: RosterCase): Op[] => [{ op: 'put', collection: ROSTER_COLLECTION, id: doc.caseId, doc }];
    switch (event.type) {
      case 'quarantine.home-quarantine-started': {
        const d = event.data as HomeQuarantineStarted;
        return put({
          caseId: d.caseId,
          personId: d.personId,
          personName: d.personName,
          community: d.community,
          startDate: d.startDate,
          endDate: d.endDate,
          periodDays: d.periodDays,
          assignedCaller: d.assignedCaller,
          checks: {},
          lastCheck: null,
          escalations: 0,
        });
      }
      case 'quarantine.symptom-check-logged':
      case 'quarantine.symptom-check-corrected': {
        const e = event as Envelope<SymptomCheckLogged>;
        const doc = await read.get<RosterCase>(ROSTER_COLLECTION, e.data.caseId);
        return doc ? put(withCheck(doc, e, event.type === 'quarantine.symptom-check-corrected')) : [];
      }
      case 'quarantine.escalation-raised': {
        const d = event.data as EscalationRaised;
        const doc = await read.get<RosterCase>(ROSTER_COLLECTION, d.caseId);
        return doc ? put({ ...doc, escalations: doc.escalations + 1 }) : [];
      }
      default:
        return [];
    }
  },
};
