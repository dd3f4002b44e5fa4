import { InMemoryProjectionStore } from '../src/index.ts';
import { projectionStoreContract } from './contract.ts';

projectionStoreContract('in-memory', async () => {
  // A namespace is an instance in memory: the same namespace opened twice is the same store.
  const stores = new Map<string, InMemoryProjectionStore>();
  return {
    open(namespace) {
      let store = stores.get(namespace);
      if (!store) stores.set(namespace, (store = new InMemoryProjectionStore()));
      return store;
    },
    async cleanup() {
      stores.clear();
    },
  };
});
