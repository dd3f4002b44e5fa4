import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { deadLetterTopic, uuidv7, type Envelope } from '@fangyi/contracts';
import { consumeEnvelopes, type Consumer, type IncomingMessage } from '@fangyi/messaging';
import { KafkaMessageBus } from '@fangyi/messaging/kafka';
import { requireInfra } from '@fangyi/testkit';
import { fangyi } from './cli.ts';

const LOGGED = 'quarantine.symptom-check-logged';

/** `fangyi dead-letters …` as an operator runs it, in its own process. */
const deadLetters = (brokers: string, ...args: string[]) =>
  fangyi(['dead-letters', ...args], { KAFKA_BROKERS: brokers });

function check(caseId: string, i: number): Envelope {
  return {
    id: uuidv7(),
    type: LOGGED,
    schemaVersion: 1,
    streamId: `quarantine-${caseId}`,
    streamRevision: i,
    occurredAt: '2026-02-01T08:30:00.000+08:00',
    recordedAt: '2026-02-01T00:31:00.000Z',
    actor: { id: 'caller-7', role: 'caller' },
    correlationId: randomUUID(),
    causationId: null,
    data: {
      caseId,
      checkId: `check-${caseId}-${i}`,
      date: '2026-02-01',
      slot: i % 2 === 0 ? 'am' : 'pm',
      temperatureC: 36.6,
      symptoms: [],
      reachedVia: 'phone',
      abnormal: false,
    },
  };
}

describe('fangyi dead-letters (Kafka)', () => {
  const brokers = requireInfra('kafka');
  const bus = new KafkaMessageBus({
    brokers: brokers.split(','),
    clientId: `dead-letters-e2e-${randomUUID().slice(0, 6)}`,
    logger: pino({ level: 'silent' }),
  });
  let consumer: Consumer | undefined;
  afterAll(async () => {
    await consumer?.stop();
    await bus.close();
  });

  it('lists what a failing projection set aside, replays it once to the source topic after the fix, and refuses bad arguments', async () => {
    const topic = `fangyi-dlq-cli-${randomUUID().slice(0, 8)}.quarantine.v1`;
    const group = `roster-${randomUUID().slice(0, 8)}`;
    const caseId = `c-${randomUUID().slice(0, 8)}`;
    const events = [check(caseId, 0), check(caseId, 1), check(caseId, 2)];
    const bad = events[1]!;
    let fixed = false;
    const handled: IncomingMessage[] = [];
    consumer = await consumeEnvelopes({
      bus,
      topics: [topic],
      groupId: group,
      handles: [LOGGED],
      logger: pino({ level: 'silent' }),
      maxAttempts: 3,
      retry: { firstDelayMs: 20 },
      onEnvelope: async (e, m) => {
        if (e.id === bad.id && !fixed) throw new Error('roster bug: slot pm unknown');
        handled.push(m);
      },
    });
    await bus.publish(
      topic,
      events.map((e) => ({
        key: e.streamId,
        value: JSON.stringify(e),
        headers: { 'fangyi-type': e.type, 'fangyi-event-id': e.id },
      })),
    );
    await expect.poll(() => consumer!.status().deadLettered, { timeout: 20_000 }).toBe(1);
    expect(handled.map((m) => JSON.parse(m.value).id)).toEqual([events[0]!.id, events[2]!.id]);

    const table = await deadLetters(brokers, 'list', '--topic', topic);
    expect(table.code).toBe(0);
    const [head, rule, row, ...more] = table.stdout.trim().split('\n');
    expect(rule).toMatch(/^─+(\s+─+)+$/);
    expect(head).toMatch(/^DEAD-LETTER TOPIC\s+OFFSET\s+FAILED AT\s+GROUP\s+TRIES/);
    expect(more).toEqual([]);
    expect(row).toContain(deadLetterTopic(topic));
    expect(row).toContain(group);
    expect(row).toMatch(/\s3\s/);
    expect(row).toContain('handler failed: roster bug: slot pm unknown');

    const json = await deadLetters(brokers, 'list', '--topic', topic, '--group', group, '--json');
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({
        dlqTopic: deadLetterTopic(topic),
        offset: '0',
        key: bad.streamId,
        sourceTopic: topic,
        group,
        attempts: 3,
        replayed: false,
        value: JSON.stringify(bad),
      }),
    ]);
    expect(
      JSON.parse(
        (await deadLetters(brokers, 'list', '--topic', topic, '--group', 'another-group', '--json'))
          .stdout,
      ),
    ).toEqual([]);

    fixed = true;
    const replay = await deadLetters(brokers, 'replay', '--topic', topic, '--group', group);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain(`replayed 1 dead letter(s) from ${deadLetterTopic(topic)}`);
    await expect.poll(() => handled.length, { timeout: 20_000 }).toBe(3);
    const replayed = handled[2]!;
    expect(replayed.key).toBe(bad.streamId);
    expect(replayed.value).toBe(JSON.stringify(bad));
    expect(replayed.headers).toMatchObject({ 'fangyi-type': bad.type, 'fangyi-event-id': bad.id });
    expect(Object.keys(replayed.headers).filter((h) => h.startsWith('fangyi-dlq-'))).toEqual([]);

    const second = await deadLetters(brokers, 'replay', '--topic', topic, '--group', group);
    expect(second.stdout).toContain('replayed 0 dead letter(s)');
    expect(
      JSON.parse((await deadLetters(brokers, 'list', '--topic', topic, '--json')).stdout),
    ).toMatchObject([{ offset: '0', replayed: true }]);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(handled).toHaveLength(3);
    expect(consumer.status().deadLettered).toBe(1);

    const usage = await deadLetters(brokers, 'replay', '--group', group);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('replay needs --topic');
    const offset = await deadLetters(brokers, 'replay', '--topic', topic, '--offset', 'first');
    expect(offset.code).toBe(2);
    expect(offset.stderr).toContain('--offset must be a whole number, got first');
  }, 120_000);
});
