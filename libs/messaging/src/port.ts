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

export interface ConsumeOptions {
  /** Consumers with the same group share the work and the committed offsets. */
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a group with no committed offset starts: the beginning (true) or only new messages. */
  readonly fromBeginning?: boolean;
  /**
   * Called once per message, in order within a partition. The offset is committed only after it
   * resolves, so a crash redelivers the message: handlers must be idempotent. If it throws, the
   * message is redelivered (handlers route poison messages to a dead-letter topic themselves).
   */
  readonly handle: (message: IncomingMessage) => Promise<void>;
}

export interface Consumer {
  /** Leaves the group after the message in hand is handled and its offset committed. */
  stop(): Promise<void>;
}

export interface MessageBus {
  /** Resolves once every message is durably accepted (Kafka: acknowledged by all in-sync replicas). */
  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  consume(options: ConsumeOptions): Promise<Consumer>;
  /** Creates topics that do not exist yet (no-op where topics need no creation). */
  ensureTopics(topics: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
