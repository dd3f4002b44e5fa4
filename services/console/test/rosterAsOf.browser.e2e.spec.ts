import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { User } from '@fangyi/service-kit';
import {
  apiAs,
  checkPage,
  launch,
  openPhone,
  signIn,
  startServer,
  type Server,
  type Watched,
} from './browser.ts';

/**
 * An analyst looks at the roster as it stood at an earlier instant, through the console in a real
 * Chromium at 390×844: before anything was recorded nobody was under quarantine, now the district's
 * cases are; the answer is checked against the roster API's for the same instant.
 */
let server: Server;
let browser: Browser;

beforeAll(async () => {
  server = await startServer();
  browser = await launch();
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const analyst: User = {
  id: 'analyst-kutao',
  name: 'analyst-kutao',
  role: 'analyst',
  communities: ['*'],
};

describe('the roster as of an instant in the console (Chromium, 390×844)', () => {
  it('an analyst sets an instant and a question, reads the roster of then, and goes back to now', async () => {
    const api = apiAs(server, analyst);
    type Roster = { entries: { caseId: string }[]; next: string | null };
    const live = (await api<Roster>('/roster?limit=200')).body;
    expect(live.entries.length).toBeGreaterThan(0);
    const w = await openPhone(browser, server);
    try {
      const { page } = w;
      await signIn({ page } as Watched, 'analyst-kutao');
      await page.getByRole('link', { name: '隔离名单' }).first().click();
      const items = page.locator('a.work-item');
      await expect.poll(() => items.count()).toBe(live.entries.length);

      // Long before the district was recorded: nobody, whichever question is asked.
      await page.getByLabel('查看某一时刻（不填为现在）').fill('2020-01-01T08:00');
      await page.getByText('那一刻您负责的社区没有居家隔离人员。').waitFor();
      expect(await items.count()).toBe(0);
      await page.getByRole('button', { name: '当时系统所知' }).click();
      await page.getByText(/截至该时刻系统所知/).waitFor();
      expect(await items.count()).toBe(0);
      const then = (
        await api<Roster>(
          `/roster?limit=200&knownAt=${encodeURIComponent('2020-01-01T08:00:00+08:00')}`,
        )
      ).body;
      expect(then.entries).toEqual([]);
      await checkPage(page, 'analyst-roster-as-of');

      // A second ago, as it was (the district was recorded at the server's start, before it): the same people as now.
      const secondAgo = new Date(Date.now() - 1_000 + 8 * 3600_000).toISOString().slice(0, 19);
      await page.getByRole('button', { name: '当时实况' }).click();
      await page.getByLabel('查看某一时刻（不填为现在）').fill(secondAgo);
      await page.getByText(/该时刻实况/).waitFor();
      await expect.poll(() => items.count()).toBe(live.entries.length);

      await page.getByRole('button', { name: '回到现在' }).click();
      await expect.poll(() => page.getByText(/该时刻实况/).count()).toBe(0);
      await expect.poll(() => items.count()).toBe(live.entries.length);
      expect(w.errors, 'no console errors').toEqual([]);
    } finally {
      await w.context.close();
    }
  }, 120_000);
});
