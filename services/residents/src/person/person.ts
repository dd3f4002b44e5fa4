import {
  isAbnormal,
  PASS_MAX_VALIDITY_DAYS,
  TEMPERATURE_MAX_C,
  TEMPERATURE_MIN_C,
  idNumberFacts,
  type ForgetPersonInput,
  type IssuePassInput,
  type MoveInInput,
  type MoveOutInput,
  type PassRevocationReason,
  type PersonEvent,
  type QuarantineAssessed,
  type RecordArrivalInput,
  type RecordScreeningInput,
  type RegisterPersonInput,
  type Registration,
  type RevokePassInput,
  type ScreeningResult,
  type Sex,
  type TravelEntry,
} from '@fangyi/contracts';
import { DomainError, defineErrors, fault } from '@fangyi/service-kit/errors';
import { addDays } from '@fangyi/service-kit/time';

export const personErrors = defineErrors({
  PERSON_NOT_FOUND: { status: 404, title: 'No person with this id' },
  PERSON_ALREADY_EXISTS: { status: 409, title: 'This person has already been registered' },
  PERSON_ALREADY_REGISTERED: {
    status: 409,
    title: 'A person with this ID number has already been registered',
  },
  PERSON_MOVED_OUT: {
    status: 409,
    title: 'This person has moved out of the district; record a move-in first',
  },
  RENTAL_SUSPENDED: {
    status: 409,
    title: 'Renting is suspended for this household: it may take no new outside tenants',
  },
  ALREADY_IN_HOUSEHOLD: { status: 409, title: 'This person already lives in this household' },
  DATE_IN_FUTURE: { status: 409, title: 'The date is after today' },
  DATE_BEFORE_BIRTH: { status: 409, title: 'The date is before the person was born' },
  ARRIVAL_ALREADY_RECORDED: { status: 409, title: 'This arrival has already been recorded' },
  SCREENING_ALREADY_RECORDED: {
    status: 409,
    title: 'The same screening has already been recorded for this day',
  },
  PASS_NOT_ALLOWED: {
    status: 409,
    title:
      'A pass needs a normal latest screening, taken after the last arrival, and no home quarantine',
  },
  PASS_ALREADY_ACTIVE: {
    status: 409,
    title: 'This person already holds a valid pass; revoke it first',
  },
  PASS_VALIDITY_INVALID: {
    status: 409,
    title: `A pass is valid from today for at most ${PASS_MAX_VALIDITY_DAYS} days`,
  },
  NO_ACTIVE_PASS: { status: 409, title: 'This person holds no valid pass' },
  PERSON_FORGOTTEN: {
    status: 409,
    title:
      'This person has been forgotten: their ID and phone numbers can no longer be read, and nothing more is recorded for them',
  },
});

export const personStreamId = (personId: string) => `person-${personId}`;

/** What a route reads from the household's stream and hands the decider (deciders stay pure). */
export interface HouseholdFacts {
  readonly householdId: string;
  readonly community: string;
  readonly rentalSuspended: boolean;
}

/** Reasons a pass is refused; the first word of the problem's detail. */
export type PassRefusal =
  | 'under-quarantine'
  | 'not-screened'
  | 'latest-screening-abnormal'
  | 'screened-before-arrival';

// ---- commands: what the route (or a policy) hands the decider, ids and today included ----

/**
 * `sealed`: the ID and phone numbers as the event records them, sealed with the person's key by the
 * route (the decider stays pure); the clear ones still come in, for the facts an ID number holds.
 */
export type RegisterPerson = {
  type: 'RegisterPerson';
  data: RegisterPersonInput & {
    personId: string;
    today: string;
    household: HouseholdFacts | null;
    sealed: { readonly idNumber: string; readonly phone: string };
  };
};
export type RecordArrival = {
  type: 'RecordArrival';
  data: RecordArrivalInput & { personId: string; today: string };
};
export type MoveIn = {
  type: 'MoveIn';
  data: MoveInInput & { personId: string; today: string; household: HouseholdFacts | null };
};
export type MoveOut = { type: 'MoveOut'; data: MoveOutInput & { personId: string; today: string } };
/** feverThresholdC: the district's (configuration); a reading at or above it is abnormal. */
export type RecordScreening = {
  type: 'RecordScreening';
  data: RecordScreeningInput & {
    personId: string;
    screeningId: string;
    today: string;
    visitedBy: string;
    feverThresholdC: number;
  };
};
export type IssuePass = {
  type: 'IssuePass';
  data: IssuePassInput & { personId: string; passId: string; today: string };
};
export type RevokePass = {
  type: 'RevokePass';
  data: RevokePassInput & { personId: string; today: string };
};
/** Sent by the quarantine policy. */
export type MarkUnderQuarantine = {
  type: 'MarkUnderQuarantine';
  data: { personId: string; caseId: string; startDate: string; endDate?: string; today: string };
};
/** Sent by the quarantine policy. */
export type ClearQuarantine = {
  type: 'ClearQuarantine';
  data: { personId: string; caseId: string; endedOn: string; outcome: string };
};
/** Sent by the quarantine policy: what the quarantine context decided about an arrival. */
export type RecordQuarantineAssessment = {
  type: 'RecordQuarantineAssessment';
  data: QuarantineAssessed;
};
/** An admin forgets a person: the route deletes their key once this is recorded. */
export type ForgetPerson = {
  type: 'ForgetPerson';
  data: ForgetPersonInput & { personId: string; today: string };
};
export type PersonCommand =
  | RegisterPerson
  | RecordArrival
  | MoveIn
  | MoveOut
  | RecordScreening
  | IssuePass
  | RevokePass
  | MarkUnderQuarantine
  | ClearQuarantine
  | RecordQuarantineAssessment
  | ForgetPerson;

// ---- state ----

export interface Arrival {
  readonly arrivedOn: string;
  readonly originProvince: string;
  readonly originCity: string;
}

/** The quarantine context's decision on an arrival, as recorded on the person's stream. */
export type QuarantineAssessment = Omit<QuarantineAssessed, 'personId'>;

export interface Screening {
  readonly screeningId: string;
  readonly date: string;
  readonly temperatureC: number;
  readonly symptoms: readonly string[];
  readonly result: ScreeningResult;
  readonly visitedBy: string;
}

export interface Pass {
  readonly passId: string;
  readonly issuedOn: string;
  readonly validUntil: string;
  readonly screeningId: string;
  readonly screeningDate: string;
  readonly revoked: { readonly reason: PassRevocationReason; readonly on: string } | null;
}

export interface PersonRecord {
  readonly personId: string;
  readonly householdId: string;
  readonly community: string;
  readonly name: string;
  /** Sealed (or clear, in history not yet migrated): opened through the vault when shown. */
  readonly idNumber: string;
  readonly phone: string;
  /** The business date the person was forgotten (their key deleted); null until then. */
  readonly forgottenOn: string | null;
  readonly sex: Sex;
  readonly birthDate: string;
  readonly registration: Registration;
  readonly originProvince: string | null;
  readonly originCity: string | null;
  readonly travelHistory: readonly TravelEntry[];
  readonly arrivals: readonly Arrival[];
  /** In the order recorded. */
  readonly screenings: readonly Screening[];
  /** The latest pass issued, whatever became of it. */
  readonly pass: Pass | null;
  /** Home quarantine cases under way: caseId → start date. */
  readonly activeQuarantines: ReadonlyMap<string, string>;
  /** Cases that have ended, so a redelivered start of an ended case marks nothing. */
  readonly endedQuarantines: ReadonlySet<string>;
  /** The quarantine context's decisions on the arrivals, in the order recorded. */
  readonly quarantineAssessments: readonly QuarantineAssessment[];
}

export type PersonState =
  | { readonly status: 'none' }
  | ({ readonly status: 'registered' } & PersonRecord)
  | ({
      readonly status: 'moved-out';
      readonly movedOutOn: string;
      readonly destination: string | null;
    } & PersonRecord);

export type PassStatus = 'none' | 'active' | 'expired' | 'revoked';

export const initialState = (): PersonState => ({ status: 'none' });

export { isAbnormal };

/** The screening with the latest date; of two on one day, the one recorded last. */
export function latestScreening(person: PersonRecord): Screening | null {
  let latest: Screening | null = null;
  for (const s of person.screenings) if (!latest || s.date >= latest.date) latest = s;
  return latest;
}

export function lastArrival(person: PersonRecord): Arrival | null {
  let last: Arrival | null = null;
  for (const a of person.arrivals) if (!last || a.arrivedOn >= last.arrivedOn) last = a;
  return last;
}

/** Expiry is computed, not recorded: a pass is valid through its last day, inclusive. */
export function passStatus(
  pass: Pick<Pass, 'validUntil' | 'revoked'> | null,
  today: string,
): PassStatus {
  if (!pass) return 'none';
  if (pass.revoked) return 'revoked';
  return today <= pass.validUntil ? 'active' : 'expired';
}

export const underQuarantine = (person: PersonRecord): boolean => person.activeQuarantines.size > 0;

const sameArrival = (a: Arrival, b: Arrival) =>
  a.arrivedOn === b.arrivedOn &&
  a.originProvince === b.originProvince &&
  a.originCity === b.originCity;

/**
 * What became of the last arrival: null without one; `pending` until the quarantine context's
 * decision is recorded here; then that decision (a case started, or none and why).
 */
export function lastArrivalAssessment(
  person: PersonRecord,
): ({ status: 'pending' } & Arrival) | ({ status: 'assessed' } & QuarantineAssessment) | null {
  const arrival = lastArrival(person);
  if (!arrival) return null;
  const assessment = person.quarantineAssessments.find((a) => sameArrival(a, arrival));
  return assessment ? { status: 'assessed', ...assessment } : { status: 'pending', ...arrival };
}

export function passRefusal(person: PersonRecord): PassRefusal | null {
  if (underQuarantine(person)) return 'under-quarantine';
  const screening = latestScreening(person);
  if (!screening) return 'not-screened';
  if (screening.result !== 'normal') return 'latest-screening-abnormal';
  const arrival = lastArrival(person);
  if (arrival && screening.date < arrival.arrivedOn) return 'screened-before-arrival';
  return null;
}

export function evolve(state: PersonState, event: PersonEvent): PersonState {
  if (event.type === 'residents.person-registered') {
    const d = event.data;
    return {
      status: 'registered',
      personId: d.personId,
      householdId: d.householdId,
      community: d.community,
      name: d.name,
      idNumber: d.idNumber,
      phone: d.phone,
      forgottenOn: null,
      sex: d.sex,
      birthDate: d.birthDate,
      registration: d.registration,
      originProvince: d.originProvince ?? null,
      originCity: d.originCity ?? null,
      travelHistory: d.travelHistory,
      arrivals: [],
      screenings: [],
      pass: null,
      activeQuarantines: new Map(),
      endedQuarantines: new Set(),
      quarantineAssessments: [],
    };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'residents.person-arrived': {
      const { arrivedOn, originProvince, originCity } = event.data;
      return { ...state, arrivals: [...state.arrivals, { arrivedOn, originProvince, originCity }] };
    }
    case 'residents.person-moved-in': {
      const { householdId, community } = event.data;
      if (state.status === 'registered') return { ...state, householdId, community };
      const { movedOutOn: _movedOutOn, destination: _destination, ...record } = state;
      return { ...record, status: 'registered', householdId, community };
    }
    case 'residents.person-moved-out':
      return {
        ...state,
        status: 'moved-out',
        movedOutOn: event.data.movedOutOn,
        destination: event.data.destination ?? null,
      };
    case 'residents.screening-recorded': {
      const d = event.data;
      return {
        ...state,
        screenings: [
          ...state.screenings,
          {
            screeningId: d.screeningId,
            date: d.date,
            temperatureC: d.temperatureC,
            symptoms: d.symptoms,
            result: d.result,
            visitedBy: d.visitedBy,
          },
        ],
      };
    }
    case 'residents.pass-issued': {
      const d = event.data;
      const screening = state.screenings.find((s) => s.screeningId === d.screeningId);
      return {
        ...state,
        pass: {
          passId: d.passId,
          issuedOn: d.issuedOn,
          validUntil: d.validUntil,
          screeningId: d.screeningId,
          screeningDate: screening?.date ?? d.issuedOn,
          revoked: null,
        },
      };
    }
    case 'residents.pass-revoked':
      return state.pass?.passId === event.data.passId
        ? {
            ...state,
            pass: {
              ...state.pass,
              revoked: { reason: event.data.reason, on: event.data.revokedOn },
            },
          }
        : state;
    case 'residents.quarantine-marked': {
      const active = new Map(state.activeQuarantines);
      active.set(event.data.caseId, event.data.startDate);
      return { ...state, activeQuarantines: active };
    }
    case 'residents.quarantine-cleared': {
      const active = new Map(state.activeQuarantines);
      active.delete(event.data.caseId);
      return {
        ...state,
        activeQuarantines: active,
        endedQuarantines: new Set([...state.endedQuarantines, event.data.caseId]),
      };
    }
    case 'residents.quarantine-assessed': {
      const { personId: _personId, ...assessment } = event.data;
      return { ...state, quarantineAssessments: [...state.quarantineAssessments, assessment] };
    }
    case 'residents.person-forgotten':
      return { ...state, forgottenOn: event.data.forgottenOn };
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

/** The domain fact at fault; the route names where it came in. */
const field = fault;

function notAfter(date: string, today: string, name: string): void {
  if (date > today)
    throw new DomainError(
      'DATE_IN_FUTURE',
      `${name} ${date} is after today (${today})`,
      field(name, 'in the future'),
    );
}

function existing(state: PersonState, personId: string): Exclude<PersonState, { status: 'none' }> {
  if (state.status === 'none')
    throw new DomainError(
      'PERSON_NOT_FOUND',
      `person ${personId}`,
      field('personId', 'no such person'),
    );
  return state;
}

function present(
  state: PersonState,
  personId: string,
): Extract<PersonState, { status: 'registered' }> {
  const person = remembered(state, personId);
  if (person.status === 'moved-out')
    throw new DomainError(
      'PERSON_MOVED_OUT',
      `person ${personId} moved out on ${person.movedOutOn}`,
      field('personId', `moved out on ${person.movedOutOn}`),
    );
  return person;
}

/** A forgotten person's history stays as it was: nothing new is recorded for them. */
function remembered(
  state: PersonState,
  personId: string,
): Exclude<PersonState, { status: 'none' }> {
  const person = existing(state, personId);
  if (person.forgottenOn !== null)
    throw new DomainError(
      'PERSON_FORGOTTEN',
      `person ${personId} was forgotten on ${person.forgottenOn}`,
      field('personId', 'forgotten'),
    );
  return person;
}

/** Revokes the pass in hand, if it is still valid today. */
function revokeActivePass(
  person: PersonRecord,
  reason: PassRevocationReason,
  today: string,
): PersonEvent[] {
  if (passStatus(person.pass, today) !== 'active') return [];
  return [
    {
      type: 'residents.pass-revoked',
      data: { personId: person.personId, passId: person.pass!.passId, reason, revokedOn: today },
    },
  ];
}

function arrivalEvent(
  person: {
    personId: string;
    name: string;
    householdId: string;
    community: string;
    registration: Registration;
  },
  a: Arrival,
): PersonEvent {
  return {
    type: 'residents.person-arrived',
    data: {
      personId: person.personId,
      personName: person.name,
      householdId: person.householdId,
      community: person.community,
      originProvince: a.originProvince,
      originCity: a.originCity,
      arrivedOn: a.arrivedOn,
      registration: person.registration,
    },
  };
}

function moveAllowed(
  household: HouseholdFacts | null,
  householdId: string,
  registration: Registration,
): HouseholdFacts {
  if (!household || household.householdId !== householdId)
    throw new DomainError(
      'HOUSEHOLD_NOT_FOUND',
      `household ${householdId}`,
      field('householdId', 'no such household'),
    );
  // The rental ban stops new outside tenants; local people may still move in.
  if (registration === 'outside' && household.rentalSuspended) {
    throw new DomainError(
      'RENTAL_SUSPENDED',
      `household ${householdId} may take no new outside tenants`,
      field('householdId', 'renting is suspended'),
    );
  }
  return household;
}

export function decide(command: PersonCommand, state: PersonState): PersonEvent[] {
  switch (command.type) {
    case 'RegisterPerson': {
      const d = command.data;
      if (state.status !== 'none')
        throw new DomainError(
          'PERSON_ALREADY_EXISTS',
          `person ${d.personId}`,
          field('personId', 'already registered'),
        );
      const household = moveAllowed(d.household, d.householdId, d.registration);
      const facts = idNumberFacts(d.idNumber);
      const birthDate = d.birthDate ?? facts.birthDate;
      notAfter(birthDate, d.today, 'birthDate');
      if (d.arrivedOn !== undefined) {
        notAfter(d.arrivedOn, d.today, 'arrivedOn');
        if (d.arrivedOn < birthDate)
          throw new DomainError(
            'DATE_BEFORE_BIRTH',
            `arrivedOn ${d.arrivedOn}`,
            field('arrivedOn', 'before the birth date'),
          );
      }
      d.travelHistory.forEach((t, i) => notAfter(t.to, d.today, `travelHistory.${i}.to`));
      const person = {
        personId: d.personId,
        name: d.name,
        householdId: d.householdId,
        community: household.community,
        registration: d.registration,
      };
      const events: PersonEvent[] = [
        {
          type: 'residents.person-registered',
          data: {
            ...person,
            idNumber: d.sealed.idNumber,
            phone: d.sealed.phone,
            sex: d.sex ?? facts.sex,
            birthDate,
            ...(d.originProvince ? { originProvince: d.originProvince } : {}),
            ...(d.originCity ? { originCity: d.originCity } : {}),
            ...(d.arrivedOn ? { arrivedOn: d.arrivedOn } : {}),
            travelHistory: d.travelHistory,
          },
        },
      ];
      // The schema requires an origin with an arrival date, so the quarantine context always learns where from.
      if (d.arrivedOn && d.originProvince && d.originCity)
        events.push(
          arrivalEvent(person, {
            arrivedOn: d.arrivedOn,
            originProvince: d.originProvince,
            originCity: d.originCity,
          }),
        );
      return events;
    }
    case 'RecordArrival': {
      const d = command.data;
      const person = present(state, d.personId);
      notAfter(d.arrivedOn, d.today, 'arrivedOn');
      if (d.arrivedOn < person.birthDate)
        throw new DomainError(
          'DATE_BEFORE_BIRTH',
          `arrivedOn ${d.arrivedOn}`,
          field('arrivedOn', 'before the birth date'),
        );
      const same = person.arrivals.some(
        (a) =>
          a.arrivedOn === d.arrivedOn &&
          a.originProvince === d.originProvince &&
          a.originCity === d.originCity,
      );
      if (same)
        throw new DomainError(
          'ARRIVAL_ALREADY_RECORDED',
          `${d.arrivedOn} from ${d.originCity}, ${d.originProvince}`,
          field('arrivedOn', 'this arrival is already recorded'),
        );
      const arrival = {
        arrivedOn: d.arrivedOn,
        originProvince: d.originProvince,
        originCity: d.originCity,
      };
      // Someone back from elsewhere is screened again before a pass counts: one resting on an earlier screening is revoked.
      const stale =
        person.pass && person.pass.screeningDate < d.arrivedOn
          ? revokeActivePass(person, 'new-arrival', d.today)
          : [];
      return [arrivalEvent(person, arrival), ...stale];
    }
    case 'MoveIn': {
      const d = command.data;
      const person = remembered(state, d.personId);
      if (person.status === 'registered' && person.householdId === d.householdId)
        throw new DomainError(
          'ALREADY_IN_HOUSEHOLD',
          `household ${d.householdId}`,
          field('householdId', 'already lives here'),
        );
      const household = moveAllowed(d.household, d.householdId, person.registration);
      notAfter(d.movedInOn, d.today, 'movedInOn');
      return [
        {
          type: 'residents.person-moved-in',
          data: {
            personId: d.personId,
            fromHouseholdId: person.householdId,
            householdId: d.householdId,
            community: household.community,
            movedInOn: d.movedInOn,
          },
        },
      ];
    }
    case 'MoveOut': {
      const d = command.data;
      const person = present(state, d.personId);
      notAfter(d.movedOutOn, d.today, 'movedOutOn');
      return [
        {
          type: 'residents.person-moved-out',
          data: {
            personId: d.personId,
            householdId: person.householdId,
            community: person.community,
            movedOutOn: d.movedOutOn,
            ...(d.destination ? { destination: d.destination } : {}),
          },
        },
        ...revokeActivePass(person, 'moved-out', d.today),
      ];
    }
    case 'RecordScreening': {
      const d = command.data;
      const person = present(state, d.personId);
      if (d.temperatureC < TEMPERATURE_MIN_C || d.temperatureC > TEMPERATURE_MAX_C) {
        throw new DomainError(
          'TEMPERATURE_OUT_OF_RANGE',
          `${d.temperatureC} °C`,
          field('temperatureC', 'out of range'),
        );
      }
      notAfter(d.date, d.today, 'date');
      const symptoms = [...new Set(d.symptoms)].sort();
      // The same visit sent twice (a double tap, a retried request) is refused rather than counted twice.
      const duplicate = person.screenings.some(
        (s) =>
          s.date === d.date &&
          s.temperatureC === d.temperatureC &&
          s.visitedBy === d.visitedBy &&
          s.symptoms.join() === symptoms.join(),
      );
      if (duplicate)
        throw new DomainError(
          'SCREENING_ALREADY_RECORDED',
          `${d.date} ${d.temperatureC} °C by ${d.visitedBy}`,
          field('date', 'the same screening is already recorded for this day'),
        );
      const result: ScreeningResult = isAbnormal(d.temperatureC, symptoms, d.feverThresholdC)
        ? 'abnormal'
        : 'normal';
      const events: PersonEvent[] = [
        {
          type: 'residents.screening-recorded',
          data: {
            personId: d.personId,
            screeningId: d.screeningId,
            householdId: person.householdId,
            community: person.community,
            date: d.date,
            temperatureC: d.temperatureC,
            symptoms,
            ...(d.symptomNote ? { symptomNote: d.symptomNote } : {}),
            result,
            visitedBy: d.visitedBy,
          },
        },
      ];
      // Fever or symptoms at the door end the right to come and go at once.
      if (result === 'abnormal')
        events.push(...revokeActivePass(person, 'abnormal-screening', d.today));
      return events;
    }
    case 'IssuePass': {
      const d = command.data;
      const person = present(state, d.personId);
      const refusal = passRefusal(person);
      if (refusal)
        throw new DomainError(
          'PASS_NOT_ALLOWED',
          `${refusal}: ${refusalText[refusal]}`,
          field('personId', refusal),
        );
      if (passStatus(person.pass, d.today) === 'active')
        throw new DomainError(
          'PASS_ALREADY_ACTIVE',
          `pass ${person.pass!.passId} is valid until ${person.pass!.validUntil}`,
          field('personId', `holds a pass valid until ${person.pass!.validUntil}`),
        );
      const latest = addDays(d.today, PASS_MAX_VALIDITY_DAYS - 1);
      if (d.validUntil < d.today || d.validUntil > latest) {
        throw new DomainError(
          'PASS_VALIDITY_INVALID',
          `validUntil must be between ${d.today} and ${latest}`,
          field('validUntil', `must be between ${d.today} and ${latest}`),
        );
      }
      const screening = latestScreening(person)!;
      return [
        {
          type: 'residents.pass-issued',
          data: {
            personId: d.personId,
            passId: d.passId,
            community: person.community,
            issuedOn: d.today,
            validUntil: d.validUntil,
            screeningId: screening.screeningId,
          },
        },
      ];
    }
    case 'RevokePass': {
      const d = command.data;
      const person = existing(state, d.personId);
      if (passStatus(person.pass, d.today) !== 'active')
        throw new DomainError(
          'NO_ACTIVE_PASS',
          `person ${d.personId}`,
          field('personId', 'holds no valid pass'),
        );
      return [
        {
          type: 'residents.pass-revoked',
          data: {
            personId: d.personId,
            passId: person.pass!.passId,
            reason: d.reason,
            ...(d.note ? { note: d.note } : {}),
            revokedOn: d.today,
          },
        },
      ];
    }
    case 'MarkUnderQuarantine': {
      const d = command.data;
      const person = existing(state, d.personId);
      // Redelivered, or a case that has already ended: nothing to do.
      if (person.activeQuarantines.has(d.caseId) || person.endedQuarantines.has(d.caseId))
        return [];
      return [
        {
          type: 'residents.quarantine-marked',
          data: {
            personId: d.personId,
            caseId: d.caseId,
            startDate: d.startDate,
            ...(d.endDate ? { endDate: d.endDate } : {}),
          },
        },
        ...revokeActivePass(person, 'home-quarantine-started', d.today),
      ];
    }
    case 'ClearQuarantine': {
      const d = command.data;
      const person = existing(state, d.personId);
      // Redelivered, or a case this person was never marked for: nothing to clear.
      if (!person.activeQuarantines.has(d.caseId)) return [];
      return [
        {
          type: 'residents.quarantine-cleared',
          data: { personId: d.personId, caseId: d.caseId, endedOn: d.endedOn, outcome: d.outcome },
        },
      ];
    }
    case 'RecordQuarantineAssessment': {
      const d = command.data;
      const person = existing(state, d.personId);
      // Redelivered: one decision per arrival, the first recorded.
      if (person.quarantineAssessments.some((a) => sameArrival(a, d))) return [];
      return [{ type: 'residents.quarantine-assessed', data: d }];
    }
    case 'ForgetPerson': {
      const d = command.data;
      const person = existing(state, d.personId);
      // Forgotten already: nothing more to record (the route deletes the key again all the same).
      if (person.forgottenOn !== null) return [];
      return [
        {
          type: 'residents.person-forgotten',
          data: {
            personId: d.personId,
            community: person.community,
            reason: d.reason,
            forgottenOn: d.today,
          },
        },
      ];
    }
    default: {
      const _exhaustive: never = command;
      throw new Error('unknown command');
    }
  }
}

const refusalText: Record<PassRefusal, string> = {
  'under-quarantine': 'the person is under home quarantine',
  'not-screened': 'the person has not been screened',
  'latest-screening-abnormal': 'the latest screening found fever or symptoms',
  'screened-before-arrival': 'the latest screening was before the last arrival; screen again',
};

export const personDecider = { initialState, evolve, decide };
