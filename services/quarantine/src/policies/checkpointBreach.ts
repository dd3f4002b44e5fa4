import { z } from 'zod';
import type { Envelope } from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import type { Clock, Logger } from '@fangyi/service-kit';
import { sendInternalCommand } from '../homeQuarantine/internalCommand.ts';
import type { ActiveCases } from '../activeCases/projection.ts';

export const BREACH_POLICY_ACTOR = { id: 'policy-checkpoint-breach', role: 'system' } as const;

const QuarantineBreachRecorded = z.object({
  breachId: z.string(),
  checkpointId: z.string(),
  personId: z.string(),
  caseId: z.string().optional(),
  direction: z.enum(['entry', 'exit']),
  at: z.string(),
});

export interface BreachPolicyDeps {
  readonly eventStore: EventStore;
  readonly activeCases: ActiveCases;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly logger: Logger;
}

/**
 * checkpoints.quarantine-breach-recorded → RecordBreach on the person's running case: the one the
 * checkpoint named, else the person's active case in the active-cases read model. Only a real case
 * of that person takes it: an unknown, ended or someone else's case is logged and left alone. The
 * breach id makes a redelivery a no-op (BREACH_ALREADY_RECORDED).
 */
export function checkpointBreachPolicy(deps: BreachPolicyDeps): (event: Envelope) => Promise<void> {
  return async (event) => {
    const d = QuarantineBreachRecorded.parse(event.data);
    const log = deps.logger.child({ eventId: event.id, breachId: d.breachId });
    const caseId = d.caseId ?? (await deps.activeCases.activeCaseOfPerson(d.personId))?.caseId;
    if (!caseId) {
      log.warn(
        { personId: d.personId },
        'breach for a person with no active home quarantine case: skipped',
      );
      return;
    }
    const outcome = await sendInternalCommand(
      deps.eventStore,
      {
        type: 'RecordBreach',
        data: {
          caseId,
          personId: d.personId,
          breachId: d.breachId,
          checkpointId: d.checkpointId,
          at: d.at,
          direction: d.direction,
          sourceEventId: event.id,
        },
      },
      {
        actor: BREACH_POLICY_ACTOR,
        correlationId: event.correlationId,
        causationId: event.id,
        occurredAt: new Date(d.at),
        newId: deps.newId,
        // An ended or unknown case, or one of someone else, takes no breach: nothing more to do with this event.
        alreadyDone: [
          'BREACH_ALREADY_RECORDED',
          'QUARANTINE_NOT_ACTIVE',
          'CASE_NOT_FOUND',
          'BREACH_NOT_OF_CASE',
        ],
      },
    );
    if (outcome.done === 'appended')
      log.info(
        { caseId, checkpointId: d.checkpointId, direction: d.direction },
        'quarantine breach recorded on the case',
      );
    else if (outcome.code === 'BREACH_ALREADY_RECORDED')
      log.debug({ caseId }, 'breach already recorded');
    else log.warn({ caseId, code: outcome.code }, 'breach not recorded: the case is not running');
  };
}
