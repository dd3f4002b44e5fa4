import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { KurrentDBClient } from '@kurrent/kurrentdb-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConnectionString } from '../src/index.ts';
import { KurrentDbEventStore } from '../src/kurrentdb/index.ts';
import { checkpointStream } from '../src/kurrentdb/log.ts';
import { eventStoreContract, event } from './contract.ts';

/** The image the suite starts when no server is named (the one docker-compose.yml runs). */
const IMAGE = 'kurrentplatform/kurrentdb:26.0';

/** Null when a Docker engine answers `docker info`; else what it said, for the skip's name. */
function dockerMissing(): string | null {
  const r = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 15_000 });
  if (r.error)
    return `\`docker info\` could not run (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`;
  return r.status === 0
    ? null
    : `\`docker info\` exited with ${r.status ?? r.signal} (no Docker engine answers)`;
}

const url = process.env.KURRENTDB_URL || process.env.EVENTSTORE_URL;
const noDocker = url ? null : dockerMissing();

if (noDocker) {
  describe.skip(`event store contract and adapter tests: KurrentDB — skipped: KURRENTDB_URL (or EVENTSTORE_URL) is not set and ${noDocker}, so there is no server to run it on (set KURRENTDB_URL=kurrentdb://localhost:2113?tls=false, e.g. \`docker compose --profile kurrentdb up kurrentdb\`, or start Docker for ${IMAGE})`, () => {
    it('runs the event store contract against KurrentDB', () => {});
  });
} else {
  let connectionString = url ?? '';
  let container: { stop(): Promise<unknown> } | null = null;
  // One server for the file: the contract and the adapter's own tests below.
  beforeAll(async () => {
    if (url) return;
    const { KurrentDbContainer } = await import('@testcontainers/kurrentdb');
    const started = await new KurrentDbContainer(IMAGE)
      .withEnvironment({ KURRENTDB_MEM_DB: 'true' })
      .start();
    container = started;
    connectionString = started.getConnectionString();
  }, 180_000);
  afterAll(async () => {
    await container?.stop();
  });

  eventStoreContract(
    url ? 'KurrentDB (KURRENTDB_URL)' : `KurrentDB (${IMAGE} in Docker)`,
    async () => {
      const now = new Date('2026-02-01T00:31:00.000Z');
      let at = now;
      const store = new KurrentDbEventStore({ connectionString, clock: () => at });
      return {
        store,
        now,
        setClock: (d: Date) => (at = d),
        async cleanup() {
          await store.close();
        },
      };
    },
  );

  describe('KurrentDB adapter', () => {
    it('keeps a checkpoint in an ordinary stream whose metadata keeps one event', async () => {
      const store = new KurrentDbEventStore({ connectionString });
      const client = KurrentDBClient.connectionString(clientConnectionString(connectionString));
      try {
        const name = `relay-${randomUUID()}`;
        const a = await store.append(`kurrentTest-${randomUUID()}`, [event()], {
          expectedRevision: 'no-stream',
        });
        const b = await store.append(`kurrentTest-${randomUUID()}`, [event()], {
          expectedRevision: 'no-stream',
        });
        await store.checkpoints.store(name, a.position, null);
        await store.checkpoints.store(name, b.position, a.position);
        const meta = await client.getStreamMetadata(checkpointStream(name));
        expect(meta.metadata?.maxCount).toBe(1);
        const kept = [];
        for await (const e of client.readStream(checkpointStream(name))) kept.push(e.event?.data);
        expect(kept).toEqual([{ position: b.position }]);
        expect(await store.checkpoints.load(name)).toBe(b.position);
      } finally {
        await client.dispose();
        await store.close();
      }
    });
  });
}
