import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { parseEnvelope, topicFor, uuidv7, type Envelope } from '@fangyi/contracts';
import { SqliteEventStore } from '@fangyi/eventstore';
import { InProcessMessageBus, type MessageBus } from '@fangyi/messaging';
import { KafkaMessageBus } from '@fangyi/messaging/kafka';
import { InMemoryProjectionStore } from '@fangyi/projections';
import {
  TEST_AUTH_SECRET,
  TEST_NAMING_KEY,
  authHeader,
  requireInfra,
  testUser,
  testVault,
} from '@fangyi/testkit';
import { busSource } from '@fangyi/processors';
import { registerPerson } from './residents.ts';
import {
  UNDER_QUARANTINE_COLLECTION,
  buildCheckpointsApp,
  crossingStreamId,
  startCheckpointList,
  startCheckpointsProjections,
  startResidentsDirectory,
  type UnderQuarantineDoc,
} from '../src/index.ts';

const logger = pino({ level: 'silent' });
const OPENED = new Date('2020-01-28T22:00:00+08:00');
const NOON = new Date('2020-01-29T12:00:00+08:00');

/** Envelopes as the quarantine service's relay publishes them, checked against the contracts. */
function quarantineEnvelope(
  caseStream: string,
  revision: number,
  type: string,
  data: unknown,
): Envelope {
  return parseEnvelope({
    id: uuidv7(),
    type,
    schemaVersion: 1,
    streamId: caseStream,
    streamRevision: revision,
    occurredAt: '2020-01-28T02:00:00.000Z',
    recordedAt: '2020-01-28T02:00:00.000Z',
    actor: { id: 'registrar-1', role: 'registrar' },
    correlationId: `corr-${caseStream}`,
    causationId: null,
    data,
  });
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/**
 * The whole path: quarantine.home-quarantine-started arrives (twice) on the quarantine topic, the
 * "people under quarantine" read model marks the person once, an entry by them records a breach;
 * after quarantine.home-quarantine-ended, the same person's entry records none.
 */
async function breachFlow(bus: MessageBus, prefix: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fangyi-cpq-'));
  let now = OPENED;
  const eventStore = new SqliteEventStore({ path: join(dir, 'events.db'), clock: () => now });
  const store = new InMemoryProjectionStore();
  const projections = await startCheckpointsProjections({
    source: busSource({ bus, topicPrefix: prefix }),
    store,
    logger,
  });
  const checkpointList = await startCheckpointList({ eventStore, logger });
  const residents = await startResidentsDirectory({ eventStore, logger });
  const app = buildCheckpointsApp({
    eventStore,
    clock: () => now,
    newId: () => uuidv7(),
    timeZone: 'Asia/Shanghai',
    projectionStore: store,
    checkpointList,
    residents,
    logger,
    authSecret: TEST_AUTH_SECRET,
    vault: testVault().vault,
    namingKey: TEST_NAMING_KEY,
  });
  try {
    const staff = authHeader(testUser('checkpoint-staff', ['moujia'], 'staff-moujia'));
    const opened = await app.inject({
      method: 'POST',
      url: '/checkpoints',
      payload: { name: '牟家西口', location: '牟家村西', communities: ['moujia'], kind: 'alley' },
      headers: authHeader(testUser('registrar', ['moujia'])),
    });
    const checkpointId = opened.json<{ checkpointId: string }>().checkpointId;
    now = NOON;
    const shift = await app.inject({
      method: 'POST',
      url: `/checkpoints/${checkpointId}/shifts`,
      payload: {
        staff: [{ id: 's1', name: '牟刚', community: 'moujia', role: 'volunteer' }],
        startedAt: '2020-01-29T08:00:00+08:00',
      },
      headers: staff,
    });
    expect(shift.statusCode).toBe(201);

    const personId = `p-${randomBytes(4).toString('hex')}`;
    await registerPerson(eventStore, personId, 'moujia', '李娜');
    const caseId = `case-${randomBytes(4).toString('hex')}`;
    const caseStream = `homeQuarantine-${caseId}`;
    const started = quarantineEnvelope(caseStream, 0, 'quarantine.home-quarantine-started', {
      caseId,
      personId,
      personName: '李娜',
      community: 'moujia',
      startDate: '2020-01-28',
      endDate: '2020-02-10',
      periodDays: 14,
      reason: 'arrival-from-risk-area',
      assignedCaller: 'caller-1',
    });
    const topic = topicFor('quarantine', prefix);
    const message = { key: caseStream, value: JSON.stringify(started) };
    await bus.publish(topic, [message]);
    await bus.publish(topic, [message]);

    // Both deliveries handled (one stream, one partition: in order; on Kafka perhaps in one batch), the person marked once.
    await waitFor('both deliveries of the start', async () =>
      projections.status().handled >= 2 ? true : undefined,
    );
    expect((await store.meta()).appliedCount).toBe(1);
    const doc = await store.get<UnderQuarantineDoc>(UNDER_QUARANTINE_COLLECTION, personId);
    expect(doc).toEqual({
      personId,
      cases: {
        [caseId]: { caseId, community: 'moujia', startDate: '2020-01-28', endDate: '2020-02-10' },
      },
    });
    expect(await store.list(UNDER_QUARANTINE_COLLECTION)).toHaveLength(1);

    const entry = {
      personId,
      name: '李娜',
      temperatureC: 36.6,
      passValid: false,
      at: '2020-01-29T11:40:00+08:00',
    };
    const breached = await app.inject({
      method: 'POST',
      url: `/checkpoints/${checkpointId}/entries`,
      payload: entry,
      headers: staff,
    });
    expect(breached.statusCode).toBe(201);
    expect(breached.json().breachId).toEqual(expect.any(String));
    const day = await eventStore.readStream(crossingStreamId(checkpointId, '2020-01-29'));
    expect(day.map((e) => e.type)).toEqual([
      'checkpoints.entry-recorded',
      'checkpoints.quarantine-breach-recorded',
    ]);
    expect(day[1]!.data).toEqual({
      breachId: breached.json().breachId,
      checkpointId,
      crossingId: breached.json().crossingId,
      personId,
      caseId,
      direction: 'entry',
      at: '2020-01-29T03:40:00.000Z',
    });

    // The case ends (revision 1 here; checks in between are other types this read model skips).
    const ended = quarantineEnvelope(caseStream, 1, 'quarantine.home-quarantine-ended', {
      caseId,
      personId,
      community: 'moujia',
      outcome: 'completed',
      endedOn: '2020-01-29',
    });
    await bus.publish(topic, [{ key: caseStream, value: JSON.stringify(ended) }]);
    await waitFor('the end of the case', async () =>
      (await store.get(UNDER_QUARANTINE_COLLECTION, personId)) === null ? true : undefined,
    );

    const free = await app.inject({
      method: 'POST',
      url: `/checkpoints/${checkpointId}/entries`,
      payload: { ...entry, at: '2020-01-29T11:50:00+08:00' },
      headers: staff,
    });
    expect(free.statusCode).toBe(201);
    expect(free.json().breachId).toBeNull();
    const after = await eventStore.readStream(crossingStreamId(checkpointId, '2020-01-29'));
    expect(after.map((e) => e.type)).toEqual([
      'checkpoints.entry-recorded',
      'checkpoints.quarantine-breach-recorded',
      'checkpoints.entry-recorded',
    ]);
  } finally {
    await projections.stop();
    await app.close();
    await checkpointList.stop();
    await residents.stop();
    await eventStore.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('people under quarantine → breaches at checkpoints', () => {
  let bus: MessageBus | undefined;
  afterEach(async () => {
    await bus?.close();
    bus = undefined;
  });

  it('over the in-process bus: a start delivered twice marks the person once; breach while under quarantine, none after the end', async () => {
    bus = new InProcessMessageBus({ logger });
    await breachFlow(bus, `fangyi-t-${randomBytes(4).toString('hex')}`);
  });

  it('over real Kafka (KAFKA_BROKERS): the same, with a fresh topic prefix', async () => {
    const brokers = requireInfra('kafka');
    bus = new KafkaMessageBus({
      brokers: brokers.split(','),
      clientId: `fangyi-checkpoints-test-${randomBytes(3).toString('hex')}`,
      logger,
    });
    await breachFlow(bus, `fangyi-t-${randomBytes(4).toString('hex')}`);
  }, 90_000);
});
