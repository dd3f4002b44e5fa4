import type { JSONRecordedEvent } from '@kurrent/kurrentdb-client';
import { describe, expect, it } from 'vitest';
import { toEventData, toRecorded } from '../src/kurrentdb/envelope.ts';
import { event } from './contract.ts';

/** What the server hands back for an event written as `data`: its fields, a revision and a place in $all. */
function recorded(
  data: ReturnType<typeof toEventData>,
  streamId: string,
  revision: bigint,
  position = { commit: 1200n, prepare: 1100n },
): JSONRecordedEvent {
  if (data.contentType !== 'application/json') throw new Error('written as JSON');
  return {
    streamId,
    id: data.id,
    isJson: true,
    revision,
    type: data.type,
    created: new Date(),
    data: data.data,
    metadata: data.metadata,
    position,
  } as JSONRecordedEvent;
}

describe('the envelope on KurrentDB', () => {
  it('writes our id, type and data, the rest of the envelope as metadata, and reads back every field', () => {
    const e = {
      ...event('quarantine.symptom-check-logged', {
        caseId: 'c-1',
        slot: 'am',
        temperatureC: 36.6,
      }),
      causationId: 'cause-1',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    };
    const written = toEventData(e, '2026-02-01T00:31:00.000Z');
    expect(written).toMatchObject({
      id: e.id,
      type: e.type,
      contentType: 'application/json',
      data: e.data,
    });
    expect(written.metadata).toEqual({
      schemaVersion: 1,
      occurredAt: e.occurredAt,
      recordedAt: '2026-02-01T00:31:00.000Z',
      actor: e.actor,
      correlationId: e.correlationId,
      causationId: 'cause-1',
      traceparent: e.traceparent,
    });
    expect(toRecorded(recorded(written, 'homeQuarantine-c-1', 3n))).toEqual({
      ...e,
      streamId: 'homeQuarantine-c-1',
      streamRevision: 3,
      recordedAt: '2026-02-01T00:31:00.000Z',
      position: '1200:1100',
    });
  });

  it('leaves traceparent out where the event had none, and refuses an event with no place in $all', () => {
    const e = event();
    const written = toEventData(e, '2026-02-01T00:31:00.000Z');
    expect(written.metadata).not.toHaveProperty('traceparent');
    expect(toRecorded(recorded(written, 'test-1', 0n))).not.toHaveProperty('traceparent');
    const noPosition = { ...recorded(written, 'test-1', 0n), position: undefined };
    expect(() => toRecorded(noPosition)).toThrow(/not a Fangyi event/);
  });
});
