import {
  isAbnormal,
  type EscalationRaised,
  type QuarantineEvent,
  type QuarantineOutcome,
  type Slot,
} from '@fangyi/contracts';

export interface LoggedCheck {
  readonly checkId: string;
  readonly abnormal: boolean;
  readonly temperatureC: number;
}

export type EscalationStatus = 'open' | 'acknowledged' | 'referred-to-hospital' | 'resolved';

export interface EscalationState {
  readonly escalationId: string;
  readonly checkId: string;
  readonly date: string;
  readonly slot: Slot;
  readonly reason: EscalationRaised['reason'];
  readonly status: EscalationStatus;
  /** Recorded as not acknowledged in time (escalation-overdue); at most once. */
  readonly overdue: boolean;
}

/** What a case knows whether it is still running or has ended. */
export interface CaseFacts {
  readonly caseId: string;
  readonly personId: string;
  readonly community: string;
  readonly startDate: string;
  /** Last day of the period, inclusive. */
  readonly endDate: string;
  readonly assignedCaller: string;
  /** Keyed by `${date}/${slot}`. */
  readonly checks: ReadonlyMap<string, LoggedCheck>;
  /** Slots recorded as missed by the scheduler, keyed like checks. A late check may still fill one. */
  readonly missed: ReadonlySet<string>;
  /** Failed attempts to reach the person, per slot key. */
  readonly failedAttempts: ReadonlyMap<string, number>;
  readonly escalations: ReadonlyMap<string, EscalationState>;
  readonly breaches: ReadonlySet<string>;
  readonly suppliesDelivered: number;
  readonly disinfections: number;
}

export type HomeQuarantineState =
  | { readonly status: 'none' }
  | ({ readonly status: 'active' } & CaseFacts)
  | ({
      readonly status: 'ended';
      readonly outcome: QuarantineOutcome;
      readonly endedOn: string;
    } & CaseFacts);

export const slotKey = (date: string, slot: Slot) => `${date}/${slot}`;

export const initialState = (): HomeQuarantineState => ({ status: 'none' });

export { isAbnormal };

/** The date of the latest logged check, or null; periods and endings may not cut it off. */
export function lastCheckDate(state: CaseFacts): string | null {
  let last: string | null = null;
  for (const key of state.checks.keys()) {
    const date = key.slice(0, 10);
    if (last === null || date > last) last = date;
  }
  return last;
}

function withEscalation(
  state: CaseFacts,
  escalationId: string,
  status: EscalationStatus,
): Map<string, EscalationState> {
  const escalations = new Map(state.escalations);
  const current = escalations.get(escalationId);
  if (current) escalations.set(escalationId, { ...current, status });
  return escalations;
}

export function evolve(state: HomeQuarantineState, event: QuarantineEvent): HomeQuarantineState {
  if (event.type === 'quarantine.home-quarantine-started') {
    const d = event.data;
    return {
      status: 'active',
      caseId: d.caseId,
      personId: d.personId,
      community: d.community,
      startDate: d.startDate,
      endDate: d.endDate,
      assignedCaller: d.assignedCaller,
      checks: new Map(),
      missed: new Set(),
      failedAttempts: new Map(),
      escalations: new Map(),
      breaches: new Set(),
      suppliesDelivered: 0,
      disinfections: 0,
    };
  }
  // Every other event belongs to a case that exists; the store never holds one before the start.
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'quarantine.symptom-check-logged':
    case 'quarantine.symptom-check-corrected': {
      const d = event.data;
      const checks = new Map(state.checks);
      checks.set(slotKey(d.date, d.slot), {
        checkId: d.checkId,
        abnormal: d.abnormal,
        temperatureC: d.temperatureC,
      });
      return { ...state, checks };
    }
    case 'quarantine.escalation-raised': {
      const d = event.data;
      const escalations = new Map(state.escalations);
      escalations.set(d.escalationId, {
        escalationId: d.escalationId,
        checkId: d.checkId,
        date: d.date,
        slot: d.slot,
        reason: d.reason,
        status: 'open',
        overdue: false,
      });
      return { ...state, escalations };
    }
    case 'quarantine.escalation-acknowledged':
      return {
        ...state,
        escalations: withEscalation(state, event.data.escalationId, 'acknowledged'),
      };
    case 'quarantine.escalation-overdue': {
      const escalations = new Map(state.escalations);
      const current = escalations.get(event.data.escalationId);
      if (current) escalations.set(current.escalationId, { ...current, overdue: true });
      return { ...state, escalations };
    }
    case 'quarantine.escalation-referred-to-hospital':
      return {
        ...state,
        escalations: withEscalation(state, event.data.escalationId, 'referred-to-hospital'),
      };
    case 'quarantine.escalation-resolved':
      return { ...state, escalations: withEscalation(state, event.data.escalationId, 'resolved') };
    case 'quarantine.caller-reassigned':
      return { ...state, assignedCaller: event.data.newCaller };
    case 'quarantine.period-changed':
      return { ...state, endDate: event.data.newEndDate };
    case 'quarantine.check-attempt-failed': {
      const key = slotKey(event.data.date, event.data.slot);
      const failedAttempts = new Map(state.failedAttempts);
      failedAttempts.set(key, (failedAttempts.get(key) ?? 0) + 1);
      return { ...state, failedAttempts };
    }
    case 'quarantine.symptom-check-missed':
      return {
        ...state,
        missed: new Set(state.missed).add(slotKey(event.data.date, event.data.slot)),
      };
    case 'quarantine.supplies-delivered':
      return { ...state, suppliesDelivered: state.suppliesDelivered + 1 };
    case 'quarantine.disinfection-recorded':
      return { ...state, disinfections: state.disinfections + 1 };
    case 'quarantine.breach-recorded':
      return { ...state, breaches: new Set(state.breaches).add(event.data.breachId) };
    case 'quarantine.home-quarantine-ended': {
      const { status: _status, ...facts } = state;
      return {
        ...facts,
        status: 'ended',
        outcome: event.data.outcome,
        endedOn: event.data.endedOn,
      };
    }
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}
