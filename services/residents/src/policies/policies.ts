import type {
  Actor,
  ArrivalAssessed,
  ComplaintResolved,
  FineWithdrawn,
  Envelope,
  HomeQuarantineEnded,
  HomeQuarantineStarted,
} from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import {
  policyProcessor,
  startProcessors,
  type ProcessorGroup,
  type ProcessorSource,
} from '@fangyi/processors';
import {
  DEFAULT_TIME_ZONE,
  DomainError,
  businessDate,
  handleCommand,
  type Clock,
  type Decider,
  type DomainEvent,
  type Logger,
} from '@fangyi/service-kit';
import { householdDecider, householdStreamId } from '../household/household.ts';
import { personDecider, personStreamId } from '../person/person.ts';

export interface ResidentsPoliciesDeps {
  /** Where the events come from: the event store's log (embedded) or Kafka (distributed). */
  readonly source: ProcessorSource;
  readonly eventStore: EventStore;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Makes event ids (UUIDv7). */
  readonly newId: () => string;
  readonly timeZone?: string;
}

/** Who the policies' events say acted. */
export const POLICY_ACTOR: Actor = { id: 'policy:residents', role: 'system' };

/**
 * Refusals that mean "nothing to do here", logged and acknowledged: retrying them would fail the
 * same way forever and hold up every later event of the partition.
 */
const SETTLED: Readonly<Record<string, { readonly level: 'info' | 'warn'; readonly why: string }>> =
  {
    PERSON_NOT_FOUND: { level: 'warn', why: 'no such person in the residents register' },
    HOUSEHOLD_NOT_FOUND: { level: 'warn', why: 'no such household in the residents register' },
    RENTAL_SUSPENSION_NOT_APPLICABLE: { level: 'warn', why: 'the household does not take tenants' },
    // A redelivery, or a second substantiated report on a household already suspended: already done.
    RENTAL_ALREADY_SUSPENDED: { level: 'info', why: 'renting is already suspended' },
    // A redelivered withdrawal, or one for a ban already lifted by hand: already done.
    RENTAL_NOT_SUSPENDED: { level: 'info', why: 'renting is not suspended' },
  };

export const QUARANTINE_POLICY_HANDLES = [
  'quarantine.home-quarantine-started',
  'quarantine.home-quarantine-ended',
  'quarantine.arrival-assessed',
] as const;
export const COMPLAINTS_POLICY_HANDLES = [
  'complaints.complaint-resolved',
  'complaints.fine-withdrawn',
] as const;

/**
 * The residents service's reactions to other contexts:
 * - quarantine.home-quarantine-started → the person is marked under quarantine and a valid pass is revoked;
 * - quarantine.home-quarantine-ended → the mark is cleared, so a pass may be issued again;
 * - quarantine.arrival-assessed → the decision on the arrival (a case, or none and why) is recorded on the person;
 * - complaints.complaint-resolved (illegal-rental, substantiated, with a household) → renting is suspended;
 * - complaints.fine-withdrawn (the report was overturned, or the household corrected) → the suspension
 *   that complaint caused is lifted; a ban with another cause stays.
 * Idempotent under redelivery: the deciders answer a repeat with no events (or a refusal treated as done),
 * and a concurrent write is left to the bus to redeliver, deciding again on fresh state.
 */
export async function startResidentsPolicies(deps: ResidentsPoliciesDeps): Promise<ProcessorGroup> {
  const timeZone = deps.timeZone ?? DEFAULT_TIME_ZONE;
  const today = () => businessDate(deps.clock(), timeZone);

  const send = async <C, E extends DomainEvent, S>(
    event: Envelope,
    log: Logger,
    streamId: string,
    decider: Decider<C, E, S>,
    command: C,
  ): Promise<void> => {
    try {
      const result = await handleCommand(deps.eventStore, streamId, decider, command, {
        actor: POLICY_ACTOR,
        correlationId: event.correlationId,
        causationId: event.id,
        occurredAt: deps.clock(),
        newId: deps.newId,
      });
      if (result.events.length === 0)
        log.debug({ eventId: event.id, streamId }, 'already done: nothing to record');
      else
        log.info(
          { eventId: event.id, streamId, recorded: result.events.map((e) => e.type) },
          'recorded',
        );
    } catch (error) {
      const settled = error instanceof DomainError ? SETTLED[error.code] : undefined;
      if (settled) {
        log[settled.level](
          { eventId: event.id, type: event.type, streamId, code: (error as DomainError).code },
          `skipped: ${settled.why}`,
        );
        return;
      }
      throw error;
    }
  };

  const quarantineLog = deps.logger.child({ policy: 'residents-quarantine' });
  const quarantine = policyProcessor({
    name: 'residents-quarantine',
    handles: QUARANTINE_POLICY_HANDLES,
    react: async (event) => {
      if (event.type === 'quarantine.home-quarantine-started') {
        const d = event.data as HomeQuarantineStarted;
        await send(event, quarantineLog, personStreamId(d.personId), personDecider, {
          type: 'MarkUnderQuarantine',
          data: {
            personId: d.personId,
            caseId: d.caseId,
            startDate: d.startDate,
            endDate: d.endDate,
            today: today(),
          },
        });
      } else if (event.type === 'quarantine.arrival-assessed') {
        const d = event.data as ArrivalAssessed;
        await send(event, quarantineLog, personStreamId(d.personId), personDecider, {
          type: 'RecordQuarantineAssessment',
          data: {
            personId: d.personId,
            arrivedOn: d.arrivedOn,
            originProvince: d.originProvince,
            originCity: d.originCity,
            outcome: d.outcome,
            reason: d.reason,
            ...(d.caseId ? { caseId: d.caseId } : {}),
            note: d.note,
            assessmentEventId: event.id,
          },
        });
      } else if (event.type === 'quarantine.home-quarantine-ended') {
        const d = event.data as HomeQuarantineEnded;
        await send(event, quarantineLog, personStreamId(d.personId), personDecider, {
          type: 'ClearQuarantine',
          data: { personId: d.personId, caseId: d.caseId, endedOn: d.endedOn, outcome: d.outcome },
        });
      }
    },
  });

  const complaintsLog = deps.logger.child({ policy: 'residents-complaints' });
  const complaints = policyProcessor({
    name: 'residents-complaints',
    handles: COMPLAINTS_POLICY_HANDLES,
    react: async (event) => {
      if (event.type === 'complaints.fine-withdrawn') {
        const w = event.data as FineWithdrawn;
        await send(event, complaintsLog, householdStreamId(w.householdId), householdDecider, {
          type: 'LiftRentalSuspension',
          data: {
            householdId: w.householdId,
            note: `举报复核后撤销（${w.reason}）`,
            today: today(),
            onlyForComplaintId: w.complaintId,
          },
        });
        return;
      }
      const d = event.data as ComplaintResolved;
      if (d.category !== 'illegal-rental' || d.resolution !== 'substantiated' || !d.householdId)
        return;
      await send(event, complaintsLog, householdStreamId(d.householdId), householdDecider, {
        type: 'SuspendRental',
        data: {
          householdId: d.householdId,
          reason: 'illegal-rental-report',
          sourceComplaintId: d.complaintId,
          today: today(),
        },
      });
    },
  });

  return startProcessors([quarantine, complaints], deps.source, deps.logger);
}
