import type { Logger } from 'pino';
import { deadLetterTopic, isDeadLetterTopic } from '@fangyi/contracts';
import {
  ConsumerProgress,
  deliverWithRetry,
  DEFAULT_FIRST_RETRY_MS,
  DEFAULT_MAX_RETRY_MS,
} from './delivery.ts';
import type { DeadLetterAccess } from './deadLetters.ts';
import type {
  ConsumeOptions,
  Consumer,
  IncomingMessage,
  MessageBus,
  OutgoingMessage,
} from './port.ts';

export interface InProcessMessageBusOptions {
  readonly logger: Logger;
  /** First wait before a failed handler gets the same message again; doubles up to 5 s (default 200 ms). */
  readonly handlerRetryMs?: number;
}

interface Member {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly fromBeginning: boolean;
  readonly handle: ConsumeOptions['handle'];
  readonly backoff: { firstDelayMs: number; maxDelayMs: number };
  readonly progress: ConsumerProgress;
  /** Next offset to deliver per owned topic; set when the member takes the topic. */
  readonly positions: Map<string, number>;
  readonly stopping: AbortController;
  wake: () => void;
}

interface Group {
  /** Committed offsets: the next offset to deliver, per topic. */
  readonly committed: Map<string, number>;
  /** Members in join order; each topic (one partition) belongs to the earliest member subscribed to it. */
  readonly members: Member[];
}

/**
 * The embedded message bus: every topic is one in-memory, append-only partition, and consumer
 * groups keep their committed offsets in memory. Same contract as Kafka, nothing survives a restart:
 * in embedded mode the relay republishes from its checkpoint in the event store.
 */
export class InProcessMessageBus implements MessageBus, DeadLetterAccess {
  private readonly log: Logger;
  private readonly firstRetryMs: number;
  private readonly topics = new Map<string, IncomingMessage[]>();
  private readonly groups = new Map<string, Group>();
  private readonly consumers = new Set<Consumer>();
  private closed = false;

  constructor(options: InProcessMessageBusOptions) {
    this.log = options.logger.child({ component: 'in-process-bus' });
    this.firstRetryMs = options.handlerRetryMs ?? DEFAULT_FIRST_RETRY_MS;
  }

  private logOf(topic: string): IncomingMessage[] {
    let log = this.topics.get(topic);
    if (!log) {
      log = [];
      this.topics.set(topic, log);
    }
    return log;
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.closed) throw new Error('message bus is closed');
    if (messages.length === 0) return;
    const log = this.logOf(topic);
    for (const m of messages) {
      log.push(
        Object.freeze({
          topic,
          partition: 0,
          offset: String(log.length),
          key: m.key,
          value: m.value,
          headers: Object.freeze({ ...m.headers }),
        }),
      );
    }
    // Handlers never run inside publish: delivery starts on a later turn of the event loop.
    setImmediate(() => this.wakeAll(topic));
  }

  async ensureTopics(topics: readonly string[]): Promise<void> {
    for (const t of topics) {
      this.logOf(t);
      if (!isDeadLetterTopic(t)) this.logOf(deadLetterTopic(t));
    }
  }

  private wakeAll(topic: string): void {
    for (const group of this.groups.values()) {
      for (const m of group.members) if (m.topics.includes(topic)) m.wake();
    }
  }

  private owner(group: Group, topic: string): Member | undefined {
    return group.members.find((m) => m.topics.includes(topic));
  }

  /** The next message this member owns, taking ownership positions as topics pass to it. */
  private next(group: Group, member: Member): IncomingMessage | undefined {
    for (const topic of member.topics) {
      if (this.owner(group, topic) !== member) {
        member.positions.delete(topic);
        continue;
      }
      let position = member.positions.get(topic);
      if (position === undefined) {
        position =
          group.committed.get(topic) ?? (member.fromBeginning ? 0 : this.logOf(topic).length);
        member.positions.set(topic, position);
      }
      const message = this.logOf(topic)[position];
      if (message) return message;
    }
    return undefined;
  }

  async consume(options: ConsumeOptions): Promise<Consumer> {
    if (this.closed) throw new Error('message bus is closed');
    let group = this.groups.get(options.groupId);
    if (!group) {
      group = { committed: new Map(), members: [] };
      this.groups.set(options.groupId, group);
    }
    const g = group;
    const member: Member = {
      groupId: options.groupId,
      topics: [...new Set(options.topics)],
      fromBeginning: options.fromBeginning ?? false,
      handle: options.handle,
      backoff: {
        firstDelayMs: options.retry?.firstDelayMs ?? this.firstRetryMs,
        maxDelayMs: options.retry?.maxDelayMs ?? DEFAULT_MAX_RETRY_MS,
      },
      progress: new ConsumerProgress(),
      positions: new Map(),
      stopping: new AbortController(),
      wake: () => undefined,
    };
    g.members.push(member);
    // Fix the starting positions now, as a Kafka member does on its first fetch.
    this.next(g, member);
    const log = this.log.child({ groupId: options.groupId });

    const loop = (async () => {
      while (!member.stopping.signal.aborted) {
        const message = this.next(g, member);
        if (!message) {
          await new Promise<void>((resolve) => {
            const done = () => {
              member.stopping.signal.removeEventListener('abort', done);
              member.wake = () => undefined;
              resolve();
            };
            member.wake = done;
            member.stopping.signal.addEventListener('abort', done, { once: true });
          });
          continue;
        }
        const done = await deliverWithRetry({
          message,
          handle: member.handle,
          backoff: member.backoff,
          signal: member.stopping.signal,
          log,
          progress: member.progress,
        });
        if (!done) break;
        const nextOffset = Number(message.offset) + 1;
        g.committed.set(message.topic, nextOffset);
        member.positions.set(message.topic, nextOffset);
      }
    })();

    let stopped: Promise<void> | null = null;
    const handle: Consumer = {
      stop: () => {
        stopped ??= (async () => {
          member.stopping.abort();
          await loop;
          g.members.splice(g.members.indexOf(member), 1);
          this.consumers.delete(handle);
          // Topics this member owned pass to the next member, from the committed offset.
          for (const m of g.members) m.wake();
        })();
        return stopped;
      },
      status: () => member.progress.status(),
    };
    this.consumers.add(handle);
    return handle;
  }

  async listTopics(): Promise<string[]> {
    return [...this.topics.keys()];
  }

  async readTopic(topic: string, fromOffset: bigint): Promise<IncomingMessage[]> {
    return this.logOf(topic).filter((m) => BigInt(m.offset) >= fromOffset);
  }

  async committedOffset(groupId: string, topic: string): Promise<bigint | null> {
    const offset = this.groups.get(groupId)?.committed.get(topic);
    return offset === undefined ? null : BigInt(offset);
  }

  async commitOffset(groupId: string, topic: string, offset: bigint): Promise<void> {
    let group = this.groups.get(groupId);
    if (!group) {
      group = { committed: new Map(), members: [] };
      this.groups.set(groupId, group);
    }
    if (group.members.length > 0)
      throw new Error(`group ${groupId} has members: commit through them`);
    group.committed.set(topic, Number(offset));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.stop()));
  }
}
