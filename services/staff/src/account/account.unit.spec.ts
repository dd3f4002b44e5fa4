import { describe, expect, it } from 'vitest';
import type { StaffEvent } from '@fangyi/contracts';
import { deciderSpec } from '@fangyi/testkit';
import { hashPassword, verifyPassword } from '../password.ts';
import { staffDecider, type StaffCommand } from './account.ts';

const spec = deciderSpec(staffDecider);
const HASH = 'scrypt$1024$8$1$c2FsdA$a2V5';
const created: StaffEvent = {
  type: 'staff.account-created',
  data: {
    loginName: 'caller-moujia-2',
    displayName: '牟家随访员二',
    role: 'caller',
    communities: ['moujia'],
    passwordHash: HASH,
  },
};
const create: StaffCommand = {
  type: 'CreateAccount',
  data: {
    loginName: 'caller-moujia-2',
    displayName: '牟家随访员二',
    role: 'caller',
    communities: ['moujia', 'moujia'],
    passwordHash: HASH,
  },
};
const disabled: StaffEvent = {
  type: 'staff.account-disabled',
  data: { loginName: 'caller-moujia-2', reason: '调岗' },
};
const disable: StaffCommand = {
  type: 'DisableAccount',
  data: { loginName: 'caller-moujia-2', reason: '调岗', by: 'admin-kutao' },
};

describe('staff accounts', () => {
  it('creates an account once, its communities without repeats', () => {
    spec.given([]).when(create).then([created]);
    spec
      .given([created])
      .when(create)
      .thenThrows('STAFF_ACCOUNT_EXISTS', { fields: ['loginName'] });
  });

  it('disables an active account, and enables a disabled one', () => {
    spec.given([created]).when(disable).then([disabled]);
    spec.given([created, disabled]).when(disable).thenThrows('STAFF_ACCOUNT_ALREADY_DISABLED');
    spec
      .given([created, disabled])
      .when({ type: 'EnableAccount', data: { loginName: 'caller-moujia-2' } })
      .then([{ type: 'staff.account-enabled', data: { loginName: 'caller-moujia-2' } }]);
    spec
      .given([created])
      .when({ type: 'EnableAccount', data: { loginName: 'caller-moujia-2' } })
      .thenThrows('STAFF_ACCOUNT_NOT_DISABLED');
  });

  it('refuses an admin disabling their own account, and anything on an unknown one', () => {
    spec
      .given([created])
      .when({
        type: 'DisableAccount',
        data: { loginName: 'caller-moujia-2', reason: 'x', by: 'caller-moujia-2' },
      })
      .thenThrows('STAFF_ACCOUNT_SELF');
    spec
      .given([])
      .when(disable)
      .thenThrows('STAFF_ACCOUNT_NOT_FOUND', { fields: ['loginName'] });
    spec
      .given([])
      .when({ type: 'ResetPassword', data: { loginName: 'caller-moujia-2', passwordHash: HASH } })
      .thenThrows('STAFF_ACCOUNT_NOT_FOUND');
  });

  it('resets a password, disabled or not', () => {
    const reset: StaffEvent = {
      type: 'staff.password-reset',
      data: { loginName: 'caller-moujia-2', passwordHash: HASH },
    };
    spec
      .given([created, disabled])
      .when({ type: 'ResetPassword', data: { loginName: 'caller-moujia-2', passwordHash: HASH } })
      .then([reset]);
  });
});

describe('password hashes', () => {
  it('verify the password they were made from and no other; two hashes of one password differ (salt)', async () => {
    const options = { N: 1024, r: 8, p: 1 };
    const a = await hashPassword('正确的密码-horse', options);
    const b = await hashPassword('正确的密码-horse', options);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('horse');
    expect(await verifyPassword('正确的密码-horse', a)).toBe(true);
    expect(await verifyPassword('正确的密码-horsf', a)).toBe(false);
    expect(await verifyPassword('anything', undefined)).toBe(false);
    expect(await verifyPassword('anything', 'not a hash')).toBe(false);
  });
});
