import type { Logger } from 'pino';
import { deadLetterTopic, EnvelopeValidationError, parseEnvelope, type Envelope } from '@fangyi/contracts';
import type { Consumer, IncomingMessage, MessageBus } from './port.ts';

/** Headers a dead-lettered message carries, beside the original message's own headers. */
export const DLQ_HEADERS = {
  reason: 'fangyi-dlq-reason',
  sourceTopic: 'fangyi-dlq-source-topic',
  sourcePartition: 'fangyi-dlq-source-partition',
  sourceOffset: 'fangyi-dlq-source-offset',
  failedAt: 'fangyi-dlq-failed-at',
  /** The consumer group that gave up on it: every consumer reading a topic dead-letters on its own. */
  group: 'fangyi-dlq-group',
} as const;

const MAX_REASON_LENGTH = 1000;

export interface ConsumeEnvelopesOptions {
  readonly bus: MessageBus;
  readonly topics: readonly string[];
  readonly groupId: string;
  /** Event types this consumer reads; others are acknowledged unvalidated and skipped. */
  readonly handles: readonly string[];
  readonly logger: Logger;
  readonly fromBeginning?: boolean;
  readonly clock?: () => Date;
  /** Called with each validated envelope of a handled type; a throw leaves the message for redelivery. */
  readonly onEnvelope: (envelope: Envelope, message: IncomingMessage) => Promise<void>;
}

type Poison = { readonly kind: 'invalid-json' | 'invalid-envelope'; readonly reason: string; readonly paths: readonly string[] };

/**
 * Consumes envelopes from the bus for projections and policies alike. Messages that can never be
 * handled (not JSON, or an envelope that fails validation) go to the topic's dead-letter topic with
 * the reason in headers, and consumption moves on. Anything the handler throws is rethrown, so the
 * bus redelivers the message instead of losing it.
 */
export async function consumeEnvelopes(options: ConsumeEnvelopesOptions): Promise<Consumer> {
  const { bus, groupId, handles } = options;
  const clock = options.clock ?? (() => new Date());
  const log = options.logger;

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
        },
      },
    ]);
    // The reason text may quote the payload (JSON.parse does), so the log gets the kind and field paths only.
    log.warn({ topic: message.topic, partition: message.partition, offset: message.offset, dlq, kind: poison.kind, paths: poison.paths }, 'poison message dead-lettered');
  };

  const handle = async (message: IncomingMessage): Promise<void> => {
    let raw: unknown;
    try {
      raw = JSON.parse(message.value);
    } catch (error) {
      return deadLetter(message, { kind: 'invalid-json', reason: `invalid JSON: ${errorMessage(error)}`, paths: [] });
    }
    // Types this consumer does not read are acknowledged unvalidated: a newer producer's event
    // types, unknown to this build, must not flood the dead-letter topic of every consumer.
    const type = typeOf(raw);
    if (type !== undefined && !handles.includes(type)) return;
    let envelope: Envelope;
    try {
      envelope = parseEnvelope(raw);
    } catch (error) {
      // Validation is pure: whatever it throws (an upcaster too) will throw again on redelivery.
      const paths = error instanceof EnvelopeValidationError ? error.issues.map((i) => i.path) : [];
      const detail = error instanceof EnvelopeValidationError ? error.issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ') : '';
      return deadLetter(message, { kind: 'invalid-envelope', reason: detail ? `${errorMessage(error)}: ${detail}` : errorMessage(error), paths });
    }
    await options.onEnvelope(envelope, message);
  };

  return bus.consume({ groupId, topics: options.topics, fromBeginning: options.fromBeginning ?? true, handle });
}

function typeOf(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const type = (raw as { type?: unknown }).type;
  return typeof type === 'string' ? type : undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
