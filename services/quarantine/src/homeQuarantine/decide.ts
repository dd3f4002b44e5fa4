import {
  TEMPERATURE_MAX_C,
  TEMPERATURE_MIN_C,
  defaultMeasuredBy,
  type QuarantineEvent,
} from '@fangyi/contracts';
import { DomainError, fault } from '@fangyi/service-kit/errors';
import { addDays, daysBetween } from '@fangyi/service-kit/time';
import { formatClockTime } from '@fangyi/service-kit/slots';
import type { CallersByCommunity, HomeQuarantineCommand, StartFacts } from './commands.ts';
import {
  isAbnormal,
  lastCheckDate,
  slotKey,
  type CaseFacts,
  type EscalationState,
  type HomeQuarantineState,
} from './state.ts';

/** Same upper bound as a new case's period (StartHomeQuarantineSchema). */
export const MAX_PERIOD_DAYS = 60;

/**
 * Where a community has no follow-up caller configured, a case is assigned here, so that it still
 * shows on the roster; it is refused where the community has callers.
 */
export const UNASSIGNED_CALLER = 'unassigned';

/** A caller may hold a case of a community they call for, or 'unassigned' where it has none. */
function requireCallerOf(
  callers: CallersByCommunity,
  community: string,
  caller: string,
  field: string,
): void {
  const ofCommunity = callers.get(community) ?? [];
  if (ofCommunity.includes(caller) || (ofCommunity.length === 0 && caller === UNASSIGNED_CALLER))
    return;
  const known =
    ofCommunity.length > 0 ? ofCommunity.join(', ') : `none configured: use ${UNASSIGNED_CALLER}`;
  throw new DomainError(
    'CALLER_NOT_OF_COMMUNITY',
    `${caller} is not a caller of ${community} (callers: ${known})`,
    [{ field, message: `not a caller of ${community}` }],
  );
}

/** A case is for someone the residents register holds, who lives in the case's community and has no other case running. */
function requireStartable(facts: StartFacts, personId: string, community: string): void {
  const person = facts.person;
  if (!person)
    throw new DomainError('PERSON_NOT_REGISTERED', `person ${personId}`, [
      { field: 'body.personId', message: 'no registered person with this id' },
    ]);
  if (person.status === 'moved-out')
    throw new DomainError('PERSON_HAS_MOVED_OUT', `person ${personId}`, [
      { field: 'body.personId', message: 'has moved out of the district' },
    ]);
  if (person.community !== community) {
    throw new DomainError(
      'PERSON_IN_OTHER_COMMUNITY',
      `person ${personId} lives in ${person.community}`,
      [{ field: 'body.community', message: `the person lives in ${person.community}` }],
    );
  }
  if (facts.activeCaseId !== null) {
    throw new DomainError(
      'PERSON_ALREADY_UNDER_QUARANTINE',
      `person ${personId} is under home quarantine in case ${facts.activeCaseId}`,
      [
        {
          field: 'body.personId',
          message: `already under home quarantine in case ${facts.activeCaseId}`,
        },
      ],
      { existingCaseId: facts.activeCaseId },
    );
  }
}

type ActiveState = Extract<HomeQuarantineState, { status: 'active' }>;

/** Only a running case takes commands: one never started is unknown (404), an ended one is read-only (409). */
function requireActive(state: HomeQuarantineState, caseId: string): ActiveState {
  if (state.status === 'none')
    throw new DomainError('CASE_NOT_FOUND', `case ${caseId}`, fault('caseId', 'no such case'));
  if (state.status === 'ended')
    throw new DomainError(
      'QUARANTINE_NOT_ACTIVE',
      `case ${caseId} ended on ${state.endedOn} (${state.outcome})`,
      fault('caseId', `ended on ${state.endedOn}`),
    );
  return state;
}

function requireInPeriod(state: CaseFacts, date: string): void {
  if (date < state.startDate || date > state.endDate) {
    throw new DomainError(
      'CHECK_OUTSIDE_PERIOD',
      `${date} is outside ${state.startDate}..${state.endDate}`,
      fault('date', `outside the quarantine period ${state.startDate}..${state.endDate}`),
    );
  }
}

/**
 * A check (or an attempt at one) is taken from a little before its slot's window opens (the
 * configured tolerance), never earlier: 03:45 is not a morning check. Late ones for a past slot stay welcome.
 */
function requireWindowOpened(
  d: { date: string; slot: string; window: { opens: number; earlyMinutes: number } },
  at: { date: string; minutes: number },
  what: 'check' | 'attempt',
): void {
  const minutesIntoDay = daysBetween(d.date, at.date) * 1440 + at.minutes;
  const acceptedFrom = d.window.opens - d.window.earlyMinutes;
  if (minutesIntoDay < acceptedFrom) {
    const why = `${d.slot} window opens ${formatClockTime(d.window.opens)} (${what} accepted from ${formatClockTime(acceptedFrom)})`;
    throw new DomainError(
      'SLOT_NOT_OPEN_YET',
      `${d.date} ${why}; ${what} at ${at.date} ${formatClockTime(at.minutes)}`,
      fault('slot', why),
    );
  }
}

function escalationOf(state: CaseFacts, escalationId: string): EscalationState {
  const escalation = state.escalations.get(escalationId);
  if (!escalation)
    throw new DomainError(
      'ESCALATION_NOT_FOUND',
      `escalation ${escalationId} on case ${state.caseId}`,
      fault('escalationId', 'no such escalation on this case'),
    );
  return escalation;
}

/** Referral and resolution close an escalation, and only one that someone has acknowledged. */
function requireAcknowledged(escalation: EscalationState): void {
  if (escalation.status === 'open')
    throw new DomainError(
      'ESCALATION_NOT_ACKNOWLEDGED',
      `escalation ${escalation.escalationId}`,
      fault('escalationId', 'not acknowledged yet'),
    );
  if (escalation.status !== 'acknowledged')
    throw new DomainError(
      'ESCALATION_CLOSED',
      `escalation ${escalation.escalationId} is ${escalation.status}`,
      fault('escalationId', escalation.status),
    );
}

export function decide(
  command: HomeQuarantineCommand,
  state: HomeQuarantineState,
): QuarantineEvent[] {
  switch (command.type) {
    case 'StartHomeQuarantine': {
      if (state.status !== 'none')
        throw new DomainError(
          'CASE_ALREADY_EXISTS',
          `case ${command.data.caseId}`,
          fault('caseId', 'already started'),
        );
      const d = command.data;
      requireStartable(d.facts, d.personId, d.community);
      requireCallerOf(d.facts.callers, d.community, d.assignedCaller, 'body.assignedCaller');
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
            ...(d.sourceEventId ? { sourceEventId: d.sourceEventId } : {}),
          },
        },
      ];
    }

    case 'LogSymptomCheck': {
      const d = command.data;
      const s = requireActive(state, d.caseId);
      // The same check sent again (its id is the client's) is already recorded: nothing to do.
      if (!d.correction && s.checks.get(slotKey(d.date, d.slot))?.checkId === d.checkId) return [];
      if (d.temperatureC < TEMPERATURE_MIN_C || d.temperatureC > TEMPERATURE_MAX_C) {
        throw new DomainError(
          'TEMPERATURE_OUT_OF_RANGE',
          `${d.temperatureC} °C`,
          fault('temperatureC', 'out of range'),
        );
      }
      requireInPeriod(s, d.date);
      if (d.date > d.today)
        throw new DomainError(
          'CHECK_IN_FUTURE',
          `${d.date} is after today (${d.today})`,
          fault('date', 'in the future'),
        );
      requireWindowOpened(d, d.checkedAtLocal, 'check');
      // A slot already recorded as missed still takes a late check: it replaces "missed" on the roster.
      const previous = s.checks.get(slotKey(d.date, d.slot));
      if (previous && !d.correction)
        throw new DomainError(
          'SLOT_ALREADY_CHECKED',
          `${d.date} ${d.slot}`,
          fault('slot', `${d.date} ${d.slot} already has a check`),
        );
      if (!previous && d.correction)
        throw new DomainError(
          'NOTHING_TO_CORRECT',
          `${d.date} ${d.slot}`,
          fault('correction', `${d.date} ${d.slot} has no check to correct`),
        );

      const symptoms = [...new Set(d.symptoms)];
      const abnormal = isAbnormal(d.temperatureC, symptoms, d.feverThresholdC);
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
      const { reachedVia, ...reading } = check;
      const events: QuarantineEvent[] = previous
        ? [
            {
              type: 'quarantine.symptom-check-corrected',
              data: {
                ...check,
                correctsCheckId: previous.checkId,
                ...(d.correctionReason ? { correctionReason: d.correctionReason } : {}),
              },
            },
          ]
        : [
            {
              type: 'quarantine.symptom-check-logged',
              data: {
                ...reading,
                contactChannel: reachedVia,
                measuredBy: d.measuredBy ?? defaultMeasuredBy(reachedVia),
              },
            },
          ];
      // A correction that turns a normal check abnormal escalates; one that was already escalated does not again.
      if (abnormal && !previous?.abnormal) {
        const fever = d.temperatureC >= d.feverThresholdC;
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
            reason:
              fever && symptoms.length > 0 ? 'fever-and-symptoms' : fever ? 'fever' : 'symptoms',
          },
        });
      }
      return events;
    }

    case 'RecordCheckAttemptFailed': {
      const d = command.data;
      const s = requireActive(state, d.caseId);
      requireInPeriod(s, d.date);
      if (d.date > d.today)
        throw new DomainError(
          'CHECK_IN_FUTURE',
          `${d.date} is after today (${d.today})`,
          fault('date', 'in the future'),
        );
      requireWindowOpened(d, d.attemptedAtLocal, 'attempt');
      // Once reached, a slot is done: a failed attempt after that is a mistake, not a fact.
      if (s.checks.has(slotKey(d.date, d.slot)))
        throw new DomainError(
          'SLOT_ALREADY_CHECKED',
          `${d.date} ${d.slot}`,
          fault('slot', `${d.date} ${d.slot} already has a check`),
        );
      return [
        {
          type: 'quarantine.check-attempt-failed',
          data: {
            caseId: d.caseId,
            attemptId: d.attemptId,
            date: d.date,
            slot: d.slot,
            reason: d.reason,
            ...(d.note ? { note: d.note } : {}),
            attemptedAt: d.attemptedAt,
          },
        },
      ];
    }

    case 'RecordMissedCheck': {
      const d = command.data;
      const s = requireActive(state, d.caseId);
      requireInPeriod(s, d.date);
      const closed =
        d.date < d.asOf.date || (d.date === d.asOf.date && d.asOf.minutes >= d.closesAtMinutes);
      if (!closed)
        throw new DomainError(
          'SLOT_STILL_OPEN',
          `${d.date} ${d.slot} as of ${d.asOf.date} minute ${d.asOf.minutes}`,
          fault('slot', 'window still open'),
        );
      const key = slotKey(d.date, d.slot);
      if (s.checks.has(key))
        throw new DomainError(
          'SLOT_ALREADY_CHECKED',
          `${d.date} ${d.slot}`,
          fault('slot', `${d.date} ${d.slot} already has a check`),
        );
      if (s.missed.has(key))
        throw new DomainError(
          'MISSED_ALREADY_RECORDED',
          `${d.date} ${d.slot}`,
          fault('slot', 'already recorded as missed'),
        );
      return [
        {
          type: 'quarantine.symptom-check-missed',
          data: { caseId: d.caseId, date: d.date, slot: d.slot },
        },
      ];
    }

    case 'ReassignCaller': {
      const d = command.data;
      const s = requireActive(state, d.caseId);
      if (s.assignedCaller === d.caller)
        throw new DomainError(
          'CALLER_UNCHANGED',
          d.caller,
          fault('caller', 'already the assigned caller'),
        );
      requireCallerOf(d.callers, s.community, d.caller, 'body.caller');
      return [
        {
          type: 'quarantine.caller-reassigned',
          data: {
            caseId: d.caseId,
            previousCaller: s.assignedCaller,
            newCaller: d.caller,
            reason: d.reason,
          },
        },
      ];
    }

    case 'ChangePeriod': {
      const d = command.data;
      const s = requireActive(state, d.caseId);
      const field = (message: string) => fault('newEndDate', message);
      if (d.newEndDate < s.startDate) {
        throw new DomainError(
          'PERIOD_END_BEFORE_START',
          `${d.newEndDate} is before ${s.startDate}`,
          field('before the start date'),
        );
      }
      const lastCheck = lastCheckDate(s);
      if (lastCheck !== null && d.newEndDate < lastCheck) {
        throw new DomainError(
          'PERIOD_END_BEFORE_LAST_CHECK',
          `${d.newEndDate} is before the check of ${lastCheck}`,
          field('before the last logged check'),
        );
      }
      if (d.newEndDate === s.endDate)
        throw new DomainError('PERIOD_UNCHANGED', d.newEndDate, field('unchanged'));
      const periodDays = daysBetween(s.startDate, d.newEndDate) + 1;
      if (periodDays > MAX_PERIOD_DAYS) {
        throw new DomainError(
          'PERIOD_TOO_LONG',
          `${periodDays} days, at most ${MAX_PERIOD_DAYS}`,
          field(`more than ${MAX_PERIOD_DAYS} days after the start`),
        );
      }
      return [
        {
          type: 'quarantine.period-changed',
          data: {
            caseId: d.caseId,
            previousEndDate: s.endDate,
            newEndDate: d.newEndDate,
            periodDays,
            reason: d.reason,
          },
        },
      ];
    }

    case 'EndHomeQuarantine': {
      const d = command.data;
      const s = requireActive(state, d.caseId);
      const field = (message: string) => fault('endedOn', message);
      if (d.endedOn < s.startDate)
        throw new DomainError(
          'ENDED_BEFORE_START',
          `${d.endedOn} is before ${s.startDate}`,
          field('before the start date'),
        );
      if (d.endedOn > d.today)
        throw new DomainError(
          'ENDED_IN_FUTURE',
          `${d.endedOn} is after today (${d.today})`,
          field('in the future'),
        );
      const lastCheck = lastCheckDate(s);
      if (lastCheck !== null && d.endedOn < lastCheck)
        throw new DomainError(
          'ENDED_BEFORE_LAST_CHECK',
          `${d.endedOn} is before the check of ${lastCheck}`,
          field('before the last logged check'),
        );
      // "Completed" means the period ran its course; cutting it short is a period change with its own reason.
      if (d.outcome === 'completed' && d.endedOn < s.endDate) {
        throw new DomainError(
          'PERIOD_NOT_COMPLETE',
          `the period runs to ${s.endDate}`,
          fault('outcome', `the period runs to ${s.endDate}`),
        );
      }
      return [
        {
          type: 'quarantine.home-quarantine-ended',
          data: {
            caseId: d.caseId,
            personId: s.personId,
            community: s.community,
            outcome: d.outcome,
            endedOn: d.endedOn,
            ...(d.note ? { note: d.note } : {}),
          },
        },
      ];
    }

    case 'AcknowledgeEscalation': {
      const d = command.data;
      const s = requireActive(state, d.caseId);
      const escalation = escalationOf(s, d.escalationId);
      if (escalation.status === 'acknowledged')
        throw new DomainError(
          'ESCALATION_ALREADY_ACKNOWLEDGED',
          `escalation ${d.escalationId}`,
          fault('escalationId', 'already acknowledged'),
        );
      if (escalation.status !== 'open')
        throw new DomainError(
          'ESCALATION_CLOSED',
          `escalation ${d.escalationId} is ${escalation.status}`,
          fault('escalationId', escalation.status),
        );
      return [
        {
          type: 'quarantine.escalation-acknowledged',
          data: {
            caseId: d.caseId,
            escalationId: d.escalationId,
            by: d.by,
            at: d.at,
            ...(d.note ? { note: d.note } : {}),
          },
        },
      ];
    }

    case 'RecordEscalationOverdue': {
      const d = command.data;
      const s = requireActive(state, d.caseId);
      const escalation = escalationOf(s, d.escalationId);
      if (escalation.status === 'acknowledged')
        throw new DomainError(
          'ESCALATION_ALREADY_ACKNOWLEDGED',
          `escalation ${d.escalationId}`,
          fault('escalationId', 'already acknowledged'),
        );
      if (escalation.status !== 'open')
        throw new DomainError(
          'ESCALATION_CLOSED',
          `escalation ${d.escalationId} is ${escalation.status}`,
          fault('escalationId', escalation.status),
        );
      // Once per escalation, however many timers run and however often.
      if (escalation.overdue)
        throw new DomainError(
          'ESCALATION_ALREADY_OVERDUE',
          `escalation ${d.escalationId}`,
          fault('escalationId', 'already recorded as overdue'),
        );
      const dueAt = new Date(Date.parse(d.raisedAt) + d.overdueAfterMinutes * 60_000).toISOString();
      if (Date.parse(d.now) < Date.parse(dueAt))
        throw new DomainError(
          'ESCALATION_NOT_DUE_YET',
          `escalation ${d.escalationId} is due for acknowledgement at ${dueAt}`,
          fault('escalationId', `due at ${dueAt}`),
        );
      return [
        {
          type: 'quarantine.escalation-overdue',
          data: {
            caseId: d.caseId,
            escalationId: d.escalationId,
            raisedAt: d.raisedAt,
            dueAt,
            overdueAfterMinutes: d.overdueAfterMinutes,
          },
        },
      ];
    }

    case 'ReferEscalation': {
      const d = command.data;
      const s = requireActive(state, d.caseId);
      requireAcknowledged(escalationOf(s, d.escalationId));
      return [
        {
          type: 'quarantine.escalation-referred-to-hospital',
          data: {
            caseId: d.caseId,
            escalationId: d.escalationId,
            hospital: d.hospital,
            by: d.by,
            at: d.at,
            ...(d.note ? { note: d.note } : {}),
          },
        },
      ];
    }

    case 'ResolveEscalation': {
      const d = command.data;
      const s = requireActive(state, d.caseId);
      requireAcknowledged(escalationOf(s, d.escalationId));
      return [
        {
          type: 'quarantine.escalation-resolved',
          data: {
            caseId: d.caseId,
            escalationId: d.escalationId,
            note: d.note,
            by: d.by,
            at: d.at,
          },
        },
      ];
    }

    case 'DeliverSupplies': {
      const d = command.data;
      requireActive(state, d.caseId);
      return [
        {
          type: 'quarantine.supplies-delivered',
          data: {
            caseId: d.caseId,
            deliveryId: d.deliveryId,
            items: [...new Set(d.items)],
            ...(d.note ? { note: d.note } : {}),
            deliveredAt: d.deliveredAt,
          },
        },
      ];
    }

    case 'RecordDisinfection': {
      const d = command.data;
      requireActive(state, d.caseId);
      return [
        {
          type: 'quarantine.disinfection-recorded',
          data: {
            caseId: d.caseId,
            disinfectionId: d.disinfectionId,
            place: d.place,
            ...(d.note ? { note: d.note } : {}),
            at: d.at,
          },
        },
      ];
    }

    case 'RecordBreach': {
      const d = command.data;
      const s = requireActive(state, d.caseId);
      // A checkpoint that named a case of someone else (or a stale id) is not this case's breach.
      if (s.personId !== d.personId)
        throw new DomainError(
          'BREACH_NOT_OF_CASE',
          `breach of ${d.personId} on the case of ${s.personId}`,
        );
      // The checkpoints topic is delivered at least once: the breach id makes a repeat a no-op.
      if (s.breaches.has(d.breachId))
        throw new DomainError(
          'BREACH_ALREADY_RECORDED',
          `breach ${d.breachId}`,
          fault('breachId', 'already recorded'),
        );
      return [
        {
          type: 'quarantine.breach-recorded',
          data: {
            caseId: d.caseId,
            breachId: d.breachId,
            checkpointId: d.checkpointId,
            at: d.at,
            direction: d.direction,
            sourceEventId: d.sourceEventId,
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
