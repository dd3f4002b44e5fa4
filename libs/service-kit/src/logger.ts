import { pino, type Logger, type LoggerOptions } from 'pino';

/** Paths whose values never reach a log: ID numbers, phone numbers, tokens and credentials. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  'authorization',
  '*.authorization',
  'access_token',
  '*.access_token',
  'accessToken',
  '*.accessToken',
  'token',
  '*.token',
  'password',
  '*.password',
  'passwordHash',
  '*.passwordHash',
  '*.idNumber',
  '*.phone',
  '*.*.idNumber',
  '*.*.phone',
  'data.idNumber',
  'data.phone',
];

/** How long a logged path may be: a 10,000-character path is an attack, not a record. */
const MAX_LOGGED_PATH = 200;

interface RequestLike {
  readonly method?: string;
  readonly url?: string;
  readonly host?: string;
  readonly ip?: string;
  readonly id?: unknown;
}

/** The path of a request URL without its query string (which may carry ?access_token=). */
export function pathOf(url: string | undefined): string {
  const path = (url ?? '').split('?')[0]!.split('#')[0]!;
  return path;
}

/**
 * What a log line says of a request: method, path (never the query string, where a page's token
 * travels; never a header, where the bearer token does), host and the caller's address.
 */
export function requestSerializer(req: RequestLike): Record<string, unknown> {
  const path = pathOf(req.url);
  return {
    method: req.method,
    url:
      path.length > MAX_LOGGED_PATH
        ? `${path.slice(0, MAX_LOGGED_PATH)}…(${path.length} chars)`
        : path,
    host: req.host,
    remoteAddress: req.ip,
  };
}

export const LOG_SERIALIZERS = { req: requestSerializer };

export function createLogger(options: {
  service: string;
  level?: string;
  pretty?: boolean;
  destination?: NodeJS.WritableStream;
}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { service: options.service },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: LOG_SERIALIZERS,
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination
    ? pino(config, options.destination as pino.DestinationStream)
    : pino(config);
}

export type { Logger };
