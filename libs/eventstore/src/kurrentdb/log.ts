import { streamNameFilter, type RegexFilter, type StreamMetadata } from '@kurrent/kurrentdb-client';

/**
 * Checkpoints are ordinary streams, `fangyiCheckpoint-<name>`, one event per move: not `$`-prefixed,
 * since system streams are the server's (and need an admin to write), and named like every other
 * stream (`{type}-{id}`). The log's readers leave them out (see {@link isFangyiEvent}).
 */
export const CHECKPOINT_STREAM_PREFIX = 'fangyiCheckpoint-';
export const CHECKPOINT_EVENT_TYPE = 'fangyi.checkpoint-moved';

export function checkpointStream(name: string): string {
  return `${CHECKPOINT_STREAM_PREFIX}${name}`;
}

/** Where checkpoints were kept before (a system stream); read once when the new stream is empty. */
export function legacyCheckpointStream(name: string): string {
  return `$fangyi-checkpoint-${name}`;
}

/**
 * The checkpoint stream's metadata: only its last event is kept, so a relay that moves its
 * checkpoint after every batch does not grow a stream for ever (older moves go at the next scavenge
 * and are never read again: a read from the end sees the last one).
 */
export const CHECKPOINT_STREAM_METADATA: StreamMetadata = { maxCount: 1 };

/**
 * The events of `$all` that are Fangyi's: not the server's (`$`-streams: `$`-prefixed projections,
 * `$$` metadata streams, `$`-typed events such as `$metadata` or links) and not checkpoints.
 */
export function isFangyiEvent(e: { readonly streamId: string; readonly type: string }): boolean {
  return (
    !e.streamId.startsWith('$') &&
    !e.type.startsWith('$') &&
    !e.streamId.startsWith(CHECKPOINT_STREAM_PREFIX)
  );
}

/**
 * The same choice as a regular expression on the stream name, for the server to apply to a
 * subscription to `$all` (.NET regular expressions, whose lookahead JavaScript shares): the server
 * then sends only our streams, and a checkpoint message every so often while it skips the rest.
 */
export const FANGYI_STREAMS_REGEX = `^(?!\\$|${CHECKPOINT_STREAM_PREFIX})`;

export function fangyiStreamsFilter(): RegexFilter {
  return streamNameFilter({ regex: FANGYI_STREAMS_REGEX });
}
