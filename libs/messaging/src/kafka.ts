import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { deadLetterTopic, isDeadLetterTopic } from '@fangyi/contracts';
import {
  Admin,
  compatibilityPartitioner,
  ConfigResourceTypes,
  Consumer as KafkaConsumer,
  ProduceAcks,
  Producer,
  stringSerializers,
  type Message,
  type MessagesStream,
} from '@platformatic/kafka';
import type { Logger } from 'pino';
import type { DeadLetterAccess } from './deadLetters.ts';
import {
  ConsumerProgress,
  deliverWithRetry,
  DEFAULT_FIRST_RETRY_MS,
  DEFAULT_MAX_RETRY_MS,
} from './delivery.ts';
import type {
  ConsumeOptions,
  Consumer,
  IncomingMessage,
  MessageBus,
  OutgoingMessage,
} from './port.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Source topics: longer than any quarantine period (14 days by default, at most 60), so a consumer group started mid-quarantine still finds its start. */
export const DEFAULT_TOPIC_RETENTION_MS = 90 * DAY_MS;
/** Dead letters wait for a fix and a replay; they are few, so keeping them long costs little. */
export const DEFAULT_DEAD_LETTER_RETENTION_MS = 180 * DAY_MS;

/** How a client retries a request: `retries` more tries, waiting from `initialRetryTime` doubling to `maxRetryTime`. */
export interface RetryOptions {
  readonly retries?: number;
  readonly initialRetryTime?: number;
  readonly maxRetryTime?: number;
}

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
   * Producer retries per request (default 8, from 300 ms doubling to 10 s: about half a minute).
   * @platformatic/kafka retries without limit for an idempotent producer unless told otherwise,
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
    /** How long consume() waits for the group join and its starting offsets (default 60 s). */
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
    /**
     * Messages fetched and waiting for their partition's handler (default 2000). Above it fetching
     * pauses until half are handled: a partition whose handler keeps failing holds back the others
     * once this many messages wait behind it.
     */
    readonly maxBufferedMessages?: number;
    /**
     * The most messages of one partition handed to a batch handler at once (default 500): a read
     * model folds a batch into one commit per partition, so larger batches mean fewer round trips.
     */
    readonly maxBatchMessages?: number;
  };
}

/** A doubling wait between a client's tries of one request. */
function retryDelay(
  options: RetryOptions,
): (client: unknown, operationId: string, attempt: number) => number {
  const first = options.initialRetryTime ?? 300;
  const max = options.maxRetryTime ?? 10_000;
  return (_client, _operationId, attempt) => Math.min(first * 2 ** Math.max(0, attempt - 1), max);
}

function toIncoming(message: Message): IncomingMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of message.headers)
    headers[name.toString()] = value === undefined || value === null ? '' : value.toString();
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset.toString(),
    key: message.key === undefined || message.key === null ? null : message.key.toString(),
    value: message.value === undefined || message.value === null ? '' : message.value.toString(),
    headers,
  };
}

/** Whether a client error, or one it wraps, is the broker's answer `apiId` (TOPIC_ALREADY_EXISTS…). */
function isBrokerAnswer(error: unknown, apiId: string): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const e = queue.shift();
    if (typeof e !== 'object' || e === null || seen.has(e)) continue;
    seen.add(e);
    const {
      apiId: id,
      cause,
      errors,
    } = e as { apiId?: unknown; cause?: unknown; errors?: unknown };
    if (id === apiId) return true;
    queue.push(cause, ...(Array.isArray(errors) ? errors : []));
  }
  return false;
}

/** How long readTopic waits for the messages it knows are there. */
const READ_TOPIC_MS = 60_000;

/** Thrown into a retrying handler's loop when its partition went to another member. */
class PartitionRevoked extends Error {}

/** The most messages of one partition handed to a batch handler at once, by default. */
const MAX_BATCH_MESSAGES = 500;

/** One partition as this member sees it: what waits, what was handled, what is left to commit. */
interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  readonly queue: Message[];
  /** Offsets below this were queued or handled already: a fetch that repeats them (after a rejoin or a new session) is skipped. */
  enqueuedNext: bigint;
  /** Offsets below this were handled by this member. */
  handledNext: bigint;
  /** The offset in hand, or null. */
  inHand: bigint | null;
  /** Handled and not yet committed: the offset to commit (the next to read). */
  pendingCommit: { offset: bigint; leaderEpoch: number } | null;
  owned: boolean;
  work: Promise<void> | null;
}

/**
 * The message bus on Apache Kafka through @platformatic/kafka: an idempotent producer
 * acknowledged by all in-sync replicas, and one consumer-group member per consume() that commits
 * each offset only after the handler has resolved.
 */
export class KafkaMessageBus implements MessageBus, DeadLetterAccess {
  private readonly log: Logger;
  private readonly options: KafkaMessageBusOptions;
  private producer: Producer<string, string, string, string> | null = null;
  private admin: Admin | null = null;
  private readonly consumers = new Set<Consumer>();
  private closed = false;

  constructor(options: KafkaMessageBusOptions) {
    this.options = options;
    this.log = options.logger.child({ component: 'kafka-bus' });
  }

  private base(suffix = '') {
    return {
      clientId: `${this.options.clientId}${suffix}`,
      bootstrapBrokers: [...this.options.brokers],
      autocreateTopics: false,
    };
  }

  private getProducer(): Producer<string, string, string, string> {
    if (!this.producer) {
      const retry = this.options.producerRetry ?? {};
      this.producer = new Producer({
        ...this.base(),
        idempotent: true,
        acks: ProduceAcks.ALL,
        // The same key to the same partition as the Java client and kafkajs' default partitioner
        // (murmur2 of the key, sign bit masked): a stream keeps its partition across the switch.
        partitioner: compatibilityPartitioner,
        // Bounded: the idempotent producer would otherwise retry for ever.
        retries: retry.retries ?? 8,
        retryDelay: retryDelay(retry),
        serializers: stringSerializers,
      });
    }
    return this.producer;
  }

  private getAdmin(): Admin {
    this.admin ??= new Admin({
      ...this.base('-admin'),
      retries: 8,
      retryDelay: retryDelay({ initialRetryTime: 200, maxRetryTime: 2_000 }),
    });
    return this.admin;
  }

  /**
   * Resolves once the broker has every message, acknowledged by all in-sync replicas. The client
   * sends one request per partition leader and retries each on its own, asking for the leaders
   * again after a leader change; the idempotent producer keeps one request in flight per broker,
   * so a partition's order survives retries.
   */
  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.closed) throw new Error('message bus is closed');
    if (messages.length === 0) return;
    await this.getProducer().send({
      messages: messages.map((m) => ({
        topic,
        key: m.key,
        value: m.value,
        headers: m.headers ? { ...m.headers } : {},
      })),
    });
  }

  /**
   * Creates the topics that do not exist yet, each source topic with its dead-letter topic.
   * Several services start at once and create the same topics: the one whose create loses the
   * race is told they exist, which is fine. Retention is set explicitly (the broker's default is
   * 7 days). A dead-letter topic has one partition: dead letters are few, their offsets then name
   * them alone, and they keep one order.
   */
  async ensureTopics(topics: readonly string[]): Promise<void> {
    const wanted = [
      ...new Set(topics.flatMap((t) => (isDeadLetterTopic(t) ? [t] : [t, deadLetterTopic(t)]))),
    ];
    if (wanted.length === 0) return;
    const admin = this.getAdmin();
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t));
    const create = async (names: string[], partitions: number, retentionMs: number) => {
      for (const name of names) {
        try {
          await admin.createTopics({
            topics: [name],
            partitions,
            replicas: this.options.replicationFactor ?? 1,
            configs: [{ name: 'retention.ms', value: String(retentionMs) }],
          });
        } catch (error) {
          if (!isBrokerAnswer(error, 'TOPIC_ALREADY_EXISTS')) throw error;
        }
      }
    };
    await create(
      missing.filter((t) => !isDeadLetterTopic(t)),
      this.options.numPartitions ?? 3,
      this.options.topicRetentionMs ?? DEFAULT_TOPIC_RETENTION_MS,
    );
    await create(
      missing.filter(isDeadLetterTopic),
      1,
      this.options.deadLetterRetentionMs ?? DEFAULT_DEAD_LETTER_RETENTION_MS,
    );
    if (missing.length > 0) await this.untilListed(admin, wanted);
    const older = wanted.filter((t) => existing.has(t));
    if (older.length > 0) await this.warnOfShortRetention(admin, older);
  }

  /**
   * The broker answers a create before its metadata lists the new topic (measured: a listTopics
   * right after missed a just-created .dlq topic about one run in three), so a publish or
   * subscribe straight after ensureTopics could meet an unknown topic. Waits, briefly, until the
   * metadata lists each topic with a leader for every partition.
   */
  private async untilListed(admin: Admin, topics: readonly string[]): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (let waitMs = 20; ; waitMs = Math.min(waitMs * 2, 500)) {
      const metadata = await admin
        .metadata({ topics: [...topics], forceUpdate: true, retries: 0 })
        .catch(() => null);
      const ready =
        metadata !== null &&
        topics.every((t) => {
          const topic = metadata.topics.get(t);
          return (
            topic !== undefined &&
            topic.partitionsCount > 0 &&
            topic.partitions.every((p) => p.leader >= 0)
          );
        });
      if (ready) return;
      if (Date.now() + waitMs > deadline)
        throw new Error(
          `topics ${topics.join(', ')} not listed by the broker within 30 s of their creation`,
        );
      await sleep(waitMs);
    }
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
      const resources = await admin.describeConfigs({
        includeSynonyms: false,
        resources: topics.map((name) => ({
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: name,
          configurationKeys: ['retention.ms'],
        })),
      });
      for (const r of resources) {
        const value = r.configs.find((e) => e.name === 'retention.ms')?.value;
        const wantedMs = this.retentionOf(r.resourceName);
        const ms = value === undefined || value === null ? NaN : Number(value);
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

  /**
   * One group member. The client fetches; each partition's messages wait in a queue of their own
   * and are handed over one at a time, so a retrying partition holds up only itself (until
   * `maxBufferedMessages` wait). Handled offsets are committed in batches. When the client gives
   * up (a broker down longer than its retries), the member is rebuilt after a back-off and goes on
   * from the committed offsets; what this process handled already is not handed over again.
   */
  async consume(options: ConsumeOptions): Promise<Consumer> {
    if (this.closed) throw new Error('message bus is closed');
    const settings = this.options.consumer ?? {};
    const log = this.log.child({ groupId: options.groupId });
    const stopping = new AbortController();
    const progress = new ConsumerProgress();
    const backoff = {
      firstDelayMs:
        options.retry?.firstDelayMs ?? settings.handlerRetryMs ?? DEFAULT_FIRST_RETRY_MS,
      maxDelayMs: options.retry?.maxDelayMs ?? DEFAULT_MAX_RETRY_MS,
    };
    const maxBuffered = settings.maxBufferedMessages ?? 2_000;
    const concurrency = settings.partitionsConsumedConcurrently ?? 3;
    const parts = new Map<string, PartitionState>();
    let buffered = 0;

    // Handlers running at once, across partitions.
    let running = 0;
    const waiting: (() => void)[] = [];
    const acquire = async () => {
      if (running < concurrency) {
        running++;
        return;
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    };
    const release = () => {
      const next = waiting.shift();
      if (next) next();
      else running--;
    };

    interface Session {
      readonly client: KafkaConsumer;
      stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | null;
      paused: boolean;
      ended: boolean;
    }
    let session: Session | null = null;

    const part = (topic: string, partition: number): PartitionState => {
      const key = `${topic}|${partition}`;
      let p = parts.get(key);
      if (!p)
        parts.set(
          key,
          (p = {
            topic,
            partition,
            queue: [],
            enqueuedNext: 0n,
            handledNext: 0n,
            inHand: null,
            pendingCommit: null,
            owned: true,
            work: null,
          }),
        );
      return p;
    };
    /** Forgets what waits on a partition: it went elsewhere, or the session that fetched it ended. */
    const dropQueue = (p: PartitionState) => {
      buffered -= p.queue.length;
      p.queue.length = 0;
      p.enqueuedNext = p.inHand === null ? p.handledNext : p.inHand + 1n;
      resumeIfRoom();
    };
    const resumeIfRoom = () => {
      if (session?.paused && buffered <= maxBuffered / 2) {
        session.paused = false;
        session.stream?.resume();
      }
    };

    let sinceCommit = 0;
    let committing: Promise<void> = Promise.resolve();
    const commitHandled = (): Promise<void> => {
      committing = committing.then(async () => {
        sinceCommit = 0;
        const current = session;
        if (!current || current.ended || !current.client.isActive()) return; // kept for the next flush
        const offsets = [...parts.values()].flatMap((p) =>
          p.pendingCommit && p.owned
            ? [{ topic: p.topic, partition: p.partition, ...p.pendingCommit }]
            : [],
        );
        if (offsets.length === 0) return;
        for (const p of parts.values()) p.pendingCommit = null;
        try {
          await current.client.commit({ offsets });
        } catch (error) {
          // Kept for the next flush unless a newer offset came meanwhile; after a rebalance the next
          // owner redelivers what was not committed, and handlers are idempotent.
          for (const o of offsets) {
            const p = part(o.topic, o.partition);
            if (p.owned && (p.pendingCommit === null || p.pendingCommit.offset < o.offset))
              p.pendingCommit = { offset: o.offset, leaderEpoch: o.leaderEpoch };
          }
          log.warn(
            { err: error, offsets: offsets.map((o) => ({ ...o, offset: String(o.offset) })) },
            'committing handled offsets failed',
          );
        }
      });
      return committing;
    };
    const commitTimer = setInterval(() => void commitHandled(), settings.commitEveryMs ?? 200);
    commitTimer.unref();

    const drain = (p: PartitionState) => {
      if (p.work) return;
      p.work = (async () => {
        try {
          // After a batch failed, its messages go one by one (their retries, their dead letters).
          let oneByOne = 0;
          while (p.queue.length > 0 && !stopping.signal.aborted) {
            const { handleBatch } = options;
            if (handleBatch && oneByOne === 0 && p.queue.length > 1) {
              const batch = p.queue.splice(0, settings.maxBatchMessages ?? MAX_BATCH_MESSAGES);
              buffered -= batch.length;
              resumeIfRoom();
              const last = batch.at(-1)!;
              p.inHand = last.offset;
              await acquire();
              let handled = false;
              try {
                await handleBatch(batch.map(toIncoming));
                handled = true;
              } catch (error) {
                log.warn(
                  { err: error, topic: p.topic, partition: p.partition, messages: batch.length },
                  'batch handler failed; handling its messages one by one',
                );
              } finally {
                release();
                p.inHand = null;
              }
              if (!handled) {
                p.queue.unshift(...batch);
                buffered += batch.length;
                oneByOne = batch.length;
                continue;
              }
              for (let i = 0; i < batch.length; i++) progress.markHandled();
              if (p.handledNext < last.offset + 1n) p.handledNext = last.offset + 1n;
              if (p.owned)
                p.pendingCommit = { offset: last.offset + 1n, leaderEpoch: last.leaderEpoch };
              sinceCommit += batch.length;
              if (sinceCommit >= (settings.commitEveryMessages ?? 100)) await commitHandled();
              continue;
            }
            if (oneByOne > 0) oneByOne--;
            const message = p.queue.shift()!;
            buffered--;
            resumeIfRoom();
            p.inHand = message.offset;
            let done = false;
            await acquire();
            try {
              done = await deliverWithRetry({
                message: toIncoming(message),
                handle: options.handle,
                backoff,
                signal: stopping.signal,
                log,
                progress,
                beforeRetry: async () => {
                  if (!p.owned) throw new PartitionRevoked();
                },
              });
            } catch (error) {
              if (!(error instanceof PartitionRevoked)) throw error;
            } finally {
              release();
              p.inHand = null;
            }
            // Stopping or revoked: the message stays uncommitted for whoever reads the partition next.
            if (!done) break;
            if (p.handledNext < message.offset + 1n) p.handledNext = message.offset + 1n;
            if (p.owned)
              p.pendingCommit = { offset: message.offset + 1n, leaderEpoch: message.leaderEpoch };
            if (++sinceCommit >= (settings.commitEveryMessages ?? 100)) await commitHandled();
          }
        } finally {
          p.work = null;
        }
        if (p.queue.length > 0 && !stopping.signal.aborted) drain(p);
      })().catch((error: unknown) =>
        log.error(
          { err: error, topic: p.topic, partition: p.partition },
          'partition worker failed',
        ),
      );
    };

    const onMessage = (s: Session, message: Message) => {
      if (s !== session || s.ended || stopping.signal.aborted) return;
      const p = part(message.topic, message.partition);
      if (!p.owned || message.offset < p.enqueuedNext) return;
      p.enqueuedNext = message.offset + 1n;
      p.queue.push(message);
      buffered++;
      if (buffered >= maxBuffered && !s.paused) {
        s.paused = true;
        s.stream?.pause();
      }
      drain(p);
    };

    const onAssignment = (assignments: { topic: string; partitions: number[] }[] | undefined) => {
      const owned = new Set(
        (assignments ?? []).flatMap((a) => a.partitions.map((n) => `${a.topic}|${n}`)),
      );
      for (const [key, p] of parts) {
        const now = owned.has(key);
        if (!now && p.owned) {
          // Revoked: what waits is the next owner's now; a handler retrying here gives up at its next try.
          p.owned = false;
          p.pendingCommit = null;
          dropQueue(p);
        }
        p.owned = now;
      }
      for (const key of owned) {
        const [topic, n] = [
          key.slice(0, key.lastIndexOf('|')),
          Number(key.slice(key.lastIndexOf('|') + 1)),
        ];
        part(topic, n).owned = true;
      }
    };

    /** Joins as a new member and resolves once its starting offsets are fixed (a later publish is seen). */
    const startSession = async (): Promise<Session> => {
      const client = new KafkaConsumer({
        ...this.base(),
        groupId: options.groupId,
        sessionTimeout: settings.sessionTimeout ?? 10_000,
        rebalanceTimeout: settings.rebalanceTimeout ?? 10_000,
        heartbeatInterval: settings.heartbeatInterval ?? 500,
        maxWaitTime: settings.maxWaitTimeInMs ?? 500,
        autocommit: false,
        retries: 8,
        retryDelay: retryDelay({ initialRetryTime: 200, maxRetryTime: 2_000 }),
      });
      const s: Session = { client, stream: null, paused: false, ended: false };
      client.on('consumer:group:join', (payload) => {
        if (s === session) onAssignment(payload.assignments);
      });
      // The client gave up on something (a rejoin, a heartbeat after its retries): start over.
      client.on('error', (error: Error) => void restart(s, error));
      let timer: NodeJS.Timeout | undefined;
      try {
        session = s;
        const stream = await client.consume({
          topics: [...options.topics],
          mode: 'committed',
          fallbackMode: options.fromBeginning ? 'earliest' : 'latest',
          autocommit: false,
          maxWaitTime: settings.maxWaitTimeInMs ?? 500,
        });
        s.stream = stream;
        const positioned = new Promise<void>((resolve, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(
                  `consumer group ${options.groupId} did not join within ${settings.readyTimeoutMs ?? 60_000} ms`,
                ),
              ),
            settings.readyTimeoutMs ?? 60_000,
          );
          stream.once('offsets', () => resolve());
          stream.once('error', reject);
        });
        stream.on('data', (message: Message) => onMessage(s, message));
        stream.on('error', (error: Error) => void restart(s, error));
        onAssignment(client.assignments ?? []);
        await positioned;
        return s;
      } catch (error) {
        s.ended = true;
        await client.close(true).catch(() => undefined);
        throw error;
      } finally {
        clearTimeout(timer);
      }
    };

    let restarting: Promise<void> | null = null;
    const restart = (s: Session, error: Error): Promise<void> | void => {
      if (s !== session || s.ended || stopping.signal.aborted) return;
      s.ended = true;
      log.warn({ err: error }, 'consumer lost its connection to the group; joining again');
      restarting = (async () => {
        for (const p of parts.values()) dropQueue(p);
        await s.client.close(true).catch(() => undefined);
        for (let waitMs = 500; !stopping.signal.aborted; waitMs = Math.min(waitMs * 2, 10_000)) {
          try {
            await sleep(waitMs, undefined, { signal: stopping.signal });
            await startSession();
            log.info('consumer joined again');
            return;
          } catch (e) {
            if (stopping.signal.aborted) return;
            log.warn({ err: e, waitMs }, 'consumer could not join yet; trying again');
          }
        }
      })().finally(() => {
        restarting = null;
      });
      return restarting;
    };

    try {
      await startSession();
    } catch (error) {
      clearInterval(commitTimer);
      throw error;
    }
    log.debug({ topics: options.topics }, 'consumer joined');

    let stopped: Promise<void> | null = null;
    const handle: Consumer = {
      stop: () => {
        stopped ??= (async () => {
          stopping.abort();
          await Promise.all([...parts.values()].map((p) => p.work?.catch(() => undefined)));
          await (restarting as Promise<void> | null)?.catch(() => undefined);
          clearInterval(commitTimer);
          await commitHandled();
          const last = session;
          if (last && !last.ended) {
            last.ended = true;
            await last.stream
              ?.close()
              .catch((error: unknown) => log.debug({ err: error }, 'closing the stream failed'));
            await last.client
              .close()
              .catch((error: unknown) => log.warn({ err: error }, 'leaving the group failed'));
          }
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
    return this.getAdmin().listTopics();
  }

  /** Reads partition 0 of a topic from an offset to its end as of the call, without a consumer group. */
  async readTopic(topic: string, fromOffset: bigint): Promise<IncomingMessage[]> {
    const admin = this.getAdmin();
    const listed = await admin.listOffsets({
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -1n }] }],
    });
    const end = listed[0]?.partitions.find((p) => p.partitionIndex === 0)?.offset;
    if (end === undefined) return [];
    const first = await admin.listOffsets({
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -2n }] }],
    });
    const low = first[0]?.partitions.find((p) => p.partitionIndex === 0)?.offset ?? 0n;
    const start = fromOffset > low ? fromOffset : low;
    if (start >= end) return [];
    const groupId = `fangyi.reader.${randomUUID()}`;
    const client = new KafkaConsumer({
      ...this.base('-reader'),
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
      maxWaitTime: 200,
      autocommit: false,
    });
    const got: IncomingMessage[] = [];
    let timer: NodeJS.Timeout | undefined;
    try {
      const stream = await client.consume({
        topics: [topic],
        mode: 'manual',
        offsets: [{ topic, partition: 0, offset: start }],
        autocommit: false,
        maxWaitTime: 200,
      });
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `reading ${topic} from ${start} to ${end} took longer than ${READ_TOPIC_MS} ms (${got.length} read)`,
              ),
            ),
          READ_TOPIC_MS,
        );
        stream.on('error', reject);
        stream.on('data', (message: Message) => {
          if (message.partition !== 0) return;
          if (message.offset >= start && message.offset < end) got.push(toIncoming(message));
          if (message.offset >= end - 1n) resolve();
        });
      });
      await stream.close();
    } finally {
      clearTimeout(timer);
      await client.close(true).catch(() => undefined);
      await admin
        .deleteGroups({ groups: [groupId] })
        .catch((error: unknown) =>
          this.log.debug({ err: error, groupId }, 'could not delete the reader group'),
        );
    }
    return got;
  }

  async committedOffset(groupId: string, topic: string): Promise<bigint | null> {
    const answer = await this.getAdmin().listConsumerGroupOffsets({
      groups: [{ groupId, topics: [{ name: topic, partitionIndexes: [0] }] }],
    });
    const offset = answer[0]?.topics
      .find((t) => t.name === topic)
      ?.partitions.find((p) => p.partitionIndex === 0)?.committedOffset;
    return offset === undefined || offset < 0n ? null : offset;
  }

  /** Commits for a group nobody is consuming with (the replayer's), through the admin API. */
  async commitOffset(groupId: string, topic: string, offset: bigint): Promise<void> {
    await this.getAdmin().alterConsumerGroupOffsets({
      groupId,
      topics: [{ name: topic, partitionOffsets: [{ partition: 0, offset }] }],
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.stop()));
    await Promise.all([
      this.producer?.close().catch(() => undefined),
      this.admin?.close().catch(() => undefined),
    ]);
  }
}
