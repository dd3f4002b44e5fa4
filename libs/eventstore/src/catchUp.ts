import type { LogPosition, RecordedEvent, SubscribeOptions, Subscription } from './port.ts';

export interface Waker {
  /** Resolves after `ms`, or earlier when the adapter learns of new events. */
  wait(ms: number, signal: AbortSignal): Promise<void>;
}

export const timerWaker: Waker = {
  wait: (ms, signal) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    }),
};

/**
 * One catch-up loop for every adapter: read a batch after the last position, hand it over,
 * move on; when a read comes back short, the subscription is caught up and waits.
 *
 * `caughtUp()` resolves after a read that began after the call came back short, so whatever was
 * readable when it was called has been handed over; it wakes the loop rather than waiting out
 * the idle time, so a request can use it to see its own write (read-your-writes).
 */
export function catchUpSubscription(
  readAll: (after: LogPosition | null, limit: number) => Promise<RecordedEvent[]>,
  options: SubscribeOptions,
  waker: Waker = timerWaker,
): Subscription {
  const batchSize = options.batchSize ?? 500;
  const idleMs = options.idleMs ?? 100;
  const abort = new AbortController();
  let position = options.after;
  /** Reads begun so far; a waiter needs a short read numbered above the count at its call. */
  let reads = 0;
  let waiters: { readonly after: number; readonly resolve: (p: LogPosition | null) => void }[] = [];
  /**
   * Ends the wait in progress: aborted by stop() and by caughtUp(). One controller per wait rather
   * than AbortSignal.any(), whose combined signal may be collected while nothing else holds it,
   * and then never fires (a stop would wait out the whole idle time).
   */
  let wake = new AbortController();

  const idle = async (ms: number): Promise<void> => {
    // A caughtUp() call made while the loop is between reads must not wait out the idle time.
    if (waiters.some((w) => w.after >= reads)) return;
    wake = new AbortController();
    if (abort.signal.aborted) return;
    await waker.wait(ms, wake.signal);
  };

  const loop = (async () => {
    while (!abort.signal.aborted) {
      let batch: RecordedEvent[];
      const read = ++reads;
      try {
        batch = await readAll(position, batchSize);
        if (batch.length > 0) {
          await options.onEvents(batch);
          position = batch[batch.length - 1]!.position;
        }
      } catch (error) {
        if (abort.signal.aborted) break;
        options.onError?.(error);
        wake = new AbortController();
        if (!abort.signal.aborted) await waker.wait(Math.max(idleMs, 500), wake.signal);
        continue;
      }
      if (batch.length < batchSize) {
        const ready = waiters.filter((w) => read > w.after);
        waiters = waiters.filter((w) => read <= w.after);
        for (const w of ready) w.resolve(position);
        await idle(idleMs);
      }
    }
  })();

  return {
    async stop() {
      abort.abort();
      wake.abort();
      await loop;
      for (const w of waiters) w.resolve(position);
      waiters = [];
    },
    caughtUp() {
      if (abort.signal.aborted) return Promise.resolve(position);
      return new Promise((resolve) => {
        waiters.push({ after: reads, resolve });
        wake.abort();
      });
    },
  };
}
