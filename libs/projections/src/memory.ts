import { assertCollection, assertRevision, encodeOps } from './docs.ts';
import { CheckpointConflictError, type CheckpointStore } from '@fangyi/eventstore';
import type { CommitOutcome, DocVersion, Op, ProjectionStore } from './port.ts';
import type { Clock, ProjectionStoreMeta } from './docs.ts';

/**
 * A read model kept in process memory: the embedded mode's store (rebuilt by replay at start)
 * and the store of unit tests and "as of" queries. Documents are kept as JSON text, so every
 * get returns a fresh copy and a caller can never change stored state by mutating an object.
 */
export class InMemoryProjectionStore implements ProjectionStore {
  private readonly collections = new Map<string, Map<string, string>>();
  private readonly applied = new Map<string, number>();
  private readonly positions = new Map<string, string>();
  private readonly versions = new Map<string, number>();
  private readonly clock: Clock;
  private appliedCount = 0;
  private lastAppliedAt: string | null = null;

  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? (() => new Date());
  }

  async commit(streamId: string, revision: number, ops: readonly Op[], reads: readonly DocVersion[] = []): Promise<CommitOutcome> {
    assertRevision(revision);
    // Everything below runs without an await, so no other commit can interleave: check and apply are one step.
    const encoded = encodeOps(ops);
    const current = this.applied.get(streamId);
    if (current !== undefined && current >= revision) return 'duplicate';
    if (reads.some((r) => (this.versions.get(versionKey(r.collection, r.id)) ?? 0) !== r.version)) return 'conflict';
    for (const o of encoded) {
      const key = versionKey(o.collection, o.id);
      this.versions.set(key, (this.versions.get(key) ?? 0) + 1);
      if (o.op === 'put') {
        let docs = this.collections.get(o.collection);
        if (!docs) this.collections.set(o.collection, (docs = new Map()));
        docs.set(o.id, o.json);
      } else {
        this.collections.get(o.collection)?.delete(o.id);
      }
    }
    this.applied.set(streamId, revision);
    this.appliedCount++;
    this.lastAppliedAt = this.clock().toISOString();
    return 'applied';
  }

  async appliedRevision(streamId: string): Promise<number | null> {
    return this.applied.get(streamId) ?? null;
  }

  async get<T = unknown>(collection: string, id: string): Promise<T | null> {
    assertCollection(collection);
    const json = this.collections.get(collection)?.get(id);
    return json === undefined ? null : (JSON.parse(json) as T);
  }

  async getVersioned<T = unknown>(collection: string, id: string): Promise<{ doc: T | null; version: number }> {
    const doc = await this.get<T>(collection, id);
    return { doc, version: this.versions.get(versionKey(collection, id)) ?? 0 };
  }

  async list<T = unknown>(collection: string): Promise<T[]> {
    assertCollection(collection);
    const docs = this.collections.get(collection);
    if (!docs) return [];
    // Sorted by id so both stores list in the same, stable order.
    return [...docs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, json]) => JSON.parse(json) as T);
  }

  readonly checkpoints: CheckpointStore = {
    load: async (name) => this.positions.get(name) ?? null,
    store: async (name, position, expected) => {
      const actual = this.positions.get(name) ?? null;
      if (actual !== expected) throw new CheckpointConflictError(name, expected, actual);
      this.positions.set(name, position);
    },
  };

  async reset(): Promise<void> {
    this.collections.clear();
    this.applied.clear();
    this.positions.clear();
    this.versions.clear();
    this.appliedCount = 0;
    this.lastAppliedAt = null;
  }

  async intact(): Promise<boolean> {
    return true;
  }

  async markIntact(): Promise<void> {}

  /** How many commits were applied and when the last one was (for readiness and lag checks). */
  async meta(): Promise<ProjectionStoreMeta> {
    return { appliedCount: this.appliedCount, lastAppliedAt: this.lastAppliedAt };
  }

  async close(): Promise<void> {}
}

function versionKey(collection: string, id: string): string {
  return `${collection}:${id}`;
}
