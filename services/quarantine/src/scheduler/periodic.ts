import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@fangyi/service-kit';

export interface Periodic<R> {
  /** Runs a pass now (also what the interval does); a pass already running is joined, not doubled. */
  runOnce(): Promise<R>;
  stop(): Promise<void>;
}

/**
 * Runs `pass` at once and then every `intervalMs`, one pass at a time, until stopped: the loop
 * behind each of the service's timers (missed checks, unacknowledged escalations). A failed pass
 * is logged and the next one tries again.
 */
export function startPeriodic<R>(
  name: string,
  pass: () => Promise<R>,
  intervalMs: number,
  log: Logger,
): Periodic<R> {
  const stopping = new AbortController();
  let current: Promise<R> | null = null;
  const runOnce = () => (current ??= pass().finally(() => (current = null)));
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        await runOnce();
      } catch (err) {
        log.error({ err }, `${name} pass failed`);
      }
      try {
        await sleep(intervalMs, undefined, { signal: stopping.signal });
      } catch {
        break;
      }
    }
  })();
  log.info({ intervalMs }, `${name} running`);
  return {
    runOnce,
    async stop() {
      stopping.abort();
      await loop;
      await current?.catch(() => undefined);
    },
  };
}
