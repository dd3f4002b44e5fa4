import type { Role } from '@fangyi/contracts';
import { signToken, type User } from '@fangyi/service-kit';

/** The personal-data keys services under test are started with (32 bytes, base64); never used outside tests. */
export const TEST_MASTER_KEY = Buffer.from('fangyi-test-master-key-not-prod!', 'utf8').toString(
  'base64',
);
export const TEST_RESERVATION_KEY = Buffer.from(
  'fangyi-test-reservation-key-0001',
  'utf8',
).toString('base64');

/** The secret that apps under test are built with (at least 32 bytes, like any); never used outside tests. */
export const TEST_AUTH_SECRET = 'fangyi-test-secret-not-for-production';

/**
 * Tests move the apps' clocks (to 2020, or days ahead), so a test token is valid from 2000 to 2100
 * rather than from the real now: not-before and expiry are still checked, against the app's clock.
 */
const TEST_TOKEN_FROM = new Date('2000-01-01T00:00:00Z');
const TEST_TOKEN_TTL_SECONDS = 100 * 365 * 24 * 3600;

export function testUser(
  role: Role,
  communities: readonly string[] = ['*'],
  id = `${role}-test`,
): User {
  return { id, name: id, role, communities };
}

/** A bearer token for a user (default: an admin of every community). */
export function testToken(
  user: User = testUser('admin'),
  secret: string | readonly string[] = TEST_AUTH_SECRET,
): string {
  return signToken(user, secret, { now: TEST_TOKEN_FROM, ttlSeconds: TEST_TOKEN_TTL_SECONDS });
}

/** `{ authorization: 'Bearer …' }` for a user (default: an admin of every community). */
export function authHeader(
  user: User = testUser('admin'),
  secret: string | readonly string[] = TEST_AUTH_SECRET,
): { authorization: string } {
  return { authorization: `Bearer ${testToken(user, secret)}` };
}
