import { z } from 'zod';

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
