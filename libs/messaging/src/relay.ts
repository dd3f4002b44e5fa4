import { setTimeout as sleep } from 'node:timers/promises';
import { topicOfEvent } from '@fangyi/contracts';
import {
  CheckpointConflictError,
  type EventStore,
  type Lease,
  type LogPosition,
  type RecordedEvent,
  type Subscription,
} from '@fangyi/eventstore';
import type { Logger } from 'pino';
import {
  failSpan,
  isTraced,
  SpanKind,
  startSpanFrom,
  traceparentOf,
  type Span,
  type Tracer,
} from '@fangyi/tracing';
import type { MessageBus, OutgoingMessage } from './port.ts';
import {
  chunkMessages,
  messageBytes,
  permanentPublishError,
  type PermanentPublishError,
} from './relayBatches.ts';

export interface RelayOptions {
  readonly store: EventStore;
  readonly bus: MessageBus;
  readonly logger: Logger;
  /** Checkpoint and lease name in the event store (default 'relay'): one per relay that must not share progress. */
  readonly name?: string;
  /** Topic prefix for topicOfEvent (default 'fangyi'). */
  readonly topicPrefix?: string;
  /** Events read from the log per batch (default 500). */
  readonly batchSize?: number;
  /** Most messages in one publish (default 500). */
  readonly maxPublishMessages?: number;
  /** Most bytes (keys, values, headers) in one publish (default 512 KiB, well under Kafka's 1 MB message.max.bytes). */
  readonly maxPublishBytes?: number;
  /** A message above this size parks the relay before it is sent (default 1,000,000 bytes: Kafka's limit less its overhead). */
  readonly maxMessageBytes?: number;
  /** Poll interval when caught up (default 100 ms; the SQLite store wakes the relay at once on append). */
  readonly idleMs?: number;
  /** First wait after a failed publish; doubles up to 30 s (default 500 ms). */
  readonly retryMs?: number;
  /** How often a standby tries to take the lease (default 1000 ms). */
  readonly standbyPollMs?: number;
  /**
   * Which events this relay publishes (default: all). In distributed mode each service relays its
   * own context's events from the shared log, under its own checkpoint name.
   */
  readonly include?: (event: RecordedEvent) => boolean;
  /**
   * Traces publishes (tracingFromEnv): an event that carries a traceparent gets a producer span
   * under it, and the message carries that span's traceparent in its `traceparent` header.
   */
  readonly tracer?: Tracer;
}

/**
 * - `leader`: holds the lease and publishes.
 * - `standby`: another relay under this name holds the lease; this one tries again every `standbyPollMs`.
 * - `parked`: a message can never be published (too large, refused by the broker for good): the
 *   relay keeps the lease so no other replica spins on it, publishes nothing more, and waits for a
 *   restart after the fix (see the README).
 * - `stopped`: stop() was called, or (on a store without leases) another relay moved the checkpoint
 *   under this one (`reason`). With leases, that relay stands by instead.
 */
export type RelayState = 'leader' | 'standby' | 'parked' | 'stopped';

export interface ParkedOn {
  readonly eventId: string;
  readonly streamId: string;
  readonly streamRevision: number;
  readonly type: string;
  readonly position: LogPosition;
  readonly topic: string;
  readonly bytes: number;
  /** What made it permanent, e.g. `MESSAGE_TOO_LARGE: …` (never the event's data). */
  readonly reason: string;
}

export interface RelayStatus {
  readonly name: string;
  readonly state: RelayState;
  /** When the relay entered this state (ISO 8601). */
  readonly since: string;
  /** The checkpoint as this relay last loaded or stored it. */
  readonly checkpoint: LogPosition | null;
  readonly parkedOn?: ParkedOn;
  readonly reason?: string;
}

export interface Relay {
  /** Stops after the batch in hand is published and checkpointed (or abandons its retry), and releases the lease. */
  stop(): Promise<void>;
  /**
   * Resolves with the last published-and-checkpointed position once nothing is left to publish. A
   * standby resolves once it has led and caught up; a parked or stopped relay with where it is.
   */
  caughtUp(): Promise<LogPosition | null>;
  status(): RelayStatus;
}

export const RELAY_HEADERS = {
  type: 'fangyi-type',
  eventId: 'fangyi-event-id',
  position: 'fangyi-position',
  /** W3C trace context of the publish, for the consumer to continue (only for traced events). */
  traceparent: 'traceparent',
} as const;

/** The envelope exactly as appended: every field, but not the store's own log position. */
export function toMessage(event: RecordedEvent): OutgoingMessage {
  const { position, ...envelope } = event;
  return {
    key: event.streamId,
    value: JSON.stringify(envelope),
    headers: {
      [RELAY_HEADERS.type]: event.type,
      [RELAY_HEADERS.eventId]: event.id,
      [RELAY_HEADERS.position]: position,
    },
  };
}

/** `traceparent` and its 55-character value. */
const TRACEPARENT_HEADER_BYTES = 'traceparent'.length + 55;

/** The item's message with the traceparent of a new producer span (kept in `spans`) under its event's. */
function tracedMessage(tracer: Tracer, item: Item, spans: Span[]): OutgoingMessage {
  const span = startSpanFrom(tracer, `fangyi.publish ${item.topic}`, item.event.traceparent, {
    kind: SpanKind.PRODUCER,
    attributes: {
      'messaging.system': 'kafka',
      'messaging.destination.name': item.topic,
      'messaging.message.id': item.event.id,
      'fangyi.event_type': item.event.type,
    },
  });
  spans.push(span);
  const traceparent = traceparentOf(span);
  return traceparent
    ? {
        ...item.message,
        headers: { ...item.message.headers, [RELAY_HEADERS.traceparent]: traceparent },
      }
    : item.message;
}

/** A relay's readiness line for /ready: parked or stopped fail it, leader and standby pass. */
export function relayReadiness(relay: Relay): { ok: boolean; check: string } {
  const s = relay.status();
  switch (s.state) {
    case 'leader':
    case 'standby':
      return { ok: true, check: s.state };
    case 'parked': {
      const p = s.parkedOn!;
      return {
        ok: false,
        check: `parked on event ${p.eventId} (stream ${p.streamId}, position ${p.position}): ${p.reason}`,
      };
    }
    case 'stopped':
      return { ok: false, check: `stopped${s.reason ? `: ${s.reason}` : ''}` };
    default: {
      const _exhaustive: never = s.state;
      throw new Error(`unknown relay state ${String(_exhaustive)}`);
    }
  }
}

/** Thrown inside a batch to end the subscription without a retry (lost lease, parked, stale). */
class Halt extends Error {}

interface Item {
  readonly event: RecordedEvent;
  /** Index of the event in the batch read from the log. */
  readonly index: number;
  readonly topic: string;
  readonly message: OutgoingMessage;
  readonly bytes: number;
}

/** A lease for stores without leadership: this relay is the only one. */
function soleLease(name: string): Lease {
  const controller = new AbortController();
  return { name, lost: controller.signal, release: async () => controller.abort() };
}

/**
 * Publishes the event store's global log to the bus, at least once and in order per stream, with
 * one active relay per name however many replicas run (the store's lease; the compare-and-set
 * checkpoint is the second line of defence). Each batch is published in bounded pieces and
 * acknowledged before its checkpoint is stored: a crash in between republishes the batch
 * (consumers are idempotent), a failing bus never moves the checkpoint, and a message that can
 * never be published parks the relay in front of it.
 */
export async function startRelay(options: RelayOptions): Promise<Relay> {
  const name = options.name ?? 'relay';
  const log = options.logger.child({ component: 'relay', relay: name });
  const { store, bus } = options;
  const firstRetryMs = options.retryMs ?? 500;
  const standbyPollMs = options.standbyPollMs ?? 1000;
  const limits = {
    maxMessages: options.maxPublishMessages ?? 500,
    maxBytes: options.maxPublishBytes ?? 512 * 1024,
  };
  const maxMessageBytes = options.maxMessageBytes ?? 1_000_000;
  const stopping = new AbortController();
  const ensured = new Set<string>();

  let status: RelayStatus = {
    name,
    state: 'standby',
    since: new Date().toISOString(),
    checkpoint: null,
  };
  const setStatus = (
    next: Omit<RelayStatus, 'name' | 'since' | 'checkpoint'> & { checkpoint?: LogPosition | null },
  ) => {
    status = { name, since: new Date().toISOString(), checkpoint: status.checkpoint, ...next };
  };
  let caughtUpWaiters: ((p: LogPosition | null) => void)[] = [];
  let subscription: Subscription | null = null;
  const settleWaiters = () => {
    const waiters = caughtUpWaiters;
    caughtUpWaiters = [];
    for (const w of waiters) w(status.checkpoint);
  };
  const forwardWaiters = () => {
    if (!subscription) return;
    const waiters = caughtUpWaiters;
    caughtUpWaiters = [];
    const sub = subscription;
    for (const w of waiters) void sub.caughtUp().then(w);
  };

  const tracer = options.tracer;
  const publishOnce = async (items: readonly Item[]): Promise<void> => {
    const topics = new Map<string, OutgoingMessage[]>();
    const spans: Span[] = [];
    for (const item of items) {
      let messages = topics.get(item.topic);
      if (!messages) topics.set(item.topic, (messages = []));
      messages.push(
        tracer && isTraced(item.event.traceparent)
          ? tracedMessage(tracer, item, spans)
          : item.message,
      );
    }
    try {
      await publishTopics(topics);
    } catch (error) {
      for (const span of spans) failSpan(span, error);
      throw error;
    } finally {
      for (const span of spans) span.end();
    }
  };
  const publishTopics = async (topics: Map<string, OutgoingMessage[]>): Promise<void> => {
    const fresh = [...topics.keys()].filter((t) => !ensured.has(t));
    if (fresh.length > 0) {
      await bus.ensureTopics(fresh);
      for (const t of fresh) ensured.add(t);
    }
    // Topics are independent logs, so they go out together; within one, order is the log's order.
    const results = await Promise.allSettled(
      [...topics].map(([topic, messages]) => bus.publish(topic, messages)),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };

  /**
   * Publishes, retrying transient failures; returns the error when it is permanent. A lost lease
   * ends it before the next attempt; stop() ends its wait between attempts.
   */
  const publishRetrying = async (
    items: readonly Item[],
    lost: AbortSignal,
    leading: AbortSignal,
  ): Promise<PermanentPublishError | null> => {
    for (let attempt = 1; ; attempt++) {
      if (lost.aborted) throw new Halt('lease lost');
      try {
        await publishOnce(items);
        return null;
      } catch (error) {
        const permanent = permanentPublishError(error);
        if (permanent) return permanent;
        const waitMs = Math.min(firstRetryMs * 2 ** (attempt - 1), 30_000);
        log.warn(
          {
            err: error,
            attempt,
            waitMs,
            from: items[0]!.event.position,
            to: items.at(-1)!.event.position,
            count: items.length,
          },
          'publish failed; retrying the same batch, checkpoint not advanced',
        );
        await sleep(waitMs, undefined, { signal: leading }).catch(() => {
          throw new Halt('no longer leading');
        });
      }
    }
  };

  /** Leads until the lease is lost, stop() is called, the relay parks or finds itself stale. */
  const lead = async (lease: Lease): Promise<'lost' | 'stopping' | 'parked' | 'stale'> => {
    // Aborted when the lease is lost or stop() is called. Its own controller rather than
    // AbortSignal.any(), whose combined signal may be collected while only listeners hold it, and
    // then never fires (see catchUp.ts): a stop would wait out a publish retry's whole backoff.
    const leadership = new AbortController();
    const leading = leadership.signal;
    let end!: (why: 'lost' | 'stopping' | 'parked' | 'stale') => void;
    const ended = new Promise<'lost' | 'stopping' | 'parked' | 'stale'>(
      (resolve) => (end = resolve),
    );
    const onAbort = () => {
      leadership.abort();
      end(stopping.signal.aborted ? 'stopping' : 'lost');
    };
    const unlisten = () => {
      lease.lost.removeEventListener('abort', onAbort);
      stopping.signal.removeEventListener('abort', onAbort);
    };
    lease.lost.addEventListener('abort', onAbort, { once: true });
    stopping.signal.addEventListener('abort', onAbort, { once: true });
    if (lease.lost.aborted || stopping.signal.aborted) onAbort();

    // The checkpoint as this relay last stored it: each move is a compare-and-set from here.
    let stored: LogPosition | null;
    try {
      stored = await store.checkpoints.load(name);
    } catch (error) {
      unlisten();
      throw error;
    }
    status = { ...status, checkpoint: stored };
    log.info({ after: stored }, 'relay leading from checkpoint');

    const moveCheckpoint = async (to: LogPosition) => {
      // Stopping still stores the batch in hand; a lost lease does not (another relay may lead).
      if (lease.lost.aborted) throw new Halt('lease lost');
      try {
        await store.checkpoints.store(name, to, stored);
      } catch (error) {
        if (error instanceof CheckpointConflictError) {
          // Another relay under this name moved the checkpoint: this one is stale and steps aside.
          // With leases it stands by (it may lead again later, from the checkpoint as it then is);
          // without, nothing would keep two relays apart, so it stops.
          if (store.leases) {
            log.error(
              { err: error },
              'relay checkpoint moved by another relay: this one stands by',
            );
            setStatus({ state: 'standby', reason: 'another relay moved the checkpoint' });
          } else {
            log.error({ err: error }, 'relay checkpoint moved by another relay: stopping this one');
            setStatus({ state: 'stopped', reason: 'another relay moved the checkpoint' });
          }
          end('stale');
          throw new Halt('stale');
        }
        throw error;
      }
      stored = to;
      status = { ...status, checkpoint: to };
    };

    const park = async (all: readonly RecordedEvent[], item: Item, reason: string) => {
      // Everything before it is published: the checkpoint may move up to, never past, the event.
      const before = item.index > 0 ? all[item.index - 1]!.position : null;
      if (before !== null) await moveCheckpoint(before);
      const e = item.event;
      const parkedOn: ParkedOn = {
        eventId: e.id,
        streamId: e.streamId,
        streamRevision: e.streamRevision,
        type: e.type,
        position: e.position,
        topic: item.topic,
        bytes: item.bytes,
        reason,
      };
      log.error(
        { parkedOn },
        'relay parked: this event can never be published; nothing after it is published until the relay is restarted after a fix',
      );
      setStatus({ state: 'parked', parkedOn });
      end('parked');
      throw new Halt('parked');
    };

    const publishBatch = async (all: readonly RecordedEvent[]): Promise<void> => {
      const items: Item[] = [];
      all.forEach((event, index) => {
        if (options.include && !options.include(event)) return;
        const message = toMessage(event);
        // A traced event's message gains its traceparent header at publish: counted here already.
        const traceBytes = tracer && isTraced(event.traceparent) ? TRACEPARENT_HEADER_BYTES : 0;
        items.push({
          event,
          index,
          topic: topicOfEvent(event.type, options.topicPrefix),
          message,
          bytes: messageBytes(message) + traceBytes,
        });
      });
      const tooLarge = items.findIndex((i) => i.bytes > maxMessageBytes);
      const sendable = tooLarge === -1 ? items : items.slice(0, tooLarge);
      for (const chunk of chunkMessages(sendable, limits)) {
        const permanent = await publishRetrying(chunk, lease.lost, leading);
        if (!permanent) continue;
        if (chunk.length === 1) await park(all, chunk[0]!, permanent.reason);
        // Which message of the chunk the broker refused is not said: send them one by one to find it.
        for (const single of chunk) {
          const alone = await publishRetrying([single], lease.lost, leading);
          if (alone) await park(all, single, alone.reason);
        }
      }
      if (tooLarge !== -1) {
        const item = items[tooLarge]!;
        await park(
          all,
          item,
          `message of ${item.bytes} bytes is above maxMessageBytes (${maxMessageBytes})`,
        );
      }
    };

    const sub = store.subscribeToAll({
      after: stored,
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      ...(options.idleMs !== undefined ? { idleMs: options.idleMs } : {}),
      onEvents: async (events) => {
        await publishBatch(events);
        // Only now, with every message acknowledged, may the checkpoint move past these events.
        await moveCheckpoint(events.at(-1)!.position);
        log.debug({ to: stored, count: events.length }, 'batch published');
      },
      onError: (error) => {
        if (error instanceof Halt) return;
        // A failed read or checkpoint write: the subscription reads the same events again.
        log.warn({ err: error }, 'relay batch failed; it will be read and published again');
      },
    });
    subscription = sub;
    forwardWaiters();
    const why = await ended;
    unlisten();
    await sub.stop();
    subscription = null;
    return why;
  };

  const tryLead = async (): Promise<Lease | null> => {
    if (!store.leases) return soleLease(name);
    try {
      return await store.leases.tryAcquire(name);
    } catch (error) {
      log.warn({ err: error }, 'relay could not try for the lease; trying again');
      return null;
    }
  };

  const run = async (first: Lease | null): Promise<void> => {
    let lease = first;
    while (!stopping.signal.aborted) {
      if (!lease) {
        await sleep(standbyPollMs, undefined, { signal: stopping.signal }).catch(() => {});
        if (stopping.signal.aborted) break;
        lease = await tryLead();
        continue;
      }
      if (status.state !== 'leader') setStatus({ state: 'leader' });
      let why: Awaited<ReturnType<typeof lead>>;
      try {
        why = await lead(lease);
      } catch (error) {
        // The checkpoint could not be loaded: give the lease up and try again as a standby.
        log.warn({ err: error }, 'relay could not start leading; standing by');
        why = 'lost';
      }
      if (why === 'parked') {
        // Keeps the lease, so no other replica spins on the same event, until stop().
        settleWaiters();
        await new Promise<void>((resolve) => {
          if (stopping.signal.aborted) resolve();
          stopping.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        await lease.release();
        return;
      }
      await lease.release();
      if (why === 'stopping' || (why === 'stale' && !store.leases)) break;
      if (why === 'lost') {
        log.warn('relay lost its lease: it stops publishing and stands by');
        setStatus({ state: 'standby' });
      }
      lease = null;
    }
    if (status.state !== 'stopped') setStatus({ state: 'stopped' });
    settleWaiters();
  };

  const first = await tryLead();
  if (!first) log.info('another relay under this name leads: standing by');
  else setStatus({ state: 'leader' });
  const running = run(first);

  return {
    async stop() {
      stopping.abort();
      await running;
      if (status.state === 'parked')
        setStatus({ state: 'stopped', parkedOn: status.parkedOn!, reason: 'stopped while parked' });
      else if (status.state !== 'stopped') setStatus({ state: 'stopped' });
      settleWaiters();
      log.info('relay stopped');
    },
    caughtUp() {
      return new Promise((resolve) => {
        if (status.state === 'parked' || status.state === 'stopped')
          return resolve(status.checkpoint);
        caughtUpWaiters.push(resolve);
        forwardWaiters();
      });
    },
    status: () => status,
  };
}
