import { z } from 'zod';
import { DEFAULT_TIME_ZONE } from './time.ts';

/** Reads configuration from the environment with a zod schema; a bad value stops the process with the variable's name. */
export function readConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid configuration:\n${lines}`);
  }
  return result.data;
}

/** EVENT_STORE_URL names the event store (postgres://, esdb://, sqlite:); DATABASE_URL stands in for it when absent. */
export function withEventStoreUrl(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return env.EVENT_STORE_URL || !env.DATABASE_URL ? env : { ...env, EVENT_STORE_URL: env.DATABASE_URL };
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
    EVENT_STORE_URL: z.string().min(1, 'EVENT_STORE_URL (or DATABASE_URL) is required: postgres://…, esdb://… or sqlite:file'),
    KAFKA_BROKERS: z.string().min(1, 'KAFKA_BROKERS is required (host:port,…)'),
    FANGYI_SCHEMA: z.string().default('fangyi'),
    FANGYI_TOPIC_PREFIX: z.string().default('fangyi'),
    FANGYI_TIME_ZONE: z.string().default(DEFAULT_TIME_ZONE),
    FANGYI_JWT_SECRET: z.string().min(16, 'FANGYI_JWT_SECRET must be at least 16 characters'),
    FANGYI_RELAY: z.enum(['on', 'off']).default('on'),
    // The relay's publish limits (see libs/messaging's README): keep them under the broker's message.max.bytes.
    FANGYI_RELAY_MAX_PUBLISH_MESSAGES: z.coerce.number().int().min(1).default(500),
    FANGYI_RELAY_MAX_PUBLISH_BYTES: z.coerce.number().int().min(1024).default(512 * 1024),
    FANGYI_RELAY_MAX_MESSAGE_BYTES: z.coerce.number().int().min(1024).default(1_000_000),
    FANGYI_RELAY_STANDBY_POLL_MS: z.coerce.number().int().min(50).default(1000),
    LOG_LEVEL: z.string().default('info'),
  };
}
