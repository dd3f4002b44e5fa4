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
  let caughtUpWaiters: ((p: LogPosition | null) => void)[] = [];

  const loop = (async () => {
    while (!abort.signal.aborted) {
      // Only those who asked before this read may be told it was the end: events appended after
      // it started are not in it.
      const asked = caughtUpWaiters.length;
      let batch: RecordedEvent[];
      try {
        batch = await readAll(position, batchSize);
        if (batch.length > 0) {
          await options.onEvents(batch);
          position = batch[batch.length - 1]!.position;
        }
      } catch (error) {
        if (abort.signal.aborted) break;
        options.onError?.(error);
        await waker.wait(Math.max(idleMs, 500), abort.signal);
        continue;
      }
      if (batch.length < batchSize) {
        for (const w of caughtUpWaiters.splice(0, asked)) w(position);
        // Asked during this read: read again at once rather than after the idle wait.
        if (caughtUpWaiters.length > 0) continue;
        await waker.wait(idleMs, abort.signal);
      }
    }
  })();

  return {
    async stop() {
      abort.abort();
      await loop;
      for (const w of caughtUpWaiters) w(position);
      caughtUpWaiters = [];
    },
    caughtUp() {
      return new Promise((resolve) => caughtUpWaiters.push(resolve));
    },
  };
}
