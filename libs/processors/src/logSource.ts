import type { Logger } from 'pino';
import { parseEnvelope, type Envelope } from '@fangyi/contracts';
import {
  CheckpointConflictError,
  type EventStore,
  type LogPosition,
  type RecordedEvent,
} from '@fangyi/eventstore';
import type { Tracer } from '@fangyi/tracing';
import { tracedProcessor } from './tracing.ts';
import {
  StatusTracker,
  type Processor,
  type ProcessorSource,
  type RunningProcessor,
} from './processor.ts';

export interface LogSourceOptions {
  readonly eventStore: EventStore;
  /** Events read per batch; the checkpoint is stored once per batch (default 500). */
  readonly batchSize?: number;
  /** Poll interval when caught up (default 100 ms); appends in this process wake it at once. */
  readonly idleMs?: number;
  readonly clock?: () => Date;
  /** Traces each event that carries a traceparent (see tracedProcessor). */
  readonly tracer?: Tracer;
}

/**
 * The event store's global log as a processor's source: the embedded mode's only source, and the
 * one of the views a service keeps in memory, of rebuilds and of catch-up. The processor's place
 * is a checkpoint moved once per batch, after every event of the batch is handled, by
 * compare-and-set from the place it last stored: a crash replays at most that batch (the handler is
 * idempotent), and a second reader under the same name is refused and steps aside ('stale').
 *
 * One batch at a time, in log order, so a document fed by several streams is never written from a
 * stale read. A failed batch is read and handled again after a pause, for ever, with the processor
 * 'failing' meanwhile; an event of a handled type that this build cannot read is logged and passed.
 */
export function logSource(options: LogSourceOptions): ProcessorSource {
  return {
    kind: 'event-store',
    async start(untraced: Processor, log: Logger): Promise<RunningProcessor> {
      const processor = options.tracer ? tracedProcessor(untraced, options.tracer) : untraced;
      const { eventStore } = options;
      const checkpoints = processor.checkpoints ?? eventStore.checkpoints;
      const status = new StatusTracker(processor.name, 'event-store', options.clock);
      let stored: LogPosition | null = await checkpoints.load(processor.name);
      log.debug({ after: stored }, 'processor reading the event store from its checkpoint');

      const handleBatch = async (batch: readonly RecordedEvent[]): Promise<void> => {
        let handled = 0;
        if (processor.handleBatch) {
          const envelopes = batch
            .map((recorded) => readable(processor, recorded, log))
            .filter((e): e is Envelope => e !== null);
          if (envelopes.length > 0) await processor.handleBatch(envelopes, log);
          handled = envelopes.length;
        } else {
          for (const recorded of batch) {
            const envelope = readable(processor, recorded, log);
            if (!envelope) continue;
            await processor.handle(envelope, log);
            handled++;
          }
        }
        const last = batch[batch.length - 1]!.position;
        try {
          await checkpoints.store(processor.name, last, stored);
        } catch (error) {
          if (error instanceof CheckpointConflictError) {
            status.ended('stale');
            log.error(
              { err: error },
              "another reader moved this processor's checkpoint: stepping aside",
            );
            void subscription.stop();
          }
          throw error;
        }
        stored = last;
        status.succeeded(handled);
      };

      const subscription = eventStore.subscribeToAll({
        after: stored,
        ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
        ...(options.idleMs !== undefined ? { idleMs: options.idleMs } : {}),
        onEvents: handleBatch,
        onError: (error) => {
          if (status.current === 'stale') return;
          status.failed(error);
          log.warn({ err: error }, 'processor batch failed; reading it again');
        },
      });

      return {
        name: processor.name,
        async caughtUp() {
          if (status.current === 'stale' || status.current === 'stopped')
            throw new Error(`${processor.name}: not running (${status.current})`);
          await subscription.caughtUp();
        },
        status: () => status.snapshot(),
        async stop() {
          await subscription.stop();
          status.ended('stopped');
        },
      };
    },
  };
}

/** The event as the processor's handler takes it, or null for one it does not read or cannot read. */
function readable(processor: Processor, recorded: RecordedEvent, log: Logger): Envelope | null {
  if (!processor.handles.includes(recorded.type)) return null;
  try {
    const { position: _position, ...raw } = recorded;
    return parseEnvelope(raw);
  } catch (error) {
    log.warn(
      {
        position: recorded.position,
        streamId: recorded.streamId,
        type: recorded.type,
        err: error instanceof Error ? error.message : String(error),
      },
      'event fails validation: passed over',
    );
    return null;
  }
}
