import type {
  CheckAttemptFailure,
  DisinfectionPlace,
  LogSymptomCheckInput,
  QuarantineOutcome,
  Slot,
  StartHomeQuarantineInput,
  SupplyItem,
} from '@fangyi/contracts';

// What the routes, policies and the scheduler hand the decider: ids, times and "today" included,
// so that deciding stays pure.

/** Each community's follow-up callers (configuration: FANGYI_CALLERS). */
export type CallersByCommunity = ReadonlyMap<string, readonly string[]>;

/** What the route or policy looked up before a case starts, for the decider to decide on. */
export interface StartFacts {
  /** The person as the people directory knows them; null for someone the residents register does not hold. */
  readonly person: { readonly community: string; readonly status: 'living' | 'moved-out' } | null;
  /** The person's running case, if they have one. */
  readonly activeCaseId: string | null;
  readonly callers: CallersByCommunity;
}

export type StartHomeQuarantine = {
  type: 'StartHomeQuarantine';
  /** periodDays as the route or policy settled it (the district's period when the request gave none). */
  data: Omit<StartHomeQuarantineInput, 'periodDays'> & {
    periodDays: number;
    caseId: string;
    sourceEventId?: string;
    facts: StartFacts;
  };
};
export type LogSymptomCheck = {
  type: 'LogSymptomCheck';
  data: LogSymptomCheckInput & {
    caseId: string;
    checkId: string;
    escalationId: string;
    today: string;
    /** The district's fever threshold (°C): a reading at or above it escalates. */
    feverThresholdC: number;
    /** The district's local date and minutes since midnight when the person was reached. */
    checkedAtLocal: { date: string; minutes: number };
    /** The slot's window (from configuration) and how early before it opens a check is still taken. */
    window: { opens: number; earlyMinutes: number };
  };
};
export type RecordCheckAttemptFailed = {
  type: 'RecordCheckAttemptFailed';
  data: {
    caseId: string;
    attemptId: string;
    date: string;
    slot: Slot;
    reason: CheckAttemptFailure;
    note?: string | undefined;
    attemptedAt: string;
    today: string;
    /** `attemptedAt` in the district's local date and minutes since midnight. */
    attemptedAtLocal: { date: string; minutes: number };
    /** As for a check: the slot's window and the early tolerance. */
    window: { opens: number; earlyMinutes: number };
  };
};
export type RecordMissedCheck = {
  type: 'RecordMissedCheck';
  data: {
    caseId: string;
    date: string;
    slot: Slot;
    /** The district's local date and minutes since midnight when the scheduler looked. */
    asOf: { date: string; minutes: number };
    /** When the slot's window closes, in minutes since local midnight. */
    closesAtMinutes: number;
  };
};
export type ReassignCaller = {
  type: 'ReassignCaller';
  data: { caseId: string; caller: string; reason: string; callers: CallersByCommunity };
};
export type ChangePeriod = {
  type: 'ChangePeriod';
  data: { caseId: string; newEndDate: string; reason: string };
};
export type EndHomeQuarantine = {
  type: 'EndHomeQuarantine';
  data: {
    caseId: string;
    outcome: QuarantineOutcome;
    endedOn: string;
    note?: string | undefined;
    today: string;
  };
};
export type AcknowledgeEscalation = {
  type: 'AcknowledgeEscalation';
  data: { caseId: string; escalationId: string; by: string; at: string; note?: string | undefined };
};
/**
 * From the escalation timer: the escalation was not acknowledged in time. `raisedAt` is when the
 * escalation-raised event was recorded, as the service's read model of its own log holds it (the
 * event itself carries no time); `now` is the timer's clock.
 */
export type RecordEscalationOverdue = {
  type: 'RecordEscalationOverdue';
  data: {
    caseId: string;
    escalationId: string;
    raisedAt: string;
    now: string;
    overdueAfterMinutes: number;
  };
};
export type ReferEscalation = {
  type: 'ReferEscalation';
  data: {
    caseId: string;
    escalationId: string;
    hospital: string;
    by: string;
    at: string;
    note?: string | undefined;
  };
};
export type ResolveEscalation = {
  type: 'ResolveEscalation';
  data: { caseId: string; escalationId: string; note: string; by: string; at: string };
};
export type DeliverSupplies = {
  type: 'DeliverSupplies';
  data: {
    caseId: string;
    deliveryId: string;
    items: readonly SupplyItem[];
    note?: string | undefined;
    deliveredAt: string;
  };
};
export type RecordDisinfection = {
  type: 'RecordDisinfection';
  data: {
    caseId: string;
    disinfectionId: string;
    place: DisinfectionPlace;
    note?: string | undefined;
    at: string;
  };
};
export type RecordBreach = {
  type: 'RecordBreach';
  data: {
    caseId: string;
    personId: string;
    breachId: string;
    checkpointId: string;
    at: string;
    direction: 'entry' | 'exit';
    sourceEventId: string;
  };
};

export type HomeQuarantineCommand =
  | StartHomeQuarantine
  | LogSymptomCheck
  | RecordCheckAttemptFailed
  | RecordMissedCheck
  | ReassignCaller
  | ChangePeriod
  | EndHomeQuarantine
  | AcknowledgeEscalation
  | RecordEscalationOverdue
  | ReferEscalation
  | ResolveEscalation
  | DeliverSupplies
  | RecordDisinfection
  | RecordBreach;
