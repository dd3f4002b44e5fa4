import { pino, type Logger } from 'pino';
import type { EventStore } from '@fangyi/eventstore';
import { InMemoryProjectionStore, projectAsOf, rebuildFromEventStore, type ProjectionStore } from '@fangyi/projections';
import { DEFAULT_SLOT_WINDOWS, REPORT, ROSTER_COLLECTION, dailyReport, reportProjection, rosterProjection, type RosterCase, type SlotWindows } from '@fangyi/roster';
import { DEFAULT_TIME_ZONE, businessDate, type District } from '@fangyi/service-kit';

/** The views an analyst rebuilds from the event store, by the name the command line takes. */
export const VIEWS = ['roster', 'report'] as const;
export type ViewName = (typeof VIEWS)[number];

export function projectionOf(view: ViewName, timeZone: string) {
  return view === 'roster' ? rosterProjection : reportProjection((iso) => businessDate(new Date(iso), timeZone));
}

/** Replays the whole log into a fresh in-memory copy of a view (or only what was recorded by `asOf`). */
export async function buildView(
  eventStore: EventStore,
  view: ViewName,
  options: { timeZone: string; asOf?: Date; logger?: Logger; store?: ProjectionStore } ,
): Promise<{ store: ProjectionStore; applied: number | null }> {
  const projection = projectionOf(view, options.timeZone);
  const logger = options.logger ?? pino({ level: 'silent' });
  if (options.asOf) return { store: await projectAsOf({ projection, eventStore, asOf: options.asOf, logger, ...(options.store ? { store: options.store } : {}) }), applied: null };
  const store = options.store ?? new InMemoryProjectionStore();
  const result = await rebuildFromEventStore({ projection, store, eventStore, logger });
  return { store, applied: result.applied };
}

export async function rosterDocs(store: ProjectionStore): Promise<RosterCase[]> {
  return (await store.list<RosterCase>(ROSTER_COLLECTION)).sort((a, b) => a.caseId.localeCompare(b.caseId));
}

export async function reportDocs(store: ProjectionStore) {
  const entries = await Promise.all(Object.values(REPORT).map(async (c) => [c, await store.list(c)] as const));
  return Object.fromEntries(entries) as unknown as Parameters<typeof dailyReport>[0];
}

/** The daily report of a date from a built report view, for the communities `inScope` admits. */
export async function dailyReportOf(
  store: ProjectionStore,
  date: string,
  inScope: (community: string) => boolean = () => true,
  options: { readonly timeZone: string; readonly slotWindows: SlotWindows; readonly district?: District } = { timeZone: DEFAULT_TIME_ZONE, slotWindows: DEFAULT_SLOT_WINDOWS },
) {
  return dailyReport(await reportDocs(store), date, inScope, options);
}
