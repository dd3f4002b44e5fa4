import { signToken, type AuthSecret, type ServiceApp, type User } from '@fangyi/service-kit';
import type { StaffDirectory } from './directory.ts';

/**
 * The demo district's staff accounts, one per demo user with one password, made through the
 * service's own route as an admin would (so they are events like any other), once: only when no
 * account exists yet. Another instance that made one first is no failure. Answers how many it made.
 */
export async function createDemoAccounts(
  app: Pick<ServiceApp, 'inject'>,
  deps: {
    readonly directory: StaffDirectory;
    readonly authSecret: AuthSecret;
    readonly users: readonly User[];
    readonly password: string;
    readonly adminId?: string;
  },
): Promise<number> {
  if ((await deps.directory.list()).length > 0) return 0;
  const admin =
    deps.users.find((u) => u.id === (deps.adminId ?? 'admin-kutao')) ??
    deps.users.find((u) => u.role === 'admin');
  if (!admin) throw new Error('the demo users have no admin to create their accounts');
  const adminToken = signToken(admin, deps.authSecret, { ttlSeconds: 300 });
  let made = 0;
  for (const u of deps.users) {
    const answer = await app.inject({
      method: 'POST',
      url: '/staff/accounts',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      payload: {
        loginName: u.id,
        displayName: u.name,
        role: u.role,
        communities: u.communities,
        password: deps.password,
      },
    });
    if (answer.statusCode === 201) made += 1;
    else if (answer.json<{ code?: string }>().code !== 'STAFF_ACCOUNT_EXISTS')
      throw new Error(
        `could not create the demo account ${u.id}: ${answer.statusCode} ${answer.json<{ code?: string }>().code ?? ''}`,
      );
  }
  return made;
}
