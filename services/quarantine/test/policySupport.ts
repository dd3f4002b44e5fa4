import { uuidv7, type Envelope } from '@fangyi/contracts';
import { toMessage, type MessageBus } from '@fangyi/messaging';
import type { RecordedEvent } from '@fangyi/eventstore';

/** An envelope as another context's relay would publish it. */
export function foreignEnvelope(
  type: string,
  streamId: string,
  data: unknown,
  occurredAt = '2020-01-29T01:00:00.000Z',
): Envelope {
  return {
    id: uuidv7(),
    type,
    schemaVersion: 1,
    streamId,
    streamRevision: 0,
    occurredAt,
    recordedAt: occurredAt,
    actor: { id: 'registrar-moujia', role: 'registrar' },
    correlationId: `corr-${streamId}`,
    causationId: null,
    data,
  };
}

/**
 * A sentinel shares the stream id (hence the Kafka key and partition) of the envelopes before it:
 * once its effect shows, everything published before it on that key has been handled.
 */
export function arrival(
  o: {
    personId?: string;
    community?: string;
    originProvince?: string;
    originCity?: string;
    arrivedOn?: string;
    streamId?: string;
  } = {},
): Envelope {
  const personId = o.personId ?? `p-${uuidv7()}`;
  return foreignEnvelope('residents.person-arrived', o.streamId ?? `person-${personId}`, {
    personId,
    personName: '张伟',
    householdId: 'h-moujia-1',
    community: o.community ?? 'moujia',
    originProvince: o.originProvince ?? '湖北省',
    originCity: o.originCity ?? '武汉市',
    arrivedOn: o.arrivedOn ?? '2020-01-28',
  });
}

export function breach(
  personId: string,
  o: { caseId?: string; breachId?: string; streamId?: string } = {},
): Envelope {
  const crossingId = uuidv7();
  return foreignEnvelope(
    'checkpoints.quarantine-breach-recorded',
    o.streamId ?? `crossing-${crossingId}`,
    {
      breachId: o.breachId ?? uuidv7(),
      checkpointId: 'zhangcun-east',
      crossingId,
      personId,
      ...(o.caseId ? { caseId: o.caseId } : {}),
      direction: 'exit',
      at: '2020-01-29T02:15:00.000Z',
    },
  );
}

/** Publishes envelopes in order to a topic, as a relay does (key = stream id). */
export async function publish(
  bus: MessageBus,
  topic: string,
  envelopes: readonly Envelope[],
): Promise<void> {
  await bus.publish(
    topic,
    envelopes.map((e) => toMessage({ ...e, position: '0' } as RecordedEvent)),
  );
}

export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
