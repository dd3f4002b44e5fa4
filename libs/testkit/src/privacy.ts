import { randomBytes } from 'node:crypto';
import { SqlitePersonalKeys } from '@fangyi/eventstore';
import { createVault, type PersonalDataVault } from '@fangyi/service-kit';
import { TEST_RESERVATION_KEY } from './auth.ts';

/** The naming key (FANGYI_RESERVATION_KEY) apps under test are built with; never used outside tests. */
export const TEST_NAMING_KEY = Buffer.from(TEST_RESERVATION_KEY, 'base64');

/**
 * A vault on a real key table (SQLite, in memory) with a fresh master key, for apps under test
 * that seal personal values but whose test is not about where the keys live.
 */
export function testVault(): {
  readonly vault: PersonalDataVault;
  readonly keys: SqlitePersonalKeys;
} {
  const keys = new SqlitePersonalKeys({ path: ':memory:' });
  return { keys, vault: createVault({ keys, masterKey: randomBytes(32) }) };
}
