import type { Envelope } from '@fangyi/contracts';
import type { CheckpointStore } from '@fangyi/eventstore';

/**
 * A secondary index entry of a document: the document is found under (index, value), ordered by
 * `sort` (a string compared byte by byte, e.g. an ISO date or time) and then by id. Every document
 * is also in its collection's implicit index `all` (value '').
 */
export interface IndexEntry {
  readonly index: string;
  readonly value: string;
  readonly sort?: string;
}

/**
 * One change to a read model: documents in named collections, replaced whole. `partition` is the
 * document's shard (the Redis Cluster hash tag: the community); a document stays in the partition
 * it was first written to. Its index entries are replaced with the document's.
 */
export type Op =
  | {
      readonly op: 'put';
      readonly collection: string;
      readonly id: string;
      readonly doc: unknown;
      readonly partition?: string;
      readonly index?: readonly IndexEntry[];
      /**
       * What a page returns for the document (`page()`), where lists need less than the whole of
       * it: a smaller form, typed so that the whole document is one too (a page of documents put
       * before it had one reads the documents). Default: the document. `get` reads the document.
       */
      readonly row?: unknown;
    }
  | {
      readonly op: 'delete';
      readonly collection: string;
      readonly id: string;
      readonly partition?: string;
    };

export type CommitOutcome = 'applied' | 'duplicate' | 'conflict';

/** The partition of documents and streams that declare none. */
export const DEFAULT_PARTITION = '_';
/** The largest page a query may ask for. */
export const MAX_PAGE = 200;
/** The implicit index every document of a collection is in. */
export const ALL_INDEX = 'all';

/** A document as a projection read it: its version counts the commits that have written it (0: never). */
export interface DocVersion {
  readonly collection: string;
  readonly id: string;
  readonly version: number;
  /** Where it was read (default: DEFAULT_PARTITION). */
  readonly partition?: string;
}

/** Events of one batch, folded: what the store commits in one round trip per partition. */
export interface BatchCommit {
  /**
   * Each stream the batch advances, with its applied revision as read before the batch (null: none)
   * and after it. The commit is refused ('conflict') if any stream's applied revision is no longer
   * `before`: another consumer got there first.
   */
  readonly streams: readonly {
    readonly streamId: string;
    readonly partition: string;
    readonly before: number | null;
    readonly after: number;
  }[];
  /** The final change of each document the batch wrote, in the order first written. */
  readonly ops: readonly Op[];
  /** Documents read from the store (not from earlier events of the batch) and their versions then. */
  readonly reads: readonly DocVersion[];
  /** Events the batch applied (for meta). */
  readonly events: number;
}

/** An index range of one partition: `from` (inclusive) and `to` (exclusive) bound the sort key. */
export interface IndexRange {
  readonly collection: string;
  readonly partition: string;
  /** Default ALL_INDEX. */
  readonly index?: string;
  /** Default ''. */
  readonly value?: string;
  readonly from?: string;
  readonly to?: string;
}

export interface PageQuery extends IndexRange {
  /** From a previous page's `next`; null or absent for the first page. */
  readonly cursor?: string | null;
  /** 1 to MAX_PAGE. */
  readonly limit: number;
}

export interface Page<T> {
  readonly items: T[];
  /** The cursor of the next page, or null after the last. */
  readonly next: string | null;
}

/**
 * A read model's storage, namespaced to one projection. The applied revision of each stream is
 * stored in the same atomic step as the change it caused, so redelivered events change nothing.
 * Documents, their indexes and their streams' applied revisions live in partitions; one commit
 * touches one partition per stream (on Redis Cluster: one hash tag, one slot).
 */
export interface ProjectionStore {
  /**
   * Atomically: if `revision` of `streamId` is already applied (applied ≥ revision), changes nothing
   * and returns 'duplicate'; if a document of `reads` has been written since it was read (its
   * version moved: another stream's event, on another partition or instance, got there first),
   * changes nothing and returns 'conflict'; otherwise applies every op, bumps the version of every
   * document it writes, records the revision and returns 'applied'. Every op, read and the stream
   * must be of one partition (a stream stays in the partition of its first commit).
   */
  commit(
    streamId: string,
    revision: number,
    ops: readonly Op[],
    reads?: readonly DocVersion[],
  ): Promise<CommitOutcome>;
  /**
   * A folded batch of events in one round trip per partition, each partition's part atomic:
   * 'conflict' when a stream's applied revision or a read document moved since it was read (that
   * partition changes nothing; the caller applies the batch event by event, which skips whatever
   * did get applied).
   */
  commitBatch(batch: BatchCommit): Promise<'applied' | 'conflict'>;
  /** The highest revision of the stream applied so far, or null. */
  appliedRevision(streamId: string): Promise<number | null>;
  /** The applied revision and partition of each stream (null, null for one never applied), in one round trip per partition. */
  streamStates(
    streamIds: readonly string[],
  ): Promise<Map<string, { readonly revision: number | null; readonly partition: string | null }>>;
  get<T = unknown>(collection: string, id: string): Promise<T | null>;
  /** Documents of one collection by id, in the order asked (null for each one absent), in two round trips at most. */
  getMany<T = unknown>(collection: string, ids: readonly string[]): Promise<(T | null)[]>;
  /** A document with its version and partition, read together. */
  getVersioned<T = unknown>(
    collection: string,
    id: string,
  ): Promise<{ doc: T | null; version: number; partition: string }>;
  /**
   * One page of an index range: reads the page's index entries and documents only, in one round
   * trip. Ordered by sort key, then id.
   */
  page<T = unknown>(query: PageQuery): Promise<Page<T>>;
  /** How many documents an index range holds (without reading them). */
  count(range: IndexRange): Promise<number>;
  /** The partitions that hold documents, sorted. */
  partitions(): Promise<string[]>;
  /**
   * Every document of a collection, sorted by id. For small directories (a service's people or
   * checkpoints), tests and the embedded mode: a request on a large read model pages instead.
   */
  list<T = unknown>(collection: string): Promise<T[]>;
  /**
   * Log positions of the processors that feed this read model from the event store, kept with its
   * documents: a store that loses its documents (a Redis restart) loses its checkpoints with them,
   * so the read model is replayed from the start instead of being marked up to date. Moves are
   * compare-and-set; their order is the event store's, which only the feeding processor knows.
   */
  readonly checkpoints: CheckpointStore;
  /** Wipes this projection's documents, applied revisions and checkpoints, for a rebuild. */
  reset(): Promise<void>;
  /**
   * Whether the store holds a whole read model: false for a namespace that was never built, that
   * a reset emptied, or that lost its keys (a Redis restart). An in-memory store always is: it
   * lives and dies with the process that replays the log into it.
   */
  intact(): Promise<boolean>;
  /** Marks the read model whole, after a rebuild from the event store. */
  markIntact(): Promise<void>;
  /** Where several processes share a store: the rebuild lock (see ensureIntact); absent, one rebuilder is assumed. */
  lockRebuild?(ttlMs?: number): Promise<(() => Promise<void>) | null>;
  /** A guarded store's view that the rebuild writes through while the store is not intact yet. */
  unguarded?(): ProjectionStore;
  /**
   * A fresh, empty generation of this read model, written while the current one keeps serving;
   * `activate()` switches every reader and writer of the store to it at once (one pointer) and
   * drops the one it replaces after `graceMs`, once queries begun on it are done.
   */
  beginGeneration?(): Promise<Generation>;
  /**
   * A view fixed on the generation current now, for one batch or one query: a reader never mixes
   * two generations. Refuses (ReadModelLostError) on a guarded store with no generation.
   */
  pin?(): Promise<ProjectionStore>;
  close(): Promise<void>;
}

export interface Generation {
  readonly id: string;
  /** Writes and reads this generation only, whatever is current. */
  readonly store: ProjectionStore;
  /**
   * The same generation for its only reader and writer, before `activate()`: while no query reads
   * it and no live writer can reach it, a batch is written without the per-commit checks (Redis:
   * plain pipelines instead of the checking script). Absent where the store has no faster way.
   * Never used after `activate()`.
   */
  readonly exclusive?: ProjectionStore;
  activate(options?: { graceMs?: number }): Promise<void>;
  /** Deletes it (a rebuild that failed). */
  abandon(): Promise<void>;
}

export interface DocReader {
  get<T = unknown>(collection: string, id: string): Promise<T | null>;
}

/**
 * A projection turns events into read-model changes. `project` reads what it needs and returns
 * ops; it never writes itself, so the runtime can apply the ops and the revision in one step.
 */
export interface Projection {
  readonly name: string;
  /** Event types this projection reads; others are acknowledged and ignored. */
  readonly handles: readonly string[];
  project(event: Envelope, read: DocReader): Promise<readonly Op[]>;
  /**
   * The documents `project` will read for this event, if it can tell: a batch fetches them all at
   * once before projecting, instead of one round trip per read. A hint only; reads outside it work.
   */
  prefetch?(event: Envelope): readonly { readonly collection: string; readonly id: string }[];
}

/** A guarded store that is not intact refuses commits: the read model must be rebuilt from the event store. */
export class ReadModelLostError extends Error {
  readonly namespace: string;
  constructor(namespace: string) {
    super(
      `read model ${namespace} is not intact (never built, or its keys were lost): rebuild it from the event store`,
    );
    this.name = 'ReadModelLostError';
    this.namespace = namespace;
  }
}
