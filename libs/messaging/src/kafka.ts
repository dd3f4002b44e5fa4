import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { deadLetterTopic, isDeadLetterTopic } from '@fangyi/contracts';
import { Kafka, Partitioners, logLevel, type Admin, type ConfigResourceTypes, type Consumer as KafkaConsumer, type EachBatchPayload, type EachMessagePayload, type LogEntry, type Producer, type RetryOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { DeadLetterAccess } from './deadLetters.ts';
import { ConsumerProgress, deliverWithRetry, DEFAULT_FIRST_RETRY_MS, DEFAULT_MAX_RETRY_MS } from './delivery.ts';
import type { ConsumeOptions, Consumer, IncomingMessage, MessageBus, OutgoingMessage } from './port.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Source topics: longer than any quarantine period (14 days by default, at most 60), so a consumer group started mid-quarantine still finds its start. */
export const DEFAULT_TOPIC_RETENTION_MS = 90 * DAY_MS;
/** Dead letters wait for a fix and a replay; they are few, so keeping them long costs little. */
export const DEFAULT_DEAD_LETTER_RETENTION_MS = 180 * DAY_MS;

export interface KafkaMessageBusOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger: Logger;
  /** Partitions of topics created by ensureTopics (default 3). */
  readonly numPartitions?: number;
  /** Replication factor of topics created by ensureTopics (default 1: a single broker). */
  readonly replicationFactor?: number;
  /** retention.ms of source topics created by ensureTopics (default 90 days; see the README). */
  readonly topicRetentionMs?: number;
  /** retention.ms of dead-letter topics created by ensureTopics (default 180 days). */
  readonly deadLetterRetentionMs?: number;
  /**
   * Producer retries per publish. kafkajs defaults to unlimited retries for an idempotent producer,
   * which would make a publish to an unreachable cluster hang for ever (and a relay that is stopping
   * with it). A bounded publish rejects, so the caller logs and retries the whole batch: at least once.
   */
  readonly producerRetry?: RetryOptions;
  readonly consumer?: {
    /** Default 10 s: the broker's group.min.session.timeout.ms is 6 s. */
    readonly sessionTimeout?: number;
    /** Default 10 s. */
    readonly rebalanceTimeout?: number;
    /** Default 500 ms, so a rebalance (a member joining or leaving) is noticed quickly. */
    readonly heartbeatInterval?: number;
    /** How long a fetch waits on the broker for new data (default 500 ms). */
    readonly maxWaitTimeInMs?: number;
    /** First wait before a failed handler is retried with the same message; doubles to 5 s (default 200 ms; ConsumeOptions.retry overrides). */
    readonly handlerRetryMs?: number;
    /** How long consume() waits for the group join and first fetch (default 60 s). */
    readonly readyTimeoutMs?: number;
    /**
     * Handled offsets are committed together: after this many messages or this long (defaults 100
     * and 200 ms), and always before the consumer leaves. A crash redelivers at most that window,
     * which idempotent handlers absorb; per-message commits cost a broker round trip each.
     */
    readonly commitEveryMessages?: number;
    readonly commitEveryMs?: number;
    /** Partitions handled at once (default 3); order within a partition is kept. */
    readonly partitionsConsumedConcurrently?: number;
  };
}

/** kafkajs logs through the service's pino logger; only warnings and errors get this far. */
function kafkaLogCreator(logger: Logger) {
  const log = logger.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _logger, ...extra } = entry as LogEntry['log'] & { logger?: unknown };
      const bindings = { namespace, ...extra };
      if (level === logLevel.ERROR || level === logLevel.NOTHING) log.error(bindings, message);
      else if (level === logLevel.WARN) log.warn(bindings, message);
      else if (level === logLevel.INFO) log.info(bindings, message);
      else log.debug(bindings, message);
    };
}

function toHeaders(headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) out[name] = last.toString();
  }
  return out;
}

type KafkaMessage = { offset: string; key: Buffer | null; value: Buffer | null; headers?: Parameters<typeof toHeaders>[0] };

function toIncoming(topic: string, partition: number, message: KafkaMessage): IncomingMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key === null ? null : message.key.toString(),
    value: message.value === null ? '' : message.value.toString(),
    headers: toHeaders(message.headers),
  };
}

/** ConfigResourceTypes.TOPIC: kafkajs' enum is not among the names Node finds in its CommonJS exports. */
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;

/** How long readTopic waits for the messages it knows are there. */
const READ_TOPIC_MS = 60_000;

/** The part of a kafkajs consumer whenJoined listens to. */
export interface ConsumerEvents {
  readonly events: Pick<KafkaConsumer['events'], 'GROUP_JOIN' | 'FETCH' | 'CRASH'>;
  on(event: string, listener: (event: { payload: { error?: Error; restart?: boolean } }) => void): () => void;
}

/**
 * Resolves once the member has joined its group and fetched once. A crash kafkajs restarts from
 * (a retriable error, such as "the coordinator is loading" while a freshly started broker loads
 * its offsets) is logged and waited out; only a crash it gives up on, or the timeout, rejects.
 */
export function whenJoined(consumer: ConsumerEvents, options: { groupId: string; timeoutMs: number; log: Logger }): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let joined = false;
    const offJoin = consumer.on(consumer.events.GROUP_JOIN, () => {
      joined = true;
    });
    const offFetch = consumer.on(consumer.events.FETCH, () => {
      if (!joined) return;
      cleanup();
      resolve();
    });
    const offCrash = consumer.on(consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      if (restart) {
        joined = false;
        options.log.warn({ err: error }, 'consumer could not join yet; kafkajs retries');
        return;
      }
      cleanup();
      reject(error ?? new Error(`consumer group ${options.groupId} crashed`));
    });
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`consumer group ${options.groupId} did not join within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    function cleanup() {
      clearTimeout(timer);
      offJoin();
      offFetch();
      offCrash();
    }
  });
}

/** How long ensureTopics and consume wait for a topic's partitions to have leaders. */
const TOPIC_READY_MS = 30_000;

/** The part of a kafkajs admin client waitForLeaders asks. */
export interface TopicMetadataSource {
  fetchTopicMetadata(options: { topics: string[] }): Promise<{ topics: { name: string; partitions: { partitionId: number; leader: number }[] }[] }>;
}

/**
 * Resolves once the broker's metadata lists every topic with a leader for each partition.
 * Unknown topics and leaderless partitions are waited out (a topic another process has just
 * created); anything else, or the timeout, rejects with what was last missing.
 */
export async function waitForLeaders(
  admin: TopicMetadataSource,
  topics: readonly string[],
  options: { timeoutMs: number; log: Logger; pollMs?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let waitMs = options.pollMs ?? 100;
  for (;;) {
    let missing: string;
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: [...topics] });
      const leaderless = topics.filter((topic) => {
        const partitions = found.find((t) => t.name === topic)?.partitions ?? [];
        return partitions.length === 0 || partitions.some((p) => p.leader < 0);
      });
      if (leaderless.length === 0) return;
      missing = `no leader yet for ${leaderless.join(', ')}`;
    } catch (error) {
      const type = (error as { type?: string }).type;
      if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE') throw error;
      missing = (error as Error).message;
    }
    if (Date.now() + waitMs > deadline) throw new Error(`topics ${topics.join(', ')} not ready within ${options.timeoutMs} ms: ${missing}`);
    options.log.debug({ topics, missing }, 'waiting for topic leaders');
    await sleep(waitMs);
    waitMs = Math.min(waitMs * 2, 1_000);
  }
}

/**
 * The message bus on Apache Kafka through kafkajs: an idempotent producer acknowledged by all
 * in-sync replicas, and one consumer-group member per consume() that commits each offset only
 * after the handler has resolved.
 */
export class KafkaMessageBus implements MessageBus, DeadLetterAccess {
  private readonly kafka: Kafka;
  private readonly log: Logger;
  private readonly options: KafkaMessageBusOptions;
  private producer: Promise<Producer> | null = null;
  private admin: Promise<Admin> | null = null;
  private readonly consumers = new Set<Consumer>();
  private closed = false;

  constructor(options: KafkaMessageBusOptions) {
    this.options = options;
    this.log = options.logger.child({ component: 'kafka-bus' });
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(options.logger),
      retry: { initialRetryTime: 200, retries: 8 },
    });
  }

  private getProducer(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({
        idempotent: true,
        // kafkajs keeps per-partition order across retries only with one request in flight.
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: this.options.producerRetry ?? { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000 },
      });
      this.producer = producer.connect().then(
        () => producer,
        (error: unknown) => {
          this.producer = null;
          throw error;
        },
      );
    }
    return this.producer;
  }

  private getAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      this.admin = admin.connect().then(
        () => admin,
        (error: unknown) => {
          this.admin = null;
          throw error;
        },
      );
    }
    return this.admin;
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.closed) throw new Error('message bus is closed');
    if (messages.length === 0) return;
    const producer = await this.getProducer();
    const toSend = messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers ? { ...m.headers } : {} }));
    // One send per partition leader. kafkajs' retry of a send that spans several brokers sends
    // again only to the brokers that had not answered: when a leader dies and its partitions move
    // to a broker that had answered for others, their messages are never sent and the send
    // resolves as if they were (the fault suite lost 12 events so when it killed one broker of
    // three). A send whose partitions all had one leader has no such broker. The leaders are asked
    // for each publish, so only a leader change between that answer and the send is left.
    const partitions = await this.partitionLeaders(topic);
    if (partitions.length === 0) {
      await producer.send({ topic, acks: -1, messages: toSend });
      return;
    }
    const perLeader = new Map<number, { message: (typeof toSend)[number]; partition: number }[]>();
    for (const message of toSend) {
      const partition = this.partitioner({ topic, partitionMetadata: partitions, message });
      const leader = partitions.find((p) => p.partitionId === partition)?.leader ?? -1;
      let list = perLeader.get(leader);
      if (!list) perLeader.set(leader, (list = []));
      list.push({ message, partition });
    }
    await Promise.all([...perLeader.values()].map((list) => producer.send({ topic, acks: -1, messages: list.map(({ message, partition }) => ({ ...message, partition })) })));
  }

  /** The Java-compatible partitioner the producer would use on its own: the same key goes to the same partition. */
  private readonly partitioner = Partitioners.DefaultPartitioner();

  /** A topic's partitions and their leaders now; none if the broker does not know the topic. */
  private async partitionLeaders(topic: string): Promise<{ partitionId: number; leader: number; partitionErrorCode: number; replicas: number[]; isr: number[] }[]> {
    const { topics } = await (await this.getAdmin()).fetchTopicMetadata({ topics: [topic] }).catch(() => ({ topics: [] as { partitions: { partitionId: number; leader: number }[] }[] }));
    return (topics[0]?.partitions ?? []).map((p) => ({ partitionId: p.partitionId, leader: p.leader, partitionErrorCode: 0, replicas: [], isr: [] }));
  }

  /**
   * Creates the topics that do not exist yet, each source topic with its dead-letter topic, and
   * resolves once every partition of every one of them has a leader, whoever created them. Several
   * services start at once and create the same topics: the one whose create loses the race gets
   * "already exists", and kafkajs then returns without waiting for leaders, so a subscribe or
   * publish right after would meet "this server does not host this topic-partition". Waiting here
   * for the metadata makes the next call safe.
   *
   * Retention is set explicitly (the broker's default is 7 days). A dead-letter topic has one
   * partition: dead letters are few, their offsets then name them alone, and they keep one order.
   */
  async ensureTopics(topics: readonly string[]): Promise<void> {
    const wanted = [...new Set(topics.flatMap((t) => (isDeadLetterTopic(t) ? [t] : [t, deadLetterTopic(t)])))];
    if (wanted.length === 0) return;
    const admin = await this.getAdmin();
    // Ask first: the broker answers a create of an existing topic with an error kafkajs logs loudly.
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      // Resolves false when another process created them meanwhile: creating is idempotent.
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: isDeadLetterTopic(topic) ? 1 : (this.options.numPartitions ?? 3),
          replicationFactor: this.options.replicationFactor ?? 1,
          configEntries: [{ name: 'retention.ms', value: String(this.retentionOf(topic)) }],
        })),
      });
    }
    await waitForLeaders(admin, wanted, { timeoutMs: TOPIC_READY_MS, log: this.log });
    const older = wanted.filter((t) => existing.has(t));
    if (older.length > 0) await this.warnOfShortRetention(admin, older);
  }

  private retentionOf(topic: string): number {
    return isDeadLetterTopic(topic)
      ? (this.options.deadLetterRetentionMs ?? DEFAULT_DEAD_LETTER_RETENTION_MS)
      : (this.options.topicRetentionMs ?? DEFAULT_TOPIC_RETENTION_MS);
  }

  /**
   * Topics made before retention was set here (or by hand) keep what they have: changing a live
   * topic's configuration is an operator's decision. A retention shorter than ours is said loudly.
   */
  private async warnOfShortRetention(admin: Admin, topics: readonly string[]): Promise<void> {
    try {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: topics.map((name) => ({ type: TOPIC_RESOURCE, name, configNames: ['retention.ms'] })),
      });
      for (const r of resources) {
        const value = r.configEntries.find((e) => e.configName === 'retention.ms')?.configValue;
        const wantedMs = this.retentionOf(r.resourceName);
        const ms = value === undefined ? NaN : Number(value);
        if (ms >= 0 && ms < wantedMs) {
          this.log.warn(
            { topic: r.resourceName, retentionMs: ms, wantedMs },
            `topic keeps messages for less than the configured retention; raise it with kafka-configs --alter --entity-type topics --entity-name ${r.resourceName} --add-config retention.ms=${wantedMs}`,
          );
        }
      }
    } catch (error) {
      this.log.warn({ err: error, topics }, 'could not read the retention of existing topics');
    }
  }

  async consume(options: ConsumeOptions): Promise<Consumer> {
    if (this.closed) throw new Error('message bus is closed');
    const settings = this.options.consumer ?? {};
    const log = this.log.child({ groupId: options.groupId });
    const consumer: KafkaConsumer = this.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: settings.sessionTimeout ?? 10_000,
      rebalanceTimeout: settings.rebalanceTimeout ?? 10_000,
      heartbeatInterval: settings.heartbeatInterval ?? 500,
      maxWaitTimeInMs: settings.maxWaitTimeInMs ?? 500,
      allowAutoTopicCreation: false,
    });
    const stopping = new AbortController();
    const inHand = new Map<string, Promise<void>>();
    const progress = new ConsumerProgress();
    const backoff = {
      firstDelayMs: options.retry?.firstDelayMs ?? settings.handlerRetryMs ?? DEFAULT_FIRST_RETRY_MS,
      maxDelayMs: options.retry?.maxDelayMs ?? DEFAULT_MAX_RETRY_MS,
    };
    // Handled but not yet committed: the next offset per topic and partition.
    const handled = new Map<string, { topic: string; partition: number; offset: string }>();
    let sinceCommit = 0;
    let committing: Promise<void> = Promise.resolve();
    const commitHandled = (): Promise<void> => {
      committing = committing.then(async () => {
        if (handled.size === 0) return;
        const offsets = [...handled.values()];
        handled.clear();
        sinceCommit = 0;
        try {
          await consumer.commitOffsets(offsets);
        } catch (error) {
          // Not committed: after a rebalance the next owner redelivers them, and handlers are idempotent.
          log.warn({ err: error, offsets }, 'committing handled offsets failed');
        }
      });
      return committing;
    };
    const commitTimer = setInterval(() => void commitHandled(), settings.commitEveryMs ?? 200);
    commitTimer.unref();

    // consume() resolves once this member has joined and fetched once: its starting offsets
    // (committed, or earliest/latest for a new group) are fixed, so a later publish is seen.
    const ready = whenJoined(consumer, { groupId: options.groupId, timeoutMs: settings.readyTimeoutMs ?? 60_000, log });

    const handleOne = async (payload: {
      topic: string;
      partition: number;
      message: KafkaMessage;
      heartbeat(): Promise<void>;
      pause(): () => void;
    }): Promise<void> => {
      const { topic, partition, message } = payload;
      if (stopping.signal.aborted) {
        // Leaving: stop fetching; the offset is not committed, so the next member gets this message.
        payload.pause();
        return;
      }
      const incoming = toIncoming(topic, partition, message);
      const done = await deliverWithRetry({
        message: incoming,
        handle: options.handle,
        backoff,
        signal: stopping.signal,
        log,
        progress,
        // Keeps the membership alive while retrying; throws if the group is rebalancing, and
        // kafkajs then rejoins and fetches again from the committed offset.
        beforeRetry: () => payload.heartbeat(),
      });
      if (!done) {
        // Stopping: leave the message uncommitted for whoever takes the partition next.
        payload.pause();
        return;
      }
      handled.set(`${topic}|${partition}`, { topic, partition, offset: (BigInt(message.offset) + 1n).toString() });
      if (++sinceCommit >= (settings.commitEveryMessages ?? 100)) await commitHandled();
    };

    /**
     * One fetch of one partition in one call; if that throws, message by message through
     * handleOne (its retries, its dead letters), so a bad message costs its batch the fast path only.
     */
    const handleFetched = async (payload: EachBatchPayload, handleBatch: NonNullable<ConsumeOptions['handleBatch']>): Promise<void> => {
      const { batch } = payload;
      if (batch.messages.length === 0) return;
      if (stopping.signal.aborted) {
        payload.pause();
        return;
      }
      const key = `${batch.topic}|${batch.partition}`;
      const done = (offset: string) => {
        payload.resolveOffset(offset);
        handled.set(key, { topic: batch.topic, partition: batch.partition, offset: (BigInt(offset) + 1n).toString() });
      };
      try {
        await handleBatch(batch.messages.map((m) => toIncoming(batch.topic, batch.partition, m)));
        for (let i = 0; i < batch.messages.length; i++) progress.markHandled();
        done(batch.messages[batch.messages.length - 1]!.offset);
        sinceCommit += batch.messages.length;
      } catch (error) {
        log.warn({ err: error, topic: batch.topic, partition: batch.partition, messages: batch.messages.length }, 'batch handler failed; handling its messages one by one');
        for (const message of batch.messages) {
          if (!payload.isRunning() || payload.isStale()) return;
          let paused = false;
          await handleOne({ topic: batch.topic, partition: batch.partition, message, heartbeat: payload.heartbeat, pause: () => ((paused = true), payload.pause()) });
          if (paused) return;
          payload.resolveOffset(message.offset);
        }
      }
      if (sinceCommit >= (settings.commitEveryMessages ?? 100)) await commitHandled();
      await payload.heartbeat();
    };

    await consumer.connect();
    try {
      // The topics may have just been created by another process: subscribing before their
      // leaders are known fails with "this server does not host this topic-partition".
      await waitForLeaders(await this.getAdmin(), options.topics, { timeoutMs: TOPIC_READY_MS, log });
      await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning ?? false });
      const handleBatch = options.handleBatch;
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently ?? 3,
        ...(handleBatch
          ? {
              eachBatchAutoResolve: false,
              eachBatch: (payload: EachBatchPayload) => {
                const work = handleFetched(payload, handleBatch);
                inHand.set(`${payload.batch.topic}|${payload.batch.partition}`, work);
                return work;
              },
            }
          : {
              eachMessage: (payload: EachMessagePayload) => {
                const work = handleOne(payload);
                inHand.set(`${payload.topic}|${payload.partition}`, work);
                return work;
              },
            }),
      });
      await ready;
    } catch (error) {
      clearInterval(commitTimer);
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    log.debug({ topics: options.topics }, 'consumer joined');

    let stopped: Promise<void> | null = null;
    const handle: Consumer = {
      stop: () => {
        stopped ??= (async () => {
          stopping.abort();
          await Promise.all([...inHand.values()].map((w) => w.catch(() => undefined)));
          clearInterval(commitTimer);
          await commitHandled();
          await consumer.disconnect();
          this.consumers.delete(handle);
          log.debug({ topics: options.topics }, 'consumer left');
        })();
        return stopped;
      },
      status: () => progress.status(),
    };
    this.consumers.add(handle);
    return handle;
  }

  async listTopics(): Promise<string[]> {
    return (await this.getAdmin()).listTopics();
  }

  /**
   * Reads partition 0 of a topic from an offset to its end as of the call, through a consumer
   * group of its own that is deleted afterwards (kafkajs reads only through groups).
   */
  async readTopic(topic: string, fromOffset: bigint): Promise<IncomingMessage[]> {
    const admin = await this.getAdmin();
    const partition = (await admin.fetchTopicOffsets(topic)).find((p) => p.partition === 0);
    if (!partition) return [];
    const end = BigInt(partition.high);
    const start = fromOffset > BigInt(partition.low) ? fromOffset : BigInt(partition.low);
    if (start >= end) return [];
    const groupId = `fangyi.reader.${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 200, allowAutoTopicCreation: false });
    const got: IncomingMessage[] = [];
    let timer: NodeJS.Timeout | undefined;
    await consumer.connect();
    try {
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`reading ${topic} from ${start} to ${end} took longer than ${READ_TOPIC_MS} ms (${got.length} read)`)), READ_TOPIC_MS);
        consumer
          .subscribe({ topics: [topic], fromBeginning: true })
          .then(() =>
            consumer.run({
              autoCommit: false,
              eachMessage: async ({ partition: p, message }) => {
                if (p !== 0) return;
                const offset = BigInt(message.offset);
                if (offset >= start && offset < end) got.push(toIncoming(topic, p, message));
                if (offset >= end - 1n) resolve();
              },
            }),
          )
          .then(() => consumer.seek({ topic, partition: 0, offset: String(start) }))
          .catch(reject);
      });
    } finally {
      clearTimeout(timer);
      await consumer.disconnect();
      await admin.deleteGroups([groupId]).catch((error: unknown) => this.log.debug({ err: error, groupId }, 'could not delete the reader group'));
    }
    return got;
  }

  async committedOffset(groupId: string, topic: string): Promise<bigint | null> {
    const answer = await (await this.getAdmin()).fetchOffsets({ groupId, topics: [topic] });
    const offset = answer.find((t) => t.topic === topic)?.partitions.find((p) => p.partition === 0)?.offset;
    return offset === undefined || offset === '-1' ? null : BigInt(offset);
  }

  /**
   * Commits through a short-lived member of the group: kafkajs' admin.setOffsets would do the same
   * but waits out a whole fetch (5 s) first. The member joins, reads nothing (paused), commits, leaves.
   */
  async commitOffset(groupId: string, topic: string, offset: bigint): Promise<void> {
    const consumer = this.kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
    await consumer.connect();
    try {
      const joined = whenJoined(consumer, { groupId, timeoutMs: READ_TOPIC_MS, log: this.log });
      await consumer.subscribe({ topics: [topic] });
      await consumer.run({ autoCommit: false, eachMessage: async () => undefined });
      consumer.pause([{ topic }]);
      await joined;
      await consumer.commitOffsets([{ topic, partition: 0, offset: String(offset) }]);
    } finally {
      await consumer.disconnect();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.stop()));
    const [producer, admin] = await Promise.all([this.producer?.catch(() => null), this.admin?.catch(() => null)]);
    await Promise.all([producer?.disconnect(), admin?.disconnect()]);
  }
}
