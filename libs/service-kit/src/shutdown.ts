import type { Logger } from './logger.ts';

export interface Closable {
  readonly name: string;
  close(): Promise<void>;
}

/**
 * On SIGTERM or SIGINT: close each part in the order given (first the HTTP server, which stops
 * taking requests and lets in-flight ones finish; then workers, which finish the event in hand and
 * store or commit where they are; then the producer and clients), and exit 0, or 1 when a part
 * failed to close. A second signal, or a close that takes longer than the timeout, exits 1 at once.
 */
export function installGracefulShutdown(
  parts: readonly Closable[],
  logger: Logger,
  timeoutMs = 15_000,
): () => Promise<void> {
  let closing: Promise<void> | undefined;
  const shutdown = () =>
    (closing ??= (async () => {
      const timer = setTimeout(() => {
        logger.error({ timeoutMs }, 'shutdown took too long; exiting');
        process.exit(1);
      }, timeoutMs);
      timer.unref();
      let failed = false;
      for (const part of parts) {
        try {
          await part.close();
          logger.info({ part: part.name }, 'closed');
        } catch (err) {
          failed = true;
          logger.error({ err, part: part.name }, 'close failed');
        }
      }
      clearTimeout(timer);
      if (failed) process.exitCode = 1;
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn({ signal }, 'second signal; exiting now');
      process.exit(1);
    }
    logger.info({ signal }, 'shutting down');
    void shutdown().then(() => process.exit());
  };
  // `on`, not `once`: the second signal must reach the handler above, not Node's default (which
  // would end the process by the signal, with no word in the log).
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return shutdown;
}
