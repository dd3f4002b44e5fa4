import type { EventStore } from '@fangyi/eventstore';
import { InMemoryProjectionStore, type ProjectionStore } from '@fangyi/projections';
import {
  logSource,
  readModelProcessor,
  startProcessor,
  type ProcessorStatus,
} from '@fangyi/processors';
import type { Logger } from '@fangyi/service-kit';
import { ResidentsDirectory, residentsDirectoryProjection } from '../directory/projection.ts';
import { HouseholdPeople, householdPeopleProjection } from './projection.ts';

export interface HouseholdPeopleFeed {
  readonly householdPeople: HouseholdPeople;
  /** People by name and households by address, for search (its own store, fed from the same log). */
  readonly directory: ResidentsDirectory;
  /**
   * Resolves once the read model holds every event the log showed to a read begun after this call:
   * whatever was appended before the call (and is readable, see below) is in it. A registrar who
   * has just registered someone sees them.
   */
  sync(): Promise<void>;
  /** The household-people processor's status. */
  status(): ProcessorStatus;
  /** Both processors' (household people, directory), for readiness and metrics. */
  statuses(): ProcessorStatus[];
  stop(): Promise<void>;
}

export interface HouseholdPeopleFeedOptions {
  readonly eventStore: EventStore;
  readonly logger: Logger;
  /** Instant → the district's business date, for the day of a registration. */
  readonly dateOf: (isoInstant: string) => string;
  /** Defaults to a fresh in-memory store, filled from the start of the log. */
  readonly store?: ProjectionStore;
  /** Between background reads; a request reads what is newer itself, so this only bounds its work. */
  readonly idleMs?: number;
  readonly batchSize?: number;
}

/**
 * Keeps the household → people read model from the event store's global log: a request waits until
 * the log's tail is applied before answering, so a registrar who has just registered someone sees
 * them, in every mode and across instances.
 */
export async function startHouseholdPeopleFeed(
  options: HouseholdPeopleFeedOptions,
): Promise<HouseholdPeopleFeed> {
  const store = options.store ?? new InMemoryProjectionStore();
  const source = logSource({
    eventStore: options.eventStore,
    idleMs: options.idleMs ?? 500,
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
  });
  const running = await startProcessor(
    readModelProcessor(householdPeopleProjection(options.dateOf), store),
    source,
    options.logger,
  );
  const directoryStore = new InMemoryProjectionStore();
  const directorySource = logSource({
    eventStore: options.eventStore,
    idleMs: options.idleMs ?? 500,
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
  });
  const directory = await startProcessor(
    readModelProcessor(residentsDirectoryProjection(), directoryStore),
    directorySource,
    options.logger,
  );
  return {
    householdPeople: new HouseholdPeople(store),
    directory: new ResidentsDirectory(directoryStore),
    sync: async () => {
      await Promise.all([running.caughtUp(), directory.caughtUp()]);
    },
    status: () => running.status(),
    statuses: () => [running.status(), directory.status()],
    stop: async () => {
      await Promise.all([running.stop(), directory.stop()]);
    },
  };
}
