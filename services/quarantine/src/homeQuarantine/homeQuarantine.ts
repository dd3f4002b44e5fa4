import {
  FEVER_THRESHOLD_C,
  TEMPERATURE_MAX_C,
  TEMPERATURE_MIN_C,
  type LogSymptomCheckInput,
  type QuarantineEvent,
  type Slot,
  type StartHomeQuarantineInput,
} from '@fangyi/contracts';
import { DomainError, defineErrors } from '@fangyi/service-kit/errors';
import { addDays } from '@fangyi/service-kit/time';

export const quarantineErrors = defineErrors({
  CASE_NOT_FOUND: { status: 404, title: 'No home quarantine case with this id' },
  CASE_ALREADY_EXISTS: { status: 409, title: 'This home quarantine case has already been started' },
  CHECK_OUTSIDE_PERIOD: { status: 409, title: 'The check date is outside the quarantine period' },
  CHECK_IN_FUTURE: { status: 409, title: 'A check cannot be logged for a day that has not come yet' },
  SLOT_ALREADY_CHECKED: { status: 409, title: 'This slot already has a check; send it as a correction to replace it' },
  NOTHING_TO_CORRECT: { status: 409, title: 'There is no check in this slot to correct' },
  TEMPERATURE_OUT_OF_RANGE: { status: 409, title: `Temperature must be between ${TEMPERATURE_MIN_C} and ${TEMPERATURE_MAX_C} °C` },
});

export const streamIdOf = (caseId: string) => `homeQuarantine-${caseId}`;

// ---- commands: what the route hands the decider, ids and today included ----

export type StartHomeQuarantine = {
  type: 'StartHomeQuarantine';
  data: StartHomeQuarantineInput & { caseId: string };
};
export type LogSymptomCheck = {
  type: 'LogSymptomCheck';
  data: LogSymptomCheckInput & { caseId: string; checkId: string; escalationId: string; today: string };
};
export type HomeQuarantineCommand = StartHomeQuarantine | LogSymptomCheck;

// ---- state ----

export interface LoggedCheck {
  readonly checkId: string;
  readonly abnormal: boolean;
  readonly temperatureC: number;
}

export type HomeQuarantineState =
  | { readonly status: 'none' }
  | {
      readonly status: 'active';
      readonly caseId: string;
      readonly personId: string;
      readonly community: string;
      readonly startDate: string;
      readonly endDate: string;
      readonly assignedCaller: string;
      /** Keyed by `${date}/${slot}`. */
      readonly checks: ReadonlyMap<string, LoggedCheck>;
      readonly escalations: number;
    };

export const slotKey = (date: string, slot: Slot) => `${date}/${slot}`;

export const initialState = (): HomeQuarantineState => ({ status: 'none' });

export function isAbnormal(temperatureC: number, symptoms: readonly string[]): boolean {
  return temperatureC >= FEVER_THRESHOLD_C || symptoms.length > 0;
}

export function evolve(state: HomeQuarantineState, event: QuarantineEvent): HomeQuarantineState {
  switch (event.type) {
    case 'quarantine.home-quarantine-started': {
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
        escalations: 0,
      };
    }
    case 'quarantine.symptom-check-logged':
    case 'quarantine.symptom-check-corrected': {
      if (state.status !== 'active') return state;
      const d = event.data;
      const checks = new Map(state.checks);
      checks.set(slotKey(d.date, d.slot), { checkId: d.checkId, abnormal: d.abnormal, temperatureC: d.temperatureC });
      return { ...state, checks };
    }
    case 'quarantine.escalation-raised':
      return state.status === 'active' ? { ...state, escalations: state.escalations + 1 } : state;
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

export function decide(command: HomeQuarantineCommand, state: HomeQuarantineState): QuarantineEvent[] {
  switch (command.type) {
    case 'StartHomeQuarantine': {
      if (state.status !== 'none') throw new DomainError('CASE_ALREADY_EXISTS', `case ${command.data.caseId}`);
      const d = command.data;
      return [
        {
          type: 'quarantine.home-quarantine-started',
          data: {
            caseId: d.caseId,
            personId: d.personId,
            personName: d.personName,
            community: d.community,
            startDate: d.startDate,
            endDate: addDays(d.startDate, d.periodDays - 1),
            periodDays: d.periodDays,
            reason: d.reason,
            ...(d.reasonNote ? { reasonNote: d.reasonNote } : {}),
            assignedCaller: d.assignedCaller,
          },
        },
      ];
    }
    case 'LogSymptomCheck': {
      const d = command.data;
      if (state.status !== 'active') throw new DomainError('CASE_NOT_FOUND', `case ${d.caseId}`);
      if (d.temperatureC < TEMPERATURE_MIN_C || d.temperatureC > TEMPERATURE_MAX_C) {
        throw new DomainError('TEMPERATURE_OUT_OF_RANGE', `${d.temperatureC} °C`, [{ field: 'body.temperatureC', message: 'out of range' }]);
      }
      if (d.date < state.startDate || d.date > state.endDate) {
        throw new DomainError('CHECK_OUTSIDE_PERIOD', `${d.date} is outside ${state.startDate}..${state.endDate}`, [{ field: 'body.date', message: 'outside the quarantine period' }]);
      }
      if (d.date > d.today) throw new DomainError('CHECK_IN_FUTURE', `${d.date} is after today (${d.today})`, [{ field: 'body.date', message: 'in the future' }]);
      const previous = state.checks.get(slotKey(d.date, d.slot));
      if (previous && !d.correction) throw new DomainError('SLOT_ALREADY_CHECKED', `${d.date} ${d.slot}`);
      if (!previous && d.correction) throw new DomainError('NOTHING_TO_CORRECT', `${d.date} ${d.slot}`);

      const symptoms = [...new Set(d.symptoms)];
      const abnormal = isAbnormal(d.temperatureC, symptoms);
      const check = {
        caseId: d.caseId,
        checkId: d.checkId,
        date: d.date,
        slot: d.slot,
        temperatureC: d.temperatureC,
        symptoms,
        ...(d.symptomNote ? { symptomNote: d.symptomNote } : {}),
        reachedVia: d.reachedVia,
        abnormal,
      };
      const events: QuarantineEvent[] = previous
        ? [
            {
              type: 'quarantine.symptom-check-corrected',
              data: { ...check, correctsCheckId: previous.checkId, ...(d.correctionReason ? { correctionReason: d.correctionReason } : {}) },
            },
          ]
        : [{ type: 'quarantine.symptom-check-logged', data: check }];
      // A correction that turns a normal check abnormal escalates; one that was already escalated does not again.
      if (abnormal && !previous?.abnormal) {
        const fever = d.temperatureC >= FEVER_THRESHOLD_C;
        events.push({
          type: 'quarantine.escalation-raised',
          data: {
            caseId: d.caseId,
            escalationId: d.escalationId,
            checkId: d.checkId,
            date: d.date,
            slot: d.slot,
            temperatureC: d.temperatureC,
            symptoms,
            reason: fever && symptoms.length > 0 ? 'fever-and-symptoms' : fever ? 'fever' : 'symptoms',
          },
        });
      }
      return events;
    }
    default: {
      const _exhaustive: never = command;
      throw new Error('unknown command');
    }
  }
}

export const homeQuarantineDecider = { initialState, evolve, decide };
