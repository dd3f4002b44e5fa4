import type { Op } from './port.ts';

/**
 * Collection names become part of Redis keys (`ns:doc:<collection>:<id>`), so a ':' in one would
 * let two different (collection, id) pairs share a key. Both stores refuse the same names so a
 * projection that passes its tests on the in-memory store behaves the same on Redis.
 */
const COLLECTION_PATTERN = /^[A-Za-z0-9_.-]{1,100}$/;

export function assertCollection(collection: string): void {
  if (!COLLECTION_PATTERN.test(collection)) {
    throw new TypeError(
      `invalid collection name ${JSON.stringify(collection)}: use letters, digits, '_', '.', '-' (no ':')`,
    );
  }
}

/**
 * Documents are stored as JSON in every store, so a Date comes back as its ISO string and
 * undefined fields vanish, on Redis and in memory alike.
 */
export function encodeDoc(doc: unknown): string {
  const json = JSON.stringify(doc);
  if (json === undefined)
    throw new TypeError(
      'a document must be JSON-serialisable (got undefined, a function or a symbol)',
    );
  return json;
}

export interface EncodedOp {
  readonly op: Op['op'];
  readonly collection: string;
  readonly id: string;
  /** The document as JSON for a put; empty for a delete. */
  readonly json: string;
  /** A put's list form as JSON (what pages read); empty for none. */
  readonly row: string;
}

/** Validates and serialises every op before anything is written, so a bad op applies nothing. */
export function encodeOps(ops: readonly Op[]): EncodedOp[] {
  return ops.map((o) => {
    assertCollection(o.collection);
    if (typeof o.id !== 'string' || o.id.length === 0)
      throw new TypeError('a document id must be a non-empty string');
    return {
      op: o.op,
      collection: o.collection,
      id: o.id,
      json: o.op === 'put' ? encodeDoc(o.doc) : '',
      row: o.op === 'put' && o.row !== undefined ? encodeDoc(o.row) : '',
    };
  });
}

export function assertRevision(revision: number): void {
  if (!Number.isSafeInteger(revision) || revision < 0)
    throw new TypeError(`invalid stream revision ${String(revision)}`);
}

export type { Clock } from '@fangyi/contracts';

export interface ProjectionStoreMeta {
  /** Commits applied since the last reset (duplicates not counted). */
  readonly appliedCount: number;
  /** When the last commit was applied (ISO 8601), or null if none since the last reset. */
  readonly lastAppliedAt: string | null;
}

/**
 * Partitions become Redis Cluster hash tags (`{<partition>}`): a brace would end the tag early
 * and put one commit's keys in different slots.
 */
const PARTITION_PATTERN = /^[^{}\s]{1,128}$/;

export function assertPartition(partition: string): void {
  if (!PARTITION_PATTERN.test(partition))
    throw new TypeError(
      `invalid partition ${JSON.stringify(partition)}: 1 to 128 characters, no braces or spaces`,
    );
}

/** Index names, like collection names, are part of keys and hold no ':'. */
export function assertIndexName(index: string): void {
  if (!COLLECTION_PATTERN.test(index))
    throw new TypeError(
      `invalid index name ${JSON.stringify(index)}: use letters, digits, '_', '.', '-' (no ':')`,
    );
}

/** An index member: the sort key, NUL, the id; so members order by sort key, then id, byte by byte. */
export function indexMember(sort: string, id: string): string {
  if (sort.includes('\u0000') || id.includes('\u0000'))
    throw new TypeError('index sort keys and ids hold no NUL character');
  return `${sort}\u0000${id}`;
}

export function idOfMember(member: string): string {
  return member.slice(member.indexOf('\u0000') + 1);
}

/** Cursors are opaque to callers: the last member of the page, base64url. */
export function encodeCursor(member: string): string {
  return Buffer.from(member, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const member = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!member.includes('\u0000') || encodeCursor(member) !== cursor) throw new InvalidCursorError();
  return member;
}

export class InvalidCursorError extends TypeError {
  constructor() {
    super('invalid page cursor: pass the `next` of a previous page');
    this.name = 'InvalidCursorError';
  }
}

export function assertLimit(limit: number, max: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > max)
    throw new RangeError(
      `page limit must be a whole number from 1 to ${max}, got ${String(limit)}`,
    );
}

/** The index entries a put carries (its own and the implicit `all`), validated. */
export function entriesOf(
  op: {
    readonly id: string;
    readonly index?: readonly { index: string; value: string; sort?: string }[];
  },
  allIndex: string,
): { index: string; value: string; member: string }[] {
  const out = [{ index: allIndex, value: '', member: indexMember('', op.id) }];
  for (const e of op.index ?? []) {
    assertIndexName(e.index);
    if (e.index === allIndex) throw new TypeError(`index name ${allIndex} is implicit`);
    if (typeof e.value !== 'string') throw new TypeError('an index value must be a string');
    out.push({ index: e.index, value: e.value, member: indexMember(e.sort ?? '', op.id) });
  }
  return out;
}
