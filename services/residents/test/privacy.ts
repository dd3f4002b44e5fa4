import { randomBytes } from 'node:crypto';
import { SqlitePersonalKeys, type PersonalKeyStore } from '@fangyi/eventstore';
import { PostgresPersonalKeys } from '@fangyi/eventstore/postgres';
import { createVault, type PersonalDataVault } from '@fangyi/service-kit';

import { TEST_RESERVATION_KEY as RESERVATION_KEY_TEXT } from '@fangyi/testkit';

/** The reservation key apps under test are built with; never used outside tests. */
export const TEST_RESERVATION_KEY = Buffer.from(RESERVATION_KEY_TEXT, 'base64');

export interface TestVault {
  readonly vault: PersonalDataVault;
  readonly keys: PersonalKeyStore;
}

/** The vault on the key table in the event store's own SQLite file, with a fresh master key. */
export function sqliteVault(path: string): TestVault {
  const keys = new SqlitePersonalKeys({ path });
  return { keys, vault: createVault({ keys, masterKey: randomBytes(32) }) };
}

/** The vault on the key table in the event store's PostgreSQL schema. */
export async function postgresVault(connectionString: string, schema: string): Promise<TestVault> {
  const keys = await PostgresPersonalKeys.create({ connectionString, schema });
  return { keys, vault: createVault({ keys, masterKey: randomBytes(32) }) };
}
