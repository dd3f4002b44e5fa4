import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { idNumberCheckChar } from '@fangyi/contracts';
import { demoUser } from '@fangyi/scripts/seed';
import { businessDate, signToken } from '@fangyi/service-kit';
import { TEST_AUTH_SECRET } from '@fangyi/testkit';
import { type ServiceProcess, embeddedProcess, waitFor, waitReady } from './processes.ts';

/**
 * The embedded mode's promise: a reaction of one service to another's event (an arrival from
 * Hubei → a home quarantine case → the person marked and their pass revoked) happens exactly once,
 * however the process dies. Arrivals are acknowledged and the process is killed with SIGKILL at
 * once, before the policies have had a chance to react; after each restart every reaction arrives,
 * and none twice.
 */
describe('embedded mode: reactions survive kill -9', { timeout: 240_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fangyi-restart-'));
  const registrar = {
    authorization: `Bearer ${signToken(demoUser('registrar-kutao'), TEST_AUTH_SECRET)}`,
  };
  const caller = {
    authorization: `Bearer ${signToken(demoUser('caller-zhangcun-1'), TEST_AUTH_SECRET)}`,
  };
  const today = businessDate(new Date());
  let embedded: ServiceProcess | undefined;
  let base = '';

  const start = async () => {
    ({ process: embedded, base } = await embeddedProcess({
      FANGYI_DATA_DIR: dataDir,
      FANGYI_DEMO: 'false',
    }));
    await waitReady(base, embedded);
  };
  const post = async (url: string, body: object) => {
    const res = await fetch(`${base}${url}`, {
      method: 'POST',
      headers: { ...registrar, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    expect(res.status, text).toBe(201);
    return JSON.parse(text) as Record<string, unknown>;
  };
  let seq = 101;
  /** One person from Hubei, arrived today, in a new rental household of Zhangcun: the arrival policy must open a case. */
  const arrive = async (): Promise<string> => {
    const { householdId } = await post('/residents/households', {
      community: 'zhangcun',
      grid: 'zhangcun-01',
      address: `张村河路${seq}号`,
      kind: 'rental',
    });
    const first17 = `42010619900101${String(seq).padStart(3, '0')}`;
    seq += 2;
    const { personId } = await post('/residents/people', {
      householdId,
      name: '王芳',
      idNumber: first17 + idNumberCheckChar(first17),
      phone: '13800000000',
      registration: 'outside',
      originProvince: '湖北省',
      originCity: '武汉市',
      arrivedOn: today,
      travelHistory: [],
    });
    return personId as string;
  };
  const get = async <T>(url: string, headers: Record<string, string>): Promise<T> => {
    const res = await fetch(`${base}${url}`, { headers });
    expect(res.status, url).toBe(200);
    return (await res.json()) as T;
  };

  afterAll(async () => {
    await embedded?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('every arrival gets exactly one case and one quarantine mark, across two kills', async () => {
    onTestFailed(() => console.error(embedded?.tail(80)));
    const people: string[] = [];
    await start();
    for (let i = 0; i < 5; i++) people.push(await arrive());
    await embedded!.kill();
    await start();
    for (let i = 0; i < 5; i++) people.push(await arrive());
    await embedded!.kill();
    await start();

    type Case = { caseId: string; personId: string; status: string };
    const cases = await waitFor(
      'a case for each of the ten arrivals',
      async () => {
        const { cases } = await get<{ cases: Case[] }>(
          '/quarantine/cases?community=zhangcun',
          caller,
        );
        return people.every((p) => cases.some((c) => c.personId === p)) ? cases : undefined;
      },
      60_000,
      200,
    );
    const perPerson = people.map((p) => cases.filter((c) => c.personId === p).length);
    expect(perPerson).toEqual(people.map(() => 1));
    expect(cases).toHaveLength(10);

    // The residents policy reacted to each case: the person is under quarantine, once.
    for (const personId of people) {
      const person = await waitFor(
        `person ${personId} marked under quarantine`,
        async () => {
          const p = await get<{ quarantineCases: string[] }>(
            `/residents/people/${personId}`,
            registrar,
          );
          return p.quarantineCases.length > 0 ? p : undefined;
        },
        30_000,
        200,
      );
      expect(person.quarantineCases).toEqual([cases.find((c) => c.personId === personId)!.caseId]);
      const history = await get<{ type: string }[]>(
        `/residents/people/${personId}/history`,
        registrar,
      );
      expect(history.filter((e) => e.type === 'residents.quarantine-marked')).toHaveLength(1);
    }
  });
});
