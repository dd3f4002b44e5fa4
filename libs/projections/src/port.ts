import type { Envelope } from '@fangyi/contracts';
import type { CheckpointStore } from '@fangyi/eventstore';

/** One change to a read model: documents in named collections, replaced whole. */
export type Op =
  | { readonly op: 'put'; readonly collection: string; readonly id: string; readonly doc: unknown }
  | { readonly op: 'delete'; readonly collection: string; readonly id: string };

export type CommitOutcome = 'applied' | 'duplicate' | 'conflict';

/** A document as a projection read it: its version counts the commits that have written it (0: never). */
export interface DocVersion {
  readonly collection: string;
  readonly id: string;
  readonly version: number;
}

/**
 * A read model's storage, namespaced to one projection. The applied revision of each stream is
 * stored in the same atomic step as the change it caused, so redelivered events change nothing.
 */
export interface ProjectionStore {
  /**
   * Atomically: if `revision` of `streamId` is already applied (applied ≥ revision), changes nothing
   * and returns 'duplicate'; if a document of `reads` has been written since it was read (its
   * version moved: another stream's event, on another partition or instance, got there first),
   * changes nothing and returns 'conflict'; otherwise applies every op, bumps the version of every
   * document it writes, records the revision and returns 'applied'.
   */
  commit(streamId: string, revision: number, ops: readonly Op[], reads?: readonly DocVersion[]): Promise<CommitOutcome>;
  /** The highest revision of the stream applied so far, or null. */
  appliedRevision(streamId: string): Promise<number | null>;
  get<T = unknown>(collection: string, id: string): Promise<T | null>;
  /** A document with its version, read together. */
  getVersioned<T = unknown>(collection: string, id: string): Promise<{ doc: T | null; version: number }>;
  /** Every document of a collection (read models here are district-sized). */
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
  close(): Promise<void>;
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
}

/** A guarded store that is not intact refuses commits: the read model must be rebuilt from the event store. */
export class ReadModelLostError extends Error {
  readonly namespace: string;
  constructor(namespace: string) {
    super(`read model ${namespace} is not intact (never built, or its keys were lost): rebuild it from the event store`);
    this.name = 'ReadModelLostError';
    this.namespace = namespace;
  }
}
