import type { Op } from './port.ts';

/**
 * Collection names become part of Redis keys (`ns:doc:<collection>:<id>`), so a ':' in one would
 * let two different (collection, id) pairs share a key. Both stores refuse the same names so a
 * projection that passes its tests on the in-memory store behaves the same on Redis.
 */
const COLLECTION_PATTERN = /^[A-Za-z0-9_.-]{1,100}$/;

export function assertCollection(collection: string): void {
  if (!COLLECTION_PATTERN.test(collection)) {
    throw new TypeError(`invalid collection name ${JSON.stringify(collection)}: use letters, digits, '_', '.', '-' (no ':')`);
  }
}

/**
 * Documents are stored as JSON in every store, so a Date comes back as its ISO string and
 * undefined fields vanish, on Redis and in memory alike.
 */
export function encodeDoc(doc: unknown): string {
  const json = JSON.stringify(doc);
  if (json === undefined) throw new TypeError('a document must be JSON-serialisable (got undefined, a function or a symbol)');
  return json;
}

export interface EncodedOp {
  readonly op: Op['op'];
  readonly collection: string;
  readonly id: string;
  /** The document as JSON for a put; empty for a delete. */
  readonly json: string;
}

/** Validates and serialises every op before anything is written, so a bad op applies nothing. */
export function encodeOps(ops: readonly Op[]): EncodedOp[] {
  return ops.map((o) => {
    assertCollection(o.collection);
    if (typeof o.id !== 'string' || o.id.length === 0) throw new TypeError('a document id must be a non-empty string');
    return { op: o.op, collection: o.collection, id: o.id, json: o.op === 'put' ? encodeDoc(o.doc) : '' };
  });
}

export function assertRevision(revision: number): void {
  if (!Number.isSafeInteger(revision) || revision < 0) throw new TypeError(`invalid stream revision ${String(revision)}`);
}

export type Clock = () => Date;

export interface ProjectionStoreMeta {
  /** Commits applied since the last reset (duplicates not counted). */
  readonly appliedCount: number;
  /** When the last commit was applied (ISO 8601), or null if none since the last reset. */
  readonly lastAppliedAt: string | null;
}
