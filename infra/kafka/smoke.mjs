#!/usr/bin/env node
// Smoke test: kafkajs (the version installed for @fangyi/messaging) against the
// local broker from infra/kafka/start.sh.
//
//   KAFKA_BROKERS=127.0.0.1:19092 node infra/kafka/smoke.mjs
//
// Core checks (any failure -> exit 1): admin.createTopics, fetchTopicMetadata,
// producer.send of 3 keyed messages with acks=-1, admin.fetchTopicOffsets,
// consumer group join + consume + manual commitOffsets, admin.fetchOffsets.
// Extra checks (reported; failure -> exit 1 too): idempotent producer,
// transactional producer (send + sendOffsets + commit), describeCluster,
// describeConfigs, fetchTopicOffsetsByTimestamp, listTopics/listGroups,
// deleteTopics. Prints "OK" on stdout on success; progress and the (unique)
// warnings/errors kafkajs logged go to stderr.
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';

const require = createRequire(import.meta.url);
const kafkajsPath = require.resolve('../../libs/messaging/node_modules/kafkajs');
const { Kafka, Partitioners, logLevel } = require(kafkajsPath);
const kafkajsVersion = require('../../libs/messaging/node_modules/kafkajs/package.json').version;

const brokers = (process.env.KAFKA_BROKERS || '127.0.0.1:19092')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const keep = process.env.SMOKE_KEEP_TOPIC === '1';
const run = randomUUID().slice(0, 8);
const topic = `fangyi-smoke-${run}`;
const groupId = `fangyi-smoke-group-${run}`;
const warnings = [];

const logCreator =
  () =>
  ({ namespace, level, log }) => {
    log = { namespace, ...log };
    const { message, ...extra } = log;
    if (level <= logLevel.WARN) {
      const detail = extra.error ? ` (${extra.error})` : '';
      const line = `${level === logLevel.ERROR ? 'ERROR' : 'WARN'} [${extra.namespace ?? 'kafkajs'}] ${message}${detail}`;
      warnings.push(line);
    }
  };

const kafka = new Kafka({
  clientId: 'fangyi-smoke',
  brokers,
  logLevel: logLevel.WARN,
  logCreator,
  retry: { retries: 5, initialRetryTime: 200 },
});

const step = (name) => process.stderr.write(`smoke: ${name}\n`);
const assert = (cond, msg) => {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
};
const withTimeout = (p, ms, what) =>
  Promise.race([
    p,
    new Promise((_, rej) =>
      setTimeout(() => rej(new Error(`timeout after ${ms}ms: ${what}`)), ms).unref(),
    ),
  ]);

async function core(admin) {
  step(`kafkajs ${kafkajsVersion} -> ${brokers.join(',')}, topic ${topic}`);

  step('admin.createTopics (3 partitions, rf 1)');
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  assert(created === true, `createTopics returned ${created}`);

  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  assert(meta.topics[0].partitions.length === 3, 'topic has 3 partitions');

  step('producer.send 3 keyed messages, acks=-1');
  // Explicit partitioner: avoids the kafkajs v2 "default partitioner changed" warning.
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const messages = [
    { key: 'case-1', value: JSON.stringify({ type: 'CaseOpened', n: 1 }) },
    { key: 'case-2', value: JSON.stringify({ type: 'CaseOpened', n: 2 }) },
    { key: 'case-1', value: JSON.stringify({ type: 'ContactTraced', n: 3 }) },
  ];
  const res = await producer.send({ topic, acks: -1, messages });
  assert(
    res.every((r) => r.errorCode === 0),
    `produce errors: ${JSON.stringify(res)}`,
  );
  await producer.disconnect();

  step('admin.fetchTopicOffsets');
  const offsets = await admin.fetchTopicOffsets(topic);
  const total = offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  assert(
    total === 3,
    `expected 3 messages in topic, high-low sums to ${total}: ${JSON.stringify(offsets)}`,
  );

  step(`consumer group ${groupId}: join, consume, commitOffsets`);
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 10000,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: 250,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const got = [];
  let resolveAll;
  const all = new Promise((r) => {
    resolveAll = r;
  });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic: t, partition, message }) => {
      got.push({ key: message.key.toString(), value: message.value.toString(), partition });
      await consumer.commitOffsets([
        { topic: t, partition, offset: (BigInt(message.offset) + 1n).toString() },
      ]);
      if (got.length >= 3) resolveAll();
    },
  });
  await withTimeout(all, 30000, 'consuming 3 messages');
  await consumer.disconnect();
  const sent = messages.map((m) => `${m.key}=${m.value}`).sort();
  const recv = got.map((m) => `${m.key}=${m.value}`).sort();
  assert(JSON.stringify(sent) === JSON.stringify(recv), `received ${JSON.stringify(recv)}`);
  const byKey = new Map();
  for (const m of got) {
    if (byKey.has(m.key))
      assert(byKey.get(m.key) === m.partition, `key ${m.key} landed on two partitions`);
    byKey.set(m.key, m.partition);
  }

  step('admin.fetchOffsets (committed group offsets)');
  const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
  const committedTotal = committed[0].partitions.reduce(
    (n, p) => n + Math.max(0, Number(p.offset)),
    0,
  );
  assert(
    committedTotal === 3,
    `committed offsets sum to ${committedTotal}: ${JSON.stringify(committed)}`,
  );

  const groups = await admin.describeGroups([groupId]);
  assert(groups.groups[0].groupId === groupId, 'describeGroups');
}

async function extras(admin) {
  const results = [];
  const check = async (name, fn) => {
    try {
      await fn();
      results.push(`${name}: ok`);
    } catch (e) {
      results.push(`${name}: FAILED ${e.message}`);
    }
  };

  await check('idempotent producer', async () => {
    // retries=MAX_SAFE_INTEGER: anything lower makes kafkajs warn that EoS may be invalidated.
    const p = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 2000 },
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await p.connect();
    await p.send({ topic, acks: -1, messages: [{ key: 'case-3', value: 'idempotent' }] });
    await p.disconnect();
  });

  await check('transactional producer (send + sendOffsets + commit)', async () => {
    const p = kafka.producer({
      transactionalId: `fangyi-smoke-tx-${run}`,
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 2000 },
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await p.connect();
    const tx = await p.transaction();
    await tx.send({ topic, messages: [{ key: 'case-4', value: 'tx' }] });
    await tx.sendOffsets({
      consumerGroupId: groupId,
      topics: [{ topic, partitions: [{ partition: 0, offset: '0' }] }],
    });
    await tx.commit();
    await p.disconnect();
  });

  await check('describeCluster / describeConfigs / fetchTopicOffsetsByTimestamp', async () => {
    const c = await admin.describeCluster();
    assert(c.brokers.length >= 1, 'describeCluster lists a broker');
    const { ConfigResourceTypes } = require(kafkajsPath);
    const cfg = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
      includeSynonyms: false,
    });
    assert(cfg.resources[0].errorCode === 0, 'describeConfigs topic');
    const byTs = await admin.fetchTopicOffsetsByTimestamp(topic, Date.now() - 60000);
    assert(byTs.length === 3, 'fetchTopicOffsetsByTimestamp returns 3 partitions');
  });

  await check('listTopics / listGroups', async () => {
    const topics = await admin.listTopics();
    assert(topics.includes(topic), 'listTopics contains topic');
    await admin.listGroups();
  });

  if (!keep) {
    await check('deleteTopics', async () => {
      await admin.deleteTopics({ topics: [topic], timeout: 10000 });
    });
  }
  return results;
}

const admin = kafka.admin();
let code = 0;
const t0 = Date.now();
try {
  await withTimeout(
    (async () => {
      await admin.connect();
      await core(admin);
      const ex = await extras(admin);
      for (const r of ex) step(`extra ${r}`);
      if (ex.some((r) => r.includes('FAILED'))) code = 1;
    })(),
    90000,
    'smoke test',
  );
} catch (e) {
  code = 1;
  process.stderr.write(`smoke: FAILED: ${e.stack || e}\n`);
} finally {
  await admin.disconnect().catch(() => {});
}
if (warnings.length) {
  const unique = [...new Set(warnings)];
  process.stderr.write(
    `smoke: kafkajs logged ${unique.length} distinct warning(s)/error(s) (retried internally unless a check failed):\n`,
  );
  for (const w of unique) process.stderr.write(`  ${w}\n`);
}
step(`done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
if (code === 0) console.log('OK');
process.exit(code);
