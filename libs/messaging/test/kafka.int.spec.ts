import { KafkaMessageBus } from '../src/index.ts';
import { messageBusContract } from './contract.ts';
import { kafkaBrokersOrFail, testLogger } from './support.ts';

const brokers = kafkaBrokersOrFail('message bus contract: Kafka');
if (brokers) {
  messageBusContract(`Kafka (${brokers.join(',')})`, async () => {
    const bus = new KafkaMessageBus({ brokers, clientId: 'fangyi-messaging-test', logger: testLogger().logger, numPartitions: 3, consumer: { handlerRetryMs: 50 } });
    return { bus, partitions: 3, cleanup: () => bus.close() };
  });
}
