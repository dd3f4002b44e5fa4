import { pino, type Logger } from 'pino';
import type { EventStore, SnapshotStore } from '@fangyi/eventstore';
import {
  InMemoryProjectionStore,
  rebuildFromEventStore,
  viewAsOf,
  type Cut,
  type ProjectionStore,
} from '@fangyi/projections';
import {
  AS_OF_VIEWS,
  DEFAULT_SLOT_WINDOWS,
  REPORT,
  ROSTER_COLLECTION,
  asOfView,
  dailyReport,
  type RosterCase,
  type SlotWindows,
} from '@fangyi/roster';
import { DEFAULT_TIME_ZONE, type District } from '@fangyi/service-kit';

/** The views an analyst rebuilds from the event store, by the name the command line takes. */
export const VIEWS = AS_OF_VIEWS;
export type ViewName = (typeof VIEWS)[number];

export function projectionOf(view: ViewName, timeZone: string) {
  return asOfView(view, timeZone).projection;
}

/**
 * Replays the whole log into a fresh in-memory copy of a view, or, with a cut, only the events
 * inside it (`asOf`: happened by then; `knownAt`: recorded by then) from the nearest snapshot
 * that may serve it.
 */
export async function buildView(
  eventStore: EventStore,
  view: ViewName,
  options: {
    timeZone: string;
    cut?: Cut;
    snapshots?: SnapshotStore | null;
    logger?: Logger;
    store?: ProjectionStore;
  },
): Promise<{ store: ProjectionStore; applied: number | null }> {
  const logger = options.logger ?? pino({ level: 'silent' });
  if (options.cut) {
    const built = await viewAsOf({
      ...asOfView(view, options.timeZone),
      eventStore,
      snapshots: options.snapshots ?? null,
      cut: options.cut,
      logger,
    });
    return { store: built.store, applied: null };
  }
  const store = options.store ?? new InMemoryProjectionStore();
  const result = await rebuildFromEventStore({
    projection: projectionOf(view, options.timeZone),
    store,
    eventStore,
    logger,
  });
  return { store, applied: result.applied };
}

export async function rosterDocs(store: ProjectionStore): Promise<RosterCase[]> {
  return (await store.list<RosterCase>(ROSTER_COLLECTION)).sort((a, b) =>
    a.caseId.localeCompare(b.caseId),
  );
}

export async function reportDocs(store: ProjectionStore) {
  const entries = await Promise.all(
    Object.values(REPORT).map(async (c) => [c, await store.list(c)] as const),
  );
  return Object.fromEntries(entries) as unknown as Parameters<typeof dailyReport>[0];
}

/** The daily report of a date from a built report view, for the communities `inScope` admits. */
export async function dailyReportOf(
  store: ProjectionStore,
  date: string,
  inScope: (community: string) => boolean = () => true,
  options: {
    readonly timeZone: string;
    readonly slotWindows: SlotWindows;
    readonly district?: District;
  } = { timeZone: DEFAULT_TIME_ZONE, slotWindows: DEFAULT_SLOT_WINDOWS },
) {
  return dailyReport(await reportDocs(store), date, inScope, options);
}
