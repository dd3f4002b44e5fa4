import type { OutgoingMessage } from './port.ts';

/** What a message weighs on the wire, near enough: key, value and headers in UTF-8. */
export function messageBytes(message: OutgoingMessage): number {
  let bytes = Buffer.byteLength(message.key) + Buffer.byteLength(message.value);
  for (const [k, v] of Object.entries(message.headers ?? {}))
    bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
  return bytes;
}

export interface PublishLimits {
  readonly maxMessages: number;
  readonly maxBytes: number;
}

/**
 * Cuts messages, in order, into pieces of at most `maxMessages` and `maxBytes` each; a message
 * heavier than `maxBytes` on its own goes alone (the caller refuses the ones above its own limit).
 */
export function chunkMessages<T extends { readonly bytes: number }>(
  items: readonly T[],
  limits: PublishLimits,
): T[][] {
  if (limits.maxMessages < 1 || limits.maxBytes < 1)
    throw new RangeError('publish limits must be at least 1');
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (
      current.length > 0 &&
      (current.length >= limits.maxMessages || bytes + item.bytes > limits.maxBytes)
    ) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export interface PermanentPublishError {
  readonly reason: string;
}

/**
 * Broker answers that no retry can change: the message or batch itself is refused. Anything else
 * (an unreachable broker, a leader election, the client giving up after its retries) is transient
 * for the relay, which retries the batch.
 */
const PERMANENT_KAFKA_ANSWERS = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'INVALID_TOPIC_EXCEPTION',
]);

/** The permanent cause of a failed publish, if any: looks through the client's wrappers (`errors` of a MultipleErrors, `cause`). */
export function permanentPublishError(error: unknown): PermanentPublishError | null {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const e = queue.shift();
    if (typeof e !== 'object' || e === null || seen.has(e)) continue;
    seen.add(e);
    const { apiId, canRetry, message, cause, errors } = e as {
      apiId?: unknown;
      canRetry?: unknown;
      message?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (typeof apiId === 'string' && PERMANENT_KAFKA_ANSWERS.has(apiId) && canRetry !== true) {
      return {
        reason: `${apiId}: ${typeof message === 'string' ? message : 'refused by the broker'}`,
      };
    }
    queue.push(cause, ...(Array.isArray(errors) ? errors : []));
  }
  return null;
}
