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
  // On a loaded two-core machine the first CLUSTER SLOTS can take longer than ioredis's default
  // second: give it ten, and have both clients know the slots before the first case starts.
  const options = { slotsRefreshTimeout: 10_000, redisOptions: { maxRetriesPerRequest: 1 } };
  const clients = [new Cluster(nodes, options), new Cluster(nodes, options)];
  await Promise.all(
    clients.map((c) =>
      c.status === 'ready'
        ? undefined
        : new Promise<void>((resolve, reject) => {
            c.once('ready', () => resolve());
            setTimeout(
              () =>
                reject(
                  new Error(
                    `the Redis Cluster at ${nodes.map((n) => `${n.host}:${n.port}`).join(',')} did not become ready in 20 s (status ${c.status})`,
                  ),
                ),
              20_000,
            ).unref();
          }),
    ),
  );
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
