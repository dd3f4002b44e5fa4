import type { Role } from '@fangyi/contracts';
import { signToken, type User } from '@fangyi/service-kit';

/** The secret that apps under test are built with; never used outside tests. */
export const TEST_AUTH_SECRET = 'fangyi-test-secret-not-for-production';

export function testUser(role: Role, communities: readonly string[] = ['*'], id = `${role}-test`): User {
  return { id, name: id, role, communities };
}

/** `{ authorization: 'Bearer …' }` for a user (default: an admin of every community). */
export function authHeader(user: User = testUser('admin'), secret = TEST_AUTH_SECRET): { authorization: string } {
  return { authorization: `Bearer ${signToken(user, secret)}` };
}
