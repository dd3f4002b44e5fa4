import type { Logger } from 'pino';
import {
  deadLetterTopic,
  EnvelopeValidationError,
  parseEnvelope,
  TraceparentSchema,
  type Envelope,
} from '@fangyi/contracts';
import type { Consumer, IncomingMessage, MessageBus, RetryBackoff } from './port.ts';

/** Headers a dead-lettered message carries, beside the original message's own headers. */
export const DLQ_HEADERS = {
  reason: 'fangyi-dlq-reason',
  sourceTopic: 'fangyi-dlq-source-topic',
  sourcePartition: 'fangyi-dlq-source-partition',
  sourceOffset: 'fangyi-dlq-source-offset',
  failedAt: 'fangyi-dlq-failed-at',
  /** Tries of the handler before it was set aside; absent when it never reached the handler (unreadable). */
  attempts: 'fangyi-dlq-attempts',
  /** The consumer group that gave up on it: every consumer reading a topic dead-letters on its own. */
  group: 'fangyi-dlq-group',
} as const;

const MAX_REASON_LENGTH = 1000;
export const DEFAULT_MAX_ATTEMPTS = 5;

export interface ConsumeEnvelopesOptions {
  readonly bus: MessageBus;
  readonly topics: readonly string[];
  readonly groupId: string;
  /** Event types this consumer reads; others are acknowledged unvalidated and skipped. */
  readonly handles: readonly string[];
  readonly logger: Logger;
  readonly fromBeginning?: boolean;
  readonly clock?: () => Date;
  /**
   * Tries of onEnvelope for one message before it is dead-lettered (default 5), with the back-off
   * of `retry` between them (default: first wait 200 ms, doubling, at most 5 s).
   */
  readonly maxAttempts?: number;
  readonly retry?: RetryBackoff;
  /**
   * Called with each validated envelope of a handled type. A throw hands the same message over
   * again after a back-off; after maxAttempts throws it goes to the dead-letter topic.
   */
  readonly onEnvelope: (envelope: Envelope, message: IncomingMessage) => Promise<void>;
  /**
   * Where given, the valid envelopes of handled types of one fetch of one partition are handed
   * over together (unreadable ones are dead-lettered first, as one by one). If it throws, the
   * same messages go one by one through onEnvelope, with its retries and dead letters.
   */
  readonly onEnvelopes?: (envelopes: readonly Envelope[]) => Promise<void>;
}

type Poison = {
  readonly kind: 'invalid-json' | 'invalid-envelope' | 'handler-failed';
  readonly reason: string;
  readonly paths: readonly string[];
  /** Tries of the handler, for a message that reached it. */
  readonly attempts?: number;
};

/**
 * Consumes envelopes from the bus for projections and policies alike. Messages that can never be
 * handled (not JSON, or an envelope that fails validation) go to the topic's dead-letter topic at
 * once, with the reason in headers, and consumption moves on. A handler that throws gets the same
 * message again with a growing back-off, and after maxAttempts tries the message is dead-lettered
 * too: one bug cannot freeze a partition. Only if the dead-letter topic cannot be written either
 * does the message stay in place (retried), so nothing is ever dropped.
 * Creates the topics and their dead-letter topics first if they are missing.
 */
export async function consumeEnvelopes(options: ConsumeEnvelopesOptions): Promise<Consumer> {
  const { bus, groupId, handles } = options;
  const clock = options.clock ?? (() => new Date());
  const log = options.logger;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
    throw new RangeError(`maxAttempts must be a whole number ≥ 1, got ${maxAttempts}`);
  let deadLettered = 0;

  const deadLetter = async (message: IncomingMessage, poison: Poison): Promise<void> => {
    const dlq = deadLetterTopic(message.topic);
    await bus.publish(dlq, [
      {
        key: message.key ?? '',
        value: message.value,
        headers: {
          ...message.headers,
          [DLQ_HEADERS.reason]: poison.reason.slice(0, MAX_REASON_LENGTH),
          [DLQ_HEADERS.sourceTopic]: message.topic,
          [DLQ_HEADERS.sourcePartition]: String(message.partition),
          [DLQ_HEADERS.sourceOffset]: message.offset,
          [DLQ_HEADERS.failedAt]: clock().toISOString(),
          [DLQ_HEADERS.group]: groupId,
          ...(poison.attempts === undefined
            ? {}
            : { [DLQ_HEADERS.attempts]: String(poison.attempts) }),
        },
      },
    ]);
    deadLettered++;
    // The reason text may quote the payload (JSON.parse does), so the log gets the kind and field paths only.
    const where = {
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      dlq,
      kind: poison.kind,
    };
    if (poison.kind === 'handler-failed')
      log.error(
        { ...where, attempts: poison.attempts, err: poison.reason },
        'handler kept failing: message dead-lettered',
      );
    else log.warn({ ...where, paths: poison.paths }, 'poison message dead-lettered');
  };

  const handle = async (message: IncomingMessage, delivery: { attempt: number }): Promise<void> => {
    let raw: unknown;
    try {
      raw = JSON.parse(message.value);
    } catch (error) {
      return deadLetter(message, {
        kind: 'invalid-json',
        reason: `invalid JSON: ${errorMessage(error)}`,
        paths: [],
      });
    }
    // Types this consumer does not read are acknowledged unvalidated: a newer producer's event
    // types, unknown to this build, must not flood the dead-letter topic of every consumer.
    const type = typeOf(raw);
    if (type !== undefined && !handles.includes(type)) return;
    let envelope: Envelope;
    try {
      envelope = withTrace(parseEnvelope(raw), message);
    } catch (error) {
      // Validation is pure: whatever it throws (an upcaster too) will throw again on redelivery.
      const paths = error instanceof EnvelopeValidationError ? error.issues.map((i) => i.path) : [];
      const detail =
        error instanceof EnvelopeValidationError
          ? error.issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')
          : '';
      return deadLetter(message, {
        kind: 'invalid-envelope',
        reason: detail ? `${errorMessage(error)}: ${detail}` : errorMessage(error),
        paths,
      });
    }
    try {
      await options.onEnvelope(envelope, message);
    } catch (error) {
      if (delivery.attempt < maxAttempts) throw error;
      // A dead-letter publish that fails throws too: the bus retries, and the handler gets another go.
      return deadLetter(message, {
        kind: 'handler-failed',
        reason: `handler failed: ${errorMessage(error)}`,
        paths: [],
        attempts: delivery.attempt,
      });
    }
  };

  const onEnvelopes = options.onEnvelopes;
  const handleBatch = onEnvelopes
    ? async (messages: readonly IncomingMessage[]): Promise<void> => {
        const envelopes: Envelope[] = [];
        for (const message of messages) {
          let raw: unknown;
          try {
            raw = JSON.parse(message.value);
          } catch {
            await handle(message, { attempt: 1 });
            continue;
          }
          const type = typeOf(raw);
          if (type !== undefined && !handles.includes(type)) continue;
          try {
            envelopes.push(withTrace(parseEnvelope(raw), message));
          } catch {
            // Dead-lettered with its reason, as one by one.
            await handle(message, { attempt: 1 });
          }
        }
        if (envelopes.length > 0) await onEnvelopes(envelopes);
      }
    : undefined;

  // A consumer that could not write its dead letters would be stuck on the first poison message.
  await bus.ensureTopics(options.topics);
  const consumer = await bus.consume({
    groupId,
    topics: options.topics,
    fromBeginning: options.fromBeginning ?? true,
    handle,
    ...(handleBatch ? { handleBatch } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
  });
  return {
    stop: () => consumer.stop(),
    status: () => ({ ...consumer.status(), deadLettered }),
  };
}

/**
 * The envelope as its consumer continues it: the relay's publish span (the message's traceparent
 * header) is its trace parent, in place of the append's; a message without one keeps the envelope's.
 */
function withTrace(envelope: Envelope, message: IncomingMessage): Envelope {
  const header = message.headers.traceparent;
  return header && TraceparentSchema.safeParse(header).success
    ? { ...envelope, traceparent: header }
    : envelope;
}

function typeOf(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const type = (raw as { type?: unknown }).type;
  return typeof type === 'string' ? type : undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
