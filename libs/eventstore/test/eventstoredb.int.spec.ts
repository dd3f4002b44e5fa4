import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, it } from 'vitest';
import { EventStoreDbEventStore } from '../src/index.ts';
import { eventStoreContract } from './contract.ts';

/** The slice of testcontainers used here (it is a dependency of @fangyi/testkit, not of this package). */
interface StartedContainer {
  getHost(): string;
  getMappedPort(port: number): number;
  stop(): Promise<unknown>;
}
interface ContainerBuilder {
  withEnvironment(env: Record<string, string>): ContainerBuilder;
  withExposedPorts(...ports: number[]): ContainerBuilder;
  withWaitStrategy(strategy: unknown): ContainerBuilder;
  start(): Promise<StartedContainer>;
}
interface Testcontainers {
  GenericContainer: new (image: string) => ContainerBuilder;
  Wait: { forHttp(path: string, port: number): unknown };
}

const IMAGE = 'eventstore/eventstore:24.10';

async function loadTestcontainers(): Promise<Testcontainers> {
  // Resolved through @fangyi/testkit, which depends on it; this package does not.
  const fromTestkit = createRequire(new URL('../../testkit/package.json', import.meta.url));
  return (await import(fromTestkit.resolve('testcontainers'))) as Testcontainers;
}

const dockerAnswers = () => spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 15_000 }).status === 0;

const url = process.env.EVENTSTORE_URL;

if (!url && !dockerAnswers()) {
  describe.skip('event store contract: EventStoreDB — skipped: no EVENTSTORE_URL and no Docker engine on this machine (set EVENTSTORE_URL=esdb://localhost:2113?tls=false or start Docker)', () => {
    it('runs the event store contract against EventStoreDB', () => {});
  });
} else {
  eventStoreContract(url ? 'EventStoreDB (EVENTSTORE_URL)' : `EventStoreDB (${IMAGE} in Docker)`, async () => {
    let container: StartedContainer | null = null;
    let connectionString = url;
    if (!connectionString) {
      const { GenericContainer, Wait } = await loadTestcontainers();
      const started = await new GenericContainer(IMAGE)
        .withEnvironment({ EVENTSTORE_INSECURE: 'true', EVENTSTORE_MEM_DB: 'true', EVENTSTORE_RUN_PROJECTIONS: 'None' })
        .withExposedPorts(2113)
        .withWaitStrategy(Wait.forHttp('/health/live', 2113))
        .start();
      container = started;
      connectionString = `esdb://${started.getHost()}:${started.getMappedPort(2113)}?tls=false`;
    }
    const now = new Date('2026-02-01T00:31:00.000Z');
    let at = now;
    const store = new EventStoreDbEventStore({ connectionString, clock: () => at });
    return {
      store,
      now,
      setClock: (d: Date) => (at = d),
      async cleanup() {
        await store.close();
        await container?.stop();
      },
    };
  });
}
