import { z } from 'zod';
import type { ArrivalAssessed, Envelope } from '@fangyi/contracts';
import { WrongExpectedRevisionError, type EventStore } from '@fangyi/eventstore';
import {
  DomainError,
  addDays,
  businessDate,
  handleCommand,
  type Clock,
  type District,
  type Logger,
} from '@fangyi/service-kit';
import {
  arrivalAssessmentDecider,
  arrivalAssessmentStreamId,
} from '../arrivalAssessment/assessment.ts';
import { sendInternalCommand } from '../homeQuarantine/internalCommand.ts';
import {
  UNASSIGNED_CALLER,
  nextCaseId,
  streamIdOf,
  type CallersByCommunity,
} from '../homeQuarantine/homeQuarantine.ts';
import type { ActiveCases } from '../activeCases/projection.ts';
import type { PeopleDirectoryFeed } from '../people/directory.ts';
import { isFromRiskArea, type CallerPicker } from './config.ts';

export { UNASSIGNED_CALLER };

export const ARRIVAL_POLICY_ACTOR = { id: 'policy-arrival-quarantine', role: 'system' } as const;

// Only the fields this policy reads (a tolerant reader: residents may add more).
const PersonArrived = z.object({
  personId: z.string(),
  personName: z.string(),
  community: z.string(),
  originProvince: z.string(),
  originCity: z.string(),
  arrivedOn: z.string(),
});

export interface ArrivalPolicyDeps {
  readonly eventStore: EventStore;
  readonly activeCases: ActiveCases;
  /** Whose case is running, read after sync(): a person with one gets no second case. */
  readonly people: PeopleDirectoryFeed;
  /** Where arrivals start a home quarantine from, and for how many days (the district's configuration). */
  readonly district: Pick<District, 'riskAreas' | 'quarantinePeriodDays'>;
  readonly callers: CallerPicker;
  readonly callersByCommunity: CallersByCommunity;
  readonly clock: Clock;
  readonly timeZone: string;
  readonly newId: () => string;
  readonly logger: Logger;
}

type Decision = Pick<ArrivalAssessed, 'outcome' | 'reason' | 'note'> & { readonly caseId?: string };

/**
 * residents.person-arrived → an assessment, recorded as quarantine.arrival-assessed whatever it
 * decides, so that a decision not to act is in the history and on the person's record: from a risk
 * area and within the period, StartHomeQuarantine for the district's period (14 days in Kutao) from the arrival; otherwise no case,
 * and why (not from a risk area, the period already over, a case already running).
 * The assessment has a stream per arrival event, so a redelivered event finds it and does nothing;
 * one that comes after the case but before the assessment finds the case it started (its source).
 * The case id is the person's next (nextCaseId), as for a start by hand: of two starts at once for
 * one person, whichever their source, one opens the case.
 */
export function arrivalQuarantinePolicy(
  deps: ArrivalPolicyDeps,
): (event: Envelope) => Promise<void> {
  return async (event) => {
    const d = PersonArrived.parse(event.data);
    const log = deps.logger.child({ eventId: event.id, personId: d.personId });
    const assessmentStream = arrivalAssessmentStreamId(event.id);
    if ((await deps.eventStore.readStream(assessmentStream)).length > 0) {
      log.debug('arrival already assessed');
      return;
    }
    const origin = `${d.originProvince}${d.originCity ? `/${d.originCity}` : ''}`;
    const periodDays = deps.district.quarantinePeriodDays;
    const periodEndDate = addDays(d.arrivedOn, periodDays - 1);
    const decision = await decide();
    await record(decision);

    async function decide(): Promise<Decision> {
      if (!isFromRiskArea(deps.district.riskAreas, d.originProvince, d.originCity)) {
        return {
          outcome: 'no-home-quarantine',
          reason: 'not-from-risk-area',
          note: `arrival assessed: no home quarantine, ${origin} is not a risk area`,
        };
      }
      const today = businessDate(deps.clock(), deps.timeZone);
      if (periodEndDate < today) {
        // Registered long after the fact: the period is already over, so there is nothing to follow up.
        log.info(
          { arrivedOn: d.arrivedOn, periodEndDate },
          'arrival from a risk area whose quarantine period is already over: no case',
        );
        return {
          outcome: 'no-home-quarantine',
          reason: 'period-already-over',
          note: `arrival assessed: no home quarantine, the ${periodDays} days from ${d.arrivedOn} (from ${origin}) were already over on ${periodEndDate}`,
        };
      }
      await deps.people.sync();
      const running = await deps.people.directory.activeCaseOf(d.personId);
      if (running) {
        // A redelivery after this arrival's case was started but before its assessment was recorded.
        if ((await sourceOf(running)) === event.id) return startedCase(running);
        log.info(
          { caseId: running },
          'arrival from a risk area of someone already under home quarantine: no second case',
        );
        return alreadyUnder(running);
      }
      // The person's next case, numbered as a start by hand numbers it: a start by hand at the same
      // moment appends to the same stream, and only one of the two opens the case.
      const caseId = nextCaseId(d.personId, await deps.people.directory.casesStarted(d.personId));
      let caller = deps.callers.pick(d.community, await deps.activeCases.loadByCaller(d.community));
      if (!caller) {
        log.warn(
          { community: d.community },
          'no caller configured for the community (FANGYI_CALLERS): case started unassigned',
        );
        caller = UNASSIGNED_CALLER;
      }
      const outcome = await sendInternalCommand(
        deps.eventStore,
        {
          type: 'StartHomeQuarantine',
          data: {
            caseId,
            personId: d.personId,
            personName: d.personName,
            community: d.community,
            startDate: d.arrivedOn,
            periodDays,
            reason: 'arrival-from-risk-area',
            reasonNote: `arrived ${d.arrivedOn} from ${origin}`,
            assignedCaller: caller,
            sourceEventId: event.id,
            // The arrival is the residents' own word that the person is registered and lives there.
            facts: {
              person: { community: d.community, status: 'living' },
              activeCaseId: null,
              callers: deps.callersByCommunity,
            },
          },
        },
        { ...meta(), alreadyDone: ['CASE_ALREADY_EXISTS'] },
      );
      if (outcome.done === 'appended') {
        log.info(
          { caseId, community: d.community, caller },
          'home quarantine started for an arrival from a risk area',
        );
        return startedCase(caseId);
      }
      // Lost the stream to another start: this arrival's (an earlier try) or someone else's.
      return (await sourceOf(caseId)) === event.id ? startedCase(caseId) : alreadyUnder(caseId);
    }

    function startedCase(caseId: string): Decision {
      return {
        outcome: 'home-quarantine-started',
        reason: 'from-risk-area',
        caseId,
        note: `arrival assessed: home quarantine from ${d.arrivedOn} to ${periodEndDate} (from ${origin})`,
      };
    }

    function alreadyUnder(caseId: string): Decision {
      return {
        outcome: 'no-home-quarantine',
        reason: 'already-under-quarantine',
        caseId,
        note: `arrival assessed: no new home quarantine, already under home quarantine in case ${caseId}`,
      };
    }

    /** The event that started a case (absent when started by hand). */
    async function sourceOf(caseId: string): Promise<string | undefined> {
      const [first] = await deps.eventStore.readStream(streamIdOf(caseId));
      return (first?.data as { sourceEventId?: string } | undefined)?.sourceEventId;
    }

    function meta() {
      return {
        actor: ARRIVAL_POLICY_ACTOR,
        correlationId: event.correlationId,
        causationId: event.id,
        occurredAt: deps.clock(),
        newId: deps.newId,
      };
    }

    async function record(decision: Decision): Promise<void> {
      const data: ArrivalAssessed = {
        arrivalEventId: event.id,
        personId: d.personId,
        community: d.community,
        arrivedOn: d.arrivedOn,
        originProvince: d.originProvince,
        originCity: d.originCity,
        periodEndDate,
        ...decision,
      };
      try {
        await handleCommand(
          deps.eventStore,
          assessmentStream,
          arrivalAssessmentDecider,
          { type: 'RecordArrivalAssessment', data },
          meta(),
        );
        log.debug({ outcome: decision.outcome, reason: decision.reason }, 'arrival assessed');
      } catch (error) {
        // Another instance assessed the same delivery first: its record stands.
        if (
          error instanceof WrongExpectedRevisionError ||
          (error instanceof DomainError && error.code === 'ARRIVAL_ALREADY_ASSESSED')
        )
          return;
        throw error;
      }
    }
  };
}
