/**
 * Prints a bearer token for a user. `npm run token -- caller-moujia-1` signs one for a demo user
 * with the embedded mode's secret (.data/jwt-secret, or FANGYI_JWT_SECRET); any user can be made:
 *   npm run token -- --id caller-7 --role caller --communities moujia,zhangcun [--hours 12]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RoleSchema } from '@fangyi/contracts';
import { signToken, type User } from '@fangyi/service-kit';
import { DEMO_USERS } from './seed/users.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    id: { type: 'string' },
    role: { type: 'string' },
    communities: { type: 'string' },
    name: { type: 'string' },
    hours: { type: 'string', default: '12' },
  },
});

let user: User | undefined;
if (positionals[0]) {
  user = DEMO_USERS.find((u) => u.id === positionals[0]);
  if (!user) {
    console.error(
      `no demo user ${positionals[0]}; demo users: ${DEMO_USERS.map((u) => u.id).join(', ')}`,
    );
    process.exit(2);
  }
} else if (values.id && values.role && values.communities) {
  const role = RoleSchema.safeParse(values.role);
  if (!role.success) {
    console.error(`--role must be one of ${RoleSchema.options.join(', ')}`);
    process.exit(2);
  }
  user = {
    id: values.id,
    name: values.name ?? values.id,
    role: role.data,
    communities: values.communities.split(','),
  };
} else {
  console.error(
    'usage: npm run token -- DEMO_USER_ID | --id ID --role ROLE --communities a,b [--hours 12]',
  );
  process.exit(2);
}
const secret =
  process.env.FANGYI_JWT_SECRET ??
  readFileSync(join(process.env.FANGYI_DATA_DIR ?? '.data', 'jwt-secret'), 'utf8').trim();
console.log(signToken(user, secret, { ttlSeconds: Number(values.hours) * 3600 }));
