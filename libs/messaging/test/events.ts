import { randomUUID } from 'node:crypto';
import { uuidv7, type Envelope, type NewEvent } from '@fangyi/contracts';
import type { RecordedEvent } from '@fangyi/eventstore';

const actor = { id: 'caller-7', role: 'caller' } as const;

function newEvent(
  type: string,
  data: unknown,
  causationId: string | null = null,
  schemaVersion = 1,
): NewEvent {
  return {
    id: uuidv7(),
    type,
    schemaVersion,
    occurredAt: '2026-02-01T08:30:00.000+08:00',
    actor,
    correlationId: randomUUID(),
    causationId,
    data,
  };
}

/** A home-quarantine case's first events, in the shapes of contracts/src/quarantine.ts. */
export function quarantineCase(caseId: string, checks = 2): NewEvent[] {
  const started = newEvent('quarantine.home-quarantine-started', {
    caseId,
    personId: `person-${caseId}`,
    personName: '张伟',
    community: 'hepingli',
    startDate: '2026-02-01',
    endDate: '2026-02-14',
    periodDays: 14,
    reason: 'close-contact',
    assignedCaller: 'caller-7',
  });
  const logged = Array.from({ length: checks }, (_, i) =>
    newEvent(
      'quarantine.symptom-check-logged',
      {
        caseId,
        checkId: `check-${caseId}-${i}`,
        date: '2026-02-01',
        slot: i % 2 === 0 ? 'am' : 'pm',
        temperatureC: i === 1 ? 38.1 : 36.6,
        symptoms: i === 1 ? ['cough'] : [],
        contactChannel: 'phone',
        measuredBy: { who: 'self', site: 'unknown' },
        abnormal: i === 1,
      },
      started.id,
      // Symptom checks are written as version 2 (a version-1 one would reach consumers upcast).
      2,
    ),
  );
  return [started, ...logged];
}

/** What a consumer must receive for a recorded event: the envelope without the store's position. */
export function envelopeOf(event: RecordedEvent): Record<string, unknown> {
  const { position: _position, ...envelope } = event;
  return envelope;
}

/** quarantineCase as the relay publishes it: whole envelopes of stream `quarantine-<caseId>`. */
export function recordedCase(caseId: string, checks = 2): Envelope[] {
  return quarantineCase(caseId, checks).map((event, i) => ({
    ...event,
    streamId: `quarantine-${caseId}`,
    streamRevision: i,
    recordedAt: '2026-02-01T00:31:00.000Z',
  }));
}
