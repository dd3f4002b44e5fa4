import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  jsonEvent,
  type AppendExpectedRevision,
  type JSONType,
  type Position,
  type RecordedEvent as EsdbRecordedEvent,
} from '@eventstore/db-client';
import type { Actor, NewEvent } from '@fangyi/contracts';
import { catchUpSubscription } from './catchUp.ts';
import { scanFiltered } from './filter.ts';
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

export interface EventStoreDbEventStoreOptions {
  /** e.g. `esdb://localhost:2113?tls=false` (KurrentDB accepts the same). */
  readonly connectionString: string;
  readonly clock?: Clock;
}

/** Everything in the envelope but data travels in the event's metadata. */
interface EnvelopeMetadata {
  schemaVersion: number;
  occurredAt: string;
  recordedAt: string;
  actor: Actor;
  correlationId: string;
  causationId: string | null;
  traceparent?: string;
}

const CHECKPOINT_STREAM = (name: string) => `$fangyi-checkpoint-${name}`;
const CHECKPOINT_TYPE = '$fangyi-checkpoint';

function encodePosition(p: Position): LogPosition {
  return `${p.commit}:${p.prepare}`;
}

function decodePosition(position: LogPosition): Position {
  const m = /^(\d+):(\d+)$/.exec(position);
  if (!m) throw new Error(`not an EventStoreDB event store position: ${JSON.stringify(position)}`);
  return { commit: BigInt(m[1]!), prepare: BigInt(m[2]!) };
}

function toExpected(expected: ExpectedRevision): AppendExpectedRevision {
  return expected === 'no-stream' ? NO_STREAM : expected === 'any' ? ANY : BigInt(expected);
}

function isSystem(e: EsdbRecordedEvent): boolean {
  return e.type.startsWith('$') || e.streamId.startsWith('$');
}

function toRecorded(e: EsdbRecordedEvent): RecordedEvent {
  if (!e.isJson || !e.position) throw new Error(`event ${e.id} in ${e.streamId} is not a Fangyi event`);
  const m = e.metadata as unknown as EnvelopeMetadata;
  return {
    id: e.id,
    type: e.type,
    schemaVersion: m.schemaVersion,
    streamId: e.streamId,
    streamRevision: Number(e.revision),
    occurredAt: m.occurredAt,
    recordedAt: m.recordedAt,
    actor: m.actor,
    correlationId: m.correlationId,
    causationId: m.causationId,
    data: e.data,
    ...(m.traceparent ? { traceparent: m.traceparent } : {}),
    position: encodePosition(e.position),
  };
}

/**
 * The event store on EventStoreDB / KurrentDB: streams, optimistic concurrency and the $all log are
 * native; the server writes in one log, so $all positions are commit order already.
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;
  private readonly clock: Clock;

  constructor(options: EventStoreDbEventStoreOptions) {
    this.client = EventStoreDBClient.connectionString(options.connectionString);
    this.clock = options.clock ?? (() => new Date());
  }

  async append(streamId: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    const recordedAt = this.clock().toISOString();
    const data = events.map((e) => {
      const metadata: EnvelopeMetadata = {
        schemaVersion: e.schemaVersion,
        occurredAt: e.occurredAt,
        recordedAt,
        actor: e.actor,
        correlationId: e.correlationId,
        causationId: e.causationId,
        ...(e.traceparent ? { traceparent: e.traceparent } : {}),
      };
      return jsonEvent({ id: e.id, type: e.type, data: e.data as JSONType, metadata: metadata as unknown as JSONType });
    });
    try {
      const result = await this.client.appendToStream(streamId, data, { expectedRevision: toExpected(options.expectedRevision) });
      if (!result.position) throw new Error(`EventStoreDB returned no position for the append to ${streamId}`);
      return { nextExpectedRevision: Number(result.nextExpectedRevision), position: encodePosition(result.position) };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        const actual = error.actualVersion === NO_STREAM ? 'no-stream' : Number(error.actualVersion);
        throw new WrongExpectedRevisionError(streamId, options.expectedRevision, actual);
      }
      throw error;
    }
  }

  async readStream(streamId: string, options?: { fromRevision?: number }): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    try {
      const from = options?.fromRevision ? BigInt(options.fromRevision) : START;
      for await (const resolved of this.client.readStream(streamId, { fromRevision: from, direction: FORWARDS })) {
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
    // $all holds system events too; keep reading pages until `limit` of ours or the end, so a short
    // page still means "caught up" to the catch-up loop.
    for (;;) {
      const page = Math.max(limit, 100) + 1;
      let read = 0;
      let last: Position | null = null;
      for await (const resolved of this.client.readAll({ fromPosition: from ?? START, maxCount: page, direction: FORWARDS })) {
        read++;
        const e = resolved.event;
        if (!e) continue;
        // fromPosition is inclusive: the event at `after` was handed out already.
        if (from && e.position.commit === from.commit && e.position.prepare === from.prepare) continue;
        last = e.position;
        if (isSystem(e)) continue;
        out.push(toRecorded(e));
        if (out.length === limit) return out;
      }
      if (read < page || !last) return out;
      from = last;
    }
  }

  /** EventStoreDB has no query over event data: the log is scanned page by page (see filter.ts). */
  readFiltered(options: ReadFilteredOptions): Promise<RecordedEvent[]> {
    return scanFiltered((o) => this.readAll(o), (id) => this.readStream(id), options.filter, options);
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    return catchUpSubscription((after, limit) => this.readAll({ after, limit }), options);
  }

  /** The checkpoint's last event: its position and the stream revision to append after. */
  private async lastCheckpoint(name: string): Promise<{ position: LogPosition; revision: bigint } | null> {
    try {
      for await (const resolved of this.client.readStream(CHECKPOINT_STREAM(name), { fromRevision: END, direction: BACKWARDS, maxCount: 1 })) {
        const data = resolved.event?.data as { position?: unknown } | undefined;
        if (typeof data?.position === 'string' && resolved.event) return { position: data.position, revision: resolved.event.revision };
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return null;
      throw error;
    }
    return null;
  }

  readonly checkpoints: CheckpointStore = {
    load: async (name) => (await this.lastCheckpoint(name))?.position ?? null,
    store: async (name, position, expected) => {
      checkForward(name, position, expected, (a, b) => {
        const pa = decodePosition(a);
        const pb = decodePosition(b);
        return pa.commit !== pb.commit ? (pa.commit < pb.commit ? -1 : 1) : pa.prepare === pb.prepare ? 0 : pa.prepare < pb.prepare ? -1 : 1;
      });
      const last = await this.lastCheckpoint(name);
      if ((last?.position ?? null) !== expected) throw new CheckpointConflictError(name, expected, last?.position ?? null);
      try {
        // The stream revision read above makes the append a compare-and-set: a writer in between wins.
        await this.client.appendToStream(CHECKPOINT_STREAM(name), jsonEvent({ type: CHECKPOINT_TYPE, data: { position } }), {
          expectedRevision: last ? last.revision : NO_STREAM,
        });
      } catch (error) {
        if (error instanceof WrongExpectedVersionError) throw new CheckpointConflictError(name, expected, await this.checkpoints.load(name));
        throw error;
      }
    },
  };

  async close(): Promise<void> {
    await this.client.dispose();
  }
}
