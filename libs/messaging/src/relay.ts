import { setTimeout as sleep } from 'node:timers/promises';
import { topicOfEvent } from '@fangyi/contracts';
import { CheckpointConflictError, type EventStore, type LogPosition, type RecordedEvent } from '@fangyi/eventstore';
import type { Logger } from 'pino';
import type { MessageBus, OutgoingMessage } from './port.ts';

export interface RelayOptions {
  readonly store: EventStore;
  readonly bus: MessageBus;
  readonly logger: Logger;
  /** Checkpoint name in the event store (default 'relay'): one per relay that must not share progress. */
  readonly name?: string;
  /** Topic prefix for topicOfEvent (default 'fangyi'). */
  readonly topicPrefix?: string;
  /** Events read and published per batch (default 500). */
  readonly batchSize?: number;
  /** Poll interval when caught up (default 100 ms; the SQLite store wakes the relay at once on append). */
  readonly idleMs?: number;
  /** First wait after a failed publish; doubles up to 30 s (default 500 ms). */
  readonly retryMs?: number;
  /**
   * Which events this relay publishes (default: all). In distributed mode each service relays its
   * own context's events from the shared log, under its own checkpoint name.
   */
  readonly include?: (event: RecordedEvent) => boolean;
}

export interface Relay {
  /** Stops after the batch in hand is published and checkpointed (or abandons its retry). */
  stop(): Promise<void>;
  /** Resolves with the last published-and-checkpointed position once nothing is left to publish. */
  caughtUp(): Promise<LogPosition | null>;
}

export const RELAY_HEADERS = {
  type: 'fangyi-type',
  eventId: 'fangyi-event-id',
  position: 'fangyi-position',
} as const;

/** The envelope exactly as appended: every field, but not the store's own log position. */
export function toMessage(event: RecordedEvent): OutgoingMessage {
  const { position, ...envelope } = event;
  return {
    key: event.streamId,
    value: JSON.stringify(envelope),
    headers: { [RELAY_HEADERS.type]: event.type, [RELAY_HEADERS.eventId]: event.id, [RELAY_HEADERS.position]: position },
  };
}

/** Batch → messages per topic; a stream's events keep their global (hence revision) order within its topic. */
function byTopic(events: readonly RecordedEvent[], prefix: string | undefined): Map<string, OutgoingMessage[]> {
  const topics = new Map<string, OutgoingMessage[]>();
  for (const e of events) {
    const topic = topicOfEvent(e.type, prefix);
    let messages = topics.get(topic);
    if (!messages) {
      messages = [];
      topics.set(topic, messages);
    }
    messages.push(toMessage(e));
  }
  return topics;
}

/**
 * Publishes the event store's global log to the bus, at least once and in order per stream.
 * Each batch is published and acknowledged before its checkpoint is stored: a crash in between
 * republishes the batch (consumers are idempotent), and a failing bus never moves the checkpoint.
 */
export async function startRelay(options: RelayOptions): Promise<Relay> {
  const name = options.name ?? 'relay';
  const log = options.logger.child({ component: 'relay', relay: name });
  const { store, bus } = options;
  const firstRetryMs = options.retryMs ?? 500;
  const stopping = new AbortController();
  const ensured = new Set<string>();

  const publishBatch = async (all: readonly RecordedEvent[]): Promise<void> => {
    const events = options.include ? all.filter(options.include) : all;
    if (events.length === 0) return;
    const topics = byTopic(events, options.topicPrefix);
    const fresh = [...topics.keys()].filter((t) => !ensured.has(t));
    if (fresh.length > 0) {
      await bus.ensureTopics(fresh);
      for (const t of fresh) ensured.add(t);
    }
    // Topics are independent logs, so they go out together; within one, order is the batch's order.
    const results = await Promise.allSettled([...topics].map(([topic, messages]) => bus.publish(topic, messages)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };

  const after = await store.checkpoints.load(name);
  // The checkpoint as this relay last stored it: each move is a compare-and-set from here.
  let stored = after;
  log.info({ after }, 'relay starting from checkpoint');

  const subscription: { stop(): Promise<void>; caughtUp(): Promise<LogPosition | null> } = store.subscribeToAll({
    after,
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    ...(options.idleMs !== undefined ? { idleMs: options.idleMs } : {}),
    onEvents: async (events) => {
      const last = events[events.length - 1]!.position;
      for (let attempt = 1; ; attempt++) {
        try {
          await publishBatch(events);
          break;
        } catch (error) {
          const waitMs = Math.min(firstRetryMs * 2 ** (attempt - 1), 30_000);
          log.warn(
            { err: error, attempt, waitMs, from: events[0]!.position, to: last, count: events.length },
            'publish failed; retrying the same batch, checkpoint not advanced',
          );
          // Throws when stopping: the subscription ends without storing a checkpoint for this batch.
          await sleep(waitMs, undefined, { signal: stopping.signal });
        }
      }
      // Only now, with every message acknowledged, may the checkpoint move past these events.
      try {
        await store.checkpoints.store(name, last, stored);
      } catch (error) {
        if (error instanceof CheckpointConflictError) {
          // Another relay under this name moved the checkpoint: this one is stale and steps aside.
          log.error({ err: error }, 'relay checkpoint moved by another relay: stopping this one');
          void subscription.stop();
        }
        throw error;
      }
      stored = last;
      log.debug({ to: last, count: events.length }, 'batch published');
    },
    onError: (error) => {
      // A failed read or checkpoint write: the subscription reads the same events again.
      log.warn({ err: error }, 'relay batch failed; it will be read and published again');
    },
  });

  return {
    async stop() {
      // The subscription marks itself stopped first, so an abandoned retry below ends it quietly.
      const stopped = subscription.stop();
      stopping.abort();
      await stopped;
      log.info('relay stopped');
    },
    caughtUp: () => subscription.caughtUp(),
  };
}
