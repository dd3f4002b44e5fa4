import type { CreateStaffAccountInput, StaffEvent, StaffAccountRole } from '@fangyi/contracts';
import { DomainError, defineErrors, fault } from '@fangyi/service-kit/errors';

export const staffErrors = defineErrors({
  STAFF_ACCOUNT_NOT_FOUND: { status: 404, title: 'No staff account with this login name' },
  STAFF_ACCOUNT_EXISTS: {
    status: 409,
    title: 'A staff account with this login name exists already',
  },
  STAFF_ACCOUNT_ALREADY_DISABLED: { status: 409, title: 'This staff account is disabled already' },
  STAFF_ACCOUNT_NOT_DISABLED: { status: 409, title: 'This staff account is not disabled' },
  STAFF_ACCOUNT_SELF: { status: 409, title: 'An admin cannot disable their own account' },
  SIGN_IN_FAILED: {
    status: 401,
    title: 'The login name or the password is wrong, or the account is disabled',
  },
  SIGN_IN_LOCKED: {
    status: 429,
    title: 'Too many failed sign-ins for this login name; wait a few minutes',
  },
});

export const staffStreamId = (loginName: string) => `staff-${loginName}`;

// ---- commands: the password arrives hashed; the route hashes it ----

export type CreateAccount = {
  type: 'CreateAccount';
  data: Omit<CreateStaffAccountInput, 'password'> & { passwordHash: string };
};
export type DisableAccount = {
  type: 'DisableAccount';
  data: { loginName: string; reason: string; by: string };
};
export type EnableAccount = { type: 'EnableAccount'; data: { loginName: string } };
export type ResetPassword = {
  type: 'ResetPassword';
  data: { loginName: string; passwordHash: string };
};
export type StaffCommand = CreateAccount | DisableAccount | EnableAccount | ResetPassword;

// ---- state ----

export type StaffAccountState =
  | { readonly status: 'none' }
  | {
      readonly status: 'active' | 'disabled';
      readonly loginName: string;
      readonly displayName: string;
      readonly role: StaffAccountRole;
      readonly communities: readonly string[];
      readonly passwordHash: string;
      /** How many times the password was set (1 at creation). */
      readonly passwordVersion: number;
    };

export const initialState = (): StaffAccountState => ({ status: 'none' });

export function evolve(state: StaffAccountState, event: StaffEvent): StaffAccountState {
  switch (event.type) {
    case 'staff.account-created': {
      const d = event.data;
      return {
        status: 'active',
        loginName: d.loginName,
        displayName: d.displayName,
        role: d.role,
        communities: d.communities,
        passwordHash: d.passwordHash,
        passwordVersion: 1,
      };
    }
    case 'staff.account-disabled':
      return state.status === 'none' ? state : { ...state, status: 'disabled' };
    case 'staff.account-enabled':
      return state.status === 'none' ? state : { ...state, status: 'active' };
    case 'staff.password-reset':
      return state.status === 'none'
        ? state
        : {
            ...state,
            passwordHash: event.data.passwordHash,
            passwordVersion: state.passwordVersion + 1,
          };
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

const notFound = (loginName: string) =>
  new DomainError('STAFF_ACCOUNT_NOT_FOUND', loginName, fault('loginName', 'no such account'));

export function decide(command: StaffCommand, state: StaffAccountState): StaffEvent[] {
  switch (command.type) {
    case 'CreateAccount': {
      if (state.status !== 'none')
        throw new DomainError(
          'STAFF_ACCOUNT_EXISTS',
          command.data.loginName,
          fault('loginName', 'taken'),
        );
      const d = command.data;
      return [
        {
          type: 'staff.account-created',
          data: {
            loginName: d.loginName,
            displayName: d.displayName,
            role: d.role,
            communities: [...new Set(d.communities)],
            passwordHash: d.passwordHash,
          },
        },
      ];
    }
    case 'DisableAccount': {
      const d = command.data;
      if (state.status === 'none') throw notFound(d.loginName);
      if (d.by === d.loginName)
        throw new DomainError(
          'STAFF_ACCOUNT_SELF',
          d.loginName,
          fault('loginName', 'is your own account'),
        );
      if (state.status === 'disabled')
        throw new DomainError(
          'STAFF_ACCOUNT_ALREADY_DISABLED',
          d.loginName,
          fault('loginName', 'disabled already'),
        );
      return [
        { type: 'staff.account-disabled', data: { loginName: d.loginName, reason: d.reason } },
      ];
    }
    case 'EnableAccount': {
      const d = command.data;
      if (state.status === 'none') throw notFound(d.loginName);
      if (state.status === 'active')
        throw new DomainError(
          'STAFF_ACCOUNT_NOT_DISABLED',
          d.loginName,
          fault('loginName', 'is not disabled'),
        );
      return [{ type: 'staff.account-enabled', data: { loginName: d.loginName } }];
    }
    case 'ResetPassword': {
      const d = command.data;
      if (state.status === 'none') throw notFound(d.loginName);
      return [
        {
          type: 'staff.password-reset',
          data: { loginName: d.loginName, passwordHash: d.passwordHash },
        },
      ];
    }
    default: {
      const _exhaustive: never = command;
      throw new Error('unknown command');
    }
  }
}

export const staffDecider = { initialState, evolve, decide };
