import type { LogPosition } from '../port.ts';

/**
 * What a snapshot of a view says about itself. A snapshot is the view folded from exactly the
 * events recorded at or before `recordedUpTo`: taken where the log's prefix up to `position` is
 * that set (no event later in the log was recorded earlier), so a replay from it reads only
 * events after `position`.
 */
export interface SnapshotMeta {
  /** The view and its version, e.g. `roster@3`: a projection that changes gets a new name. */
  readonly view: string;
  /** Every event recorded at or before this instant is in, none recorded after (ISO 8601, UTC). */
  readonly recordedUpTo: string;
  /** The latest occurredAt among the events in (ISO 8601, UTC); null when it holds none. */
  readonly occurredUpTo: string | null;
  /** The log position of the last event in. */
  readonly position: LogPosition;
  /** Events of the log it covers (of every type). */
  readonly events: number;
  /** Size of the stored state. */
  readonly bytes: number;
  readonly takenAt: string;
}

export interface ViewSnapshot extends Omit<SnapshotMeta, 'bytes'> {
  /** The folded view, serialized by its owner; the store keeps bytes. */
  readonly state: Uint8Array;
}

/** Bounds of a snapshot that may serve a cut: both optional, both inclusive. */
export interface SnapshotBounds {
  /** recordedUpTo ≤ this (a question of what was known then). */
  readonly recordedBy?: string;
  /** occurredUpTo ≤ this (a question of what had happened by then: nothing in the snapshot may have happened later). */
  readonly occurredBy?: string;
}

/**
 * Snapshots of read models kept beside the events (the same PostgreSQL schema or SQLite file), so
 * that "as of T" replays only from the nearest snapshot before T. Reads only what it is asked:
 * the metadata to choose one, then one state.
 */
export interface SnapshotStore {
  /** Keeps a snapshot; one of the same view and recordedUpTo is replaced. */
  save(snapshot: ViewSnapshot): Promise<void>;
  /** The snapshot of the view with the latest recordedUpTo within the bounds; null when none is. */
  latest(view: string, bounds?: SnapshotBounds): Promise<SnapshotMeta | null>;
  /** The stored state of one snapshot; null when it is not there (any more). */
  state(view: string, recordedUpTo: string): Promise<Uint8Array | null>;
  /** Every snapshot of the view, earliest first (metadata only). */
  list(view: string): Promise<SnapshotMeta[]>;
  /** Deletes the snapshots of a view and of its parts (views named `<view>/…`), or of every view; answers how many. */
  clear(view?: string): Promise<number>;
  close(): Promise<void>;
}

/** An instant as snapshots store it (Date#toISOString), so text order is time order. */
export const snapshotInstant = (iso: string): string => {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new RangeError(`${JSON.stringify(iso)} is not an instant`);
  return new Date(t).toISOString();
};
