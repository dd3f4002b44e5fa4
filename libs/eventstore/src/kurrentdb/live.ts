import type { LogPosition, RecordedEvent, SubscribeOptions, Subscription } from '../port.ts';

/** The slice of an object-mode Readable that the loop uses (the client's subscription is one). */
export interface EventFeed {
  read(): unknown;
  on(event: 'readable' | 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'readable' | 'end' | 'close', listener: () => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
}

/** What a live subscription needs from the server; the adapter gives the client's, the unit test a stream of its own. */
export interface LiveSource<Raw> {
  /**
   * Opens the server's subscription to the log after `after` (null: from the start), already
   * filtered by the server: an object-mode stream of raw events.
   */
  open(after: LogPosition | null): { readonly events: EventFeed; close(): Promise<void> };
  /** Our event for a raw one, or null for one to pass over (a system event the filter let through). */
  convert(raw: Raw): RecordedEvent | null;
  /** The position of the last event the subscription would hand over, now; null when there is none. */
  lastPosition(): Promise<LogPosition | null>;
  compare(a: LogPosition, b: LogPosition): number;
}

interface Waiter {
  readonly target: LogPosition | null;
  readonly resolve: (p: LogPosition | null) => void;
}

/**
 * Follows the log through the server's own subscription (pushed, no polling): history from
 * `after`, then each event as it is written. Events that arrived while the handler was busy go
 * together in the next batch (up to `batchSize`). When the subscription fails or ends it is opened
 * again after the last handled position, `onError` told, after a pause; events at or before that
 * position are dropped, so the server's start being inclusive or not does not matter.
 *
 * `caughtUp()` asks the server where the log ends now and resolves once the handler has been
 * given everything up to there.
 */
export function liveSubscription<Raw>(
  source: LiveSource<Raw>,
  options: SubscribeOptions,
): Subscription {
  const batchSize = options.batchSize ?? 500;
  const retryMs = Math.max(options.idleMs ?? 100, 500);
  let position = options.after;
  let stopped = false;
  let waiters: Waiter[] = [];
  /** Ends the wait in progress (for events, or between attempts); replaced at each wait. */
  let wake: () => void = () => {};

  const reached = (target: LogPosition | null) =>
    target === null || (position !== null && source.compare(position, target) >= 0);
  const settle = () => {
    const ready = waiters.filter((w) => reached(w.target));
    waiters = waiters.filter((w) => !reached(w.target));
    for (const w of ready) w.resolve(position);
  };

  /** One subscription from the server, until it fails, ends or stop() is called. */
  const follow = async (): Promise<void> => {
    const opened = source.open(position);
    const events = opened.events;
    let failure: unknown = null;
    let ended = false;
    const poke = () => wake();
    const onEnd = () => {
      ended = true;
      poke();
    };
    const onError = (error: Error) => {
      failure ??= error;
      poke();
    };
    events.on('readable', poke);
    events.on('end', onEnd);
    events.on('close', onEnd);
    events.on('error', onError);
    try {
      while (!stopped && failure === null) {
        const batch: RecordedEvent[] = [];
        let raw: Raw | null;
        while (batch.length < batchSize && (raw = events.read() as Raw | null) !== null) {
          const e = source.convert(raw);
          const last = batch.at(-1)?.position ?? position;
          if (e && (last === null || source.compare(e.position, last) > 0)) batch.push(e);
        }
        if (batch.length > 0) {
          await options.onEvents(batch);
          position = batch.at(-1)!.position;
          settle();
          continue;
        }
        if (ended) return;
        // Nothing buffered: 'readable' (or an end, an error, stop()) comes in a later turn.
        await new Promise<void>((resolve) => (wake = resolve));
      }
      if (failure !== null) throw failure;
    } finally {
      events.off('readable', poke);
      events.off('end', onEnd);
      events.off('close', onEnd);
      events.off('error', onError);
      // An error after we let go must not go unhandled.
      events.on('error', () => {});
      await opened.close().catch(() => {});
    }
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        await follow();
      } catch (error) {
        if (stopped) break;
        options.onError?.(error);
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, retryMs);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  })();

  return {
    async stop() {
      stopped = true;
      wake();
      await loop;
      for (const w of waiters) w.resolve(position);
      waiters = [];
    },
    async caughtUp() {
      // Stopping: the batch in hand is the last one handed over.
      if (stopped) return loop.then(() => position);
      const target = await source.lastPosition();
      if (stopped) return loop.then(() => position);
      return new Promise((resolve) => {
        waiters.push({ target, resolve });
        settle();
      });
    },
  };
}
