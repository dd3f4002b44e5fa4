import { describe } from 'vitest';
import { pino } from 'pino';
import { KafkaMessageBus } from '@fangyi/messaging/kafka';
import { requireInfra } from '@fangyi/testkit';
import { policyScenario } from './policyScenario.ts';

// Needs a broker: KAFKA_BROKERS=127.0.0.1:19092 (bash infra/kafka/start.sh). Without it the suite fails saying so.
describe('residents policies over Kafka', () => {
  policyScenario(() => {
    const brokers = requireInfra('kafka').split(',');
    return new KafkaMessageBus({
      brokers,
      clientId: 'fangyi-residents-policy-test',
      logger: pino({ level: 'silent' }),
      consumer: { handlerRetryMs: 50 },
    });
  });
});
