import type { EventStore } from '@fangyi/eventstore';

/** A stream's folded state at a revision. */
export interface Folded<State> {
  readonly state: State;
  readonly revision: number;
}

/**
 * The folded state of streams a process decided on lately, so that the next command on one reads
 * only the events appended since (usually none) instead of re-reading, re-validating and
 * re-folding its whole history. Safe because evolve is pure (it returns a new state and never
 * changes the one it is given) and streams only grow: a cached state at revision r is the fold of
 * events 0..r for ever, and whatever another process appended after r is read before deciding,
 * with the append's expected revision guarding the rest. Bounded: the least recently used stream
 * leaves first.
 */
export class AggregateCache {
  private readonly entries = new Map<string, Folded<unknown>>();
  readonly maxStreams: number;

  constructor(maxStreams = 2_000) {
    if (!Number.isSafeInteger(maxStreams) || maxStreams < 0)
      throw new RangeError(`maxStreams must be a whole number ≥ 0, got ${maxStreams}`);
    this.maxStreams = maxStreams;
  }

  get size(): number {
    return this.entries.size;
  }

  get<State>(streamId: string): Folded<State> | undefined {
    const hit = this.entries.get(streamId);
    if (hit === undefined) return undefined;
    // Map keeps insertion order: re-inserting marks the stream as the most recently used.
    this.entries.delete(streamId);
    this.entries.set(streamId, hit);
    return hit as Folded<State>;
  }

  set<State>(streamId: string, folded: Folded<State>): void {
    if (this.maxStreams === 0) return;
    const known = this.entries.get(streamId);
    // Two commands on one stream may finish out of order: keep the later revision.
    if (known !== undefined && known.revision > folded.revision) return;
    this.entries.delete(streamId);
    this.entries.set(streamId, folded);
    while (this.entries.size > this.maxStreams)
      this.entries.delete(this.entries.keys().next().value!);
  }

  delete(streamId: string): void {
    this.entries.delete(streamId);
  }
}

// One cache per event store and decider: the same stream id folded by two deciders, or read from two
// stores (as tests do), never shares an entry.
const caches = new WeakMap<EventStore, WeakMap<object, AggregateCache>>();

/** The cache of one decider's streams in one store, made on first use. */
export function aggregateCacheOf(store: EventStore, decider: object): AggregateCache {
  let byDecider = caches.get(store);
  if (byDecider === undefined) caches.set(store, (byDecider = new WeakMap()));
  let cache = byDecider.get(decider);
  if (cache === undefined) byDecider.set(decider, (cache = new AggregateCache()));
  return cache;
}
