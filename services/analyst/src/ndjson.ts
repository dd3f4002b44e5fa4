import type { Envelope } from '@fangyi/contracts';

/**
 * One line of an export: the envelope exactly as stored (its recorded schemaVersion, not upcast),
 * so that an import into a fresh store gives back the same history, old versions included.
 * The log position is the source store's and is left out: a fresh store numbers its own.
 */
export function toNdjsonLine(event: Envelope): string {
  const line: Envelope = {
    id: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    streamId: event.streamId,
    streamRevision: event.streamRevision,
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
    actor: event.actor,
    correlationId: event.correlationId,
    causationId: event.causationId,
    data: event.data,
  };
  return `${JSON.stringify(line)}\n`;
}
