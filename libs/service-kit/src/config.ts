import { z } from 'zod';
import { parseKey } from './privacy.ts';
import type { RateLimitSettings } from './app.ts';
import { MIN_SECRET_BYTES, type AuthSecret } from './auth.ts';
import { DEFAULT_TIME_ZONE } from './time.ts';

/** Reads configuration from the environment with a zod schema; a bad value stops the process with the variable's name. */
export function readConfig<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid configuration:\n${lines}`);
  }
  return result.data;
}

/** EVENT_STORE_URL names the event store (postgres://, kurrentdb:// or kurrent:// or esdb://, sqlite:); DATABASE_URL stands in for it when absent. */
export function withEventStoreUrl(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return env.EVENT_STORE_URL || !env.DATABASE_URL
    ? env
    : { ...env, EVENT_STORE_URL: env.DATABASE_URL };
}

/**
 * What every command service reads (quarantine, residents, checkpoints, complaints): where it
 * listens, its event store, Kafka, the token secret, the topic prefix, whether it relays and the relay's limits.
 * Spread it into the service's own schema: `z.object({ ...commandServiceConfig(3001), … })`.
 */
export function commandServiceConfig(defaultPort: number) {
  return {
    PORT: z.coerce.number().int().min(0).max(65535).default(defaultPort),
    HOST: z.string().default('127.0.0.1'),
    EVENT_STORE_URL: z
      .string()
      .min(
        1,
        'EVENT_STORE_URL (or DATABASE_URL) is required: postgres://…, kurrentdb://… or sqlite:file',
      ),
    KAFKA_BROKERS: z.string().min(1, 'KAFKA_BROKERS is required (host:port,…)'),
    FANGYI_SCHEMA: z.string().default('fangyi'),
    FANGYI_TOPIC_PREFIX: z.string().default('fangyi'),
    FANGYI_TIME_ZONE: z.string().default(DEFAULT_TIME_ZONE),
    ...tokenSecretConfig(),
    FANGYI_RELAY: z.enum(['on', 'off']).default('on'),
    // The relay's publish limits (see libs/messaging's README): keep them under the broker's message.max.bytes.
    FANGYI_RELAY_MAX_PUBLISH_MESSAGES: z.coerce.number().int().min(1).default(500),
    FANGYI_RELAY_MAX_PUBLISH_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(512 * 1024),
    FANGYI_RELAY_MAX_MESSAGE_BYTES: z.coerce.number().int().min(1024).default(1_000_000),
    FANGYI_RELAY_STANDBY_POLL_MS: z.coerce.number().int().min(50).default(1000),
    LOG_LEVEL: z.string().default('info'),
    ...rateLimitConfig(),
  };
}

const secretOfLength = (name: string) =>
  z
    .string()
    .refine(
      (s) => Buffer.byteLength(s, 'utf8') >= MIN_SECRET_BYTES,
      `${name} must be at least ${MIN_SECRET_BYTES} bytes (256 bits; openssl rand -base64 32)`,
    );

/**
 * The token secrets: FANGYI_JWT_SECRET signs and verifies; during a rotation the one it replaces
 * stays in FANGYI_JWT_PREVIOUS_SECRET, still accepted, until the tokens it signed have expired.
 */
export function tokenSecretConfig() {
  return {
    FANGYI_JWT_SECRET: secretOfLength('FANGYI_JWT_SECRET'),
    // Empty is absent: compose passes `${FANGYI_JWT_PREVIOUS_SECRET:-}` outside a rotation.
    FANGYI_JWT_PREVIOUS_SECRET: z.preprocess(
      (v) => (v === '' ? undefined : v),
      secretOfLength('FANGYI_JWT_PREVIOUS_SECRET').optional(),
    ),
  };
}

export function tokenSecretsOf(config: {
  FANGYI_JWT_SECRET: string;
  FANGYI_JWT_PREVIOUS_SECRET?: string | undefined;
}): AuthSecret {
  return config.FANGYI_JWT_PREVIOUS_SECRET
    ? [config.FANGYI_JWT_SECRET, config.FANGYI_JWT_PREVIOUS_SECRET]
    : config.FANGYI_JWT_SECRET;
}

/** API rate limits, per user: FANGYI_RATE_LIMIT=off turns them off; the defaults are generous. */
export function rateLimitConfig() {
  return {
    FANGYI_RATE_LIMIT: z.enum(['on', 'off']).default('on'),
    FANGYI_RATE_LIMIT_MAX: z.coerce.number().int().min(1).default(1200),
    FANGYI_RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).default(60),
  };
}

export function rateLimitOf(config: {
  FANGYI_RATE_LIMIT: 'on' | 'off';
  FANGYI_RATE_LIMIT_MAX: number;
  FANGYI_RATE_LIMIT_WINDOW_SECONDS: number;
}): RateLimitSettings | false {
  return config.FANGYI_RATE_LIMIT === 'off'
    ? false
    : {
        max: config.FANGYI_RATE_LIMIT_MAX,
        timeWindowMs: config.FANGYI_RATE_LIMIT_WINDOW_SECONDS * 1000,
      };
}

const keyOf32Bytes = (name: string) =>
  z.string().refine((s) => {
    try {
      parseKey(s, name);
      return true;
    } catch {
      return false;
    }
  }, `${name} must be 32 bytes, base64 (openssl rand -base64 32)`);

/**
 * The personal-data keys: FANGYI_MASTER_KEY wraps each person's data key in the key table;
 * FANGYI_RESERVATION_KEY names ID-number reservation streams (HMAC) and is never rotated, since
 * the stream names depend on it. FANGYI_KEYS_URL puts the key table elsewhere than the event store
 * (needed with KurrentDB, which has no tables).
 */
export function privacyConfig() {
  return {
    FANGYI_MASTER_KEY: keyOf32Bytes('FANGYI_MASTER_KEY'),
    FANGYI_RESERVATION_KEY: keyOf32Bytes('FANGYI_RESERVATION_KEY'),
    FANGYI_KEYS_URL: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  };
}
