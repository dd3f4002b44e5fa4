import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { idNumberCheckChar, uuidv7 } from '@fangyi/contracts';
import { SqliteEventStore } from '@fangyi/eventstore';
import { businessDate, type ServiceApp } from '@fangyi/service-kit';
import { TEST_AUTH_SECRET, authHeader, testUser } from '@fangyi/testkit';
import {
  buildResidentsApp,
  startHouseholdPeopleFeed,
  type HouseholdPeopleFeed,
} from '../src/index.ts';
import { TEST_RESERVATION_KEY, sqliteVault } from './privacy.ts';

const now = new Date('2020-02-05T01:30:00.000Z');
const TZ = 'Asia/Shanghai';
const silent = pino({ level: 'silent' });
const idNumber = (seq: number) => {
  const first17 = `420106${'19880612'}${String(seq).padStart(3, '0')}`;
  return first17 + idNumberCheckChar(first17);
};

describe('GET /residents/search: people by name or ID number, households by address (SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fangyi-search-'));
  const eventStore = new SqliteEventStore({ path: join(dir, 'events.db'), clock: () => now });
  const { vault, keys } = sqliteVault(join(dir, 'events.db'));
  let feed: HouseholdPeopleFeed;
  let app: ServiceApp;
  const registrar = authHeader(testUser('registrar', ['moujia', 'zhangcun'], 'registrar-two'));
  const moujiaCaller = authHeader(testUser('caller', ['moujia'], 'caller-moujia'));
  const analyst = authHeader(testUser('analyst', ['*'], 'analyst-all'));
  const checkpointStaff = authHeader(testUser('checkpoint-staff', ['moujia'], 'cp-moujia'));

  const post = async (url: string, payload: object) => {
    const res = await app.inject({ method: 'POST', url, payload, headers: registrar });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json();
  };
  const search = (query: string, headers: Record<string, string> = registrar) =>
    app.inject({ method: 'GET', url: `/residents/search?${query}`, headers });
  const household = async (community: string, address: string) =>
    (
      await post('/residents/households', {
        community,
        grid: `${community}-01`,
        address,
        kind: 'rental',
      })
    ).householdId as string;
  const person = async (householdId: string, name: string, seq: number) =>
    (
      await post('/residents/people', {
        householdId,
        name,
        idNumber: idNumber(seq),
        phone: '13912345678',
        registration: 'local',
      })
    ).personId as string;

  let h1: string, h2: string, h3: string;
  let wang1: string, wang2: string, wang3: string, li: string;
  beforeAll(async () => {
    // A 60 s poll: only the request's own read of the log can show what was just registered.
    feed = await startHouseholdPeopleFeed({
      eventStore,
      logger: silent,
      dateOf: (iso) => businessDate(new Date(iso), TZ),
      idleMs: 60_000,
    });
    app = buildResidentsApp({
      eventStore,
      vault,
      reservationKey: TEST_RESERVATION_KEY,
      clock: () => now,
      newId: () => uuidv7(),
      timeZone: TZ,
      logger: silent,
      authSecret: TEST_AUTH_SECRET,
      householdPeople: feed,
    });
    await app.ready();
    h1 = await household('moujia', '牟家村 12 号');
    h2 = await household('moujia', '牟家村 15 号');
    h3 = await household('zhangcun', '牟家村路 3 号');
    wang1 = await person(h1, '王芳', 1);
    wang2 = await person(h2, '王芳芳', 2);
    wang3 = await person(h3, '王强', 3);
    li = await person(h1, '李四', 4);
  });
  afterAll(async () => {
    await app?.close();
    await feed?.stop();
    await eventStore.close();
    await keys.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds people by the start of their name, in the communities one works in, with their address', async () => {
    const res = await search(`by=name&q=${encodeURIComponent('王')}`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{
      items: {
        personId: string;
        name: string;
        community: string;
        address: string;
        householdId: string;
        status: string;
      }[];
      next: string | null;
    }>();
    expect(body.items.map((i) => i.personId).sort()).toEqual([wang1, wang2, wang3].sort());
    expect(body.items.find((i) => i.personId === wang1)).toEqual({
      personId: wang1,
      name: '王芳',
      householdId: h1,
      community: 'moujia',
      address: '牟家村 12 号',
      status: 'living',
    });
    expect(body.next).toBeNull();
    // A caller of one community sees only theirs; nobody's ID or phone number is in the answer.
    const caller = await search(`by=name&q=${encodeURIComponent('王芳')}`, moujiaCaller);
    expect(caller.json<{ items: { personId: string }[] }>().items.map((i) => i.personId)).toEqual([
      wang1,
      wang2,
    ]);
    expect(caller.body).not.toContain('1391234');
    expect(caller.body).not.toContain('420106');
    // '*' reads every community in one range.
    expect(
      (await search(`by=name&q=${encodeURIComponent('李')}`, analyst))
        .json<{ items: { personId: string }[] }>()
        .items.map((i) => i.personId),
    ).toEqual([li]);
  });

  it('pages through the results with the cursor it gave, across communities, each once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await search(
        `by=name&q=${encodeURIComponent('王')}&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json<{ items: { personId: string }[]; next: string | null }>();
      expect(body.items.length).toBeLessThanOrEqual(1);
      seen.push(...body.items.map((i) => i.personId));
      cursor = body.next;
      pages++;
    } while (cursor && pages < 10);
    expect(seen.sort()).toEqual([wang1, wang2, wang3].sort());
  });

  it('finds households by the start of the address, spaces and width ignored, and one community when named', async () => {
    const all = await search(`by=address&q=${encodeURIComponent('牟家村1')}`);
    expect(
      all.json<{ items: { householdId: string }[] }>().items.map((i) => i.householdId),
    ).toEqual([h1, h2]);
    const spaced = await search(`by=address&q=${encodeURIComponent('牟家村 １２号')}`);
    expect(
      spaced.json<{ items: { householdId: string; address: string; kind: string }[] }>().items,
    ).toEqual([{ householdId: h1, community: 'moujia', address: '牟家村 12 号', kind: 'rental' }]);
    const zhangcun = await search(`by=address&q=${encodeURIComponent('牟家')}&community=zhangcun`);
    expect(
      zhangcun.json<{ items: { householdId: string }[] }>().items.map((i) => i.householdId),
    ).toEqual([h3]);
  });

  it('finds the one person holding an ID number (either case of X), and nobody outside one’s communities', async () => {
    const found = await search(`by=idNumber&q=${idNumber(2)}`);
    expect(found.json<{ items: { personId: string }[] }>().items.map((i) => i.personId)).toEqual([
      wang2,
    ]);
    expect(
      (await search(`by=idNumber&q=${idNumber(3)}`, moujiaCaller)).json<{ items: unknown[] }>()
        .items,
    ).toEqual([]);
    expect(
      (await search(`by=idNumber&q=${idNumber(99)}`)).json<{ items: unknown[] }>().items,
    ).toEqual([]);
  });

  it('finds someone registered just before the request, and follows a move to another community', async () => {
    const fresh = await person(h2, '赵新来', 5);
    expect(
      (await search(`by=name&q=${encodeURIComponent('赵')}&community=moujia`))
        .json<{ items: { personId: string }[] }>()
        .items.map((i) => i.personId),
    ).toEqual([fresh]);
    await post(`/residents/people/${fresh}/move-in`, { householdId: h3, movedInOn: '2020-02-05' });
    expect(
      (await search(`by=name&q=${encodeURIComponent('赵')}&community=moujia`)).json<{
        items: unknown[];
      }>().items,
    ).toEqual([]);
    expect(
      (await search(`by=name&q=${encodeURIComponent('赵')}&community=zhangcun`)).json<{
        items: { address: string }[];
      }>().items,
    ).toEqual([expect.objectContaining({ personId: fresh, address: '牟家村路 3 号' })]);
  });

  it('refuses bad queries naming the field, another community, and roles that do not read residents', async () => {
    const field = async (query: string) =>
      (await search(query)).json<{ errors: { field: string }[] }>().errors.map((e) => e.field);
    expect((await search('by=name')).statusCode).toBe(400);
    expect(await field('by=name')).toContain('query.q');
    expect(await field('by=phone&q=1')).toContain('query.by');
    expect(await field('by=idNumber&q=12345')).toContain('query.q');
    expect(await field(`by=name&q=x&cursor=bm9wZQ`)).toContain('query.cursor');
    expect(await field(`by=name&q=x&limit=0`)).toContain('query.limit');
    expect((await search(`by=name&q=x&community=kutao`)).statusCode).toBe(403);
    expect((await search(`by=name&q=x`, checkpointStaff)).statusCode).toBe(403);
    expect(
      (await app.inject({ method: 'GET', url: '/residents/search?by=name&q=x' })).statusCode,
    ).toBe(401);
  });
});
