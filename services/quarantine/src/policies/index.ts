import { topicFor } from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import { runPolicy, type MessageBus } from '@fangyi/messaging';
import type { Clock, Logger } from '@fangyi/service-kit';
import type { ActiveCases } from '../activeCases/projection.ts';
import type { PeopleDirectoryFeed } from '../people/directory.ts';
import { arrivalQuarantinePolicy } from './arrivalQuarantine.ts';
import { checkpointBreachPolicy } from './checkpointBreach.ts';
import { CallerPicker, type CallersByCommunity, type RiskArea } from './config.ts';

export interface QuarantinePoliciesOptions {
  readonly bus: MessageBus;
  readonly eventStore: EventStore;
  readonly logger: Logger;
  /** Topic prefix (default 'fangyi'); consumer groups are named after it too, so a test run gets its own. */
  readonly topicPrefix?: string;
  readonly activeCases: ActiveCases;
  /** Shared with the HTTP routes: one person, one running case, whoever starts it. */
  readonly people: PeopleDirectoryFeed;
  readonly riskAreas: readonly RiskArea[];
  readonly callers: CallersByCommunity;
  readonly clock: Clock;
  readonly timeZone: string;
  readonly newId: () => string;
}

/** Starts the quarantine service's policies: every arrival is assessed (from a risk area: a case starts); checkpoint breaches land on cases. */
export async function startQuarantinePolicies(options: QuarantinePoliciesOptions): Promise<{ stop(): Promise<void> }> {
  const prefix = options.topicPrefix ?? 'fangyi';
  const residents = topicFor('residents', prefix);
  const checkpoints = topicFor('checkpoints', prefix);
  await options.bus.ensureTopics([residents, checkpoints]);
  const log = options.logger.child({ component: 'quarantine-policies' });
  const arrivals = await runPolicy({
    name: 'quarantine-arrivals',
    groupId: `${prefix}-policy-quarantine-arrivals`,
    bus: options.bus,
    topics: [residents],
    handles: ['residents.person-arrived'],
    logger: log,
    react: arrivalQuarantinePolicy({ ...options, callers: new CallerPicker(options.callers), callersByCommunity: options.callers, logger: log.child({ policy: 'quarantine-arrivals' }) }),
  });
  const breaches = await runPolicy({
    name: 'quarantine-breaches',
    groupId: `${prefix}-policy-quarantine-breaches`,
    bus: options.bus,
    topics: [checkpoints],
    handles: ['checkpoints.quarantine-breach-recorded'],
    logger: log,
    react: checkpointBreachPolicy({ ...options, logger: log.child({ policy: 'quarantine-breaches' }) }),
  });
  return {
    async stop() {
      await Promise.all([arrivals.stop(), breaches.stop()]);
    },
  };
}

export { CallerPicker, DEFAULT_RISK_AREAS, isFromRiskArea, parseCallers, parseRiskAreas, type CallersByCommunity, type RiskArea } from './config.ts';
export { arrivalQuarantinePolicy, ARRIVAL_POLICY_ACTOR, UNASSIGNED_CALLER } from './arrivalQuarantine.ts';
export { checkpointBreachPolicy, BREACH_POLICY_ACTOR } from './checkpointBreach.ts';
