// Kafka client throughput on one broker: kafkajs (the bus's previous client) against
// @platformatic/kafka (the bus's client), in the same run, on fresh topics of their own.
// Keyed produce with acks=all and the idempotent producer, in sequential batches as the relay
// publishes, then a consumer group reading the topic from the beginning (timed from the first
// message to the last; the join is printed apart). Prints messages/s per client and phase, and the ratio. Run with scripts/bench-kafka.sh (npm run bench:kafka).
//   node scripts/bench-kafka.ts [--messages 20000] [--batch 500] [--partitions 6] [--keys 1000] [--bytes 300] [--rounds 4]
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  Admin,
  compatibilityPartitioner,
  Consumer,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { Kafka, logLevel, Partitioners } from 'kafkajs';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '500' },
    partitions: { type: 'string', default: '6' },
    keys: { type: 'string', default: '1000' },
    bytes: { type: 'string', default: '300' },
    rounds: { type: 'string', default: '4' },
  },
});
const total = Number(args.messages);
const batchSize = Number(args.batch);
const partitions = Number(args.partitions);
const keyCount = Number(args.keys);
const rounds = Number(args.rounds);
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const run = randomUUID().slice(0, 8);
const TIMEOUT_MS = 120_000;

// Same messages for both clients: a stream id as key, an envelope-sized JSON value, two headers.
const filler = 'x'.repeat(Math.max(0, Number(args.bytes) - 60));
const messages = Array.from({ length: total }, (_, i) => ({
  key: `homeQuarantine-${i % keyCount}`,
  value: JSON.stringify({ i, type: 'quarantine.symptom-check-logged', data: filler }),
  headers: { 'fangyi-type': 'quarantine.symptom-check-logged', 'fangyi-position': String(i) },
}));
const batches: (typeof messages)[] = [];
for (let i = 0; i < total; i += batchSize) batches.push(messages.slice(i, i + batchSize));

interface Figures {
  produce: number;
  /** From the first message received to the last: the group join is not in it. */
  consume: number;
  /** From subscribing to the first message: joining the group and the first fetch. */
  firstMs: number;
}

function timeout(what: string, count: () => number): { promise: Promise<never>; clear(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: ${count()} of ${total} within ${TIMEOUT_MS} ms`)),
      TIMEOUT_MS,
    );
  });
  return { promise, clear: () => clearTimeout(timer) };
}

const admin = new Admin({ clientId: `bench-kafka-${run}`, bootstrapBrokers: brokers });
async function freshTopic(client: string, round: number): Promise<string> {
  const topic = `bench-kafka-${run}-${client}-${round}`;
  await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
  // Leaders first, so neither client's figure includes waiting for a new topic.
  for (let i = 0; i < 100; i++) {
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true }).catch(() => null);
    const found = metadata?.topics.get(topic);
    if (
      found &&
      found.partitionsCount === partitions &&
      found.partitions.every((p) => p.leader >= 0)
    )
      return topic;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`topic ${topic} has no leaders`);
}

async function benchKafkajs(topic: string): Promise<Figures> {
  const kafka = new Kafka({
    clientId: `bench-kafkajs-${run}`,
    brokers,
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const p0 = performance.now();
  for (const batch of batches) await producer.send({ topic, acks: -1, messages: batch });
  const produce = total / ((performance.now() - p0) / 1000);
  await producer.disconnect();

  const consumer = kafka.consumer({
    groupId: `bench-kafkajs-${run}-${topic}`,
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let first = 0;
  const limit = timeout('kafkajs consume', () => seen);
  const c0 = performance.now();
  try {
    await Promise.race([
      limit.promise,
      new Promise<void>((resolve) => {
        void consumer.run({
          partitionsConsumedConcurrently: partitions,
          eachMessage: async () => {
            if (seen++ === 0) first = performance.now();
            if (seen === total) resolve();
          },
        });
      }),
    ]);
  } finally {
    limit.clear();
  }
  const consume = (total - 1) / ((performance.now() - first) / 1000);
  await consumer.disconnect();
  return { produce, consume, firstMs: first - c0 };
}

async function benchPlatformatic(topic: string): Promise<Figures> {
  const producer = new Producer({
    clientId: `bench-platformatic-${run}`,
    bootstrapBrokers: brokers,
    idempotent: true,
    acks: -1,
    retries: 8,
    partitioner: compatibilityPartitioner,
    serializers: stringSerializers,
  });
  const p0 = performance.now();
  for (const batch of batches)
    await producer.send({ messages: batch.map((m) => ({ ...m, topic })) });
  const produce = total / ((performance.now() - p0) / 1000);
  await producer.close();

  const consumer = new Consumer({
    clientId: `bench-platformatic-${run}`,
    groupId: `bench-platformatic-${run}-${topic}`,
    bootstrapBrokers: brokers,
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
    maxWaitTime: 100,
    deserializers: stringDeserializers,
  });
  let seen = 0;
  let first = 0;
  const limit = timeout('@platformatic/kafka consume', () => seen);
  const c0 = performance.now();
  try {
    const stream = await consumer.consume({
      topics: [topic],
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: false,
    });
    await Promise.race([
      limit.promise,
      new Promise<void>((resolve) => {
        stream.on('data', () => {
          if (seen++ === 0) first = performance.now();
          if (seen === total) resolve();
        });
      }),
    ]);
    const consume = (total - 1) / ((performance.now() - first) / 1000);
    await stream.close();
    return { produce, consume, firstMs: first - c0 };
  } finally {
    limit.clear();
    await consumer.close(true);
  }
}

const fmt = (n: number) => n.toFixed(0).padStart(7);
console.log(
  `Kafka ${brokers.join(',')}: ${total} messages of ~${args.bytes} B, ${keyCount} keys, ${partitions} partitions, batches of ${batchSize}; ` +
    `idempotent producer, acks=all, Java-compatible key partitioner; ${rounds} round(s), clients alternating`,
);
const results: { kafkajs: Figures[]; platformatic: Figures[] } = { kafkajs: [], platformatic: [] };
try {
  for (let round = 1; round <= rounds; round++) {
    // Alternate which client goes first, so neither always meets a warmer broker.
    const order =
      round % 2 === 1
        ? (['kafkajs', 'platformatic'] as const)
        : (['platformatic', 'kafkajs'] as const);
    for (const client of order) {
      const topic = await freshTopic(client, round);
      const figures =
        client === 'kafkajs' ? await benchKafkajs(topic) : await benchPlatformatic(topic);
      results[client].push(figures);
      const name = client === 'kafkajs' ? 'kafkajs 2.2.4       ' : '@platformatic/kafka ';
      console.log(
        `round ${round} ${name} produce ${fmt(figures.produce)} msg/s   consume ${fmt(figures.consume)} msg/s   (join and first fetch ${fmt(figures.firstMs)} ms)`,
      );
    }
    await admin
      .deleteTopics({
        topics: [`bench-kafka-${run}-kafkajs-${round}`, `bench-kafka-${run}-platformatic-${round}`],
      })
      .catch(() => undefined);
  }
} finally {
  await admin.close();
}
// Medians, with the range: this machine is shared, and one slow round should not move the figure.
const median = (xs: number[]) => {
  const sorted = [...xs].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
const summary = (figures: Figures[]) => ({
  produce: median(figures.map((f) => f.produce)),
  consume: median(figures.map((f) => f.consume)),
});
const kj = summary(results.kafkajs);
const pl = summary(results.platformatic);
const line = (name: string, figures: Figures[], m: { produce: number; consume: number }) =>
  console.log(
    `median  ${name} produce ${fmt(m.produce)} msg/s (${range(figures.map((f) => f.produce))})   consume ${fmt(m.consume)} msg/s (${range(figures.map((f) => f.consume))})`,
  );
line('kafkajs 2.2.4       ', results.kafkajs, kj);
line('@platformatic/kafka ', results.platformatic, pl);
console.log(
  `ratio   @platformatic/kafka / kafkajs: produce ${(pl.produce / kj.produce).toFixed(2)}×   consume ${(pl.consume / kj.consume).toFixed(2)}×`,
);
