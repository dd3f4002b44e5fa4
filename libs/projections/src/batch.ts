import type { Logger } from 'pino';
import type { Envelope } from '@fangyi/contracts';
import { applyEvent, type ApplyOptions } from './runtime.ts';
import {
  DEFAULT_PARTITION,
  type DocReader,
  type DocVersion,
  type Op,
  type Projection,
  type ProjectionStore,
} from './port.ts';

export interface BatchResult {
  readonly applied: number;
  readonly duplicates: number;
  readonly ignored: number;
  /** Events applied one by one after the batch met a conflict or a jump in revisions. */
  readonly oneByOne: number;
}

interface Slot {
  doc: unknown;
  partition: string;
  /** Written by an event of this batch (its final state is committed). */
  written: boolean;
  deleted: boolean;
  /** Where an event of the batch put it: the entries go with the final op. */
  op: Op | null;
}

/**
 * Applies a batch of events in one commit round trip per partition, each event still at most once
 * per stream revision: the streams' applied revisions are read once, every event is projected in
 * order on the batch's own view of the documents (what earlier events of the batch wrote, else the
 * store's, fetched up front where the projection names what it reads), and the folded result is
 * committed with the revisions read before. Where another consumer moved a stream or a document
 * meanwhile ('conflict'), or a stream's revisions jump (checked and filled from the event store),
 * the batch is applied event by event instead, which skips whatever did get applied.
 *
 * `project` must not change what it reads: the batch hands it its own view, not a copy.
 */
export async function applyBatch(
  projection: Projection,
  store: ProjectionStore,
  events: readonly Envelope[],
  options: ApplyOptions = {},
): Promise<BatchResult> {
  const handled = events.filter((e) => projection.handles.includes(e.type));
  const ignored = events.length - handled.length;
  if (handled.length === 0) return { applied: 0, duplicates: 0, ignored, oneByOne: 0 };
  const target = store.pin ? await store.pin() : store;
  const oneByOne = async (): Promise<BatchResult> => {
    let applied = 0;
    let duplicates = 0;
    for (const e of handled) {
      const outcome = await applyEvent(projection, target, e, options);
      if (outcome === 'applied') applied++;
      else duplicates++;
    }
    return { applied, duplicates, ignored, oneByOne: handled.length };
  };

  const streamIds = [...new Set(handled.map((e) => e.streamId))];
  // The streams' states and the documents the projection names are read at once (neither needs the other).
  const statesRead = target.streamStates(streamIds);
  statesRead.catch(() => {});
  const view = new Map<string, Slot>();
  const reads = new Map<string, DocVersion>();
  const fetch = async (collection: string, id: string): Promise<Slot> => {
    const key = `${collection}\u0001${id}`;
    let slot = view.get(key);
    if (slot) return slot;
    const { doc, version, partition } = await target.getVersioned(collection, id);
    slot = view.get(key);
    if (slot) return slot;
    reads.set(key, { collection, id, version, partition });
    slot = { doc, partition, written: false, deleted: false, op: null };
    view.set(key, slot);
    return slot;
  };
  if (projection.prefetch) {
    const wanted = new Map<string, { collection: string; id: string }>();
    for (const e of handled)
      for (const r of projection.prefetch(e)) wanted.set(`${r.collection}\u0001${r.id}`, r);
    await Promise.all([...wanted.values()].map((r) => fetch(r.collection, r.id)));
  }
  const states = await statesRead;
  const progress = new Map<
    string,
    { partition: string | null; before: number | null; after: number | null }
  >();
  for (const id of streamIds) {
    const st = states.get(id)!;
    progress.set(id, { partition: st.partition, before: st.revision, after: st.revision });
  }
  const reader: DocReader = {
    get: async (collection, id) => (await fetch(collection, id)).doc as never,
  };

  const order: string[] = [];
  let applied = 0;
  let duplicates = 0;
  for (const e of handled) {
    const st = progress.get(e.streamId)!;
    if (st.after !== null && e.streamRevision <= st.after) {
      duplicates++;
      continue;
    }
    if (e.streamRevision > (st.after === null ? 0 : st.after + 1)) {
      // Nothing is committed yet: a jump anywhere in the batch is checked against the event store one by one.
      if (options.verifyJumpsIn) return oneByOne();
      const bound =
        options.logger && 'projection' in options.logger.bindings()
          ? {}
          : { projection: projection.name };
      options.logger?.debug(
        {
          ...bound,
          streamId: e.streamId,
          type: e.type,
          appliedRevision: st.after,
          revision: e.streamRevision,
        },
        'gap in stream revisions (an unhandled type leaves one too): applying',
      );
    }
    const ops = await projection.project(e, reader);
    let partition = st.partition;
    for (const o of ops) {
      const key = `${o.collection}\u0001${o.id}`;
      const p = o.partition ?? view.get(key)?.partition ?? partition ?? DEFAULT_PARTITION;
      if (partition !== null && p !== partition)
        throw new TypeError(
          `${e.streamId}@${e.streamRevision} touches partitions ${partition} and ${p}: a stream's documents are of one partition`,
        );
      partition = p;
    }
    partition ??= DEFAULT_PARTITION;
    for (const o of ops) {
      const key = `${o.collection}\u0001${o.id}`;
      let slot = view.get(key);
      if (!slot) {
        // Written without being read: its version in the store still guards the commit.
        slot = await fetch(o.collection, o.id);
      }
      if (!slot.written) order.push(key);
      slot.written = true;
      slot.partition = slot.doc !== null && slot.op === null ? slot.partition : partition;
      if (o.op === 'put') {
        slot.doc = o.doc;
        slot.deleted = false;
        // Not spread unless needed: a projection may compute a put's index entries on demand
        // (a getter), and only the final put of a document needs them.
        slot.op = o.partition === partition ? o : { ...o, partition };
      } else {
        slot.doc = null;
        slot.deleted = true;
        slot.op = { op: 'delete', collection: o.collection, id: o.id, partition: slot.partition };
      }
    }
    st.partition = partition;
    st.after = e.streamRevision;
    applied++;
  }
  if (applied === 0) return { applied, duplicates, ignored, oneByOne: 0 };

  const outcome = await target.commitBatch({
    streams: [...progress]
      .filter(([, st]) => st.after !== st.before)
      .map(([streamId, st]) => ({
        streamId,
        partition: st.partition!,
        before: st.before,
        after: st.after!,
      })),
    ops: order.map((key) => view.get(key)!.op!),
    // A document read as absent is checked where the batch creates it, which is where a concurrent creator would have.
    reads: [...reads.values()].map((r) => {
      const slot = view.get(`${r.collection}\u0001${r.id}`)!;
      return r.version === 0 && slot.written ? { ...r, partition: slot.partition } : r;
    }),
    events: applied,
  });
  if (outcome === 'applied') return { applied, duplicates, ignored, oneByOne: 0 };
  logOf(options)?.debug(
    { projection: projection.name, events: handled.length },
    'batch met a concurrent write: applying it event by event',
  );
  return oneByOne();
}

function logOf(options: ApplyOptions): Logger | undefined {
  return options.logger;
}
