import type { KafkaMessageBusOptions } from '@fangyi/messaging/kafka';

/**
 * The read-side worker's Kafka consumer: a read model applies what waits on a partition as one
 * batch (one commit per community), so more may wait (8,000 messages, about 8 MB: three partitions' batches and a fetch ahead) and offsets are
 * committed after 5,000 messages or 200 ms, whichever comes first, instead of after every 100:
 * a broker round trip per small batch held each partition up. A crash redelivers at most that
 * window, which the read models absorb (each stream revision is applied once). Up to 2,500 messages
 * of a partition go to one batch (default 500): more documents per commit script, fewer round trips.
 */
export const READ_MODEL_CONSUMER = {
  maxBufferedMessages: 8_000,
  commitEveryMessages: 5_000,
  commitEveryMs: 200,
  maxBatchMessages: 2_500,
} as const satisfies NonNullable<KafkaMessageBusOptions['consumer']>;
