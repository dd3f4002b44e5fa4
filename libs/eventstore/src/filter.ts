import {
  LATE_AFTER_MS,
  type EventFilter,
  type ReadAllOptions,
  type RecordedEvent,
} from './port.ts';

const FIELD = /^[A-Za-z][A-Za-z0-9]{0,63}$/;

/** Refuses a filter a store cannot run safely (a data key is put into a JSON path) or that is empty by mistake. */
export function checkFilter(filter: EventFilter): void {
  for (const key of ['streamData', 'data'] as const) {
    const f = filter[key];
    if (f && !FIELD.test(f.field))
      throw new RangeError(
        `filter ${key}.field ${JSON.stringify(f.field)}: letters and digits only`,
      );
  }
  for (const key of ['recordedFrom', 'recordedBefore', 'occurredFrom', 'occurredBefore'] as const) {
    const v = filter[key];
    if (v !== undefined && Number.isNaN(Date.parse(v)))
      throw new RangeError(`filter ${key} ${JSON.stringify(v)} is not an instant`);
  }
}

/** An instant as every adapter stores recordedAt (Date#toISOString), so text comparison orders it. */
export const isoInstant = (iso: string): string => new Date(iso).toISOString();

/** Whether one event passes the criteria that do not need the rest of its stream. */
export function matchesOwnFields(filter: EventFilter, e: RecordedEvent): boolean {
  if (filter.streamIds && !filter.streamIds.includes(e.streamId)) return false;
  if (filter.streamPrefixes && !filter.streamPrefixes.some((p) => e.streamId.startsWith(p)))
    return false;
  if (filter.types && !filter.types.includes(e.type)) return false;
  if (
    filter.data &&
    (e.data as Record<string, unknown> | null)?.[filter.data.field] !== filter.data.value
  )
    return false;
  const at = Date.parse(e.recordedAt);
  if (filter.recordedFrom !== undefined && at < Date.parse(filter.recordedFrom)) return false;
  if (filter.recordedBefore !== undefined && at >= Date.parse(filter.recordedBefore)) return false;
  const happened = Date.parse(e.occurredAt);
  if (filter.occurredFrom !== undefined && happened < Date.parse(filter.occurredFrom)) return false;
  if (filter.occurredBefore !== undefined && happened >= Date.parse(filter.occurredBefore))
    return false;
  if (filter.recordedLate && !(at > happened + LATE_AFTER_MS)) return false;
  return true;
}

/**
 * A filtered read for a store that cannot filter itself (EventStoreDB): scans the log page by
 * page and asks each candidate's stream, once per page, whether it holds the data value.
 */
export async function scanFiltered(
  readAll: (options: ReadAllOptions) => Promise<RecordedEvent[]>,
  readStream: (streamId: string) => Promise<RecordedEvent[]>,
  filter: EventFilter,
  options: ReadAllOptions,
): Promise<RecordedEvent[]> {
  checkFilter(filter);
  const limit = options.limit ?? 1000;
  const out: RecordedEvent[] = [];
  let after = options.after ?? null;
  for (;;) {
    const page = await readAll({ after, limit: Math.max(limit, 500) });
    if (page.length === 0) return out;
    const holds = new Map<string, boolean>();
    for (const e of page) {
      after = e.position;
      if (!matchesOwnFields(filter, e)) continue;
      if (filter.streamData) {
        const { field, value } = filter.streamData;
        let ok = holds.get(e.streamId);
        if (ok === undefined) {
          ok = (await readStream(e.streamId)).some(
            (s) => (s.data as Record<string, unknown> | null)?.[field] === value,
          );
          holds.set(e.streamId, ok);
        }
        if (!ok) continue;
      }
      out.push(e);
      if (out.length === limit) return out;
    }
  }
}
