import type { Logger } from 'pino';
import { topicOfEvent } from '@fangyi/contracts';
import { consumeEnvelopes, type MessageBus } from '@fangyi/messaging';
import { StatusTracker, type Processor, type ProcessorSource, type RunningProcessor } from './processor.ts';

export interface BusSourceOptions {
  readonly bus: MessageBus;
  /** Topic prefix (default 'fangyi'): the topics are those of the contexts of the processor's event types. */
  readonly topicPrefix?: string;
  /** The consumer group of a processor; default `<prefix>-<processor name>`. */
  readonly groupId?: (processorName: string) => string;
  /** Where a new group starts (default: the beginning of the topics). */
  readonly fromBeginning?: boolean;
  readonly clock?: () => Date;
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
    async start(processor: Processor, log: Logger): Promise<RunningProcessor> {
      const topics = [...new Set(processor.handles.map((type) => topicOfEvent(type, prefix)))];
      const groupId = options.groupId?.(processor.name) ?? `${prefix}-${processor.name}`;
      const status = new StatusTracker(processor.name, 'bus', options.clock);
      // Subscribing to a topic nothing has published to yet fails on Kafka: create them first.
      await options.bus.ensureTopics(topics);
      const consumer = await consumeEnvelopes({
        bus: options.bus,
        topics,
        groupId,
        handles: processor.handles,
        logger: log,
        fromBeginning: options.fromBeginning ?? true,
        ...(options.clock ? { clock: options.clock } : {}),
        onEnvelope: async (envelope, message) => {
          try {
            await processor.handle(envelope, log);
            status.succeeded();
          } catch (error) {
            status.failed(error);
            log.error({ err: error, streamId: envelope.streamId, type: envelope.type, offset: message.offset }, 'handling an event failed: leaving it for redelivery');
            throw error;
          }
        },
      });
      log.info({ groupId, topics }, 'processor consuming');
      return {
        name: processor.name,
        caughtUp: () => Promise.reject(new Error(`${processor.name}: a consumer group cannot tell when it has caught up; read from the event store for that`)),
        status: () => status.snapshot(),
        async stop() {
          await consumer.stop();
          status.ended('stopped');
        },
      };
    },
  };
}
