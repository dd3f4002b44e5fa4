import { Writable } from 'node:stream';
import { describe, it } from 'vitest';
import { pino, type Logger } from 'pino';

/** A pino logger whose lines the test can read: silent on the console unless LOG_LEVEL is set. */
export function testLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n'))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      if (process.env.LOG_LEVEL) process.stderr.write(chunk);
      done();
    },
  });
  return { logger: pino({ level: process.env.LOG_LEVEL ?? 'warn' }, sink), lines };
}

export const KAFKA_HOWTO =
  'KAFKA_BROKERS is not set, so the Kafka tests cannot run. Start the local broker from /work/main with ' +
  '`bash infra/kafka/fetch.sh && bash infra/kafka/start.sh` (it prints KAFKA_BROKERS=127.0.0.1:19092), ' +
  'then run `KAFKA_BROKERS=127.0.0.1:19092 pnpm exec vitest run libs/messaging`.';

/** The brokers from KAFKA_BROKERS, or null after registering a suite that fails saying how to start Kafka. */
export function kafkaBrokersOrFail(suite: string): string[] | null {
  const raw = process.env.KAFKA_BROKERS?.trim();
  if (raw)
    return raw
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
  describe(suite, () => {
    it('needs a running Kafka broker (KAFKA_BROKERS)', () => {
      throw new Error(KAFKA_HOWTO);
    });
  });
  return null;
}
