import { z } from 'zod';
import { DEFAULT_PERIOD_DAYS, deterministicId, type Envelope } from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import { addDays, businessDate, type Clock, type Logger } from '@fangyi/service-kit';
import { sendInternalCommand } from '../homeQuarantine/internalCommand.ts';
import { streamIdOf } from '../homeQuarantine/homeQuarantine.ts';
import type { ActiveCases } from '../activeCases/projection.ts';
import { isFromRiskArea, type CallerPicker, type RiskArea } from './config.ts';

/** Cases started by this policy are assigned here when the community has no configured caller, so they still show on the roster. */
export const UNASSIGNED_CALLER = 'unassigned';
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
  readonly riskAreas: readonly RiskArea[];
  readonly callers: CallerPicker;
  readonly clock: Clock;
  readonly timeZone: string;
  readonly newId: () => string;
  readonly logger: Logger;
}

/**
 * residents.person-arrived from a risk area → StartHomeQuarantine for 14 days from the arrival.
 * The case id is derived from the arrival event, so a redelivered event finds its case already
 * started (CASE_ALREADY_EXISTS) and does nothing.
 */
export function arrivalQuarantinePolicy(deps: ArrivalPolicyDeps): (event: Envelope) => Promise<void> {
  return async (event) => {
    const d = PersonArrived.parse(event.data);
    const log = deps.logger.child({ eventId: event.id, personId: d.personId });
    if (!isFromRiskArea(deps.riskAreas, d.originProvince, d.originCity)) {
      log.debug('arrival not from a risk area: no quarantine');
      return;
    }
    const today = businessDate(deps.clock(), deps.timeZone);
    const endDate = addDays(d.arrivedOn, DEFAULT_PERIOD_DAYS - 1);
    if (endDate < today) {
      // Registered long after the fact: the period is already over, so there is nothing to follow up.
      log.info({ arrivedOn: d.arrivedOn, endDate }, 'arrival from a risk area whose quarantine period is already over: no case');
      return;
    }
    const caseId = deterministicId('arrival', event.id);
    // A redelivery: checked before picking a caller, so a repeat does not move the round-robin on.
    if ((await deps.eventStore.readStream(streamIdOf(caseId))).length > 0) {
      log.debug({ caseId }, 'arrival already handled');
      return;
    }
    let caller = deps.callers.pick(d.community, await deps.activeCases.loadByCaller(d.community));
    if (!caller) {
      log.warn({ community: d.community }, 'no caller configured for the community (FANGYI_CALLERS): case started unassigned');
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
          periodDays: DEFAULT_PERIOD_DAYS,
          reason: 'arrival-from-risk-area',
          reasonNote: `arrived ${d.arrivedOn} from ${d.originProvince}${d.originCity ? `/${d.originCity}` : ''}`,
          assignedCaller: caller,
          sourceEventId: event.id,
        },
      },
      {
        actor: ARRIVAL_POLICY_ACTOR,
        correlationId: event.correlationId,
        causationId: event.id,
        occurredAt: deps.clock(),
        newId: deps.newId,
        alreadyDone: ['CASE_ALREADY_EXISTS'],
      },
    );
    if (outcome.done === 'appended') log.info({ caseId, community: d.community, caller }, 'home quarantine started for an arrival from a risk area');
    else log.debug({ caseId }, 'arrival already handled');
  };
}
