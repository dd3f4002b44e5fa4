export interface OutgoingMessage {
  /** Partitioning key: the stream id, so one entity's events stay in order on one partition. */
  readonly key: string;
  readonly value: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface IncomingMessage {
  readonly topic: string;
  readonly partition: number;
  /** The message's offset in its partition, as a decimal string. */
  readonly offset: string;
  readonly key: string | null;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Which try of the same message this is: 1 on first delivery, 2 after the handler threw once… */
export interface Delivery {
  readonly attempt: number;
  /** When the handler first threw on this message, or null on the first attempt. */
  readonly failingSince: Date | null;
}

/** How a failed handler is retried: the wait before try n+1 is firstDelayMs · 2^(n-1), at most maxDelayMs. */
export interface RetryBackoff {
  /** Default: the adapter's handlerRetryMs (200 ms). */
  readonly firstDelayMs?: number;
  /** Default 5 s. */
  readonly maxDelayMs?: number;
}

export interface ConsumeOptions {
  /** Consumers with the same group share the work and the committed offsets. */
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a group with no committed offset starts: the beginning (true) or only new messages. */
  readonly fromBeginning?: boolean;
  /**
   * Called once per message, in order within a partition. The offset is committed only after it
   * resolves, so a crash redelivers the message: handlers must be idempotent. If it throws, the
   * same message is handed over again after a back-off, with `delivery.attempt` counting up, and
   * the partition waits. A handler bounds its own attempts (consumeEnvelopes dead-letters after
   * maxAttempts) by resolving once it has set the message aside.
   */
  readonly handle: (message: IncomingMessage, delivery: Delivery) => Promise<void>;
  /**
   * Where the adapter fetches in batches (Kafka), the messages of one fetch of one partition in
   * one call, their offsets committed after it resolves. If it throws, the same messages go one
   * by one through `handle`, with its retries; so it must be idempotent too. Absent: `handle` only.
   */
  readonly handleBatch?: (messages: readonly IncomingMessage[]) => Promise<void>;
  readonly retry?: RetryBackoff;
}

/** What a consumer has done lately, for health checks: a consumer that is stuck shows it here. */
export interface ConsumerStatus {
  /** Messages handled (committed or about to be) since the consumer started. */
  readonly handled: number;
  readonly lastHandledAt: Date | null;
  /** Messages set aside on a dead-letter topic (counted by consumeEnvelopes; 0 for a bare consumer). */
  readonly deadLettered: number;
  /** Since when the oldest message still being retried has been failing; null when nothing fails. */
  readonly retryingSince: Date | null;
}

export interface Consumer {
  /** Leaves the group after the message in hand is handled and its offset committed. */
  stop(): Promise<void>;
  status(): ConsumerStatus;
}

export interface MessageBus {
  /** Resolves once every message is durably accepted (Kafka: acknowledged by all in-sync replicas). */
  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  consume(options: ConsumeOptions): Promise<Consumer>;
  /**
   * Creates topics that do not exist yet, each source topic with its dead-letter topic
   * (`deadLetterTopic(topic)`), so a consumer can always set a message aside; each with the bus's
   * retention for its kind. Topics that exist are left as they are.
   */
  ensureTopics(topics: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
