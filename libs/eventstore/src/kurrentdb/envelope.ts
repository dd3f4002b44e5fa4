import {
  jsonEvent,
  type EventData,
  type JSONType,
  type RecordedEvent as KurrentRecordedEvent,
} from '@kurrent/kurrentdb-client';
import type { Actor, NewEvent } from '@fangyi/contracts';
import type { RecordedEvent } from '../port.ts';
import { encodePosition } from './positions.ts';

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

/** The event as the server keeps it: our id and type, the data as its data, the rest of the envelope as metadata. */
export function toEventData(e: NewEvent, recordedAt: string): EventData {
  const metadata: EnvelopeMetadata = {
    schemaVersion: e.schemaVersion,
    occurredAt: e.occurredAt,
    recordedAt,
    actor: e.actor,
    correlationId: e.correlationId,
    causationId: e.causationId,
    ...(e.traceparent ? { traceparent: e.traceparent } : {}),
  };
  return jsonEvent({
    id: e.id,
    type: e.type,
    data: e.data as JSONType,
    metadata: metadata as unknown as JSONType,
  });
}

/** The envelope back from a recorded event, with its place in `$all`. */
export function toRecorded(e: KurrentRecordedEvent): RecordedEvent {
  const position = e.position;
  // The server gives each event its $all position (KurrentDB 22.6 and later).
  if (!e.isJson || !position)
    throw new Error(`event ${e.id} in ${e.streamId} is not a Fangyi event`);
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
    position: encodePosition(position),
  };
}
