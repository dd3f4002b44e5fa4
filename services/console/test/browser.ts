import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { signToken, type User } from '@fangyi/service-kit';
import { ALL_DAY_SLOT_WINDOWS, districtFile } from '@fangyi/testkit';

/** The console's browser tests: the embedded process on a fresh data folder, Debian's chromium. */
export const ROOT = resolve(import.meta.dirname, '../../..');
export const SCREENSHOTS = join(ROOT, '.cache/screenshots');
export const DEMO_PASSWORD = 'demo-password-for-browser-tests';
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--lang=zh-CN',
];
/**
 * The district's users run their phones in zh-CN: the context's locale sets what pages read
 * (navigator.language, Intl), and the process's LANGUAGE what Chromium's own controls show (a date
 * field reads 2026/12/02, 年 月 日, not 12/02/2026); Debian's chromium-l10n has its zh-CN texts.
 * LANG stays C.UTF-8, a locale the machine has: with zh_CN.UTF-8, which it lacks, Chromium fell back
 * to ASCII file names and a download's 每日报表-….csv came as "download".
 */
export const BROWSER_LOCALE = { locale: 'zh-CN', timezoneId: 'Asia/Shanghai' } as const;
const BROWSER_ENV = { LANG: 'C.UTF-8', LANGUAGE: 'zh_CN:zh' };
export const PHONE = { width: 390, height: 844 };
export const NARROW = { width: 360, height: 780 };
export const DESKTOP = { width: 1280, height: 900 };

export interface Server {
  readonly base: string;
  readonly dataDir: string;
  readonly log: () => string;
  stop(): Promise<void>;
}

/** Builds the console when its sources changed, then starts the embedded process and waits for its address. */
export async function startServer(): Promise<Server> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: run bash scripts/browser-setup.sh (apt-get install chromium fonts-noto-cjk); npm test does`,
    );
  execFileSync('bash', ['scripts/build-console.sh'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'fangyi-console-'));
  let out = '';
  const child: ChildProcess = spawn(process.execPath, ['services/embedded/src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      FANGYI_DATA_DIR: dataDir,
      FANGYI_DEMO_PASSWORD: DEMO_PASSWORD,
      // Both windows open all day, so that a check can be logged for either slot and nobody is
      // overdue whatever the hour the test runs (an am window closing at noon made the afternoon's
      // runs find no one with both slots to do).
      FANGYI_CONFIG: districtFile({ slotWindows: ALL_DAY_SLOT_WINDOWS }),
      FANGYI_RATE_LIMIT: 'off',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const base = await new Promise<string>((resolveBase, reject) => {
    const timer = setInterval(() => {
      const m = /Console \(zh-CN, phone or desktop\):\s+(http:\/\/\S+)\/console\//.exec(out);
      if (m) {
        clearInterval(timer);
        resolveBase(m[1]!);
      }
    }, 200);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`the embedded process exited (${code}):\n${out.slice(-3000)}`));
    });
  });
  return {
    base,
    dataDir,
    log: () => out,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const launch = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    env: { ...process.env, ...BROWSER_ENV },
  });

/** The parts of the page's first date field as Chromium shows them, in order (their accessible names: 年, 月, 日 in zh-CN). */
export async function dateFieldParts(w: Watched): Promise<string[]> {
  const cdp = await w.context.newCDPSession(w.page);
  const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
    nodes: { role?: { value?: string }; name?: { value?: string } }[];
  };
  await cdp.detach();
  // Chromium names each part twice ("年 年"): the part's label is its first word.
  return nodes
    .filter((n) => n.role?.value === 'spinbutton')
    .map((n) => (n.name?.value ?? '').split(' ')[0]!);
}

/** Every URL a page asked for, every console error: the checks run after each test. */
export interface Watched {
  readonly page: Page;
  readonly context: BrowserContext;
  readonly urls: string[];
  readonly errors: string[];
}

export async function openPhone(browser: Browser, server: Server): Promise<Watched> {
  const context = await browser.newContext({
    viewport: PHONE,
    ...BROWSER_LOCALE,
    acceptDownloads: true,
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  const urls: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => urls.push(r.url()));
  page.on('framenavigated', (f) => urls.push(f.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.base}/`);
  return { page, context, urls, errors };
}

export async function signIn(
  w: Watched,
  loginName: string,
  password = DEMO_PASSWORD,
): Promise<void> {
  const { page } = w;
  await page.getByLabel('登录名').fill(loginName);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('button', { name: '退出' }).waitFor();
}

/**
 * Checks the page as it stands: no sideways scroll at 360 px, tap targets of at least 44 px,
 * every input labelled; then saves it at phone and desktop size under .cache/screenshots.
 */
export async function checkPage(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.setViewportSize(NARROW);
  await page.waitForTimeout(150);
  // Run in the page (as text: this file is type-checked for Node, without the DOM's types).
  const layout = (await page.evaluate(`(() => {
    const root = document.documentElement;
    const small = [...document.querySelectorAll('button, a.btn, a.tab, a.back, a.work-item, input, select, textarea, .chip')]
      .filter((el) => el.offsetParent !== null)
      .map((el) => ({ el, r: el.getBoundingClientRect() }))
      .filter(({ r }) => r.height < 44 || r.width < 44)
      .map(({ el, r }) => el.tagName.toLowerCase() + ' "' + (el.textContent || '').trim().slice(0, 20) + '" ' + Math.round(r.width) + 'x' + Math.round(r.height));
    const unlabelled = [...document.querySelectorAll('input, select, textarea')]
      .filter((el) => (el.labels ? el.labels.length : 0) === 0 && !el.getAttribute('aria-label'))
      .map((el) => el.name);
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, small, unlabelled, main: document.querySelectorAll('main').length, lang: root.lang };
  })()`)) as {
    scrollWidth: number;
    clientWidth: number;
    small: string[];
    unlabelled: string[];
    main: number;
    lang: string;
  };
  expect(layout.scrollWidth, `${name}: no sideways scroll at 360 px`).toBeLessThanOrEqual(
    layout.clientWidth,
  );
  expect(layout.small, `${name}: tap targets of at least 44 px`).toEqual([]);
  expect(layout.unlabelled, `${name}: every input labelled`).toEqual([]);
  expect(layout.main, `${name}: one main landmark`).toBe(1);
  expect(layout.lang).toBe('zh-CN');
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(100);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
  await page.waitForTimeout(100);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
}

/** A bearer token for checking results through the API, signed with the process's own secret. */
export function apiAs(server: Server, user: User) {
  const secret = readFileSync(join(server.dataDir, 'jwt-secret'), 'utf8').trim();
  const token = signToken(user, secret, { ttlSeconds: 600 });
  tokens.add(token);
  return async <T = unknown>(
    path: string,
    init: { method?: string; body?: unknown } = {},
  ): Promise<{ status: number; body: T; text: string }> => {
    const res = await fetch(`${server.base}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${token}`,
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* CSV */
    }
    return { status: res.status, body: body as T, text };
  };
}

/** Every token the tests held: none may appear in a URL or the server's log. */
export const tokens = new Set<string>();

export async function collectSessionTokens(context: BrowserContext): Promise<void> {
  for (const c of await context.cookies())
    if (c.name === 'fangyi_session' && c.value) tokens.add(c.value);
}

/** A valid GB 11643 ID number for a birth date and sequence (Wuhan, 420102). */
export function idNumber(birth: string, sequence: number): string {
  const body = `420102${birth.replaceAll('-', '')}${String(sequence).padStart(3, '0')}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((n, d, i) => n + Number(d) * weights[i]!, 0);
  return body + '10X98765432'[sum % 11]!;
}
