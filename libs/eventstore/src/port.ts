import type { Envelope, NewEvent } from '@fangyi/contracts';

/**
 * What a writer expects the stream to look like before its append:
 * `'no-stream'` (it must not exist yet), `'any'` (no check), or the revision of its last event.
 */
export type ExpectedRevision = 'no-stream' | 'any' | number;

/**
 * A place in the global log, opaque to callers: each adapter encodes its own
 * (a sequence number, a transaction id and a sequence, a commit/prepare pair).
 * Only the adapter that produced it may interpret it. `null` means "before the first event".
 */
export type LogPosition = string;

export interface RecordedEvent<TData = unknown> extends Envelope<TData> {
  /** Where this event stands in the global log, in commit order. */
  readonly position: LogPosition;
}

export interface AppendResult {
  /** The revision of the last appended event: pass it as expectedRevision next time. */
  readonly nextExpectedRevision: number;
  readonly position: LogPosition;
}

export interface ReadAllOptions {
  /** Return events strictly after this position; null or absent for the beginning. */
  readonly after?: LogPosition | null;
  readonly limit?: number;
}

/**
 * Which events of the global log a filtered read returns; every given criterion must hold. Made
 * for exports and analysts' questions, read page by page in log order like readAll.
 */
export interface EventFilter {
  /** Only these streams. */
  readonly streamIds?: readonly string[];
  /** Only streams whose id starts with one of these (`homeQuarantine-`, `person-`). */
  readonly streamPrefixes?: readonly string[];
  readonly types?: readonly string[];
  /**
   * Only events of streams that hold at least one event whose data has `field` equal to `value`,
   * e.g. every event of the cases and people of one community, the ones that do not repeat the
   * community (a symptom check) included. `field` is a top-level data key: letters and digits.
   */
  readonly streamData?: { readonly field: string; readonly value: string };
  /** Only events whose own data has `field` equal to `value` (a crossing of one person). */
  readonly data?: { readonly field: string; readonly value: string };
  /** recordedAt ≥ this instant (ISO 8601). */
  readonly recordedFrom?: string;
  /** recordedAt < this instant (ISO 8601). */
  readonly recordedBefore?: string;
  /** occurredAt ≥ this instant (ISO 8601; compared as instants, whatever offset each event was written with). */
  readonly occurredFrom?: string;
  /** occurredAt < this instant (ISO 8601): "what had happened by then", a check logged late included. */
  readonly occurredBefore?: string;
  /**
   * Only events recorded more than {@link LATE_AFTER_MS} after they happened (a check logged late):
   * few, and indexed apart, so "what happened by T but was recorded long after" is found at once.
   */
  readonly recordedLate?: boolean;
}

/** How much later than it happened an event must be recorded to count as recorded late: one hour. */
export const LATE_AFTER_MS = 3_600_000;

export interface ReadFilteredOptions extends ReadAllOptions {
  readonly filter: EventFilter;
}

export interface SubscribeOptions {
  readonly after: LogPosition | null;
  /** Called with each batch in global order; the subscription waits for it before reading on. */
  readonly onEvents: (events: readonly RecordedEvent[]) => Promise<void>;
  readonly onError?: (error: unknown) => void;
  readonly batchSize?: number;
  /** How long to wait between reads when caught up (adapters may be woken earlier by a notification). */
  readonly idleMs?: number;
}

export interface Subscription {
  /** Stops reading and resolves when the batch in progress, if any, has been handled. */
  stop(): Promise<void>;
  /**
   * Resolves with the last handled position once everything readable at the time of the call has
   * been handled (a read begun after the call came back short); wakes an idle subscription at once.
   */
  caughtUp(): Promise<LogPosition | null>;
}

/**
 * Named positions kept beside the log, e.g. how far the relay or a policy has got. A checkpoint
 * moves only forward and only from the position its writer last saw (compare-and-set), so two
 * writers under one name cannot both make progress: the stale one is refused and must stop.
 */
export interface CheckpointStore {
  load(name: string): Promise<LogPosition | null>;
  /**
   * Moves the checkpoint from `expected` (null: none stored yet) to `position`. Throws
   * {@link CheckpointConflictError} when the stored checkpoint is not `expected` (another writer
   * moved it) and a RangeError when `position` is not after `expected`.
   */
  store(name: string, position: LogPosition, expected: LogPosition | null): Promise<void>;
}

/**
 * Leadership among the processes that share one event store: at most one holder of a name at a
 * time (one active relay per context however many replicas run). A holder that dies loses its
 * lease, so another process can take it over within seconds.
 */
export interface Leases {
  /** Tries once to become the holder of `name`; null while someone else holds it. */
  tryAcquire(name: string): Promise<Lease | null>;
}

export interface Lease {
  readonly name: string;
  /**
   * Aborted the moment the lease is lost (its connection died, a heartbeat failed) or released:
   * the holder must stop acting on it at once, since another process may already hold it.
   */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

export interface EventStore {
  /**
   * Appends events atomically to one stream. Throws {@link WrongExpectedRevisionError} when the
   * stream's revision is not the expected one: the caller decided on stale state.
   */
  append(
    streamId: string,
    events: readonly NewEvent[],
    options: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult>;
  /** The stream's events in revision order; empty when the stream does not exist. */
  readStream(streamId: string, options?: { fromRevision?: number }): Promise<RecordedEvent[]>;
  /**
   * The global log in commit order. A reader never skips an event that commits later with an
   * earlier place: everything before a returned position is final.
   */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * The events of the global log that match the filter, in log order, at most `limit` (default
   * 1000) after `after`. Read on after the last one returned; a page shorter than `limit` is the
   * end of what is final now. The store does the filtering, so a reader's memory is one page.
   */
  readFiltered(options: ReadFilteredOptions): Promise<RecordedEvent[]>;
  /** Catch-up subscription to the global log: reads history from `after`, then follows new events. */
  subscribeToAll(options: SubscribeOptions): Subscription;
  readonly checkpoints: CheckpointStore;
  /** Leadership shared by everyone on this store; absent where the adapter has none (then the caller must run alone). */
  readonly leases?: Leases;
  close(): Promise<void>;
}

export class WrongExpectedRevisionError extends Error {
  readonly streamId: string;
  readonly expected: ExpectedRevision;
  readonly actual: number | 'no-stream';
  constructor(streamId: string, expected: ExpectedRevision, actual: number | 'no-stream') {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedRevisionError';
    this.streamId = streamId;
    this.expected = expected;
    this.actual = actual;
  }
}

export function checkExpected(
  streamId: string,
  expected: ExpectedRevision,
  actual: number | 'no-stream',
): void {
  if (expected === 'any') return;
  if (expected === 'no-stream' ? actual !== 'no-stream' : actual !== expected) {
    throw new WrongExpectedRevisionError(streamId, expected, actual);
  }
}

export class CheckpointConflictError extends Error {
  readonly checkpoint: string;
  readonly expected: LogPosition | null;
  readonly actual: LogPosition | null;
  constructor(checkpoint: string, expected: LogPosition | null, actual: LogPosition | null) {
    super(
      `checkpoint ${checkpoint}: expected ${expected ?? 'none'}, found ${actual ?? 'none'}: another writer moved it`,
    );
    this.name = 'CheckpointConflictError';
    this.checkpoint = checkpoint;
    this.expected = expected;
    this.actual = actual;
  }
}

/** Refuses a checkpoint move that is not forward; `compare` is the adapter's order of positions. */
export function checkForward(
  name: string,
  position: LogPosition,
  expected: LogPosition | null,
  compare: (a: LogPosition, b: LogPosition) => number,
): void {
  if (expected !== null && compare(position, expected) <= 0) {
    throw new RangeError(`checkpoint ${name}: ${position} is not after ${expected}`);
  }
}

export type { Clock } from '@fangyi/contracts';
