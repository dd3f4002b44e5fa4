import { InProcessMessageBus } from '../src/index.ts';
import { messageBusContract } from './contract.ts';
import { testLogger } from './support.ts';

messageBusContract('in-process', async () => {
  const bus = new InProcessMessageBus({ logger: testLogger().logger, handlerRetryMs: 20 });
  return { bus, deadLetters: bus, partitions: 1, cleanup: () => bus.close() };
});
