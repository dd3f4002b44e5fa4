import type { EventStore } from '@fangyi/eventstore';
import {
  policyProcessor,
  startProcessors,
  type ProcessorGroup,
  type ProcessorSource,
} from '@fangyi/processors';
import type { Clock, District, Logger } from '@fangyi/service-kit';
import type { ActiveCases } from '../activeCases/projection.ts';
import type { PeopleDirectoryFeed } from '../people/directory.ts';
import { arrivalQuarantinePolicy } from './arrivalQuarantine.ts';
import { checkpointBreachPolicy } from './checkpointBreach.ts';
import { CallerPicker, type CallersByCommunity } from './config.ts';

export interface QuarantinePoliciesOptions {
  /** Where the events come from: the event store's log (embedded) or Kafka (distributed). */
  readonly source: ProcessorSource;
  readonly eventStore: EventStore;
  readonly logger: Logger;
  readonly activeCases: ActiveCases;
  /** Shared with the HTTP routes: one person, one running case, whoever starts it. */
  readonly people: PeopleDirectoryFeed;
  /** The arrival policy's risk areas and home-quarantine period (the district's configuration). */
  readonly district: Pick<District, 'riskAreas' | 'quarantinePeriodDays'>;
  readonly callers: CallersByCommunity;
  readonly clock: Clock;
  readonly timeZone: string;
  readonly newId: () => string;
}

/** Starts the quarantine service's policies: arrivals from risk areas start cases; checkpoint breaches land on cases. */
export async function startQuarantinePolicies(
  options: QuarantinePoliciesOptions,
): Promise<ProcessorGroup> {
  const log = options.logger.child({ component: 'quarantine-policies' });
  const arrivals = policyProcessor({
    name: 'quarantine-arrivals',
    handles: ['residents.person-arrived'],
    react: arrivalQuarantinePolicy({
      ...options,
      callers: new CallerPicker(options.callers),
      callersByCommunity: options.callers,
      logger: log.child({ policy: 'quarantine-arrivals' }),
    }),
  });
  const breaches = policyProcessor({
    name: 'quarantine-breaches',
    handles: ['checkpoints.quarantine-breach-recorded'],
    react: checkpointBreachPolicy({
      ...options,
      logger: log.child({ policy: 'quarantine-breaches' }),
    }),
  });
  return startProcessors([arrivals, breaches], options.source, log);
}

export {
  CallerPicker,
  isFromRiskArea,
  parseCallers,
  parseRiskAreas,
  type CallersByCommunity,
  type RiskArea,
} from './config.ts';
export {
  arrivalQuarantinePolicy,
  ARRIVAL_POLICY_ACTOR,
  UNASSIGNED_CALLER,
} from './arrivalQuarantine.ts';
export { checkpointBreachPolicy, BREACH_POLICY_ACTOR } from './checkpointBreach.ts';
