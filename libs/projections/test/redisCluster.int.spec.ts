import { Cluster } from 'ioredis';
import { requireInfra } from '@fangyi/testkit';
import { RedisProjectionStore } from '../src/index.ts';
import { projectionStoreContract } from './contract.ts';

/**
 * The same contract on a three-master Redis Cluster (infra/redis/cluster.sh, started by npm test):
 * a commit whose keys were not all under one hash tag would fail here with CROSSSLOT.
 */
projectionStoreContract('Redis Cluster (three masters)', async () => {
  const nodes = requireInfra('redis-cluster')
    .split(',')
    .map((hostPort) => {
      const [host, port] = hostPort.split(':');
      return { host: host!, port: Number(port) };
    });
  const clients = [new Cluster(nodes, { redisOptions: { maxRetriesPerRequest: 1 } }), new Cluster(nodes, { redisOptions: { maxRetriesPerRequest: 1 } })];
  const opened: RedisProjectionStore[] = [];
  return {
    open(namespace) {
      const store = new RedisProjectionStore({ redis: clients[opened.length % 2]!, namespace });
      opened.push(store);
      return store;
    },
    async cleanup() {
      for (const store of opened) await store.reset();
      for (const c of clients) await c.quit();
    },
  };
});
