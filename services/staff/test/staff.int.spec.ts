import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@fangyi/contracts';
import { SqliteEventStore } from '@fangyi/eventstore';
import { createLogger, createServiceApp, type ServiceApp } from '@fangyi/service-kit';
import { TEST_AUTH_SECRET, authHeader } from '@fangyi/testkit';
import {
  applyCallersFromAccounts,
  registerStaff,
  sessionCheckOf,
  staffServiceErrors,
  startStaffDirectory,
  type StaffDirectory,
} from '../src/index.ts';

let dir: string;
let eventStore: SqliteEventStore;
let directory: StaffDirectory;
let app: ServiceApp;
let now = new Date('2026-12-01T01:00:00Z');
const logLines: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fangyi-staff-'));
  eventStore = new SqliteEventStore({ path: join(dir, 'events.db'), clock: () => now });
  const logger = createLogger({
    service: 'staff-test',
    level: 'info',
    destination: new Writable({
      write: (chunk, _e, done) => {
        logLines.push(String(chunk));
        done();
      },
    }),
  });
  directory = await startStaffDirectory({ eventStore, logger });
  app = createServiceApp({
    service: 'staff',
    logger,
    errors: staffServiceErrors,
    authSecret: TEST_AUTH_SECRET,
    clock: () => now,
    sessionCheck: sessionCheckOf(directory),
    rateLimit: false,
  });
  registerStaff(app, {
    eventStore,
    clock: () => now,
    newId: uuidv7,
    authSecret: TEST_AUTH_SECRET,
    directory,
    hashOptions: { N: 1024, r: 8, p: 1 },
  });
  app.get('/probe', async (request) => app.authenticate(request));
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await directory.stop();
  await eventStore.close();
  rmSync(dir, { recursive: true, force: true });
});

const admin = authHeader();
const PASSWORD = '牟家-随访-2020';
const json = { 'content-type': 'application/json' };
const cookieOf = (setCookie: string | string[] | undefined) =>
  String(Array.isArray(setCookie) ? setCookie[0] : setCookie);

describe('staff accounts and console sessions', () => {
  it('an admin creates a caller who signs in with a cookie every route accepts, and nothing shows the token or password', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/staff/accounts',
      headers: { ...admin, ...json },
      payload: {
        loginName: 'caller-moujia-2',
        displayName: '牟家随访员二',
        role: 'caller',
        communities: ['moujia'],
        password: PASSWORD,
      },
    });
    expect(created.statusCode).toBe(201);
    expect(created.body).not.toContain('scrypt');
    expect(created.json().account).toMatchObject({
      loginName: 'caller-moujia-2',
      role: 'caller',
      communities: ['moujia'],
      status: 'active',
    });

    const signIn = await app.inject({
      method: 'POST',
      url: '/staff/session',
      headers: json,
      payload: { loginName: 'Caller-Moujia-2', password: PASSWORD },
    });
    expect(signIn.statusCode).toBe(200);
    const cookie = cookieOf(signIn.headers['set-cookie']);
    expect(cookie).toMatch(
      /^fangyi_session=[\w-]+\.[\w-]+\.[\w-]+; Path=\/; Max-Age=1800; HttpOnly; SameSite=Strict$/,
    );
    const token = cookie.split(';')[0]!.split('=')[1]!;
    expect(signIn.body).not.toContain(token);
    expect(signIn.json()).toMatchObject({
      loginName: 'caller-moujia-2',
      role: 'caller',
      communities: ['moujia'],
    });

    const probe = await app.inject({
      method: 'GET',
      url: '/probe',
      headers: { cookie: `other=1; fangyi_session=${token}` },
    });
    expect(probe.json()).toMatchObject({ id: 'caller-moujia-2', role: 'caller' });
    // A caller is no admin, by cookie as by token.
    expect(
      (
        await app.inject({
          method: 'GET',
          url: '/staff/accounts',
          headers: { cookie: `fangyi_session=${token}` },
        })
      ).statusCode,
    ).toBe(403);

    const log = logLines.join('');
    expect(log).not.toContain(token);
    expect(log).not.toContain(PASSWORD);
    expect(log).not.toContain('scrypt$');
  });

  it('renews a session while used, for at most 12 hours after sign-in; sign-out clears the cookie', async () => {
    const signIn = await app.inject({
      method: 'POST',
      url: '/staff/session',
      headers: json,
      payload: { loginName: 'caller-moujia-2', password: PASSWORD },
    });
    let cookie = cookieOf(signIn.headers['set-cookie']).split(';')[0]!;
    const started = now;
    for (let i = 0; i < 30; i++) {
      now = new Date(now.getTime() + 25 * 60_000);
      const renewed = await app.inject({
        method: 'GET',
        url: '/staff/session',
        headers: { cookie },
      });
      if (now.getTime() - started.getTime() > 12 * 3600_000 + 30_000) {
        expect(renewed.json()).toEqual({ signedIn: false, ended: true });
        expect(
          (await app.inject({ method: 'GET', url: '/probe', headers: { cookie } })).statusCode,
        ).toBe(401);
        break;
      }
      expect(renewed.statusCode).toBe(200);
      cookie = cookieOf(renewed.headers['set-cookie']).split(';')[0]!;
    }
    expect(now.getTime() - started.getTime()).toBeGreaterThan(12 * 3600_000);
    const out = await app.inject({ method: 'DELETE', url: '/staff/session' });
    expect(out.statusCode).toBe(204);
    expect(cookieOf(out.headers['set-cookie'])).toMatch(
      /^fangyi_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/,
    );
    // An idle session ends after 30 minutes.
    const again = await app.inject({
      method: 'POST',
      url: '/staff/session',
      headers: json,
      payload: { loginName: 'caller-moujia-2', password: PASSWORD },
    });
    const idle = cookieOf(again.headers['set-cookie']).split(';')[0]!;
    now = new Date(now.getTime() + 31 * 60_000);
    expect(
      (
        await app.inject({ method: 'GET', url: '/staff/session', headers: { cookie: idle } })
      ).json(),
    ).toMatchObject({ signedIn: false, ended: true });
    const expired = await app.inject({ method: 'GET', url: '/probe', headers: { cookie: idle } });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().code).toBe('UNAUTHENTICATED');
    expect((await app.inject({ method: 'GET', url: '/staff/session' })).json()).toEqual({
      signedIn: false,
    });
  });

  it('refuses a wrong password as an unknown name, locks a name after five failures, and a disabled account loses its session', async () => {
    const wrong = await app.inject({
      method: 'POST',
      url: '/staff/session',
      headers: json,
      payload: { loginName: 'caller-moujia-2', password: 'wrong-password' },
    });
    const unknown = await app.inject({
      method: 'POST',
      url: '/staff/session',
      headers: json,
      payload: { loginName: 'nobody-here', password: 'wrong-password' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().code).toBe('SIGN_IN_FAILED');
    expect(unknown.json().code).toBe('SIGN_IN_FAILED');
    expect(wrong.headers['set-cookie']).toBeUndefined();
    for (let i = 0; i < 5; i++)
      await app.inject({
        method: 'POST',
        url: '/staff/session',
        headers: json,
        payload: { loginName: 'nobody-here', password: 'x' },
      });
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/staff/session',
          headers: json,
          payload: { loginName: 'nobody-here', password: 'x' },
        })
      ).json().code,
    ).toBe('SIGN_IN_LOCKED');

    const signIn = await app.inject({
      method: 'POST',
      url: '/staff/session',
      headers: json,
      payload: { loginName: 'caller-moujia-2', password: PASSWORD },
    });
    const cookie = cookieOf(signIn.headers['set-cookie']).split(';')[0]!;
    const off = await app.inject({
      method: 'POST',
      url: '/staff/accounts/caller-moujia-2/disabling',
      headers: { ...admin, ...json },
      payload: { reason: '调岗' },
    });
    expect(off.statusCode).toBe(201);
    expect(off.json().status).toBe('disabled');
    expect(
      (await app.inject({ method: 'GET', url: '/probe', headers: { cookie } })).statusCode,
    ).toBe(401);
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/staff/session',
          headers: json,
          payload: { loginName: 'caller-moujia-2', password: PASSWORD },
        })
      ).statusCode,
    ).toBe(401);

    // Re-enabled with a new password: the old one no longer works.
    await app.inject({
      method: 'POST',
      url: '/staff/accounts/caller-moujia-2/enabling',
      headers: { ...admin, ...json },
      payload: {},
    });
    await app.inject({
      method: 'POST',
      url: '/staff/accounts/caller-moujia-2/password',
      headers: { ...admin, ...json },
      payload: { password: 'a-new-password-1' },
    });
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/staff/session',
          headers: json,
          payload: { loginName: 'caller-moujia-2', password: PASSWORD },
        })
      ).statusCode,
    ).toBe(401);
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/staff/session',
          headers: json,
          payload: { loginName: 'caller-moujia-2', password: 'a-new-password-1' },
        })
      ).statusCode,
    ).toBe(200);
  });

  it('names the field of bad input and records nothing', async () => {
    const before = (await eventStore.readAll({ limit: 1000 })).length;
    const bad = await app.inject({
      method: 'POST',
      url: '/staff/accounts',
      headers: { ...admin, ...json },
      payload: {
        loginName: 'X Y',
        displayName: '某',
        role: 'system',
        communities: [],
        password: 'short',
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['body.communities', 'body.loginName', 'body.password', 'body.role']);
    expect((await eventStore.readAll({ limit: 1000 })).length).toBe(before);
  });

  it('gives each community the callers of its accounts, and the configured ones elsewhere', async () => {
    await app.inject({
      method: 'POST',
      url: '/staff/accounts',
      headers: { ...admin, ...json },
      payload: {
        loginName: 'caller-zhangcun-9',
        displayName: '张村随访员九',
        role: 'caller',
        communities: ['zhangcun'],
        password: PASSWORD,
      },
    });
    const callers = new Map<string, readonly string[]>();
    applyCallersFromAccounts(
      callers,
      new Map([
        ['zhangcun', ['from-config']],
        ['wenzhang', ['caller-wenzhang-1']],
      ]),
      directory.snapshot(),
    );
    expect(callers.get('zhangcun')).toEqual(['caller-zhangcun-9']);
    expect(callers.get('wenzhang')).toEqual(['caller-wenzhang-1']);
    expect(callers.get('moujia')).toEqual(['caller-moujia-2']);
  });
});
