import { gunzipSync, gzipSync } from 'node:zlib';
import { pino, type Logger } from 'pino';
import { parseEnvelope, type Envelope } from '@fangyi/contracts';
import {
  LATE_AFTER_MS,
  type EventFilter,
  type EventStore,
  type LogPosition,
  type RecordedEvent,
  type SnapshotMeta,
  type SnapshotStore,
} from '@fangyi/eventstore';
import { applyBatch } from './batch.ts';
import { InMemoryProjectionStore } from './memory.ts';
import type { Projection } from './port.ts';

/**
 * The two questions of the history, alone or together:
 * - `knownAt` — what did we know at K: the events recorded at or before K;
 * - `asOf` — what was true at T: the events that happened (occurredAt) at or before T, including
 *   those recorded later (a check logged late), as known now — or as known at K when both are given.
 */
export interface Cut {
  readonly knownAt?: Date;
  readonly asOf?: Date;
}

/** Whether one event is inside a cut: the reference every faster path must agree with. */
export function inCut(cut: Cut, e: Pick<Envelope, 'recordedAt' | 'occurredAt'>): boolean {
  if (cut.knownAt && Date.parse(e.recordedAt) > cut.knownAt.getTime()) return false;
  if (cut.asOf && Date.parse(e.occurredAt) > cut.asOf.getTime()) return false;
  return true;
}

/**
 * Where an asOf read splits (past T and the snapshot): every event recorded later than this that
 * happened by T was recorded more than LATE_AFTER_MS after it happened, with a margin.
 */
const LATE_SPLIT_MS = 2 * LATE_AFTER_MS;

/** The instant just after `iso`, so "at or before T" reads as the port's "before T + 1 ms" (instants are kept to the millisecond). */
const justAfter = (at: Date | string) => new Date(new Date(at).getTime() + 1).toISOString();

export interface ViewAsOfOptions {
  readonly projection: Projection;
  /** The snapshots' name for this view and version, e.g. `roster@1`. */
  readonly view: string;
  readonly eventStore: EventStore;
  /** Where snapshots are kept; without, every answer replays from the start of the log. */
  readonly snapshots?: SnapshotStore | null;
  readonly cut: Cut;
  readonly logger?: Logger;
  /** Events read per page (default 5,000). */
  readonly pageSize?: number;
  /**
   * Only these partitions (communities) are wanted: only their part of the snapshot is loaded and
   * only their streams' events are projected (a stream known in them, or a new one whose event
   * names one of them, see `partitionOfEvent`). Default: the whole view.
   */
  readonly partitions?: readonly string[];
  /** The partition a stream's first event puts it in (default: its data's `community`). */
  readonly partitionOfEvent?: (e: RecordedEvent) => string | null;
}

export interface ViewAsOf {
  readonly store: InMemoryProjectionStore;
  /** The snapshot the replay started from, or null (from the start of the log). */
  readonly snapshot: SnapshotMeta | null;
  /** Events read from the log after it. */
  readonly replayed: number;
}

/**
 * A view as of a cut, in memory: the nearest snapshot that may serve it, then the events of the
 * cut after it, read with the cut made by the store (indexes on recordedAt and occurredAt) in log
 * order.
 *
 * The rule (see {@link buildSnapshots}): a snapshot holds exactly the events recorded at or
 * before its `recordedUpTo` W, and they are the log up to its `position` P. It serves a cut when
 * everything in it is inside the cut: W ≤ knownAt, and its latest occurredAt ≤ asOf. What the cut
 * still needs is then exactly the events after P (recorded after W) inside the cut, i.e. those
 * recorded in (W, knownAt] and, for asOf, those that happened by T however late they were recorded.
 */
export async function viewAsOf(options: ViewAsOfOptions): Promise<ViewAsOf> {
  const { projection, cut } = options;
  if (!cut.knownAt && !cut.asOf) throw new TypeError('a cut needs knownAt, asOf or both');
  for (const at of [cut.knownAt, cut.asOf])
    if (at && Number.isNaN(at.getTime())) throw new TypeError('a cut needs valid instants');
  const log = (options.logger ?? pino({ enabled: false })).child({ projection: projection.name });
  let snapshot: SnapshotMeta | null = null;
  let store: InMemoryProjectionStore | null = null;
  if (options.snapshots) {
    snapshot = await options.snapshots.latest(options.view, {
      ...(cut.knownAt ? { recordedBy: cut.knownAt.toISOString() } : {}),
      ...(cut.asOf ? { occurredBy: cut.asOf.toISOString() } : {}),
    });
    store = snapshot
      ? await loadSnapshot(options.snapshots, options.view, snapshot, options.partitions)
      : null;
    if (!store) snapshot = null;
  }
  store ??= new InMemoryProjectionStore();
  const wanted = options.partitions ? new Set(options.partitions) : null;
  const partitionOf =
    options.partitionOfEvent ??
    ((e: RecordedEvent) =>
      ((e.data as { community?: unknown } | null)?.community as string | undefined) ?? null);
  const known = new Set<string>();
  /** The events of the page that feed the wanted partitions: of a stream they hold, or naming one of them. */
  const relevant = async (page: readonly RecordedEvent[]): Promise<readonly RecordedEvent[]> => {
    if (!wanted) return page;
    const states = await store.streamStates([...new Set(page.map((e) => e.streamId))]);
    return page.filter((e) => {
      if (known.has(e.streamId) || states.get(e.streamId)?.revision != null) return true;
      const p = partitionOf(e);
      if (p === null || !wanted.has(p)) return false;
      known.add(e.streamId);
      return true;
    });
  };
  // The cut, read in SQL. For asOf, in two reads: what was recorded up to two hours past T (and past
  // the snapshot), through the recordedAt index; then what happened by T but was recorded later
  // still, which can only be events recorded late, through their own index. Per stream the second
  // read's events come after the first's (a stream's events are recorded in revision order).
  const base: EventFilter = {
    types: projection.handles,
    ...(snapshot ? { recordedFrom: justAfter(snapshot.recordedUpTo) } : {}),
    ...(cut.knownAt ? { recordedBefore: justAfter(cut.knownAt) } : {}),
    ...(cut.asOf ? { occurredBefore: justAfter(cut.asOf) } : {}),
  };
  const reads: EventFilter[] = [base];
  if (cut.asOf) {
    const split =
      Math.max(cut.asOf.getTime(), snapshot ? Date.parse(snapshot.recordedUpTo) : 0) +
      LATE_SPLIT_MS;
    if (!cut.knownAt || cut.knownAt.getTime() >= split) {
      const at = new Date(split).toISOString();
      reads.splice(
        0,
        1,
        { ...base, recordedBefore: at },
        { ...base, recordedFrom: at, recordedLate: true },
      );
    }
  }
  const pageSize = options.pageSize ?? 5000;
  let replayed = 0;
  for (const filter of reads) {
    let after: LogPosition | null = snapshot?.position ?? null;
    for (;;) {
      const page = await options.eventStore.readFiltered({ filter, after, limit: pageSize });
      if (page.length === 0) break;
      after = page[page.length - 1]!.position;
      replayed += page.length;
      await applyBatch(projection, store, readable(await relevant(page), log), { logger: log });
      if (page.length < pageSize) break;
    }
  }
  return { store, snapshot, replayed };
}

function readable(page: readonly RecordedEvent[], log: Logger): Envelope[] {
  const out: Envelope[] = [];
  for (const recorded of page) {
    const { position: _p, ...raw } = recorded;
    try {
      out.push(parseEnvelope(raw));
    } catch (error) {
      // The same as a rebuild: an event this build cannot read is logged and left out.
      log.warn(
        {
          position: recorded.position,
          streamId: recorded.streamId,
          type: recorded.type,
          err: error instanceof Error ? error.message : String(error),
        },
        'event fails validation: skipped',
      );
    }
  }
  return out;
}

/**
 * How a snapshot is stored: one part per partition (community) at `<view>/<partition>`, each the
 * in-memory store's dump of that partition, gzipped (a view's documents are repetitive JSON), and
 * at `<view>` the list of its parts, written last. A question about one community loads one part.
 */
export const snapshotBytes = (store: InMemoryProjectionStore, partition?: string): Uint8Array =>
  gzipSync(store.dump(partition), { level: 1 });
export const restoreSnapshot = (
  parts: Uint8Array | readonly Uint8Array[],
): InMemoryProjectionStore =>
  InMemoryProjectionStore.restore(
    (parts instanceof Uint8Array ? [parts] : parts).map((b) => gunzipSync(b)),
  );

async function loadSnapshot(
  snapshots: SnapshotStore,
  view: string,
  meta: SnapshotMeta,
  partitions?: readonly string[],
): Promise<InMemoryProjectionStore | null> {
  const manifest = await snapshots.state(view, meta.recordedUpTo);
  if (!manifest) return null;
  const held = (JSON.parse(Buffer.from(manifest).toString('utf8')) as { partitions: string[] })
    .partitions;
  const wanted = partitions ? held.filter((p) => partitions.includes(p)) : held;
  const parts = await Promise.all(
    wanted.map((p) => snapshots.state(`${view}/${p}`, meta.recordedUpTo)),
  );
  if (parts.some((p) => p === null)) return null;
  return restoreSnapshot(parts as Uint8Array[]);
}

export interface BuildSnapshotsOptions {
  readonly projection: Projection;
  readonly view: string;
  readonly eventStore: EventStore;
  readonly snapshots: SnapshotStore;
  /** A snapshot about every this many events of the log (default 50,000). */
  readonly every?: number;
  /**
   * How long before the latest recordedAt (or, at the end of the log, before now) a snapshot's
   * instant must lie to be kept (default 60 s). Writers stamp recordedAt before they commit, so an
   * event stamped earlier may commit after later ones for a moment; after this, none does.
   */
  readonly settleMs?: number;
  readonly clock?: () => Date;
  readonly logger?: Logger;
  /** Events read per batch (default 5,000, or `every` if smaller). */
  readonly batchSize?: number;
  readonly onProgress?: (p: { events: number; taken: number }) => void;
}

interface Candidate {
  readonly recordedUpTo: string;
  occurredUpTo: string | null;
  readonly position: LogPosition;
  readonly events: number;
  /** partition → its part. */
  parts: Map<string, Uint8Array>;
  /** Events later in the log recorded at or before its instant: they belong in it. */
  readonly stragglers: RecordedEvent[];
}

/**
 * Takes snapshots of a view as the log goes, from the latest one kept (or the start) to the end:
 * the log is replayed in order into memory and, about every `every` events, the view is taken
 * with W = the latest recordedAt so far and the position P reached. Writers that overlap commit a
 * little out of the order they stamped recordedAt in, so a few events after P may be recorded at
 * or before W (stragglers): they are collected over the settling time and applied to the
 * snapshot before it is kept, so that it holds exactly the events recorded by W: those up to P
 * and the stragglers, none of which is after P with a recordedAt past W.
 *
 * A log that is given events recorded in the past after a snapshot (an import into a store that
 * had history) breaks that rule: the import clears the snapshots.
 */
export async function buildSnapshots(
  options: BuildSnapshotsOptions,
): Promise<{ taken: SnapshotMeta[]; events: number; from: SnapshotMeta | null }> {
  const { projection, snapshots, view } = options;
  const every = options.every ?? 50_000;
  const settle = options.settleMs ?? 60_000;
  const clock = options.clock ?? (() => new Date());
  const log = (options.logger ?? pino({ enabled: false })).child({
    projection: projection.name,
    view,
  });
  const from = await snapshots.latest(view);
  const restored = from ? await loadSnapshot(snapshots, view, from) : null;
  const bytes = restored !== null;
  const store = restored ?? new InMemoryProjectionStore();
  let position: LogPosition | null = bytes ? from!.position : null;
  let events = bytes ? from!.events : 0;
  let maxRecorded = bytes ? Date.parse(from!.recordedUpTo) : Number.NEGATIVE_INFINITY;
  let maxOccurred =
    bytes && from!.occurredUpTo ? Date.parse(from!.occurredUpTo) : Number.NEGATIVE_INFINITY;
  let sinceLast = 0;
  const pending: Candidate[] = [];
  const taken: SnapshotMeta[] = [];
  const keep = async (c: Candidate) => {
    const takenAt = clock().toISOString();
    if (c.stragglers.length > 0) {
      const whole = restoreSnapshot([...c.parts.values()]);
      await applyBatch(projection, whole, readable(c.stragglers, log), { logger: log });
      c.parts = new Map(whole.partitionsHeld().map((p) => [p, snapshotBytes(whole, p)]));
      log.info(
        { recordedUpTo: c.recordedUpTo, stragglers: c.stragglers.length },
        "events committed after the snapshot's place, recorded before its instant: applied to it",
      );
    }
    const { parts, stragglers: _s, ...meta } = c;
    let size = 0;
    for (const [partition, state] of parts) {
      await snapshots.save({ view: `${view}/${partition}`, ...meta, takenAt, state });
      size += state.byteLength;
    }
    // The list of parts last: a snapshot is found only once all of it is there.
    await snapshots.save({
      view,
      ...meta,
      takenAt,
      state: Buffer.from(JSON.stringify({ partitions: [...parts.keys()] }), 'utf8'),
    });
    taken.push({ view, ...meta, bytes: size, takenAt });
    log.info({ recordedUpTo: c.recordedUpTo, events: c.events, bytes: size }, 'snapshot taken');
  };
  // Snapshots fall on batch ends: batches no longer than the interval.
  const batchSize = options.batchSize ?? Math.min(5000, every);
  let next = options.eventStore.readAll({ after: position, limit: batchSize });
  for (;;) {
    const batch = await next;
    if (batch.length === 0) break;
    position = batch[batch.length - 1]!.position;
    next = options.eventStore.readAll({ after: position, limit: batchSize });
    next.catch(() => {});
    const handled = batch.filter((e) => projection.handles.includes(e.type));
    for (const e of handled) {
      const recorded = Date.parse(e.recordedAt);
      // A straggler: recorded at or before a candidate's instant, but after it in the log.
      for (
        let k = pending.length - 1;
        k >= 0 && Date.parse(pending[k]!.recordedUpTo) >= recorded;
        k--
      ) {
        const c = pending[k]!;
        c.stragglers.push(e);
        if (c.occurredUpTo === null || Date.parse(e.occurredAt) > Date.parse(c.occurredUpTo))
          c.occurredUpTo = new Date(Date.parse(e.occurredAt)).toISOString();
      }
      if (recorded > maxRecorded) maxRecorded = recorded;
      const occurred = Date.parse(e.occurredAt);
      if (occurred > maxOccurred) maxOccurred = occurred;
    }
    await applyBatch(projection, store, readable(handled, log), { logger: log });
    events += batch.length;
    sinceLast += batch.length;
    while (pending.length > 0 && Date.parse(pending[0]!.recordedUpTo) <= maxRecorded - settle)
      await keep(pending.shift()!);
    if (sinceLast >= every && Number.isFinite(maxRecorded)) {
      sinceLast = 0;
      pending.push({
        recordedUpTo: new Date(maxRecorded).toISOString(),
        occurredUpTo: Number.isFinite(maxOccurred) ? new Date(maxOccurred).toISOString() : null,
        position,
        events,
        parts: new Map(store.partitionsHeld().map((p) => [p, snapshotBytes(store, p)])),
        stragglers: [],
      });
    }
    options.onProgress?.({ events, taken: taken.length });
  }
  const now = clock().getTime();
  while (pending.length > 0 && Date.parse(pending[0]!.recordedUpTo) <= now - settle)
    await keep(pending.shift()!);
  return { taken, events, from: bytes ? from : null };
}
