import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { REPO_ROOT, type ServiceProcess, embeddedProcess, waitReady } from './processes.ts';

/**
 * A process loads only the parts its mode uses: the embedded mode (SQLite, the in-process bus, read
 * models in memory, tracing off) never loads the Kafka client, the PostgreSQL or KurrentDB clients,
 * the tracing SDK or the workbook writer, each tens of megabytes of memory once loaded.
 */
describe('the embedded process loads no client it does not use', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'fangyi-lean-'));
  const moduleLog = join(dir, 'modules.txt');
  let embedded: ServiceProcess | undefined;

  afterAll(async () => {
    await embedded?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts, seeds its district and answers without @platformatic/kafka, pg, the KurrentDB client, the OpenTelemetry SDK or write-excel-file', async () => {
    const hook = pathToFileURL(join(REPO_ROOT, 'test/e2e/fixtures/record-modules.mjs')).href;
    let base: string;
    ({ process: embedded, base } = await embeddedProcess({
      FANGYI_DATA_DIR: join(dir, 'data'),
      FANGYI_MODULE_LOG: moduleLog,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${hook}`,
    }));
    onTestFailed(() => console.error(embedded?.tail()));
    await waitReady(base, embedded);
    const report = await fetch(`${base}/roster/report/daily.csv`, {
      headers: { authorization: 'none' },
    });
    expect(report.status).toBeLessThan(500);

    const packages = new Set(
      readFileSync(moduleLog, 'utf8')
        .split('\n')
        .map(
          (url) =>
            /\/node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1],
        )
        .filter((p): p is string => p !== undefined),
    );
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const rss = Number(/^process_resident_memory_bytes\S* (\d+)/m.exec(metrics)?.[1]);
    console.log(
      `lean: the embedded process loaded ${packages.size} packages; RSS after seeding ${(rss / 2 ** 20).toFixed(0)} MiB`,
    );
    expect(packages.has('fastify')).toBe(true); // the log is read right: what it does load is there
    for (const unused of [
      '@platformatic/kafka',
      'kafkajs',
      'pg',
      '@eventstore/db-client',
      '@kurrent/kurrentdb-client',
      '@grpc/grpc-js',
      '@opentelemetry/sdk-trace',
      '@opentelemetry/exporter-trace-otlp-http',
      'write-excel-file',
    ]) {
      expect(packages.has(unused), `${unused} is loaded`).toBe(false);
    }
  });
});
