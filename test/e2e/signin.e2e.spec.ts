import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresEventStore } from '@fangyi/eventstore/postgres';
import { businessDate } from '@fangyi/service-kit';
import { registerPerson } from '../../services/quarantine/test/residents.ts';
import {
  type DistributedStack,
  type ServiceProcess,
  distributedStack,
  logsOnFailure,
  waitFor,
} from './processes.ts';

/**
 * Console sign-in in the distributed mode, through the real path: the staff service (its demo
 * accounts made at first start), the quarantine service and the roster API, each its own process on
 * PostgreSQL, Kafka and Redis, behind the gateway. A caller signs in with the session cookie and
 * reads; an admin disables the account; the other services follow the staff events on the event
 * store's log and refuse the old cookie. No token and no password in any process's log.
 */
describe('signing in to the console in the distributed mode', { timeout: 240_000 }, () => {
  const password = `演示-${randomUUID().slice(0, 12)}`;
  let stack: DistributedStack | undefined;
  let processes: ServiceProcess[] = [];
  let gateway: string;
  let eventStore: PostgresEventStore;

  beforeAll(async () => {
    stack = await distributedStack({
      run: 'signin',
      // The residents, checkpoints and complaints services are not started: the gateway answers 503 for them, which nothing below asks.
      services: ['staff', 'quarantine', 'roster', 'gateway'],
      // Every request logged, so the check that no token or password is in a log has lines to read.
      env: { LOG_LEVEL: 'info' },
      serviceEnv: {
        staff: { FANGYI_DEMO_PASSWORD: password },
        // The configured callers are the fallback of a community with no caller accounts.
        quarantine: { FANGYI_CALLERS: 'moujia=caller-configured-1' },
      },
    });
    processes = stack.processes;
    eventStore = stack.eventStore;
    gateway = stack.base('gateway');
  }, 200_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const showLogs = () => logsOnFailure(() => processes);
  const signIn = async (loginName: string) => {
    const res = await fetch(`${gateway}/staff/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ loginName, password }),
    });
    expect(res.status, `${loginName} signs in`).toBe(200);
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(
      /^fangyi_session=[\w-]+\.[\w-]+\.[\w-]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/,
    );
    const cookie = setCookie.split(';')[0]!;
    const body = await res.text();
    expect(body).not.toContain(cookie.split('=')[1]!);
    return {
      cookie,
      body: JSON.parse(body) as { loginName: string; role: string; communities: string[] },
    };
  };
  const get = (path: string, cookie: string) => fetch(`${gateway}${path}`, { headers: { cookie } });

  let callerToken = '';
  let adminToken = '';

  it('a demo caller signs in through the gateway and reads the roster and their cases with the cookie alone', async () => {
    showLogs();
    const wrong = await fetch(`${gateway}/staff/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ loginName: 'caller-moujia-1', password: `${password}x` }),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();

    const { cookie, body } = await signIn('caller-moujia-1');
    callerToken = cookie.split('=')[1]!;
    expect(body).toMatchObject({
      loginName: 'caller-moujia-1',
      role: 'caller',
      communities: ['moujia'],
    });
    const session = await get('/staff/session', cookie);
    expect(await session.json()).toMatchObject({ signedIn: true, loginName: 'caller-moujia-1' });
    const roster = await get('/roster', cookie);
    expect(roster.status, await roster.clone().text()).toBe(200);
    expect(await roster.json()).toMatchObject({ entries: [] });
    const cases = await get('/quarantine/cases', cookie);
    expect(cases.status, await cases.clone().text()).toBe(200);
    // No cookie, no roster.
    expect((await fetch(`${gateway}/roster`)).status).toBe(401);
  });

  it('the admin disables the caller: the old cookie is refused by the staff, roster and quarantine services', async () => {
    showLogs();
    const admin = await signIn('admin-kutao');
    adminToken = admin.cookie.split('=')[1]!;
    const disabled = await fetch(`${gateway}/staff/accounts/caller-moujia-1/disabling`, {
      method: 'POST',
      headers: { cookie: admin.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: '调离岗位' }),
    });
    expect(disabled.status, await disabled.clone().text()).toBe(201);
    expect(await disabled.json()).toMatchObject({
      loginName: 'caller-moujia-1',
      status: 'disabled',
    });
    const cookie = `fangyi_session=${callerToken}`;

    // The staff service answers from the directory its command refreshed: ended at once.
    const session = await get('/staff/session', cookie);
    expect(await session.json()).toMatchObject({ signedIn: false, ended: true });
    // The others follow the staff events on the event store's log (a read every half second).
    for (const path of ['/roster', '/quarantine/cases']) {
      const status = await waitFor(
        `${path} to refuse the disabled account's cookie`,
        async () => {
          const res = await get(path, cookie);
          return res.status === 401 ? res.status : false;
        },
        5_000,
        100,
      );
      expect(status).toBe(401);
    }
    const refused = await get('/roster', cookie);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    // The admin's session is untouched, and the caller cannot sign in again.
    expect((await get('/roster', admin.cookie)).status).not.toBe(401);
    const again = await fetch(`${gateway}/staff/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ loginName: 'caller-moujia-1', password }),
    });
    expect(again.status).toBe(401);
  });

  it("the quarantine service assigns cases to the community's active caller accounts, not to a disabled one", async () => {
    showLogs();
    const admin = await signIn('admin-kutao');
    const created = await fetch(`${gateway}/staff/accounts`, {
      method: 'POST',
      headers: { cookie: admin.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({
        loginName: 'caller-moujia-9',
        displayName: '牟家随访员九',
        role: 'caller',
        communities: ['moujia'],
        password,
      }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    // A person as the residents service registers them, on the shared log: a case starts only for someone registered.
    const { personId } = await registerPerson(eventStore, { name: '李娜' });
    const registrar = await signIn('registrar-kutao');
    const start = (assignedCaller: string) =>
      fetch(`${gateway}/quarantine/cases`, {
        method: 'POST',
        headers: { cookie: registrar.cookie, 'content-type': 'application/json' },
        body: JSON.stringify({
          personId,
          personName: '李娜',
          community: 'moujia',
          startDate: businessDate(new Date()),
          reason: 'arrival-from-risk-area',
          assignedCaller,
        }),
      });
    // The disabled caller is no caller of moujia; the new account is, in place of the configured one.
    let last = '';
    const refusal = await waitFor(
      'the quarantine service to know the new caller account',
      async () => {
        const res = await start('caller-moujia-1');
        last = `${res.status} ${await res.text()}`;
        return res.status === 422 && last.includes('caller-moujia-9') ? last.slice(4) : false;
      },
      5_000,
      100,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last answer: ${last}`);
    });
    expect(JSON.parse(refusal)).toMatchObject({
      code: 'CALLER_NOT_OF_COMMUNITY',
      errors: [{ field: 'body.assignedCaller' }],
    });
    expect(refusal).not.toContain('caller-configured-1');
    const started = await start('caller-moujia-9');
    expect(started.status, await started.clone().text()).toBe(201);
    const { caseId } = (await started.json()) as { caseId: string };
    const theCase = await get(`/quarantine/cases/${caseId}`, registrar.cookie);
    expect(await theCase.json()).toMatchObject({
      assignedCaller: 'caller-moujia-9',
      community: 'moujia',
    });
  });

  it('no process wrote a session token or the password to its log', () => {
    showLogs();
    expect(callerToken).not.toBe('');
    expect(adminToken).not.toBe('');
    for (const p of processes) {
      expect(p.output.length, `${p.name} logged its requests`).toBeGreaterThan(0);
      for (const secret of [callerToken, adminToken, password])
        expect(p.output.includes(secret), `${p.name}'s log holds a secret`).toBe(false);
    }
    // The gateway forwarded the sign-ins: its log has the requests, without their bodies or cookies.
    expect(processes.find((p) => p.name === 'gateway')!.output).toContain('/staff/session');
  });
});
