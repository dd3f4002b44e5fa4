import { parseEnvelope, type Envelope } from '@fangyi/contracts';
import type { EventFilter, EventStore } from '@fangyi/eventstore';
import { exportEvents } from '../export.ts';

/** One recorded symptom check as the preview reads it (a correction's values replace the check's). */
export interface RecordedCheck {
  readonly checkId: string;
  /** When the caller reached the person (the logged event's occurredAt; a correction keeps it). */
  readonly at: string;
  readonly temperatureC: number;
  readonly symptoms: readonly string[];
}

/** A home quarantine case as the history recorded it. */
export interface RecordedCase {
  readonly caseId: string;
  readonly personId: string;
  readonly community: string;
  readonly startDate: string;
  /** The period it was started with (days). */
  readonly periodDays: number;
  /** The last day at start, and after changes by hand (inclusive). */
  readonly startEndDate: string;
  readonly endDate: string;
  /** When the system learned of the case: slots whose window had closed by then were nobody's to work. */
  readonly registeredAt: string;
  /** The arrival that made the policy start it, if it did. */
  readonly sourceEventId: string | null;
  readonly ended: {
    readonly endedOn: string;
    readonly outcome: string;
    readonly recordedAt: string;
  } | null;
  readonly checks: readonly RecordedCheck[];
}

export interface RecordedArrival {
  readonly eventId: string;
  readonly personId: string;
  readonly community: string;
  readonly originProvince: string;
  readonly originCity: string;
  readonly arrivedOn: string;
  readonly recordedAt: string;
}

/** The scratch read model the preview replays: cases and arrivals, in memory. */
export interface PreviewHistory {
  readonly cases: readonly RecordedCase[];
  readonly arrivals: readonly RecordedArrival[];
}

type MutableCase = { -readonly [K in keyof RecordedCase]: RecordedCase[K] } & {
  checksById: Map<string, RecordedCheck>;
};

/**
 * Folds envelopes (any order of streams, each stream in revision order, as the log gives them) into
 * the preview's history. Pure: the same events give the same history. Events of other types, and
 * events of a case whose start is not among them, are ignored.
 */
export function foldHistory(events: Iterable<Envelope>): PreviewHistory {
  const fold = historyFold();
  for (const e of events) fold.add(e);
  return fold.result();
}

/** The fold one event at a time, for a reader that pages through the log. */
export function historyFold(): { add(raw: Envelope): void; result(): PreviewHistory } {
  const cases = new Map<string, MutableCase>();
  const arrivals: RecordedArrival[] = [];
  const add = (raw: Envelope): void => {
    let e: Envelope;
    try {
      // Today's shapes (old versions upcast), as every view reads them.
      e = parseEnvelope(raw);
    } catch {
      return;
    }
    const d = e.data as Record<string, unknown>;
    if (e.type === 'residents.person-arrived') {
      arrivals.push({
        eventId: e.id,
        personId: String(d.personId),
        community: String(d.community),
        originProvince: String(d.originProvince),
        originCity: String(d.originCity ?? ''),
        arrivedOn: String(d.arrivedOn),
        recordedAt: e.recordedAt,
      });
      return;
    }
    if (e.type === 'quarantine.home-quarantine-started') {
      const caseId = String(d.caseId);
      cases.set(caseId, {
        caseId,
        personId: String(d.personId),
        community: String(d.community),
        startDate: String(d.startDate),
        periodDays: Number(d.periodDays),
        startEndDate: String(d.endDate),
        endDate: String(d.endDate),
        registeredAt: e.recordedAt,
        sourceEventId: typeof d.sourceEventId === 'string' ? d.sourceEventId : null,
        ended: null,
        checks: [],
        checksById: new Map(),
      });
      return;
    }
    const c = typeof d.caseId === 'string' ? cases.get(d.caseId) : undefined;
    if (!c) return;
    switch (e.type) {
      case 'quarantine.symptom-check-logged':
        c.checksById.set(String(d.checkId), {
          checkId: String(d.checkId),
          at: e.occurredAt,
          temperatureC: Number(d.temperatureC),
          symptoms: (d.symptoms as string[]) ?? [],
        });
        break;
      case 'quarantine.symptom-check-corrected': {
        const replaced = c.checksById.get(String(d.correctsCheckId));
        // The correction says what was measured; when the caller reached the person stays the check's.
        if (replaced) {
          c.checksById.delete(replaced.checkId);
          c.checksById.set(String(d.checkId), {
            checkId: String(d.checkId),
            at: replaced.at,
            temperatureC: Number(d.temperatureC),
            symptoms: (d.symptoms as string[]) ?? [],
          });
        }
        break;
      }
      case 'quarantine.period-changed':
        c.endDate = String(d.newEndDate);
        break;
      case 'quarantine.home-quarantine-ended':
        c.ended = {
          endedOn: String(d.endedOn),
          outcome: String(d.outcome),
          recordedAt: e.recordedAt,
        };
        break;
      default:
        break;
    }
  };
  const result = (): PreviewHistory => ({
    cases: [...cases.values()].map(({ checksById, ...c }) => ({
      ...c,
      checks: [...checksById.values()],
    })),
    arrivals: [...arrivals],
  });
  return { add, result };
}

/** The case events the preview folds (the others change nothing it counts). */
export const CASE_EVENT_TYPES = [
  'quarantine.home-quarantine-started',
  'quarantine.symptom-check-logged',
  'quarantine.symptom-check-corrected',
  'quarantine.period-changed',
  'quarantine.home-quarantine-ended',
] as const;

/**
 * Reads what the preview needs through the event store port, one page at a time: the case events
 * it folds (of one community's cases, if named) and the arrivals. By type rather than by stream
 * prefix: nearly every event of a district matches `homeQuarantine-`, and PostgreSQL, which cannot
 * estimate a prefix, then sorts the whole log for each page; a type is in its statistics.
 */
export async function readPreviewHistory(
  store: EventStore,
  options: { community?: string } = {},
): Promise<PreviewHistory> {
  const filters: EventFilter[] = options.community
    ? [
        {
          types: ['residents.person-arrived'],
          data: { field: 'community', value: options.community },
        },
        { types: CASE_EVENT_TYPES, streamData: { field: 'community', value: options.community } },
      ]
    : [{ types: ['residents.person-arrived', ...CASE_EVENT_TYPES] }];
  const fold = historyFold();
  for (const filter of filters) {
    for await (const { position: _p, ...e } of exportEvents(store, filter)) fold.add(e);
  }
  return fold.result();
}
