import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

// The demo district's staff are the staff service's (its demo accounts are made from them).
export { DEMO_USERS, ESTATES, KUTAO_COMMUNITIES, demoUser } from '@fangyi/staff/demo-users';

/**
 * The embedded mode's token secret: FANGYI_JWT_SECRET if set, otherwise one made at first start
 * and kept beside the event store, so tokens survive a restart.
 */
export function loadOrCreateSecret(fromEnv: string | undefined, path: string): string {
  if (fromEnv) return fromEnv;
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}
