import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idNumberCheckChar } from '@fangyi/contracts';
import { businessDate, signToken, type User } from '@fangyi/service-kit';
import { freePort } from '@fangyi/testkit';

// Another street office runs the same code with its own district file: no code change, only
// FANGYI_CONFIG. Its routes take its places and refuse Kutao's; its policies use its risk areas,
// period and fever threshold; its report and console show its names.

const REPO_ROOT = resolve(import.meta.dirname, '../../..');
const SECRET = 'other-district-test-secret-of-32-bytes!!';
const kutao = JSON.parse(readFileSync(join(REPO_ROOT, 'config/district.json'), 'utf8')) as Record<
  string,
  unknown
>;
const QINGSHAN = {
  ...kutao,
  name: '青山管区',
  districts: [{ id: 'qingshan', label: '青山' }],
  communities: [
    {
      id: 'hongqi',
      label: '红旗',
      district: 'qingshan',
      grids: [{ id: 'hongqi-01' }, { id: 'hongqi-02' }],
    },
    { id: 'dongfeng', label: '东风', district: 'qingshan' },
  ],
  estates: [{ id: 'lakeside', label: '湖畔花园', district: 'qingshan' }],
  riskAreas: { areas: ['浙江省/温州市'], heading: '温州籍' },
  quarantinePeriodDays: 7,
  // Both slots take a check whenever the test runs: the afternoon's is open from 00:30 (and taken
  // 30 minutes early), the morning's is open or closed, and a check for a closed slot is taken late.
  // (With 00:00-12:00 and 12:00-24:00 the afternoon's was refused before 11:30 in Shanghai.)
  slotWindows: { am: '00:00-00:30', pm: '00:30-24:00' },
  feverThresholdC: 37.5,
};

const user = (id: string, role: User['role'], communities: string[]): User => ({
  id,
  name: id,
  role,
  communities,
});
const REGISTRAR = user('registrar-qingshan', 'registrar', ['hongqi', 'dongfeng', 'zhangcun']);
const CALLER = user('caller-hongqi-1', 'caller', ['hongqi']);
const HANDLER = user('complaint-handler-qingshan', 'complaint-handler', ['*']);
const OFFICER = user('report-officer-qingshan', 'report-officer', ['*']);

describe('the embedded process with another district file (FANGYI_CONFIG)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fangyi-qingshan-'));
  let child: ChildProcess;
  let base = '';
  let output = '';

  const call = async (who: User, method: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, {
      method,
      headers: {
        authorization: `Bearer ${signToken(who, SECRET)}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: the test reads answers of many shapes, each checked by its expectations
    let json: any = null;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: res.status, json, text };
  };
  const refusedFor = async (who: User, path: string, body: unknown) => {
    const res = await call(who, 'POST', path, body);
    expect(res.status, res.text).toBe(400);
    return res.json.errors as { field: string; message: string }[];
  };

  beforeAll(async () => {
    writeFileSync(join(dir, 'qingshan.json'), JSON.stringify(QINGSHAN));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [join(REPO_ROOT, 'services/embedded/src/main.ts')], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        FANGYI_CONFIG: join(dir, 'qingshan.json'),
        FANGYI_DATA_DIR: join(dir, 'data'),
        PORT: String(port),
        FANGYI_JWT_SECRET: SECRET,
        FANGYI_DEMO: 'false',
        FANGYI_SCHEDULER: 'off',
        FANGYI_RATE_LIMIT: 'off',
        FANGYI_CALLERS: 'hongqi=caller-hongqi-1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((ok, fail) => {
      const keep = (b: Buffer) => {
        output += b.toString();
        if (output.includes('is running')) ok();
      };
      child.stdout!.on('data', keep);
      child.stderr!.on('data', keep);
      child.once('exit', (code) => fail(new Error(`embedded exited ${code}: ${output}`)));
    });
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("takes its own communities, estates and grids and refuses Kutao's, naming the field", async () => {
    const household = { grid: 'hongqi-01', address: '红旗路 1号', kind: 'rental' };
    expect(
      (
        await call(REGISTRAR, 'POST', '/residents/households', {
          community: 'hongqi',
          ...household,
        })
      ).status,
    ).toBe(201);
    expect(
      await refusedFor(REGISTRAR, '/residents/households', {
        community: 'zhangcun',
        ...household,
        grid: 'zhangcun-01',
      }),
    ).toEqual([{ field: 'body.community', message: 'unknown community "zhangcun"' }]);
    expect(
      await refusedFor(REGISTRAR, '/residents/households', {
        community: 'hongqi',
        ...household,
        grid: 'hongqi-09',
      }),
    ).toEqual([{ field: 'body.grid', message: 'unknown grid of hongqi "hongqi-09"' }]);

    const complaint = {
      channel: 'phone',
      category: 'sanitation',
      description: '垃圾没有清运',
      reporter: { anonymous: true },
      receivedAt: new Date().toISOString(),
    };
    const filed = await call(HANDLER, 'POST', '/complaints', { ...complaint, estate: 'lakeside' });
    expect(filed.status, filed.text).toBe(201);
    expect(await refusedFor(HANDLER, '/complaints', { ...complaint, estate: 'taoyuanju' })).toEqual(
      [{ field: 'body.estate', message: 'unknown estate "taoyuanju"' }],
    );
    expect((await call(HANDLER, 'GET', '/complaints/queue?estate=taoyuanju')).json.errors).toEqual([
      { field: 'query.estate', message: 'unknown estate "taoyuanju"' },
    ]);

    const checkpoint = {
      name: '红旗东卡口',
      location: '红旗东入口',
      kind: 'road',
      staffedHours: 24,
    };
    const opened = await call(REGISTRAR, 'POST', '/checkpoints', {
      ...checkpoint,
      communities: ['hongqi'],
    });
    expect(opened.status, opened.text).toBe(201);
    expect(
      await refusedFor(REGISTRAR, '/checkpoints', { ...checkpoint, communities: ['zhangcun'] }),
    ).toEqual([{ field: 'body.communities.0', message: 'unknown community zhangcun' }]);
  });

  it('starts a 7-day home quarantine for an arrival from Wenzhou, none for one from Hubei, and escalates only from 37.5 °C', async () => {
    const today = businessDate(new Date(), 'Asia/Shanghai');
    const { json: h } = await call(REGISTRAR, 'POST', '/residents/households', {
      community: 'hongqi',
      grid: 'hongqi-02',
      address: '红旗路 2号',
      kind: 'rental',
    });
    const person = async (
      name: string,
      first17: string,
      originProvince: string,
      originCity: string,
    ) =>
      (
        await call(REGISTRAR, 'POST', '/residents/people', {
          householdId: h.householdId,
          name,
          idNumber: first17 + idNumberCheckChar(first17),
          phone: '13971234567',
          registration: 'outside',
          originProvince,
          originCity,
          arrivedOn: today,
          travelHistory: [],
        })
      ).json.personId as string;
    const fromWenzhou = await person('陈静', '33030219900315123', '浙江省', '温州市');
    const fromHubei = await person('李明', '42010619900315123', '湖北省', '武汉市');

    let cases: { caseId: string; personId: string; endDate: string }[] = [];
    for (let i = 0; i < 100 && !cases.some((c) => c.personId === fromWenzhou); i++) {
      cases = (await call(REGISTRAR, 'GET', '/quarantine/cases?community=hongqi')).json.cases;
      await new Promise((r) => setTimeout(r, 100));
    }
    const started = cases.find((c) => c.personId === fromWenzhou);
    expect(started, output).toBeDefined();
    const end = new Date(`${today}T00:00:00Z`);
    end.setUTCDate(end.getUTCDate() + 6);
    expect(started!.endDate).toBe(end.toISOString().slice(0, 10));
    // The Hubei arrival is assessed too, and is not from this district's risk areas.
    let assessment: { status?: string; reason?: string } | undefined;
    for (let i = 0; i < 100 && assessment?.status !== 'assessed'; i++) {
      assessment = (await call(REGISTRAR, 'GET', `/residents/people/${fromHubei}`)).json
        .quarantineAssessment;
      if (assessment?.status !== 'assessed') await new Promise((r) => setTimeout(r, 100));
    }
    expect(assessment).toMatchObject({ status: 'assessed', reason: 'not-from-risk-area' });
    expect(cases.some((c) => c.personId === fromHubei)).toBe(false);

    const check = (slot: string, temperatureC: number) =>
      call(CALLER, 'POST', `/quarantine/cases/${started!.caseId}/checks`, {
        date: today,
        slot,
        temperatureC,
        reachedVia: 'phone',
      });
    expect((await check('am', 37.4)).status).toBe(201);
    expect((await check('pm', 37.6)).status).toBe(201);
    const { json: c } = await call(CALLER, 'GET', `/quarantine/cases/${started!.caseId}`);
    expect(c.checks.map((k: { slot: string; abnormal: boolean }) => [k.slot, k.abnormal])).toEqual([
      ['am', false],
      ['pm', true],
    ]);
    expect(c.escalations).toHaveLength(1);
  });

  it("shows its own names in the report and the console's places", async () => {
    const csv = (await call(OFFICER, 'GET', '/report/daily?format=csv')).text;
    expect(csv).toContain('"青山管区"');
    expect(csv).toContain('"红旗"');
    expect(csv).toContain('人员·温州籍');
    expect(csv).not.toContain('枯桃');
    const { json: report } = await call(OFFICER, 'GET', '/report/daily');
    expect(report.districts.map((d: { district: string }) => d.district)).toEqual(['qingshan']);
    // The Wenzhou arrival counts under this district's risk-area heading; the Hubei one does not.
    expect(report.total.people.outsideFromRiskAreas).toBe(1);

    const places = (await (await fetch(`${base}/console/places.json`)).json()) as {
      communities: { label: string }[];
    };
    expect(places).toMatchObject({
      name: '青山管区',
      riskAreasHeading: '温州籍',
      estates: [{ id: 'lakeside', label: '湖畔花园', district: 'qingshan' }],
    });
    expect(places.communities.map((p: { label: string }) => p.label)).toEqual(['红旗', '东风']);
  });
});
