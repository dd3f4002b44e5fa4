import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openPrivacy } from '@fangyi/service-kit';
import type { ReporterLookup } from '../timeline.ts';

/**
 * The vault and naming key for the timeline's reported complaints, when the tool has them: from
 * FANGYI_MASTER_KEY and FANGYI_RESERVATION_KEY, or, on the embedded data directory, from the key
 * files `npm start` keeps there. Never made here: without them the timeline matches only phones
 * recorded in clear.
 */
export async function reporterLookupFor(options: {
  storeUrl: string;
  schema: string;
  dataDir: string | null;
}): Promise<{ lookup: ReporterLookup; close: () => Promise<void> }> {
  const secret = (env: string, file: string) => {
    const value = process.env[env];
    if (value) return value;
    const path = options.dataDir ? join(options.dataDir, file) : null;
    return path && existsSync(path) ? readFileSync(path, 'utf8').trim() : null;
  };
  const master = secret('FANGYI_MASTER_KEY', 'master-key');
  const naming = secret('FANGYI_RESERVATION_KEY', 'reservation-key');
  if (!master || !naming) return { lookup: {}, close: async () => {} };
  const privacy = await openPrivacy({
    EVENT_STORE_URL: options.storeUrl,
    FANGYI_SCHEMA: options.schema,
    FANGYI_KEYS_URL: process.env.FANGYI_KEYS_URL || undefined,
    FANGYI_MASTER_KEY: master,
    FANGYI_RESERVATION_KEY: naming,
  });
  return {
    lookup: { vault: privacy.vault, namingKey: privacy.namingKey },
    close: () => privacy.keys.close(),
  };
}
