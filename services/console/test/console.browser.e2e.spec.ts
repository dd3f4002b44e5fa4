import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { User } from '@fangyi/service-kit';
import {
  DEMO_PASSWORD,
  apiAs,
  checkPage,
  collectSessionTokens,
  dateFieldParts,
  idNumber,
  launch,
  openPhone,
  signIn,
  startServer,
  tokens,
  type Server,
  type Watched,
} from './browser.ts';

/**
 * Each user's main task through the console in a real Chromium at 390×844, the result checked
 * through the API afterwards; every page measured at 360 px and saved at phone and desktop size.
 */
let server: Server;
let browser: Browser;
const visited: string[] = [];

beforeAll(async () => {
  server = await startServer();
  browser = await launch();
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const user = (id: string, role: User['role'], communities: string[]): User => ({
  id,
  name: id,
  role,
  communities,
});

/** Opens the console, runs the task, then: no console error (but those `allow` names), and keeps the URLs. */
async function session(task: (w: Watched) => Promise<void>, allow: RegExp | null = null) {
  const w = await openPhone(browser, server);
  try {
    await task(w);
    await collectSessionTokens(w.context);
    const errors = w.errors.filter((e) => !allow?.test(e));
    expect(errors, 'no console errors').toEqual([]);
  } finally {
    visited.push(...w.urls);
    await w.context.close();
  }
}

const caseIdOf = (url: string) => decodeURIComponent(url.split('#/case/')[1] ?? '');

/** The slot the check form picks now (the afternoon from half an hour before it opens at 12:00), as the worklist names it. */
const currentSlotLabel = () => {
  const [h, m] = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Shanghai',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  })
    .format(new Date())
    .split(':')
    .map(Number);
  return (h! % 24) * 60 + m! >= 11 * 60 + 30 ? '下午' : '上午';
};

describe('the console in Chromium (390×844)', () => {
  it('a caller logs a normal check in two taps and a fever check, and acknowledges the escalation', async () => {
    const ids: string[] = [];
    await session(async ({ page }) => {
      await checkPage(page, 'login');
      await signIn({ page } as Watched, 'caller-moujia-1');
      const items = page.locator('a.work-item');
      await expect.poll(() => items.count()).toBe(2);
      await checkPage(page, 'caller-worklist');

      await items.nth(0).click();
      await page.getByRole('heading', { name: '登记体温' }).waitFor();
      ids.push(caseIdOf(page.url()));
      const firstName = (await page.locator('h1').textContent()) ?? '';
      await expect.poll(() => page.locator('a[href^="tel:"]').count()).toBe(1);
      await checkPage(page, 'caller-person');
      // The normal case: two taps.
      await page.locator('[data-temperature="36.5"]').click();
      await page.getByRole('button', { name: '登记：36.5 °C 正常，无症状' }).click();
      await page.getByText('已登记：').waitFor();

      await page.getByRole('link', { name: '← 返回名单' }).click();
      await page.locator('a.work-item').nth(1).waitFor();
      const next = page.locator('a.work-item').filter({ hasNotText: firstName });
      await next.click();
      await page.getByRole('heading', { name: '登记体温' }).waitFor();
      ids.push(caseIdOf(page.url()));
      await page.getByLabel('其他读数').fill('38.2');
      await page.locator('[data-name="symptom"][data-value="cough"]').click();
      await page.getByRole('button', { name: /登记：异常/ }).click();
      await page.getByText('已生成预警').waitFor();
      await page.getByRole('button', { name: '确认预警（我来跟进）' }).click();
      await page.getByText('已确认预警').waitFor();
      await checkPage(page, 'caller-escalation');
    });
    expect(new Set(ids).size).toBe(2);
    const api = apiAs(server, user('caller-moujia-1', 'caller', ['moujia']));
    const today = (await api<{ date: string }>('/roster')).body.date;
    const [normal, fever] = await Promise.all(
      ids.map((id) =>
        api<{
          checks: { date: string; temperatureC: number; abnormal: boolean }[];
          escalations: { status: string; temperatureC: number }[];
        }>(`/quarantine/cases/${id}`),
      ),
    );
    expect(normal!.body.checks.filter((c) => c.date === today)).toEqual([
      expect.objectContaining({ temperatureC: 36.5, abnormal: false }),
    ]);
    expect(fever!.body.checks.filter((c) => c.date === today)).toEqual([
      expect.objectContaining({ temperatureC: 38.2, abnormal: true }),
    ]);
    expect(fever!.body.escalations).toEqual([
      expect.objectContaining({
        status: 'acknowledged',
        date: today,
        reason: 'fever-and-symptoms',
      }),
    ]);
  }, 90_000);

  it('a caller logs a check with no signal; it is kept on the phone and recorded once when the signal is back', async () => {
    let caseId = '';
    await session(async ({ page, context }) => {
      await signIn({ page } as Watched, 'caller-zhangcun-1');
      await page.locator('a.work-item').first().click();
      await page.getByRole('heading', { name: '登记体温' }).waitFor();
      caseId = caseIdOf(page.url());
      await context.setOffline(true);
      await page.locator('[data-temperature="36.6"]').click();
      await page.getByRole('button', { name: '登记：36.6 °C 正常，无症状' }).click();
      await page.getByText('这条记录已存在本机').waitFor();
      await page.getByText('本机待处理记录 1 条').waitFor();
      await page.getByText('等待网络恢复后发送').waitFor();
      await checkPage(page, 'caller-offline');
      await context.setOffline(false);
      await page.getByText('本机待处理记录').waitFor({ state: 'detached', timeout: 15_000 });
    }, /ERR_INTERNET_DISCONNECTED/);
    const api = apiAs(server, user('caller-zhangcun-1', 'caller', ['zhangcun']));
    type History = {
      type: string;
      data: { checkId: string; date: string; slot: string; temperatureC: number };
    }[];
    const logged = async () =>
      (await api<History>(`/quarantine/cases/${caseId}/history`)).body.filter(
        (e) => e.type === 'quarantine.symptom-check-logged' && e.data.temperatureC === 36.6,
      );
    const once = await logged();
    expect(once).toHaveLength(1);
    // The same check sent again (an answer lost on the way back) is recorded once: 200, nothing new.
    const { checkId, date, slot } = once[0]!.data;
    const again = await api<{ alreadyRecorded?: boolean }>(`/quarantine/cases/${caseId}/checks`, {
      method: 'POST',
      body: { checkId, date, slot, temperatureC: 36.6, reachedVia: 'phone' },
    });
    expect(again.status).toBe(200);
    expect(again.body.alreadyRecorded).toBe(true);
    expect(await logged()).toHaveLength(1);
  }, 90_000);

  it('a check kept on the phone for a slot someone else logged meanwhile is shown as a conflict, not recorded', async () => {
    const api = apiAs(server, user('caller-zhangcun-1', 'caller', ['zhangcun']));
    await session(async ({ page, context }) => {
      await signIn({ page } as Watched, 'caller-zhangcun-1');
      // Someone no one has called in this slot yet (the test before took another).
      const pending = page
        .locator('a.work-item')
        .filter({ hasText: `${currentSlotLabel()} 待测` })
        .first();
      await pending.click();
      await page.getByRole('heading', { name: '登记体温' }).waitFor();
      const caseId = caseIdOf(page.url());
      await context.setOffline(true);
      await page.locator('[data-temperature="36.8"]').click();
      await page.getByRole('button', { name: '登记：36.8 °C 正常，无症状' }).click();
      await page.getByText('这条记录已存在本机').waitFor();
      // Meanwhile a colleague logs the same slot from another phone.
      const slot = (await page
        .locator('[data-name="slot"][aria-pressed="true"]')
        .getAttribute('data-value'))!;
      const date = (await api<{ date: string }>('/roster')).body.date;
      expect(
        (
          await api(`/quarantine/cases/${caseId}/checks`, {
            method: 'POST',
            body: { date, slot, temperatureC: 36.3, reachedVia: 'wechat' },
          })
        ).status,
      ).toBe(201);
      await context.setOffline(false);
      await page.getByText('这个时段已经有人登记过体温').first().waitFor({ timeout: 15_000 });
      await page.getByText('本机这条记录没有记入').first().waitFor();
      await checkPage(page, 'caller-offline-conflict');
      await page.getByRole('button', { name: '知道了，移除' }).first().click();
      await page.getByText('本机待处理记录').waitFor({ state: 'detached' });
      const history = await api<
        { type: string; data: { date: string; slot: string; temperatureC: number } }[]
      >(`/quarantine/cases/${caseId}/history`);
      expect(
        history.body
          .filter(
            (e) =>
              e.type === 'quarantine.symptom-check-logged' &&
              e.data.date === date &&
              e.data.slot === slot,
          )
          .map((e) => e.data.temperatureC),
      ).toEqual([36.3]);
    }, /ERR_INTERNET_DISCONNECTED|status of 409/);
  }, 90_000);

  it('a registrar registers an arrival from Hubei and reads that a home quarantine was started', async () => {
    await session(async ({ page }) => {
      await signIn({ page } as Watched, 'registrar-kutao');
      await page.getByRole('heading', { name: '登记', exact: true }).waitFor();
      await page.getByLabel('社区').selectOption('moujia');
      await page.getByLabel('地址').fill('牟家村 99 号 2 户');
      await page.getByRole('button', { name: '登记住户' }).click();
      await page.getByText('住户已登记').waitFor();
      await page.getByLabel('姓名').fill('周归来');
      await page.getByLabel('身份证号').fill(idNumber('1990-01-01', 123));
      await page.getByLabel('手机号').fill('13800138000');
      await page.getByRole('button', { name: '登记人员' }).click();
      await page.getByText('已开始 14 天居家隔离').waitFor({ timeout: 15_000 });
      await checkPage(page, 'registrar');
    });
    const roster = await apiAs(
      server,
      user('registrar-kutao', 'registrar', ['moujia']),
    )<{ entries: { personName: string; community: string }[] }>('/roster');
    expect(roster.body.entries.filter((e) => e.personName === '周归来')).toEqual([
      expect.objectContaining({ community: 'moujia' }),
    ]);
  }, 90_000);

  it('checkpoint staff record a refusal (劝返)', async () => {
    const note = '无通行证，已告知办理方式（浏览器测试）';
    await session(async ({ page }) => {
      await signIn({ page } as Watched, 'checkpoint-staff-zhangcun');
      await page.getByRole('heading', { name: '登记通行' }).waitFor();
      await page.locator('[data-name="lookup"][data-value="name"]').click();
      await page.getByLabel(/仅姓名/).fill('王某');
      await page.locator('[data-name="refusalReason"][data-value="no-pass"]').click();
      await page.getByLabel('说明').fill(note);
      await page.getByRole('button', { name: '记录劝返' }).click();
      await page.getByText('已记录劝返').waitFor();
      await checkPage(page, 'checkpoint');
    });
    const api = apiAs(server, user('checkpoint-staff-zhangcun', 'checkpoint-staff', ['zhangcun']));
    const list = await api<{ checkpoints: { checkpointId: string; status: string }[] }>(
      '/checkpoints',
    );
    const first = list.body.checkpoints.find((c) => c.status === 'open')!;
    const day = await api(`/checkpoints/${first.checkpointId}/crossings`);
    expect(day.text).toContain(note);
  }, 90_000);

  it('a complaint handler takes a complaint, resolves it, replies to the reporter and closes it', async () => {
    let description = '';
    await session(async ({ page }) => {
      await signIn({ page } as Watched, 'complaint-handler-kutao');
      const head = page.locator('button.complaint-head').filter({ hasText: '已受理' }).first();
      await head.waitFor();
      description = (await head.locator('.complaint-desc').textContent()) ?? '';
      await head.click();
      await page.getByRole('button', { name: '分派给我' }).click();
      await page.getByText('已分派给我').first().waitFor();
      await page.getByLabel('调查记录 / 办结说明').fill('已上门核实并处理');
      await page.getByRole('button', { name: '办结', exact: true }).click();
      await page.getByText('已办结。').first().waitFor();
      await page.getByLabel('回复内容').fill('您反映的问题已核实处理，感谢监督。');
      await page.getByRole('button', { name: '回复投诉人' }).click();
      await page.getByText('已记录回复').first().waitFor();
      await checkPage(page, 'complaints');
      await page.getByRole('button', { name: '关闭投诉' }).click();
      await page.getByText('投诉已关闭').first().waitFor();
    });
    const list = await apiAs(
      server,
      user('complaint-handler-kutao', 'complaint-handler', ['*']),
    )<{
      items: {
        description: string;
        status: string;
        firstReplyAt: string | null;
        assignee: string | null;
      }[];
    }>('/complaints');
    const closed = list.body.items.filter(
      (c) =>
        c.description === description &&
        c.status === 'closed' &&
        c.assignee === 'complaint-handler-kutao',
    );
    expect(closed).toHaveLength(1);
    expect(closed[0]!.firstReplyAt).not.toBeNull();
  }, 90_000);

  it('the report officer downloads the daily report as CSV and as an Excel workbook', async () => {
    let csv = '';
    let xlsx = Buffer.alloc(0);
    await session(async ({ page }) => {
      await signIn({ page } as Watched, 'report-officer-kutao');
      await page.getByRole('region', { name: /每日报表/ }).waitFor();
      await checkPage(page, 'report');
      const [csvFile] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: '下载 CSV' }).click(),
      ]);
      csv = readFileSync((await csvFile.path())!, 'utf8');
      expect(csvFile.suggestedFilename()).toMatch(/^每日报表-\d{4}-\d\d-\d\d\.csv$/);
      const [xlsxFile] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: '下载 Excel' }).click(),
      ]);
      xlsx = readFileSync((await xlsxFile.path())!);
      expect(xlsxFile.suggestedFilename()).toMatch(/\.xlsx$/);
    });
    const fromApi = await apiAs(
      server,
      user('report-officer-kutao', 'report-officer', ['*']),
    )('/report/daily?format=csv');
    expect(csv.replace(/^\ufeff/, '')).toBe(fromApi.text);
    expect(xlsx.subarray(0, 2).toString()).toBe('PK');
    const text = xlsx.toString('utf8');
    expect(text).toContain('xl/worksheets/sheet1.xml');
    expect(text).toContain('牟家');
    expect(text).toContain('居家隔离');
  }, 90_000);

  it('an admin creates a caller, who then signs in and sees only their community', async () => {
    await session(async ({ page }) => {
      await signIn({ page } as Watched, 'admin-kutao');
      await page.getByRole('heading', { name: '新建账号' }).waitFor();
      await page.getByLabel(/登录名/).fill('caller-moujia-9');
      await page.getByLabel('姓名').fill('牟家随访员九');
      await page.locator('[data-name="role"][data-value="caller"]').click();
      await page.locator('[data-name="community"][data-value="moujia"]').click();
      await page.getByLabel(/初始密码/).fill('moujia-caller-9-pass');
      await page.getByRole('button', { name: '创建账号' }).click();
      await page.getByText('已创建账号 caller-moujia-9').waitFor();
      await page.getByText('牟家随访员九').waitFor();
      await checkPage(page, 'admin');
      await page.getByRole('button', { name: '退出' }).click();
      await page.getByRole('button', { name: '登录' }).waitFor();
      await signIn({ page } as Watched, 'caller-moujia-9', 'moujia-caller-9-pass');
      const meta = page.locator('a.work-item .work-meta');
      await expect.poll(() => meta.count()).toBeGreaterThan(0);
      for (const text of await meta.allTextContents()) expect(text.startsWith('牟家')).toBe(true);
    });
    const accounts = await apiAs(
      server,
      user('admin-kutao', 'admin', ['*']),
    )<{ accounts: { loginName: string; role: string; communities: string[]; status: string }[] }>(
      '/staff/accounts',
    );
    expect(accounts.body.accounts.find((a) => a.loginName === 'caller-moujia-9')).toMatchObject({
      role: 'caller',
      communities: ['moujia'],
      status: 'active',
    });
  }, 90_000);

  it('a registrar finds a person by name, records a door-to-door screening, issues and revokes a pass, records an arrival (no quarantine, and why), and suspends the rental', async () => {
    const name = '钱排查';
    let personId = '';
    let householdId = '';
    await session(async ({ page }) => {
      await signIn({ page } as Watched, 'registrar-kutao');
      // Someone to visit: a local resident of a rental household, registered through the console.
      await page.getByRole('heading', { name: '登记', exact: true }).waitFor();
      await page.getByLabel('社区').selectOption('wenzhang');
      await page.getByLabel('地址').fill('文张村 7 号 1 户');
      await page.getByRole('button', { name: '登记住户' }).click();
      await page.getByText('住户已登记').waitFor();
      await page.getByLabel('姓名').fill(name);
      await page.getByLabel('身份证号').fill(idNumber('1985-05-05', 321));
      await page.getByLabel('手机号').fill('13800138001');
      await page.locator('[data-name="registration"][data-value="local"]').click();
      await page.getByLabel(/抵达日期/).fill('');
      await page.getByRole('button', { name: '登记人员' }).click();
      await page.getByText('没有抵达记录，无需评估').waitFor({ timeout: 15_000 });

      await page.getByRole('link', { name: '查找', exact: true }).click();
      await page.getByRole('heading', { name: '查找住户与人员' }).waitFor();
      await page.getByLabel('姓名', { exact: true }).fill('钱排');
      await page.getByRole('button', { name: '查找', exact: true }).click();
      const hit = page.locator('a.work-item').filter({ hasText: name });
      await hit.waitFor();
      await checkPage(page, 'registrar-find');
      await hit.click();
      await page.getByRole('heading', { name }).waitFor();
      personId = decodeURIComponent(page.url().split('#/person/')[1] ?? '');
      await page.getByText('请先登记上门排查').waitFor();
      await page.getByLabel('体温（°C）').fill('36.4');
      await page.getByRole('button', { name: '登记排查：36.4 °C' }).click();
      await page.getByText('已登记排查').waitFor();
      await page.getByRole('button', { name: '办理通行证' }).click();
      await page.getByText('已办理通行证').waitFor();
      await page.locator('[data-name="revokeReason"][data-value="lost"]').waitFor();
      await checkPage(page, 'registrar-person');
      await page.getByLabel('说明（可不填）').fill('本人报失');
      await page.getByRole('button', { name: '收回通行证' }).click();
      await page.getByText('已收回通行证（遗失）').waitFor();
      // Back from a trip outside any risk area: the answer says no home quarantine, and why.
      await page.getByLabel('从哪个省份来').fill('山东省');
      await page.getByLabel('从哪个城市来').fill('青岛市');
      await page.getByRole('button', { name: '登记抵达' }).click();
      await page
        .getByText(`${name}：没有开始居家隔离，因为不是来自风险地区。`)
        .first()
        .waitFor({ timeout: 15_000 });

      await page.getByRole('link', { name: '文张村 7 号 1 户' }).click();
      await page.getByRole('heading', { name: '文张村 7 号 1 户' }).waitFor();
      householdId = decodeURIComponent(page.url().split('#/household/')[1] ?? '');
      await page.locator('a.work-item').filter({ hasText: name }).waitFor();
      await page.locator('[data-name="rentalReason"][data-value="community-rental-ban"]').click();
      await page.getByRole('button', { name: '暂停对外出租', exact: true }).click();
      await page.getByText('已暂停对外出租').first().waitFor();
      await checkPage(page, 'registrar-household');
    });
    const api = apiAs(server, user('registrar-kutao', 'registrar', ['wenzhang']));
    const person = await api<{ name: string }>(`/residents/people/${personId}`);
    expect(person.body).toMatchObject({
      name,
      latestScreening: { temperatureC: 36.4, result: 'normal', visitedBy: 'registrar-kutao' },
      pass: { status: 'revoked', revokedReason: 'lost' },
      lastArrival: { originProvince: '山东省', originCity: '青岛市' },
      underQuarantine: false,
      quarantineAssessment: {
        status: 'assessed',
        outcome: 'no-home-quarantine',
        reason: 'not-from-risk-area',
      },
      // Screened the same day as the arrival: the screening still counts.
      passEligibility: 'eligible',
    });
    const household = await api<{ rental: { status: string; reason: string } }>(
      `/residents/households/${householdId}`,
    );
    expect(household.body.rental).toMatchObject({
      status: 'suspended',
      reason: 'community-rental-ban',
    });
  }, 120_000);

  it('a caller corrects a check, and records supplies delivered and a disinfection, from the person page', async () => {
    let caseId = '';
    await session(async ({ page }) => {
      await signIn({ page } as Watched, 'caller-zhangcun-1');
      await page
        .locator('a.work-item')
        .filter({ hasText: `${currentSlotLabel()} 待测` })
        .first()
        .click();
      await page.getByRole('heading', { name: '登记体温' }).waitFor();
      caseId = caseIdOf(page.url());
      await page.locator('[data-temperature="37.0"]').click();
      await page.getByRole('button', { name: '登记：37.0 °C 正常，无症状' }).click();
      await page.getByText('已登记：').waitFor();
      // The reading was misheard: corrected, with the reason.
      await page
        .locator('select[name="correctCheck"] option', { hasText: '37.0' })
        .first()
        .waitFor({ state: 'attached' });
      await page.getByLabel('正确的体温（°C）').fill('36.7');
      await page.getByLabel('更正原因').fill('读数听错，复核为 36.7');
      await page.getByRole('button', { name: '更正为 36.7 °C' }).click();
      await page.getByText('已更正：').waitFor();
      await page.locator('[data-name="supply"][data-value="food"]').click();
      await page.locator('[data-name="supply"][data-value="thermometer"]').click();
      await page.getByRole('button', { name: '记录配送' }).click();
      await page.getByText('已记录配送物资：食品、体温计').waitFor();
      await page.locator('[data-name="disinfectionPlace"][data-value="home"]').click();
      await page.getByLabel('消毒说明（可不填）').fill('门把手、楼道已喷洒');
      await page.getByRole('button', { name: '记录消毒' }).click();
      await page.getByText('已记录消毒：住所').waitFor();
      await page.getByText('已配送物资 1 次 · 已消毒 1 次').waitFor();
      await checkPage(page, 'caller-care');
    });
    const api = apiAs(server, user('caller-zhangcun-1', 'caller', ['zhangcun']));
    const today = (await api<{ date: string }>('/roster')).body.date;
    const quarantineCase = await api<{
      checks: { date: string; temperatureC: number }[];
      suppliesDelivered: number;
      disinfections: number;
    }>(`/quarantine/cases/${caseId}`);
    const todays = quarantineCase.body.checks
      .filter((c) => c.date === today)
      .map((c) => c.temperatureC);
    expect(todays).toContain(36.7);
    expect(todays).not.toContain(37);
    expect(quarantineCase.body).toMatchObject({ suppliesDelivered: 1, disinfections: 1 });
    const history = await api<
      { type: string; data: { correctionReason?: string; items?: string[]; place?: string } }[]
    >(`/quarantine/cases/${caseId}/history`);
    expect(
      history.body.find((e) => e.type === 'quarantine.symptom-check-corrected')?.data
        .correctionReason,
    ).toBe('读数听错，复核为 36.7');
    expect(
      history.body.find((e) => e.type === 'quarantine.supplies-delivered')?.data.items,
    ).toEqual(['food', 'thermometer']);
    expect(
      history.body.find((e) => e.type === 'quarantine.disinfection-recorded')?.data.place,
    ).toBe('home');
  }, 90_000);

  it('checkpoint staff start a shift from the console (taking over from the shift on duty, if there is one)', async () => {
    let checkpointName = '';
    await session(async ({ page }) => {
      await signIn({ page } as Watched, 'checkpoint-staff-joint');
      await page.getByRole('heading', { name: '卡口与班次' }).waitFor();
      checkpointName = (
        (await page.locator('select[name="checkpoint"] option:checked').textContent()) ?? ''
      ).split('（')[0]!;
      const takeOver = page.getByRole('button', { name: '交接班（我来接班）' });
      if (await takeOver.isVisible()) {
        await takeOver.click();
        await page.getByLabel('交接说明').fill('物资已清点，无异常');
      }
      await page.locator('[data-name="staffRole"][data-value="police"]').click();
      await page.getByLabel(/同班其他人员姓名/).fill('张伟，李娜');
      await page.getByRole('button', { name: /^(交接并)?开始值班$/ }).click();
      await page.getByText('已开始值班').waitFor();
      await checkPage(page, 'checkpoint-shift');
    });
    const api = apiAs(
      server,
      user('checkpoint-staff-joint', 'checkpoint-staff', [
        'kutao',
        'wenzhang',
        'zhengzhang',
        'nanzhang',
      ]),
    );
    const list = await api<{ checkpoints: { checkpointId: string; name: string }[] }>(
      '/checkpoints',
    );
    const chosen = list.body.checkpoints.find((c) => c.name === checkpointName)!;
    const checkpoint = await api<{
      currentShift: { staff: { id: string; name: string; role: string }[] } | null;
    }>(`/checkpoints/${chosen.checkpointId}`);
    expect(checkpoint.body.currentShift?.staff).toEqual([
      expect.objectContaining({ id: 'checkpoint-staff-joint', role: 'police' }),
      expect.objectContaining({ name: '张伟', role: 'volunteer' }),
      expect.objectContaining({ name: '李娜', role: 'volunteer' }),
    ]);
  }, 90_000);

  it('an analyst finds a person by name and reads their timeline: time, actor, summary and causes', async () => {
    const api = apiAs(server, user('analyst-kutao', 'analyst', ['*']));
    const entry = (await api<{ entries: { personId: string; personName: string }[] }>('/roster'))
      .body.entries[0]!;
    type Timeline = {
      entries: {
        eventId: string;
        summary: string;
        causedBy: string | null;
        actor: { id: string };
      }[];
    };
    const timeline = (await api<Timeline>(`/analyst/people/${entry.personId}/timeline`)).body;
    expect(timeline.entries.length).toBeGreaterThan(2);
    await session(async ({ page }) => {
      await signIn({ page } as Watched, 'analyst-kutao');
      await page.getByRole('link', { name: '时间线' }).click();
      await page.getByRole('heading', { name: '人员时间线' }).waitFor();
      await page.getByLabel('姓名、身份证号或人员编号').fill(entry.personName);
      await page.getByRole('button', { name: '查找', exact: true }).click();
      await page.locator(`a[href="#/timeline/${entry.personId}"]`).click();
      await page.getByRole('heading', { name: `${entry.personName}的时间线` }).waitFor();
      const items = page.locator('li.timeline-entry');
      await expect.poll(() => items.count()).toBe(timeline.entries.length);
      const shown = await items.allTextContents();
      timeline.entries.forEach((e, i) => expect(shown[i]).toContain(e.summary));
      // A cause link brings its entry into view.
      const caused = timeline.entries.findIndex(
        (e) => e.causedBy !== null && timeline.entries.some((c) => c.eventId === e.causedBy),
      );
      expect(caused).toBeGreaterThanOrEqual(0);
      await items.nth(caused).getByRole('button').first().click();
      const causeIndex = timeline.entries.findIndex(
        (c) => c.eventId === timeline.entries[caused]!.causedBy,
      );
      await expect
        .poll(() => page.evaluate('document.activeElement && document.activeElement.id'))
        .toBe(`entry-${timeline.entries[causeIndex]!.eventId}`);
      await checkPage(page, 'analyst-timeline');
    });
  }, 90_000);

  it('the report shows district subtotals and answers as of an instant', async () => {
    const api = apiAs(server, user('report-officer-kutao', 'report-officer', ['*']));
    type Report = {
      districts: { district: string; people: { registered: number } }[];
      total: { people: { registered: number } };
    };
    const live = (await api<Report>('/report/daily')).body;
    expect(live.districts.length).toBeGreaterThan(0);
    await session(async (w) => {
      const { page } = w;
      await signIn({ page } as Watched, 'report-officer-kutao');
      await page.getByRole('region', { name: /每日报表/ }).waitFor();
      // The browser runs as the district's phones do: Chinese, Shanghai time, dates year first.
      expect(
        await page.evaluate(
          '[navigator.language, Intl.DateTimeFormat().resolvedOptions().timeZone]',
        ),
      ).toEqual(['zh-CN', 'Asia/Shanghai']);
      expect((await dateFieldParts(w)).slice(0, 3)).toEqual(['年', '月', '日']);
      await expect.poll(() => page.locator('tr.subtotal').count()).toBe(live.districts.length);
      await page.locator('tr.subtotal th', { hasText: '枯桃管区小计' }).waitFor();
      // Before anything was recorded: every figure 0.
      await page.getByLabel(/截至时间/).fill('2020-01-01T08:00');
      await page.getByText('截至 2020年1月1日 08:00 已登记的情况').waitFor();
      const totalRow = page.locator('table.report tbody tr').last();
      await expect
        .poll(async () => (await totalRow.locator('td').allTextContents()).every((t) => t === '0'))
        .toBe(true);
      await checkPage(page, 'report-as-of');
      await page.getByRole('button', { name: '回到现在' }).click();
      await expect
        .poll(async () => (await totalRow.locator('td').nth(3).textContent()) ?? '')
        .toBe(String(live.total.people.registered));
    });
    const asOf = (
      await api<Report>(`/report/daily?knownAt=${encodeURIComponent('2020-01-01T08:00:00+08:00')}`)
    ).body;
    expect(asOf.total.people.registered).toBe(0);
  }, 90_000);

  it('an analyst previews a 21-day period with three windows and reads the difference, as the API answers it', async () => {
    const windows = ['07:00-10:00', '11:00-14:00', '15:00-18:00'];
    let shown: string[][] = [];
    let communities: string[] = [];
    let byCommunity: string[][] = [];
    let headline = '';
    let days = 0;
    await session(async ({ page }) => {
      await signIn({ page } as Watched, 'analyst-kutao');
      await page.getByRole('link', { name: '政策预演' }).click();
      await page.getByRole('heading', { name: '政策预演', level: 1 }).waitFor();
      // The form starts from today's policy (the test district's two all-day windows).
      await expect.poll(() => page.locator('li.slot-row').count()).toBe(2);
      await expect.poll(() => page.getByLabel('隔离天数').inputValue()).toBe('14');
      // A window to midnight: a time field cannot hold 24:00, so it shows 23:59.
      expect(await page.getByLabel('时段 1 结束').inputValue()).toBe('23:59');
      // A refused setting is said under its field, in Chinese.
      await page.getByLabel('隔离天数').fill('0');
      await page.getByRole('button', { name: '开始预演' }).click();
      await page.getByText('隔离天数应为 1 到 60 之间的整数。').waitFor();
      // Only the field at fault: today's windows, untouched, are not sent.
      await page.getByText('填写的内容有误，请检查标出的项目后再提交。（隔离天数）').waitFor();
      expect(await page.getByLabel('隔离天数').getAttribute('aria-invalid')).toBe('true');
      await checkPage(page, 'analyst-preview-refused');
      await page.getByLabel('隔离天数').fill('21');
      await page.getByRole('button', { name: '＋ 添加时段' }).click();
      for (const [i, w] of windows.entries()) {
        const [opens, closes] = w.split('-');
        await page.getByLabel(`时段 ${i + 1} 开始`).fill(opens!);
        await page.getByLabel(`时段 ${i + 1} 结束`).fill(closes!);
      }
      // Overlapping windows are refused under the slots.
      await page.getByLabel('时段 2 开始').fill('09:00');
      await page.getByRole('button', { name: '开始预演' }).click();
      await page.getByText('时段之间有重叠，请调整开始或结束时间。').waitFor();
      await page.getByLabel('时段 2 开始').fill('11:00');
      await page.getByRole('button', { name: '开始预演' }).click();
      const difference = page.locator('table[data-table="total"] tr[data-side="difference"]');
      await difference.waitFor();
      await expect.poll(() => page.getByText('隔离天数应为').count()).toBe(0);
      shown = await Promise.all(
        ['today', 'preview', 'difference'].map((side) =>
          page.locator(`table[data-table="total"] tr[data-side="${side}"] td`).allTextContents(),
        ),
      );
      const groups = await page.locator('table[data-table="communities"] tbody').all();
      communities = await Promise.all(
        groups.map(async (b) => (await b.getAttribute('data-community')) ?? ''),
      );
      byCommunity = await Promise.all(
        groups.map((b) => b.locator('tr[data-side="difference"] td').allTextContents()),
      );
      headline = (await page.locator('.preview-headline').textContent()) ?? '';
      await page.getByText(/^每日明细/).click();
      days = await page.locator('table[data-table="daily"] tbody tr').count();
      await checkPage(page, 'analyst-preview');
      // The refused setting's 400, which Chromium logs.
    }, /status of 400/);
    const api = apiAs(server, user('analyst-kutao', 'analyst', ['*']));
    type Side = Record<string, number>;
    type Preview = {
      policies: { preview: { periodDays: number; slots: string[] } };
      total: {
        today: Side;
        preview: Side & { daily: { date: string; callersNeeded: number }[] };
        difference: Side;
      };
      communities: { community: string; difference: Side }[];
    };
    const answer = await api<Preview>('/analyst/policy-preview', {
      method: 'POST',
      body: {
        periodDays: 21,
        slots: windows.join(','),
        feverThresholdC: 37.3,
        earlyMinutes: 30,
        checksPerCallerPerDay: 40,
      },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.policies.preview).toMatchObject({ periodDays: 21, slots: windows });
    const keys = [
      'cases',
      'checksDue',
      'checksDone',
      'checksMissed',
      'checksNotFollowed',
      'escalations',
      'personDays',
      'underQuarantinePeak',
      'callersNeededPeak',
    ];
    const signed = (n: number) => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '0');
    expect(shown[0]).toEqual(keys.map((k) => String(answer.body.total.today[k])));
    expect(shown[1]).toEqual(keys.map((k) => String(answer.body.total.preview[k])));
    expect(shown[2]).toEqual(keys.map((k) => signed(answer.body.total.difference[k]!)));
    for (const k of keys)
      expect(answer.body.total.difference[k]).toBe(
        answer.body.total.preview[k]! - answer.body.total.today[k]!,
      );
    expect(communities).toEqual(answer.body.communities.map((c) => c.community));
    // The busiest day's callers under the preview, and one row a day.
    const daily = answer.body.total.preview.daily;
    expect(headline).toContain(`需要 ${Math.max(...daily.map((d) => d.callersNeeded))} 名随访员`);
    expect(days).toBe(daily.length);
    expect(byCommunity).toEqual(
      answer.body.communities.map((c) => keys.map((k) => signed(c.difference[k]!))),
    );
  }, 90_000);

  it('no token or password in any URL the browser visited or in the server log', () => {
    expect(visited.length).toBeGreaterThan(20);
    expect(tokens.size).toBeGreaterThan(5);
    const log = server.log();
    expect(log).toContain('incoming request');
    for (const url of visited) {
      expect(url).not.toMatch(/token|eyJ[\w-]+\.[\w-]+/i);
    }
    for (const token of tokens) {
      expect(log.includes(token), 'a token in the server log').toBe(false);
      expect(
        visited.some((u) => u.includes(token)),
        'a token in a URL',
      ).toBe(false);
    }
    // The start banner prints the demo password on purpose; no log line (JSON, from pino) holds one.
    const lines = log.split('\n').filter((l) => l.startsWith('{'));
    expect(lines.length).toBeGreaterThan(100);
    expect(
      lines.filter((l) => l.includes(DEMO_PASSWORD) || l.includes('moujia-caller-9-pass')),
    ).toEqual([]);
  });
});
