import type { Logger } from 'pino';
import { timerWaker, type EventStore, type LogPosition } from '@fangyi/eventstore';
import type { Projection, ProjectionStore } from './port.ts';
import { applyRecorded } from './runtime.ts';

export interface LogFollowerOptions {
  readonly projection: Projection;
  readonly store: ProjectionStore;
  readonly eventStore: EventStore;
  readonly logger: Logger;
  readonly batchSize?: number;
  /**
   * Also reads the log in the background this often, so a request's own read is short. Without
   * it the log is read only when asked (sync): nothing to start or stop in a composition root.
   */
  readonly pollEveryMs?: number;
}

export interface LogFollower {
  /**
   * Resolves once the read model holds every event the log showed to a read begun after this
   * call: whatever was appended (and readable) before the call is in it. Read-your-writes for the
   * user who has just written, across instances, without comparing log positions (they are opaque
   * to all but their adapter), for one short read of the log's tail.
   */
  sync(): Promise<void>;
  /** Stops the background reads and waits for a read under way. */
  stop(): Promise<void>;
}

/**
 * Keeps a read model from the event store's global log, read on demand (and, optionally, in the
 * background): the in-service read models that must show a write at once (a household's people,
 * the checkpoint list) and are cheap to rebuild at start.
 *
 * One read at a time: a round reads from the last position until a short batch, and rounds never
 * overlap, because a document may be changed by several streams and two interleaved appliers
 * could each write it from a stale read. A failed round fails its callers only; the next one
 * starts again at the event that failed.
 *
 * On PostgreSQL, a read stops below the oldest append still in flight (so no late commit is ever
 * skipped): a write that committed while an older append is still open shows once that one ends.
 */
export function followLog(options: LogFollowerOptions): LogFollower {
  const log = options.logger.child({ projection: options.projection.name });
  const batchSize = options.batchSize ?? 500;
  const abort = new AbortController();
  let position: LogPosition | null = null;
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;

  const round = async (): Promise<void> => {
    for (;;) {
      const batch = await options.eventStore.readAll({ after: position, limit: batchSize });
      for (const recorded of batch) {
        await applyRecorded(options.projection, options.store, recorded, log);
        // Past each event as soon as it is applied: a failure resumes at the event that failed.
        position = recorded.position;
      }
      if (batch.length < batchSize) return;
    }
  };

  const start = (): Promise<void> => {
    const current = round().finally(() => {
      if (running === current) running = null;
    });
    running = current;
    return current;
  };

  const sync = (): Promise<void> => {
    if (abort.signal.aborted) return Promise.reject(new Error(`${options.projection.name}: following the log has stopped`));
    if (!running) return start();
    // A round under way may have read before this call: wait for it, then for one more that begins
    // after it. Every caller arriving meanwhile shares that next round.
    queued ??= running
      .catch(() => {})
      .then(() => {
        queued = null;
        return start();
      });
    return queued;
  };

  const every = options.pollEveryMs;
  const loop =
    every === undefined
      ? Promise.resolve()
      : (async () => {
          while (!abort.signal.aborted) {
            await sync().catch((err: unknown) => {
              if (!abort.signal.aborted) log.warn({ err }, 'reading the log failed; retrying');
            });
            await timerWaker.wait(every, abort.signal);
          }
        })();

  return {
    sync,
    async stop() {
      abort.abort();
      await loop;
      // Let a request's round finish before the event store closes under it.
      await Promise.allSettled([running, queued]);
    },
  };
}
