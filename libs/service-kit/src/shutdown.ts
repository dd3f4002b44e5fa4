import type { Logger } from './logger.ts';

export interface Closable {
  readonly name: string;
  close(): Promise<void>;
}

/**
 * On SIGTERM or SIGINT: close each part in the order given (first the HTTP server, which stops
 * taking requests and lets in-flight ones finish; then workers; then the producer and clients).
 * A second signal, or a close that takes longer than the timeout, exits at once.
 */
export function installGracefulShutdown(parts: readonly Closable[], logger: Logger, timeoutMs = 15_000): () => Promise<void> {
  let closing: Promise<void> | undefined;
  const shutdown = () =>
    (closing ??= (async () => {
      const timer = setTimeout(() => {
        logger.error({ timeoutMs }, 'shutdown took too long; exiting');
        process.exit(1);
      }, timeoutMs);
      timer.unref();
      for (const part of parts) {
        try {
          await part.close();
          logger.info({ part: part.name }, 'closed');
        } catch (err) {
          logger.error({ err, part: part.name }, 'close failed');
        }
      }
      clearTimeout(timer);
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn({ signal }, 'second signal; exiting now');
      process.exit(1);
    }
    logger.info({ signal }, 'shutting down');
    void shutdown().then(() => process.exit(0));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return shutdown;
}
