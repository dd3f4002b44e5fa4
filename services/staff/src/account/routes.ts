import {
  CreateStaffAccountSchema,
  DisableStaffAccountSchema,
  EnableStaffAccountSchema,
  LoginNameSchema,
  ResetStaffPasswordSchema,
  SignInSchema,
} from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import {
  DomainError,
  SESSION_COOKIE,
  SESSION_IDLE_SECONDS,
  SESSION_MAX_SECONDS,
  commandMeta,
  cookieValue,
  fault,
  handleCommand,
  loadAggregate,
  route,
  sessionCookie,
  sessionStartOf,
  signToken,
  type AuthSecret,
  type Clock,
  type ServiceApp,
  type User,
} from '@fangyi/service-kit';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { hashPassword, verifyPassword, type HashOptions } from '../password.ts';
import {
  staffDecider,
  staffStreamId,
  type StaffAccountState,
  type StaffCommand,
} from './account.ts';
import type { StaffDirectory } from './directory.ts';

export interface StaffDeps {
  readonly eventStore: EventStore;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly authSecret: AuthSecret;
  readonly directory: StaffDirectory;
  /** scrypt cost (tests may lower it); default N = 2^15, r = 8, p = 1. */
  readonly hashOptions?: HashOptions;
  readonly idleSeconds?: number;
  readonly maxSeconds?: number;
}

const Params = z.strictObject({ loginName: LoginNameSchema });
/** Failed sign-ins per login name before it is locked, within and for this long. */
const MAX_FAILURES = 5;
const LOCK_MS = 5 * 60_000;

const isHttps = (request: FastifyRequest) =>
  request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';

function userOf(state: Extract<StaffAccountState, { status: 'active' | 'disabled' }>): User {
  return {
    id: state.loginName,
    name: state.displayName,
    role: state.role,
    communities: state.communities,
  };
}

/**
 * Staff accounts and console sessions. Signing in answers with the user (never the token) and
 * sets the session cookie; GET /staff/session answers who is signed in and renews the cookie;
 * DELETE /staff/session signs out. Accounts are the admin's.
 */
export function staffRoutes(app: ServiceApp, deps: StaffDeps): void {
  const idle = deps.idleSeconds ?? SESSION_IDLE_SECONDS;
  const max = deps.maxSeconds ?? SESSION_MAX_SECONDS;
  const failures = new Map<string, { count: number; since: number }>();
  const hash = (password: string) => hashPassword(password, deps.hashOptions);

  const issue = (
    request: FastifyRequest,
    reply: { header(name: string, value: string): unknown },
    user: User,
    startedAt: Date,
  ) => {
    const now = deps.clock();
    const remaining = Math.floor((startedAt.getTime() + max * 1000 - now.getTime()) / 1000);
    const ttl = Math.max(0, Math.min(idle, remaining));
    const token = signToken(user, deps.authSecret, {
      now,
      ttlSeconds: ttl,
      sessionStartedAt: startedAt,
    });
    reply.header('set-cookie', sessionCookie(token, ttl, isHttps(request)));
    return {
      ...user,
      loginName: user.id,
      expiresAt: new Date(now.getTime() + ttl * 1000).toISOString(),
      sessionEndsAt: new Date(startedAt.getTime() + max * 1000).toISOString(),
    };
  };

  const run = async (
    ctx: Parameters<typeof commandMeta>[0],
    loginName: string,
    command: StaffCommand,
  ) => {
    const result = await handleCommand(
      deps.eventStore,
      staffStreamId(loginName),
      staffDecider,
      command,
      commandMeta(ctx, { newId: deps.newId, occurredAt: deps.clock() }),
    );
    await deps.directory.refresh();
    return result;
  };
  const accountView = async (loginName: string) => {
    const item = (await deps.directory.list()).find((a) => a.loginName === loginName);
    if (!item)
      throw new DomainError(
        'STAFF_ACCOUNT_NOT_FOUND',
        loginName,
        fault('loginName', 'no such account'),
      );
    return item;
  };

  route(app, {
    method: 'POST',
    url: '/staff/session',
    summary:
      'Sign in (登录) with login name and password: sets the session cookie (httpOnly, SameSite=Strict) and answers who signed in',
    tags: ['staff'],
    public: true,
    body: SignInSchema,
    handler: async (ctx) => {
      const loginName = ctx.body.loginName.toLowerCase();
      const now = deps.clock().getTime();
      const failed = failures.get(loginName);
      if (failed && failed.count >= MAX_FAILURES && now - failed.since < LOCK_MS)
        throw new DomainError(
          'SIGN_IN_LOCKED',
          `retry after ${new Date(failed.since + LOCK_MS).toISOString()}`,
        );
      const valid = LoginNameSchema.safeParse(loginName).success;
      const { state } = valid
        ? await loadAggregate(deps.eventStore, staffStreamId(loginName), staffDecider)
        : { state: staffDecider.initialState() };
      const ok = await verifyPassword(
        ctx.body.password,
        state.status === 'none' ? undefined : state.passwordHash,
      );
      if (!ok || state.status !== 'active') {
        const f = failed && now - failed.since < LOCK_MS ? failed : { count: 0, since: now };
        failures.set(loginName, { count: f.count + 1, since: f.since });
        throw new DomainError(
          'SIGN_IN_FAILED',
          undefined,
          fault('password', 'wrong login name or password'),
        );
      }
      failures.delete(loginName);
      return { signedIn: true, ...issue(ctx.request, ctx.reply, userOf(state), deps.clock()) };
    },
  });

  route(app, {
    method: 'GET',
    url: '/staff/session',
    summary:
      'Who is signed in ({ signedIn: false } when no one is); a console session is renewed (another 30 min, at most 12 h after sign-in)',
    tags: ['staff'],
    public: true,
    handler: async (ctx) => {
      const credentials =
        ctx.request.headers.authorization ??
        cookieValue(ctx.request.headers.cookie, SESSION_COOKIE);
      // A page that opens before anyone signed in asks who is signed in: an answer, not an error.
      if (!credentials) return { signedIn: false };
      ctx.reply.header('cache-control', 'no-store');
      let user: User;
      try {
        user = app.authenticate(ctx.request);
      } catch (error) {
        // A session that has ended (idle, past 12 h, account disabled): say so and clear the cookie.
        if (ctx.request.headers.authorization || !(error instanceof DomainError)) throw error;
        ctx.reply.header('set-cookie', sessionCookie('', 0, isHttps(ctx.request)));
        return { signedIn: false, ended: true };
      }
      return { signedIn: true, ...(await renew(ctx, user)) };
    },
  });

  const renew = async (
    ctx: { request: FastifyRequest; reply: { header(name: string, value: string): unknown } },
    user: User,
  ) => {
    {
      const token = ctx.request.headers.authorization
        ? undefined
        : cookieValue(ctx.request.headers.cookie, SESSION_COOKIE);
      if (!token) return { ...user, loginName: user.id, expiresAt: null, sessionEndsAt: null };
      return issue(ctx.request, ctx.reply, user, sessionStartOf(token) ?? deps.clock());
    }
  };

  route(app, {
    method: 'DELETE',
    url: '/staff/session',
    summary: 'Sign out (退出): clears the session cookie',
    tags: ['staff'],
    public: true,
    status: 204,
    handler: async (ctx) => {
      ctx.reply
        .header('cache-control', 'no-store')
        .header('set-cookie', sessionCookie('', 0, isHttps(ctx.request)));
      return null;
    },
  });

  route(app, {
    method: 'GET',
    url: '/staff/accounts',
    summary: 'Every staff account (never a password or its hash)',
    tags: ['staff'],
    roles: ['admin'],
    handler: async () => ({ accounts: await deps.directory.list() }),
  });

  route(app, {
    method: 'POST',
    url: '/staff/accounts',
    summary: 'Create a staff account with its role, communities and first password',
    tags: ['staff'],
    roles: ['admin'],
    body: CreateStaffAccountSchema,
    status: 201,
    handler: async (ctx) => {
      const { password, ...account } = ctx.body;
      const result = await run(ctx, account.loginName, {
        type: 'CreateAccount',
        data: { ...account, passwordHash: await hash(password) },
      });
      ctx.reply.header('location', `/staff/accounts/${account.loginName}`);
      return { account: await accountView(account.loginName), revision: result.revision };
    },
  });

  route(app, {
    method: 'GET',
    url: '/staff/accounts/:loginName',
    summary: 'One staff account',
    tags: ['staff'],
    roles: ['admin'],
    params: Params,
    handler: async (ctx) => accountView(ctx.params.loginName),
  });

  route(app, {
    method: 'POST',
    url: '/staff/accounts/:loginName/disabling',
    summary: 'Disable an account: it can no longer sign in, and its sessions end',
    tags: ['staff'],
    roles: ['admin'],
    params: Params,
    body: DisableStaffAccountSchema,
    status: 201,
    handler: async (ctx) => {
      const { loginName } = ctx.params;
      await run(ctx, loginName, {
        type: 'DisableAccount',
        data: { loginName, reason: ctx.body.reason, by: ctx.user.id },
      });
      return accountView(loginName);
    },
  });

  route(app, {
    method: 'POST',
    url: '/staff/accounts/:loginName/enabling',
    summary: 'Enable a disabled account again',
    tags: ['staff'],
    roles: ['admin'],
    params: Params,
    body: EnableStaffAccountSchema,
    status: 201,
    handler: async (ctx) => {
      const { loginName } = ctx.params;
      await run(ctx, loginName, { type: 'EnableAccount', data: { loginName } });
      return accountView(loginName);
    },
  });

  route(app, {
    method: 'POST',
    url: '/staff/accounts/:loginName/password',
    summary: 'Reset the password of an account (the admin tells its holder the new one)',
    tags: ['staff'],
    roles: ['admin'],
    params: Params,
    body: ResetStaffPasswordSchema,
    status: 201,
    handler: async (ctx) => {
      const { loginName } = ctx.params;
      await run(ctx, loginName, {
        type: 'ResetPassword',
        data: { loginName, passwordHash: await hash(ctx.body.password) },
      });
      return accountView(loginName);
    },
  });
}
