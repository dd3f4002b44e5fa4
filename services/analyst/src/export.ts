import type { Envelope } from '@fangyi/contracts';
import type { EventFilter, EventStore, RecordedEvent } from '@fangyi/eventstore';
import { toNdjsonLine } from './ndjson.ts';

/** What an analyst asks an export for, on the command line or over HTTP. */
export interface ExportCriteria {
  readonly streams?: readonly string[];
  readonly streamPrefixes?: readonly string[];
  readonly types?: readonly string[];
  /** Every event of the streams of this community (cases, people, households, complaints, checkpoints). */
  readonly community?: string;
  /** recordedAt ≥ from. */
  readonly from?: string;
  /** recordedAt < to. */
  readonly to?: string;
}

export function filterOf(c: ExportCriteria): EventFilter {
  return {
    ...(c.streams ? { streamIds: c.streams } : {}),
    ...(c.streamPrefixes ? { streamPrefixes: c.streamPrefixes } : {}),
    ...(c.types ? { types: c.types } : {}),
    ...(c.community ? { streamData: { field: 'community', value: c.community } } : {}),
    ...(c.from ? { recordedFrom: c.from } : {}),
    ...(c.to ? { recordedBefore: c.to } : {}),
  };
}

/**
 * The matching events, in log order, one page of the store at a time: whoever pulls slowly (a
 * client on a slow link, a pipe) holds the read back, so memory stays one page whatever the size.
 */
export async function* exportEvents(
  store: EventStore,
  filter: EventFilter,
  pageSize = 1000,
): AsyncGenerator<RecordedEvent> {
  let after: string | null = null;
  for (;;) {
    const page = await store.readFiltered({ filter, after, limit: pageSize });
    yield* page;
    if (page.length < pageSize) return;
    after = page[page.length - 1]!.position;
  }
}

/** NDJSON lines of the export; `shape` may change each envelope (masking for the reader). */
export async function* exportLines(
  store: EventStore,
  filter: EventFilter,
  shape?: (e: RecordedEvent) => Envelope,
): AsyncGenerator<string> {
  // Lines are joined per page so a stream is not written one small chunk per event.
  let chunk = '';
  for await (const e of exportEvents(store, filter)) {
    chunk += toNdjsonLine(shape ? shape(e) : e);
    if (chunk.length >= 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
