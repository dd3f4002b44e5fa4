import type { EventStore } from '@fangyi/eventstore';
import type { Op, Projection } from '@fangyi/projections';
import { startLogView, type ProcessorStatus } from '@fangyi/processors';
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
    return [
      {
        op: 'put',
        collection: KNOWN_HOUSEHOLDS_COLLECTION,
        id: d.householdId,
        doc: {
          householdId: d.householdId,
          community: d.community,
          estate: d.estate ?? null,
        } satisfies KnownHousehold,
      },
    ];
  },
};

export interface HouseholdDirectory {
  /** The household, read after the log up to now (a household registered a moment ago is found); null if there is none. */
  household(householdId: string): Promise<KnownHousehold | null>;
  status(): ProcessorStatus;
  stop(): Promise<void>;
}

/** Kept in memory by each instance from the event store's global log, as the checkpoints service keeps its checkpoint list. */
export async function startHouseholdDirectory(deps: {
  readonly eventStore: EventStore;
  readonly logger: Logger;
  readonly idleMs?: number;
}): Promise<HouseholdDirectory> {
  const view = await startLogView({ projection: householdDirectoryProjection, ...deps });
  return {
    async household(householdId) {
      await view.caughtUp();
      return view.store.get<KnownHousehold>(KNOWN_HOUSEHOLDS_COLLECTION, householdId);
    },
    status: view.status,
    stop: view.stop,
  };
}
