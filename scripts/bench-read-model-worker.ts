// The live phase's read-side worker (scripts/bench-read-model.ts), in a process of its own as the
// distributed mode runs it (services/roster/src/worker.ts): the roster projection fed from Kafka
// into Redis with the worker's consumer settings. Takes its job as JSON in its first argument
// ({ brokers, topicPrefix, groupId, redisUrl, namespace }), prints {"joined":true} once its group
// has its partitions, and stops when its stdin ends.
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { KafkaMessageBus } from '@fangyi/messaging/kafka';
import { busSource, readModelProcessor, startProcessor } from '@fangyi/processors';
import { RedisProjectionStore } from '@fangyi/projections';
import { READ_MODEL_CONSUMER, rosterProjection } from '@fangyi/roster';

const job = JSON.parse(process.argv[2] ?? '{}') as {
  brokers: string[];
  topicPrefix: string;
  groupId: string;
  redisUrl: string;
  namespace: string;
};
const logger = pino({ level: 'warn' });
const redis = new Redis(job.redisUrl);
const bus = new KafkaMessageBus({
  brokers: job.brokers,
  clientId: job.groupId,
  logger,
  consumer: READ_MODEL_CONSUMER,
});
const store = new RedisProjectionStore({ redis, namespace: job.namespace });
const running = await startProcessor(
  readModelProcessor(rosterProjection, store),
  busSource({ bus, topicPrefix: job.topicPrefix, groupId: () => job.groupId }),
  logger,
);
process.stdout.write(`${JSON.stringify({ joined: true })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void running
    .stop()
    .then(() => bus.close())
    .then(() => redis.quit());
});
