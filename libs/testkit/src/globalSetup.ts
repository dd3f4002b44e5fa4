import { execFileSync } from 'node:child_process';

/**
 * One set of infrastructure per test run. `npm test` (scripts/test.sh) starts PostgreSQL, Redis
 * and Kafka on this machine and exports DATABASE_URL, REDIS_URL and KAFKA_BROKERS. Where they are
 * not set and a Docker engine answers, testcontainers starts the same parts. Otherwise this says
 * what is missing, and every test that needs a missing part fails with how to provide it.
 */
const PARTS = [
  { env: 'DATABASE_URL', name: 'PostgreSQL' },
  { env: 'REDIS_URL', name: 'Redis' },
  { env: 'KAFKA_BROKERS', name: 'Kafka' },
] as const;

function dockerEngineAnswers(): boolean {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
      stdio: 'ignore',
      timeout: 5000,
    });
    return true;
  } catch {
    return false;
  }
}

export default async function setup(): Promise<() => Promise<void>> {
  const missing = PARTS.filter((p) => !process.env[p.env]);
  if (missing.length === 0) return async () => {};
  if (!dockerEngineAnswers()) {
    console.warn(
      `fangyi tests: ${missing.map((m) => `${m.name} (${m.env})`).join(', ')} not provided and no Docker engine answers; ` +
        'tests that need them will fail and say how to start them. `npm test` starts everything on this machine.',
    );
    return async () => {};
  }
  const { GenericContainer, Wait } = await import('testcontainers');
  const stops: (() => Promise<unknown>)[] = [];
  if (!process.env.DATABASE_URL) {
    const pg = await new GenericContainer('postgres:16-alpine')
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'fangyi_test' })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    stops.push(() => pg.stop());
    process.env.DATABASE_URL = `postgres://postgres@${pg.getHost()}:${pg.getMappedPort(5432)}/fangyi_test`;
  }
  if (!process.env.REDIS_URL) {
    const redis = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
    stops.push(() => redis.stop());
    process.env.REDIS_URL = `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`;
  }
  if (!process.env.KAFKA_BROKERS) {
    // The broker must advertise the address the tests dial, so its host port is fixed.
    const port = Number(process.env.FANGYI_TEST_KAFKA_PORT ?? 19092);
    const kafka = await new GenericContainer('apache/kafka:4.1.1')
      .withExposedPorts({ container: port, host: port })
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: `PLAINTEXT://:${port},CONTROLLER://:9093`,
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://localhost:${port}`,
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_NUM_PARTITIONS: '3',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .start();
    stops.push(() => kafka.stop());
    process.env.KAFKA_BROKERS = `localhost:${port}`;
  }
  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}
