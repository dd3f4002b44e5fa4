import { pino } from 'pino';
import { KafkaMessageBus } from '@fangyi/messaging/kafka';
import { requireInfra } from '@fangyi/testkit';
import { quarantinePolicySuite } from './policySuite.ts';

// Fails (does not skip) without KAFKA_BROKERS, saying how to start the broker.
quarantinePolicySuite(
  'Kafka',
  () =>
    new KafkaMessageBus({
      brokers: requireInfra('kafka').split(','),
      clientId: `fangyi-quarantine-policy-test-${process.pid}`,
      logger: pino({ level: 'silent' }),
    }),
  45_000,
);
