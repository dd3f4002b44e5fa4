import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ConsumeOptions, ConsumerStatus, IncomingMessage } from './port.ts';

export const DEFAULT_FIRST_RETRY_MS = 200;
export const DEFAULT_MAX_RETRY_MS = 5_000;

/** The wait before the try after `attempt` failed ones: doubling from firstDelayMs, capped. */
export function retryDelayMs(
  attempt: number,
  backoff: { firstDelayMs: number; maxDelayMs: number },
): number {
  return Math.min(backoff.firstDelayMs * 2 ** (attempt - 1), backoff.maxDelayMs);
}

/** What one consumer has handled and what it is stuck on; both adapters keep one per consume(). */
export class ConsumerProgress {
  private handled = 0;
  private lastHandledAt: Date | null = null;
  /** Messages being retried, by topic|partition, with when they first failed. */
  private readonly failing = new Map<string, Date>();

  markHandled(): void {
    this.handled++;
    this.lastHandledAt = new Date();
  }

  status(): ConsumerStatus {
    let retryingSince: Date | null = null;
    for (const since of this.failing.values())
      if (retryingSince === null || since < retryingSince) retryingSince = since;
    return {
      handled: this.handled,
      lastHandledAt: this.lastHandledAt,
      deadLettered: 0,
      retryingSince,
    };
  }

  failingSince(key: string): Date | null {
    return this.failing.get(key) ?? null;
  }

  markFailing(key: string): void {
    if (!this.failing.has(key)) this.failing.set(key, new Date());
  }

  clearFailing(key: string): void {
    this.failing.delete(key);
  }
}

/**
 * Hands one message to the handler until it resolves, waiting a growing back-off between tries.
 * Resolves true once handled, false if the consumer stopped first (the message stays uncommitted
 * for the next member of the group). Only this message's partition waits meanwhile.
 */
export async function deliverWithRetry(args: {
  readonly message: IncomingMessage;
  readonly handle: ConsumeOptions['handle'];
  readonly backoff: { firstDelayMs: number; maxDelayMs: number };
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly progress: ConsumerProgress;
  /** Runs after each wait, before the next try (Kafka: a heartbeat, which throws on a rebalance). */
  readonly beforeRetry?: () => Promise<void>;
}): Promise<boolean> {
  const { message, progress } = args;
  const key = `${message.topic}|${message.partition}`;
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await args.handle(message, { attempt, failingSince: progress.failingSince(key) });
        progress.markHandled();
        return true;
      } catch (error) {
        progress.markFailing(key);
        const waitMs = retryDelayMs(attempt, args.backoff);
        args.log.warn(
          {
            err: error,
            topic: message.topic,
            partition: message.partition,
            offset: message.offset,
            attempt,
            waitMs,
          },
          'message handler failed; retrying the same message',
        );
        try {
          await sleep(waitMs, undefined, { signal: args.signal });
        } catch {
          return false;
        }
        await args.beforeRetry?.();
      }
    }
  } finally {
    progress.clearFailing(key);
  }
}
