import { deserialize, serialize } from 'node:v8';
import {
  assertCollection,
  assertLimit,
  assertPartition,
  assertRevision,
  decodeCursor,
  encodeCursor,
  encodeOps,
  type EncodedOp,
  entriesOf,
  idOfMember,
  type Clock,
  type ProjectionStoreMeta,
} from './docs.ts';
import { CheckpointConflictError, type CheckpointStore } from '@fangyi/eventstore';
import {
  ALL_INDEX,
  DEFAULT_PARTITION,
  MAX_PAGE,
  type BatchCommit,
  type CommitOutcome,
  type DocVersion,
  type Generation,
  type IndexRange,
  type Op,
  type Page,
  type PageQuery,
  type ProjectionStore,
} from './port.ts';

interface DocRecord {
  partition: string;
  /** The document as JSON; null for a deleted one (its version lives on, so a stale read stays stale). */
  json: string | null;
  /** Its list form as JSON, what a page returns, where the put gave one (absent in older snapshots). */
  row?: string | null;
  version: number;
  /** Where it is indexed: [index key, member]. */
  members: [string, string][];
}

/** One generation of an in-memory read model. */
class MemoryState {
  readonly docs = new Map<string, DocRecord>();
  /** Sorted members per index key. */
  readonly indexes = new Map<string, string[]>();
  readonly applied = new Map<string, { revision: number; partition: string }>();
  appliedCount = 0;
  lastAppliedAt: string | null = null;
}

let generations = 0;
const docKey = (collection: string, id: string) => `${collection}\u0001${id}`;
const indexKey = (partition: string, collection: string, index: string, value: string) =>
  `${partition}\u0001${collection}\u0001${index}\u0001${value}`;

function lowerBound(list: readonly string[], member: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < member) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A read model kept in process memory: the embedded mode's store (rebuilt by replay at start)
 * and the store of unit tests and "as of" queries. Documents are kept as JSON text, so every
 * get returns a fresh copy and a caller can never change stored state by mutating an object.
 * Indexes are sorted arrays: a page is a binary search and a slice, as on Redis.
 */
export class InMemoryProjectionStore implements ProjectionStore {
  private readonly clock: Clock;
  private readonly holder: { state: MemoryState; positions: Map<string, string> };
  private readonly fixed: MemoryState | null;

  constructor(
    options: { clock?: Clock } = {},
    internal?: {
      holder: { state: MemoryState; positions: Map<string, string> };
      fixed: MemoryState;
    },
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.holder = internal?.holder ?? { state: new MemoryState(), positions: new Map() };
    this.fixed = internal?.fixed ?? null;
  }

  private get s(): MemoryState {
    return this.fixed ?? this.holder.state;
  }

  async commit(
    streamId: string,
    revision: number,
    ops: readonly Op[],
    reads: readonly DocVersion[] = [],
  ): Promise<CommitOutcome> {
    assertRevision(revision);
    // Everything below runs without an await, so no other commit can interleave: check and apply are one step.
    const s = this.s;
    const encoded = encodeOps(ops);
    const current = s.applied.get(streamId);
    if (current !== undefined && current.revision >= revision) return 'duplicate';
    const partition = commitPartition(
      streamId,
      current?.partition ?? null,
      ops,
      (c, id) => s.docs.get(docKey(c, id))?.partition ?? null,
    );
    const entries = ops.map((o) => (o.op === 'put' ? entriesOf(o, ALL_INDEX) : []));
    if (reads.some((r) => (s.docs.get(docKey(r.collection, r.id))?.version ?? 0) !== r.version))
      return 'conflict';
    encoded.forEach((o, i) => this.write(s, partition, o, entries[i]!));
    s.applied.set(streamId, { revision, partition });
    s.appliedCount++;
    s.lastAppliedAt = this.clock().toISOString();
    return 'applied';
  }

  async commitBatch(batch: BatchCommit): Promise<'applied' | 'conflict'> {
    const s = this.s;
    const encoded = encodeOps(batch.ops);
    const entries = batch.ops.map((o) => (o.op === 'put' ? entriesOf(o, ALL_INDEX) : []));
    for (const st of batch.streams) {
      assertRevision(st.after);
      if ((s.applied.get(st.streamId)?.revision ?? null) !== st.before) return 'conflict';
    }
    if (
      batch.reads.some((r) => (s.docs.get(docKey(r.collection, r.id))?.version ?? 0) !== r.version)
    )
      return 'conflict';
    encoded.forEach((o, i) => {
      const partition = batch.ops[i]!.partition ?? DEFAULT_PARTITION;
      assertPartition(partition);
      this.write(s, partition, o, entries[i]!);
    });
    for (const st of batch.streams)
      s.applied.set(st.streamId, { revision: st.after, partition: st.partition });
    s.appliedCount += batch.events;
    s.lastAppliedAt = this.clock().toISOString();
    return 'applied';
  }

  private write(
    s: MemoryState,
    partition: string,
    { op: kind, collection, id, json, row }: EncodedOp,
    entries: { index: string; value: string; member: string }[],
  ): void {
    const key = docKey(collection, id);
    const rec = s.docs.get(key) ?? { partition, json: null, version: 0, members: [] };
    if (rec.json !== null && rec.partition !== partition)
      throw new TypeError(`${collection}/${id} is in partition ${rec.partition}, not ${partition}`);
    const next: [string, string][] =
      kind === 'put'
        ? entries.map((e) => [indexKey(partition, collection, e.index, e.value), e.member])
        : [];
    // Only the entries that change move: a check changes a few of a case's thirty or so, and each
    // move is a search and a splice in a sorted list as long as the community.
    const pair = ([ix, member]: readonly [string, string]) => `${ix}\u0000${member}`;
    const kept = new Set(next.map(pair));
    const had = new Set<string>();
    for (const old of rec.members) {
      had.add(pair(old));
      if (kept.has(pair(old))) continue;
      const list = s.indexes.get(old[0]);
      if (!list) continue;
      const at = lowerBound(list, old[1]);
      if (list[at] === old[1]) list.splice(at, 1);
    }
    for (const entry of next) {
      if (had.has(pair(entry))) continue;
      const [ix, member] = entry;
      let list = s.indexes.get(ix);
      if (!list) s.indexes.set(ix, (list = []));
      const at = lowerBound(list, member);
      if (list[at] !== member) list.splice(at, 0, member);
    }
    rec.members = next;
    rec.version++;
    rec.partition = partition;
    rec.json = kind === 'put' ? json : null;
    rec.row = kind === 'put' && row !== '' ? row : null;
    s.docs.set(key, rec);
  }

  async appliedRevision(streamId: string): Promise<number | null> {
    return this.s.applied.get(streamId)?.revision ?? null;
  }

  async streamStates(
    streamIds: readonly string[],
  ): Promise<Map<string, { revision: number | null; partition: string | null }>> {
    const s = this.s;
    return new Map(
      streamIds.map((id) => [
        id,
        {
          revision: s.applied.get(id)?.revision ?? null,
          partition: s.applied.get(id)?.partition ?? null,
        },
      ]),
    );
  }

  async get<T = unknown>(collection: string, id: string): Promise<T | null> {
    assertCollection(collection);
    const json = this.s.docs.get(docKey(collection, id))?.json ?? null;
    return json === null ? null : (JSON.parse(json) as T);
  }

  async getMany<T = unknown>(collection: string, ids: readonly string[]): Promise<(T | null)[]> {
    assertCollection(collection);
    return ids.map((id) => {
      const json = this.s.docs.get(docKey(collection, id))?.json ?? null;
      return json === null ? null : (JSON.parse(json) as T);
    });
  }

  async getVersioned<T = unknown>(
    collection: string,
    id: string,
  ): Promise<{ doc: T | null; version: number; partition: string }> {
    assertCollection(collection);
    const rec = this.s.docs.get(docKey(collection, id));
    return {
      doc: rec?.json ? (JSON.parse(rec.json) as T) : null,
      version: rec?.version ?? 0,
      partition: rec?.partition ?? DEFAULT_PARTITION,
    };
  }

  private range(range: IndexRange): string[] {
    assertCollection(range.collection);
    assertPartition(range.partition);
    return (
      this.s.indexes.get(
        indexKey(range.partition, range.collection, range.index ?? ALL_INDEX, range.value ?? ''),
      ) ?? []
    );
  }

  async page<T = unknown>(query: PageQuery): Promise<Page<T>> {
    assertLimit(query.limit, MAX_PAGE);
    const list = this.range(query);
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    let at =
      after !== null
        ? lowerBound(list, after)
        : query.from !== undefined
          ? lowerBound(list, query.from)
          : 0;
    if (after !== null && list[at] === after) at++;
    if (after !== null && query.from !== undefined) at = Math.max(at, lowerBound(list, query.from));
    const end = query.to !== undefined ? lowerBound(list, query.to) : list.length;
    const members = list.slice(at, Math.min(end, at + query.limit));
    const items = members.map((m) => {
      const rec = this.s.docs.get(docKey(query.collection, idOfMember(m)))!;
      return JSON.parse(rec.row ?? rec.json!) as T;
    });
    const more = at + members.length < end;
    return {
      items,
      next: more && members.length > 0 ? encodeCursor(members[members.length - 1]!) : null,
    };
  }

  async count(range: IndexRange): Promise<number> {
    const list = this.range(range);
    const from = range.from !== undefined ? lowerBound(list, range.from) : 0;
    const to = range.to !== undefined ? lowerBound(list, range.to) : list.length;
    return Math.max(0, to - from);
  }

  async partitions(): Promise<string[]> {
    const found = new Set<string>();
    for (const rec of this.s.docs.values()) if (rec.json !== null) found.add(rec.partition);
    return [...found].sort();
  }

  async list<T = unknown>(collection: string): Promise<T[]> {
    assertCollection(collection);
    // Sorted by id so both stores list in the same, stable order.
    const out: [string, string][] = [];
    const prefix = `${collection}\u0001`;
    for (const [key, rec] of this.s.docs)
      if (key.startsWith(prefix) && rec.json !== null)
        out.push([key.slice(prefix.length), rec.json]);
    return out
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, json]) => JSON.parse(json) as T);
  }

  // Kept beside the generations, not in one: a processor feeding the store from the log keeps its
  // place across a rebuild, which replays the whole log into the new generation anyway.
  readonly checkpoints: CheckpointStore = {
    load: async (name) => this.holder.positions.get(name) ?? null,
    store: async (name, position, expected) => {
      const actual = this.holder.positions.get(name) ?? null;
      if (actual !== expected) throw new CheckpointConflictError(name, expected, actual);
      this.holder.positions.set(name, position);
    },
  };

  async reset(): Promise<void> {
    if (this.fixed) throw new Error('a generation is reset by abandoning it');
    this.holder.state = new MemoryState();
    this.holder.positions.clear();
  }

  async intact(): Promise<boolean> {
    return true;
  }

  async markIntact(): Promise<void> {}

  async beginGeneration(): Promise<Generation> {
    const next = new MemoryState();
    return {
      id: `memory-${++generations}`,
      store: new InMemoryProjectionStore(
        { clock: this.clock },
        { holder: this.holder, fixed: next },
      ),
      activate: async () => {
        this.holder.state = next;
      },
      abandon: async () => {},
    };
  }

  /** How many commits were applied and when the last one was (for readiness and lag checks). */
  async meta(): Promise<ProjectionStoreMeta> {
    return { appliedCount: this.s.appliedCount, lastAppliedAt: this.s.lastAppliedAt };
  }

  async close(): Promise<void> {}

  /**
   * The current generation (documents, indexes, applied revisions) as bytes, whole or one
   * partition of it, for a snapshot of a view built in memory; {@link InMemoryProjectionStore.restore}
   * reads it back (several partitions' dumps into one store).
   */
  dump(partition?: string): Uint8Array {
    const s = this.s;
    // Without the list forms: a page of a restored store reads the documents, which are list forms
    // too, and a snapshot stays the size it was.
    const docs = (entries: Iterable<[string, DocRecord]>) =>
      new Map([...entries].map(([k, { row: _row, ...rec }]) => [k, rec]));
    if (partition === undefined)
      return serialize({
        format: DUMP_FORMAT,
        docs: docs(s.docs),
        indexes: s.indexes,
        applied: s.applied,
        appliedCount: s.appliedCount,
        lastAppliedAt: s.lastAppliedAt,
      });
    const prefix = `${partition}\u0001`;
    return serialize({
      format: DUMP_FORMAT,
      docs: docs([...s.docs].filter(([, rec]) => rec.partition === partition)),
      indexes: new Map([...s.indexes].filter(([key]) => key.startsWith(prefix))),
      applied: new Map([...s.applied].filter(([, a]) => a.partition === partition)),
      appliedCount: 0,
      lastAppliedAt: s.lastAppliedAt,
    });
  }

  /** Every partition that holds a document or a stream's applied revision. */
  partitionsHeld(): string[] {
    const found = new Set<string>();
    for (const rec of this.s.docs.values()) found.add(rec.partition);
    for (const a of this.s.applied.values()) found.add(a.partition);
    return [...found].sort();
  }

  /** A store holding what `dump` wrote: one dump, or the dumps of distinct partitions merged. An unknown format is refused. */
  static restore(
    dumps: Uint8Array | readonly Uint8Array[],
    options: { clock?: Clock } = {},
  ): InMemoryProjectionStore {
    const state = new MemoryState();
    for (const bytes of dumps instanceof Uint8Array ? [dumps] : dumps) {
      const data = deserialize(bytes) as { format?: unknown } & Pick<
        MemoryState,
        'docs' | 'indexes' | 'applied' | 'appliedCount' | 'lastAppliedAt'
      >;
      if (data?.format !== DUMP_FORMAT)
        throw new TypeError(`not an in-memory read model dump of format ${DUMP_FORMAT}`);
      for (const [k, v] of data.docs) state.docs.set(k, v);
      for (const [k, v] of data.indexes) state.indexes.set(k, v);
      for (const [k, v] of data.applied) state.applied.set(k, v);
      state.appliedCount += data.appliedCount;
      if (data.lastAppliedAt && (!state.lastAppliedAt || data.lastAppliedAt > state.lastAppliedAt))
        state.lastAppliedAt = data.lastAppliedAt;
    }
    const store = new InMemoryProjectionStore(options);
    store.holder.state = state;
    return store;
  }
}

const DUMP_FORMAT = 'fangyi-memory-1';

/**
 * The partition of one event's commit: the stream's own once it has one, else that of its ops (all
 * alike), else that of the documents they replace, else the default. A stream never moves.
 */
export function commitPartition(
  streamId: string,
  known: string | null,
  ops: readonly Op[],
  partitionOfDoc: (collection: string, id: string) => string | null,
): string {
  const named = new Set<string>();
  for (const o of ops)
    named.add(o.partition ?? partitionOfDoc(o.collection, o.id) ?? known ?? DEFAULT_PARTITION);
  if (known !== null) named.add(known);
  if (named.size > 1)
    throw new TypeError(
      `one commit of ${streamId} touches partitions ${[...named].join(', ')}: a stream's documents are of one partition`,
    );
  const partition = [...named][0] ?? DEFAULT_PARTITION;
  assertPartition(partition);
  return partition;
}
