import {
  ANY,
  BACKWARDS,
  END,
  FORWARDS,
  KurrentDBClient,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AppendStreamState,
  type Position,
} from '@kurrent/kurrentdb-client';
import type { NewEvent } from '@fangyi/contracts';
import { scanFiltered } from './filter.ts';
import {
  CHECKPOINT_EVENT_TYPE,
  CHECKPOINT_STREAM_METADATA,
  checkpointStream,
  fangyiStreamsFilter,
  isFangyiEvent,
  legacyCheckpointStream,
} from './kurrentdb/log.ts';
import { liveSubscription } from './kurrentdb/live.ts';
import { toEventData, toRecorded } from './kurrentdb/envelope.ts';
import { comparePositions, decodePosition, encodePosition } from './kurrentdb/positions.ts';
import { clientConnectionString } from './kurrentdb/url.ts';
import {
  CheckpointConflictError,
  WrongExpectedRevisionError,
  checkForward,
  type AppendResult,
  type CheckpointStore,
  type Clock,
  type EventStore,
  type ExpectedRevision,
  type LogPosition,
  type ReadAllOptions,
  type ReadFilteredOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from './port.ts';

export interface KurrentDbEventStoreOptions {
  /** `kurrentdb://localhost:2113?tls=false`; `kurrent://` and `esdb://` are read the same. */
  readonly connectionString: string;
  readonly clock?: Clock;
}

function toStreamState(expected: ExpectedRevision): AppendStreamState {
  return expected === 'no-stream' ? NO_STREAM : expected === 'any' ? ANY : BigInt(expected);
}

/** Ours, or null for the server's events and checkpoints that a read of `$all` also returns. */
function ours(resolved: AllStreamResolvedEvent): RecordedEvent | null {
  const e = resolved.event;
  return e && isFangyiEvent(e) ? toRecorded(e) : null;
}

/**
 * The event store on KurrentDB (formerly EventStoreDB): streams, optimistic concurrency and the
 * `$all` log are native; the server writes in one log, so `$all` positions are commit order
 * already. Subscriptions are the server's own (pushed, filtered on the server); checkpoints are
 * ordinary streams that keep only their last event.
 */
export class KurrentDbEventStore implements EventStore {
  private readonly client: KurrentDBClient;
  private readonly clock: Clock;

  constructor(options: KurrentDbEventStoreOptions) {
    this.client = KurrentDBClient.connectionString(
      clientConnectionString(options.connectionString),
    );
    this.clock = options.clock ?? (() => new Date());
  }

  async append(
    streamId: string,
    events: readonly NewEvent[],
    options: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    const recordedAt = this.clock().toISOString();
    const data = events.map((e) => toEventData(e, recordedAt));
    try {
      const result = await this.client.appendToStream(streamId, data, {
        streamState: toStreamState(options.expectedRevision),
      });
      if (!result.position)
        throw new Error(`KurrentDB returned no position for the append to ${streamId}`);
      return {
        nextExpectedRevision: Number(result.nextExpectedRevision),
        position: encodePosition(result.position),
      };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        const actual = error.actualState === NO_STREAM ? 'no-stream' : Number(error.actualState);
        throw new WrongExpectedRevisionError(streamId, options.expectedRevision, actual);
      }
      throw error;
    }
  }

  async readStream(
    streamId: string,
    options?: { fromRevision?: number },
  ): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    try {
      const from = options?.fromRevision ? BigInt(options.fromRevision) : START;
      for await (const resolved of this.client.readStream(streamId, {
        fromRevision: from,
        direction: FORWARDS,
      })) {
        if (resolved.event) out.push(toRecorded(resolved.event));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return out;
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    const limit = options?.limit ?? 1000;
    const out: RecordedEvent[] = [];
    let from = options?.after ? decodePosition(options.after) : null;
    // $all holds system events and checkpoints too; keep reading pages until `limit` of ours or
    // the end, so a short page still means "the end" to callers.
    for (;;) {
      const page = Math.max(limit, 100) + 1;
      let read = 0;
      let last: Position | null = null;
      for await (const resolved of this.client.readAll({
        fromPosition: from ?? START,
        maxCount: page,
        direction: FORWARDS,
      })) {
        read++;
        const e = resolved.event;
        if (!e) continue;
        // fromPosition is inclusive: the event at `after` was handed out already.
        if (from && e.position.commit === from.commit && e.position.prepare === from.prepare)
          continue;
        last = e.position;
        const mine = ours(resolved);
        if (!mine) continue;
        out.push(mine);
        if (out.length === limit) return out;
      }
      if (read < page || !last) return out;
      from = last;
    }
  }

  /** KurrentDB has no query over event data: the log is scanned page by page (see filter.ts). */
  readFiltered(options: ReadFilteredOptions): Promise<RecordedEvent[]> {
    return scanFiltered(
      (o) => this.readAll(o),
      (id) => this.readStream(id),
      options.filter,
      options,
    );
  }

  /** The server's subscription to `$all`, filtered by stream name on the server (src/kurrentdb/live.ts). */
  subscribeToAll(options: SubscribeOptions): Subscription {
    const batchSize = options.batchSize ?? 500;
    return liveSubscription<AllStreamResolvedEvent>(
      {
        open: (after) => {
          const events = this.client.subscribeToAll(
            { fromPosition: after ? decodePosition(after) : START, filter: fangyiStreamsFilter() },
            { highWaterMark: batchSize },
          );
          return { events, close: () => events.unsubscribe() };
        },
        convert: ours,
        lastPosition: () => this.lastPosition(),
        compare: comparePositions,
      },
      options,
    );
  }

  /** The position of the last of our events in `$all`, read backwards with the subscription's filter. */
  private async lastPosition(): Promise<LogPosition | null> {
    for await (const resolved of this.client.readAll({
      fromPosition: END,
      direction: BACKWARDS,
      maxCount: 100,
      filter: fangyiStreamsFilter(),
    })) {
      const mine = ours(resolved);
      if (mine) return mine.position;
    }
    return null;
  }

  /** The stream's last event: the checkpoint's position and the revision to append after. */
  private async lastOf(
    stream: string,
  ): Promise<{ position: LogPosition; revision: bigint } | null> {
    try {
      for await (const resolved of this.client.readStream(stream, {
        fromRevision: END,
        direction: BACKWARDS,
        maxCount: 1,
      })) {
        const data = resolved.event?.data as { position?: unknown } | undefined;
        if (typeof data?.position === 'string' && resolved.event)
          return { position: data.position, revision: resolved.event.revision };
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return null;
      throw error;
    }
    return null;
  }

  /**
   * The checkpoint as stored: its stream's last event (`revision` null when the stream has none
   * yet, then the position may come from the system stream checkpoints were kept in before).
   */
  private async lastCheckpoint(
    name: string,
  ): Promise<{ position: LogPosition | null; revision: bigint | null }> {
    const last = await this.lastOf(checkpointStream(name));
    if (last) return last;
    return {
      position: (await this.lastOf(legacyCheckpointStream(name)))?.position ?? null,
      revision: null,
    };
  }

  readonly checkpoints: CheckpointStore = {
    load: async (name) => (await this.lastCheckpoint(name)).position,
    store: async (name, position, expected) => {
      checkForward(name, position, expected, comparePositions);
      const last = await this.lastCheckpoint(name);
      if (last.position !== expected)
        throw new CheckpointConflictError(name, expected, last.position);
      const stream = checkpointStream(name);
      // Set before the first move (and again if a crash came in between): the stream keeps one event.
      if (last.revision === null)
        await this.client.setStreamMetadata(stream, CHECKPOINT_STREAM_METADATA);
      try {
        // The stream revision read above makes the append a compare-and-set: a writer in between wins.
        await this.client.appendToStream(
          stream,
          jsonEvent({ type: CHECKPOINT_EVENT_TYPE, data: { position } }),
          {
            streamState: last.revision ?? NO_STREAM,
          },
        );
      } catch (error) {
        if (error instanceof WrongExpectedVersionError)
          throw new CheckpointConflictError(name, expected, await this.checkpoints.load(name));
        throw error;
      }
    },
  };

  async close(): Promise<void> {
    await this.client.dispose();
  }
}
