/**
 * Read-side throughput: how fast one projection worker applies events from Kafka to Redis.
 * Publishes N quarantine envelopes (cases with checks) to a fresh topic, then times a
 * the roster processor (bus source) from the first message to the last applied. Prints events/s.
 *
 *   npm run bench:read-side -- [--events 3000]
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { topicFor, uuidv7, type Envelope } from '@fangyi/contracts';
import { KafkaMessageBus } from '@fangyi/messaging';
import { RedisProjectionStore } from '@fangyi/projections';
import { busSource, readModelProcessor, startProcessor } from '@fangyi/processors';
import { rosterProjection } from '@fangyi/roster';

const { values } = parseArgs({ options: { events: { type: 'string', default: '3000' } } });
const total = Number(values.events);
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = randomUUID().slice(0, 8);
const prefix = `bench-${run}`;
const topic = topicFor('quarantine', prefix);
const logger = pino({ level: 'warn' });
const bus = new KafkaMessageBus({ brokers, clientId: `bench-${run}`, logger });
const redis = new Redis(redisUrl);
const namespace = `bench:${run}`;
const store = new RedisProjectionStore({ redis, namespace });

// Cases of one start and then checks, so each stream has several events in order.
const perCase = 10;
const messages = [];
for (let c = 0; c < Math.ceil(total / perCase); c++) {
  const caseId = uuidv7();
  const streamId = `homeQuarantine-${caseId}`;
  for (let r = 0; r < perCase && messages.length < total; r++) {
    const day = Math.floor((r - 1) / 2);
    const envelope: Envelope = {
      id: uuidv7(),
      type: r === 0 ? 'quarantine.home-quarantine-started' : 'quarantine.symptom-check-logged',
      schemaVersion: 1,
      streamId,
      streamRevision: r,
      occurredAt: new Date().toISOString(),
      recordedAt: new Date().toISOString(),
      actor: { id: 'bench', role: 'caller' },
      correlationId: run,
      causationId: null,
      data:
        r === 0
          ? { caseId, personId: `p-${caseId}`, personName: '测试', community: 'moujia', startDate: '2020-01-28', endDate: '2020-02-10', periodDays: 14, reason: 'close-contact', assignedCaller: 'c1' }
          : { caseId, checkId: uuidv7(), date: `2020-01-${String(28 + day).padStart(2, '0')}`.replace('2020-01-32', '2020-02-01'), slot: r % 2 === 1 ? 'am' : 'pm', temperatureC: 36.5, symptoms: [], reachedVia: 'phone', abnormal: false },
    };
    messages.push({ key: streamId, value: JSON.stringify(envelope) });
  }
}
await bus.ensureTopics([topic]);
for (let i = 0; i < messages.length; i += 500) await bus.publish(topic, messages.slice(i, i + 500));

const started = performance.now();
const running = await startProcessor(readModelProcessor(rosterProjection, store), busSource({ bus, topicPrefix: prefix, groupId: () => `bench-${run}` }), logger);
for (;;) {
  const meta = await store.meta();
  if (meta.appliedCount >= messages.length) break;
  await new Promise((r) => setTimeout(r, 50));
}
const seconds = (performance.now() - started) / 1000;
await running.stop();
const rate = messages.length / seconds;
console.log(`read side: ${messages.length} events applied from Kafka to Redis in ${seconds.toFixed(2)} s = ${Math.round(rate)} events/s (one worker, 3 partitions)`);
// The reference, measured in the same run on the same Redis: redis-benchmark's unpipelined SET rate
// with as many connections as partitions handled at once (each applied event is a few round trips).
const { hostname, port } = new URL(redisUrl);
const reference = execFileSync('redis-benchmark', ['-h', hostname, '-p', port || '6379', '-t', 'set', '-n', '50000', '-c', '3', '-q'], { encoding: 'utf8' });
const setRate = Number(/([\d.]+) requests per second/.exec(reference)?.[1]);
if (Number.isFinite(setRate) && setRate > 0) {
  console.log(`reference: redis-benchmark SET, 3 connections, no pipelining: ${Math.round(setRate)} requests/s; the read side applies ${(100 * rate / setRate).toFixed(1)} % of that as events/s`);
}
await store.reset();
await bus.close();
redis.disconnect();
