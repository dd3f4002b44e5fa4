import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresEventStore } from '@fangyi/eventstore/postgres';
import { toMessage } from '@fangyi/messaging';
import { KafkaMessageBus } from '@fangyi/messaging/kafka';
import { demoUser, httpTransport, send, seedDistrict } from '@fangyi/scripts/seed';
import { businessDate, signToken } from '@fangyi/service-kit';
import { TEST_AUTH_SECRET, TEST_MASTER_KEY, TEST_RESERVATION_KEY } from '@fangyi/testkit';
import {
  type DistributedStack,
  type ServiceProcess,
  distributedStack,
  embeddedProcess,
  logsOnFailure,
  waitFor,
  waitReady,
} from './processes.ts';

/**
 * The whole district on both modes: the embedded process seeds itself at first start; the
 * distributed services (each its own process, PostgreSQL, Kafka, Redis, behind the gateway) are
 * seeded over HTTP. Both must report the same district figures. Then the flows between services,
 * which run only through Kafka in the distributed mode, are checked on what the seed set off.
 */
describe('the Kutao district, embedded and distributed', { timeout: 300_000 }, () => {
  const today = businessDate(new Date());
  const tokenOf = (id: string) => signToken(demoUser(id), TEST_AUTH_SECRET);
  const officer = { authorization: `Bearer ${tokenOf('report-officer-kutao')}` };

  let dataDir: string;
  let embedded: ServiceProcess | undefined;
  let embeddedBase: string;
  let stack: DistributedStack | undefined;
  let gatewayBase: string;
  let eventStore: PostgresEventStore;

  const common = {
    FANGYI_JWT_SECRET: TEST_AUTH_SECRET,
    FANGYI_MASTER_KEY: TEST_MASTER_KEY,
    FANGYI_RESERVATION_KEY: TEST_RESERVATION_KEY,
    // The missed-check scheduler depends on the hour; both modes leave it off so their figures match.
    FANGYI_SCHEDULER: 'off',
    LOG_LEVEL: 'warn',
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'fangyi-embedded-'));
    ({ process: embedded, base: embeddedBase } = await embeddedProcess({
      ...common,
      FANGYI_DATA_DIR: dataDir,
    }));
    stack = await distributedStack({
      run: 'district',
      services: [
        'quarantine',
        'residents',
        'checkpoints',
        'complaints',
        'staff',
        'analyst',
        'worker',
        'roster',
        'gateway',
      ],
      env: {
        ...common,
        FANGYI_CALLERS:
          'moujia=caller-moujia-1;zhangcun=caller-zhangcun-1;wenzhang=caller-wenzhang-1;zhengzhang=caller-zhengzhang-1',
        // The whole district is seeded over HTTP by one registrar: a bulk import, not a user.
        FANGYI_RATE_LIMIT: 'off',
        FANGYI_COMPLAINT_HANDLERS: '*=complaint-handler-kutao;taoyuanju=estate-officer-taoyuanju',
      },
    });
    eventStore = stack.eventStore;
    gatewayBase = stack.base('gateway');
    // The embedded process listens once its district is built.
    await waitReady(embeddedBase, embedded);
  }, 240_000);

  afterAll(async () => {
    await embedded?.stop();
    await stack?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const processes = () => [...(embedded ? [embedded] : []), ...(stack?.processes ?? [])];
  const showLogs = () => logsOnFailure(processes);
  const get = async <T>(base: string, path: string, headers: Record<string, string>) => {
    const res = await fetch(`${base}${path}`, { headers });
    if (!res.ok) throw new Error(`GET ${path} → ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };
  type Report = {
    total: Record<string, Record<string, number>>;
    communities: { community: string }[];
  };
  let embeddedReport: Report;

  it('seeds the same district in both modes: the daily report figures match', async () => {
    showLogs();
    embeddedReport = await get<Report>(embeddedBase, `/report/daily?date=${today}`, officer);
    expect(embeddedReport.total.households).toMatchObject({
      total: 2610,
      rental: 462,
      apartmentHotel: 6,
    });
    expect(embeddedReport.total.people).toMatchObject({ outside: 290, outsideFromRiskAreas: 13 });
    expect(embeddedReport.total.homeQuarantine!.underQuarantine).toBe(13);
    expect(embeddedReport.total.complaints!.finesYuan).toBeGreaterThan(0);

    const transport = httpTransport(gatewayBase);
    const summary = await seedDistrict(transport, {
      today,
      tokenOf,
      findCase: async (personId) =>
        (
          await send<{ cases: { caseId: string; personId: string }[] }>(
            transport,
            tokenOf('registrar-kutao'),
            'GET',
            '/quarantine/cases?community=moujia',
          )
        ).cases.find((c) => c.personId === personId)?.caseId,
    });
    expect(summary.households).toBe(2610);
    // The read side catches up through Kafka; the figures must come to equal the embedded ones.
    const t0 = Date.now();
    const distributed = await waitFor(
      'the distributed daily report to match the embedded one',
      async () => {
        const r = await get<Report>(gatewayBase, `/report/daily?date=${today}`, officer);
        return JSON.stringify(r.total) === JSON.stringify(embeddedReport.total) ? r : undefined;
      },
      180_000,
      1000,
    ).catch(async (error: Error) => {
      const last = await get<Report>(gatewayBase, `/report/daily?date=${today}`, officer);
      expect(last.total, error.message).toEqual(embeddedReport.total);
      throw error;
    });
    console.info(
      `e2e: distributed report matched the embedded one ${((Date.now() - t0) / 1000).toFixed(1)} s after the seed finished`,
    );
    expect(distributed.communities).toEqual(embeddedReport.communities);
  });

  it('an arrival from Hubei started a home quarantine case, assigned a caller of the community, and revoked nothing it should not', async () => {
    showLogs();
    const registrar = { authorization: `Bearer ${tokenOf('registrar-kutao')}` };
    const cases = await get<{
      cases: {
        caseId: string;
        personId: string;
        community: string;
        assignedCaller: string;
        status: string;
      }[];
    }>(gatewayBase, '/quarantine/cases?community=zhangcun', registrar);
    expect(cases.cases).toHaveLength(11);
    expect(new Set(cases.cases.map((c) => c.assignedCaller))).toEqual(
      new Set(['caller-zhangcun-1']),
    );
    // The quarantine start reached residents through Kafka: the person is marked, and no pass can be issued.
    const person = cases.cases[0]!.personId;
    const refused = await fetch(`${gatewayBase}/residents/people/${person}/pass`, {
      method: 'POST',
      headers: { ...registrar, 'content-type': 'application/json' },
      body: JSON.stringify({ validUntil: today }),
    });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { code: string }).code).toBe('PASS_NOT_ALLOWED');
  });

  it('the arrival event delivered again over Kafka opens no second case', async () => {
    showLogs();
    const arrivals = (await eventStore.readAll({ limit: 10_000 })).filter(
      (e) =>
        e.type === 'residents.person-arrived' &&
        (e.data as { originProvince?: string }).originProvince === '湖北省',
    );
    expect(arrivals.length).toBeGreaterThan(0);
    const bus = new KafkaMessageBus({
      brokers: stack!.brokers.split(','),
      clientId: `${stack!.prefix}-redeliver`,
      logger: pino({ level: 'silent' }),
    });
    try {
      await bus.publish(stack!.topic('residents'), arrivals.map(toMessage));
    } finally {
      await bus.close();
    }
    const registrar = { authorization: `Bearer ${tokenOf('registrar-kutao')}` };
    // Give the policy time to see them; the count of cases must not move.
    await new Promise((r) => setTimeout(r, 5000));
    const zhangcun = await get<{ total: number }>(
      gatewayBase,
      '/quarantine/cases?community=zhangcun&status=all',
      registrar,
    );
    const moujia = await get<{ total: number }>(
      gatewayBase,
      '/quarantine/cases?community=moujia&status=all',
      registrar,
    );
    expect(zhangcun.total + moujia.total).toBe(13);
  });

  it('a substantiated illegal-rental report suspended the host household through Kafka', async () => {
    showLogs();
    const resolved = (await eventStore.readAll({ limit: 10_000 })).filter(
      (e) =>
        e.type === 'complaints.complaint-resolved' &&
        (e.data as { resolution: string; category: string }).resolution === 'substantiated' &&
        (e.data as { category: string }).category === 'illegal-rental',
    );
    expect(resolved.length).toBeGreaterThan(0);
    const householdId = (resolved[0]!.data as { householdId: string }).householdId;
    const registrar = { authorization: `Bearer ${tokenOf('registrar-kutao')}` };
    const household = await waitFor('the rental suspension', async () => {
      const h = await get<{ rental: { status: string } }>(
        gatewayBase,
        `/residents/households/${householdId}`,
        registrar,
      );
      return h.rental.status === 'suspended' ? h : undefined;
    });
    expect(household.rental.status).toBe('suspended');
  });

  it('a checkpoint crossing by someone under home quarantine lands on their case as a breach', async () => {
    showLogs();
    const registrar = { authorization: `Bearer ${tokenOf('registrar-kutao')}` };
    const staff = {
      authorization: `Bearer ${tokenOf('checkpoint-staff-zhangcun')}`,
      'content-type': 'application/json',
    };
    const cases = await get<{ cases: { caseId: string; personId: string }[] }>(
      gatewayBase,
      '/quarantine/cases?community=zhangcun',
      registrar,
    );
    const { caseId, personId } = cases.cases[0]!;
    const opened = (await eventStore.readAll({ limit: 10_000 })).find(
      (e) =>
        e.type === 'checkpoints.checkpoint-opened' &&
        (e.data as { name: string }).name === '张村东卡口',
    );
    const checkpointId = (opened!.data as { checkpointId: string }).checkpointId;
    const res = await fetch(`${gatewayBase}/checkpoints/${checkpointId}/exits`, {
      method: 'POST',
      headers: staff,
      body: JSON.stringify({
        personId,
        temperatureC: 36.5,
        passValid: false,
        at: new Date().toISOString(),
      }),
    });
    expect(res.status).toBe(201);
    const caller = { authorization: `Bearer ${tokenOf('caller-zhangcun-1')}` };
    const view = await waitFor('the breach on the case', async () => {
      const c = await get<{ breaches: number }>(gatewayBase, `/quarantine/cases/${caseId}`, caller);
      return c.breaches === 1 ? c : undefined;
    });
    expect(view.breaches).toBe(1);
  });
});
