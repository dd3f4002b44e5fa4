import type { EventStore } from '@fangyi/eventstore';
import { InMemoryProjectionStore, followLog, type Op, type Projection, type ProjectionStore } from '@fangyi/projections';
import type { Logger } from '@fangyi/service-kit';

/** Households the residents register holds, by householdId. */
export const KNOWN_HOUSEHOLDS_COLLECTION = 'known-households';

/** What a complaint needs to know of a household it names: that it exists, and where. */
export interface KnownHousehold {
  readonly householdId: string;
  readonly community: string;
  readonly estate: string | null;
}

// Only the fields this directory reads (a tolerant reader: residents own the full schema).
interface HouseholdRef {
  readonly householdId: string;
  readonly community: string;
  readonly estate?: string;
}

/** From residents.household-registered on the event store's log. */
export const householdDirectoryProjection: Projection = {
  name: 'complaints-household-directory',
  handles: ['residents.household-registered'],
  async project(event): Promise<Op[]> {
    const d = event.data as HouseholdRef;
    return [{ op: 'put', collection: KNOWN_HOUSEHOLDS_COLLECTION, id: d.householdId, doc: { householdId: d.householdId, community: d.community, estate: d.estate ?? null } satisfies KnownHousehold }];
  },
};

export interface HouseholdDirectory {
  /** The household, read after the log up to now (a household registered a moment ago is found); null if there is none. */
  household(householdId: string): Promise<KnownHousehold | null>;
}

/** Kept from the event store's global log on request, as the checkpoints service keeps its checkpoint list. */
export function householdDirectory(deps: { readonly eventStore: EventStore; readonly logger: Logger; readonly store?: ProjectionStore }): HouseholdDirectory {
  const store = deps.store ?? new InMemoryProjectionStore();
  const follower = followLog({ projection: householdDirectoryProjection, store, eventStore: deps.eventStore, logger: deps.logger });
  return {
    async household(householdId) {
      await follower.sync();
      return store.get<KnownHousehold>(KNOWN_HOUSEHOLDS_COLLECTION, householdId);
    },
  };
}
