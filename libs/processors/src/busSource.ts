import type { Logger } from 'pino';
import { topicOfEvent, type Envelope } from '@fangyi/contracts';
import { setTimeout as sleep } from 'node:timers/promises';
import { consumeEnvelopes, type Consumer, type MessageBus } from '@fangyi/messaging';
import type { Tracer } from '@fangyi/tracing';
import { tracedProcessor } from './tracing.ts';
import {
  StatusTracker,
  type Processor,
  type ProcessorSource,
  type RunningProcessor,
} from './processor.ts';

export interface BusSourceOptions {
  readonly bus: MessageBus;
  /** Topic prefix (default 'fangyi'): the topics are those of the contexts of the processor's event types. */
  readonly topicPrefix?: string;
  /** The consumer group of a processor; default `<prefix>-<processor name>`. */
  readonly groupId?: (processorName: string) => string;
  /** Where a new group starts (default: the beginning of the topics). */
  readonly fromBeginning?: boolean;
  /**
   * 'wait' (default): start() resolves once the group has joined, and rejects if it cannot.
   * 'background': start() resolves at once and the group joins when it can, retrying with backoff
   * (1 s doubling to 30 s) while the state is 'starting': a command service answers commands while
   * Kafka is down, and its /ready shows what has not joined yet.
   */
  readonly join?: 'wait' | 'background';
  readonly clock?: () => Date;
  /** Traces each event that carries a traceparent (see tracedProcessor). */
  readonly tracer?: Tracer;
}

/**
 * A Kafka consumer group (or the in-process bus) as a processor's source: the distributed mode's
 * read-side worker and policies. The group's committed offsets are the processor's place: an
 * offset is committed only after its message is handled, so a crash redelivers, never skips.
 * Messages that can never be handled go to the topic's dead-letter topic (see consumeEnvelopes).
 */
export function busSource(options: BusSourceOptions): ProcessorSource {
  const prefix = options.topicPrefix ?? 'fangyi';
  return {
    kind: 'bus',
    async start(untraced: Processor, log: Logger): Promise<RunningProcessor> {
      const processor = options.tracer ? tracedProcessor(untraced, options.tracer) : untraced;
      const topics = [...new Set(processor.handles.map((type) => topicOfEvent(type, prefix)))];
      const groupId = options.groupId?.(processor.name) ?? `${prefix}-${processor.name}`;
      const background = options.join === 'background';
      const status = new StatusTracker(
        processor.name,
        'bus',
        options.clock,
        background ? 'starting' : 'running',
      );
      const join = async (): Promise<Consumer> => {
        // consumeEnvelopes creates the topics (and their dead-letter topics) before it subscribes.
        const consumer = await consumeEnvelopes({
          bus: options.bus,
          topics,
          groupId,
          handles: processor.handles,
          logger: log,
          fromBeginning: options.fromBeginning ?? true,
          ...(options.clock ? { clock: options.clock } : {}),
          ...(processor.handleBatch
            ? {
                onEnvelopes: async (envelopes: readonly Envelope[]) => {
                  try {
                    await processor.handleBatch!(envelopes, log);
                    status.succeeded(envelopes.length);
                  } catch (error) {
                    log.warn(
                      { err: error, events: envelopes.length },
                      'handling a batch failed: handling its events one by one',
                    );
                    throw error;
                  }
                },
              }
            : {}),
          onEnvelope: async (envelope, message) => {
            try {
              await processor.handle(envelope, log);
              status.succeeded();
            } catch (error) {
              status.failed(error);
              log.error(
                {
                  err: error,
                  streamId: envelope.streamId,
                  type: envelope.type,
                  offset: message.offset,
                },
                'handling an event failed: leaving it for redelivery',
              );
              throw error;
            }
          },
        });
        status.joined();
        log.info({ groupId, topics }, 'processor consuming');
        return consumer;
      };

      const stopping = new AbortController();
      let consumer: Consumer | null = null;
      const joining = background
        ? (async () => {
            for (let attempt = 1; !stopping.signal.aborted; attempt++) {
              try {
                consumer = await join();
                if (stopping.signal.aborted) await consumer.stop();
                return;
              } catch (error) {
                status.notYet(error);
                const waitMs = Math.min(1000 * 2 ** (attempt - 1), 30_000);
                log.warn(
                  { err: error, attempt, waitMs, groupId },
                  'consumer group not joined yet; retrying',
                );
                await sleep(waitMs, undefined, { signal: stopping.signal }).catch(() => {});
              }
            }
          })()
        : Promise.resolve();
      if (!background) consumer = await join();

      return {
        name: processor.name,
        caughtUp: () =>
          Promise.reject(
            new Error(
              `${processor.name}: a consumer group cannot tell when it has caught up; read from the event store for that`,
            ),
          ),
        status: () => {
          const own = status.snapshot();
          const consumed = consumer?.status();
          return consumed
            ? {
                ...own,
                deadLettered: consumed.deadLettered,
                failingSince: own.failingSince ?? consumed.retryingSince?.toISOString() ?? null,
              }
            : own;
        },
        async stop() {
          stopping.abort();
          await joining;
          await consumer?.stop();
          status.ended('stopped');
          // The consumer committed what it handled before it left: a restart reads on from there.
          log.info(
            { groupId, handled: status.snapshot().handled },
            'processor stopped; handled offsets committed',
          );
        },
      };
    },
  };
}
