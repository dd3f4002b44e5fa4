import { pino, type Logger, type LoggerOptions } from 'pino';

/** Paths whose values never reach a log: ID numbers, phone numbers, tokens. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.idNumber',
  '*.phone',
  '*.token',
  '*.*.idNumber',
  '*.*.phone',
  'data.idNumber',
  'data.phone',
];

export function createLogger(options: { service: string; level?: string; pretty?: boolean; destination?: NodeJS.WritableStream }): Logger {
  const config: LoggerOptions = {
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { service: options.service },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination ? pino(config, options.destination as pino.DestinationStream) : pino(config);
}

export type { Logger };
