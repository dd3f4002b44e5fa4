import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConsumerProgress, deliverWithRetry, retryDelayMs } from './delivery.ts';
import type { IncomingMessage } from './port.ts';

const message = (partition: number): IncomingMessage => ({
  topic: 't',
  partition,
  offset: '7',
  key: 'k',
  value: 'v',
  headers: {},
});
const log = pino({ enabled: false });

describe('retry back-off', () => {
  it('waits 200 ms after the first failure, doubling each time, never more than the cap', () => {
    const backoff = { firstDelayMs: 200, maxDelayMs: 5_000 };
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((attempt) => retryDelayMs(attempt, backoff))).toEqual([
      200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000,
    ]);
  });
});

describe('deliverWithRetry', () => {
  it('hands the handler each attempt and when it started failing, and counts the message once handled', async () => {
    const progress = new ConsumerProgress();
    const seen: { attempt: number; failing: boolean }[] = [];
    const done = await deliverWithRetry({
      message: message(0),
      handle: async (_m, delivery) => {
        seen.push({ attempt: delivery.attempt, failing: delivery.failingSince !== null });
        if (delivery.attempt < 3) throw new Error('not yet');
      },
      backoff: { firstDelayMs: 1, maxDelayMs: 2 },
      signal: new AbortController().signal,
      log,
      progress,
    });
    expect(done).toBe(true);
    expect(seen).toEqual([
      { attempt: 1, failing: false },
      { attempt: 2, failing: true },
      { attempt: 3, failing: true },
    ]);
    expect(progress.status()).toMatchObject({ handled: 1, retryingSince: null });
    expect(progress.status().lastHandledAt).toBeInstanceOf(Date);
  });

  it('reports the oldest failure among partitions while retrying, and gives up when the consumer stops', async () => {
    const progress = new ConsumerProgress();
    const stopping = new AbortController();
    const failing = (partition: number) =>
      deliverWithRetry({
        message: message(partition),
        handle: async () => {
          throw new Error('redis down');
        },
        backoff: { firstDelayMs: 5, maxDelayMs: 10 },
        signal: stopping.signal,
        log,
        progress,
      });
    const first = failing(0);
    await new Promise((r) => setTimeout(r, 30));
    const since = progress.status().retryingSince;
    expect(since).toBeInstanceOf(Date);
    const second = failing(1);
    await new Promise((r) => setTimeout(r, 30));
    expect(progress.status().retryingSince).toEqual(since);
    stopping.abort();
    expect(await Promise.all([first, second])).toEqual([false, false]);
    expect(progress.status()).toEqual({
      handled: 0,
      lastHandledAt: null,
      deadLettered: 0,
      retryingSince: null,
    });
  });
});
