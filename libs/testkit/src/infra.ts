/**
 * Where integration and end-to-end tests find the real parts. The test command (scripts/test.sh)
 * starts them and exports these variables; vitest's global setup may also provide them from
 * testcontainers where a Docker engine exists. A test that needs a part that is not there fails
 * with this message rather than skipping.
 */
export type InfraName = 'postgres' | 'redis' | 'redis-cluster' | 'kafka';

const VARIABLES: Record<InfraName, { env: string; how: string }> = {
  postgres: {
    env: 'DATABASE_URL',
    how: 'run the tests with `npm test` (it starts PostgreSQL), or set DATABASE_URL=postgres://postgres@127.0.0.1:5432/fangyi_test after `bash infra/local-services.sh`',
  },
  redis: {
    env: 'REDIS_URL',
    how: 'run the tests with `npm test` (it starts Redis), or set REDIS_URL=redis://127.0.0.1:6379 after `bash infra/local-services.sh`',
  },
  'redis-cluster': {
    env: 'REDIS_CLUSTER_NODES',
    how: 'run the tests with `npm test` (it starts a three-master cluster), or `bash infra/redis/cluster.sh start` and set the REDIS_CLUSTER_NODES it prints',
  },
  kafka: {
    env: 'KAFKA_BROKERS',
    how: 'run the tests with `npm test` (it starts a Kafka broker), or `bash infra/kafka/start.sh` and set KAFKA_BROKERS=127.0.0.1:19092',
  },
};

export function requireInfra(name: InfraName): string {
  const { env, how } = VARIABLES[name];
  const value = process.env[env];
  if (!value)
    throw new Error(
      `${name} is not available to this test: ${env} is not set. To provide it, ${how}.`,
    );
  return value;
}
