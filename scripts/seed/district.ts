import { addDays } from '@fangyi/service-kit/time';
import { send, type SeedTransport } from './client.ts';
import { SeededRandom, birthDate, chineseName, idNumber, phoneNumber } from './random.ts';

/**
 * The Kutao management district of the report, built through the services' own commands:
 * Zhangcun's 1130 households (308 rentals, 5 apartment hotels) and 288 outside people, 11 of them
 * from Hubei; Wenzhang's 340 households; Moujia's two tenants back from Hubei under home quarantine
 * with twice-daily checks; Zhangcun's two 24-hour checkpoints and a jointly staffed one merged from
 * three communities and Nanzhang of the neighbouring district; a stream of complaints, among them
 * rental-ban reports that end in fines and rewards. Names and ID numbers are synthetic, from a
 * seeded generator: the same seed gives the same district. `scale` multiplies households, people
 * and complaints for load and replay work.
 */
export interface SeedOptions {
  readonly seed?: number;
  readonly scale?: number;
  /** The district's business date today (YYYY-MM-DD). */
  readonly today: string;
  /** A bearer token for a demo user id (see users.ts). */
  readonly tokenOf: (userId: string) => string;
  /** Requests in flight at once. */
  readonly concurrency?: number;
  readonly log?: (message: string) => void;
  /** Looks up the home quarantine case that the arrival policy opened for a person, once it has. */
  readonly findCase?: (personId: string) => Promise<string | undefined>;
}

export interface SeedSummary {
  households: number;
  people: number;
  outsidePeople: number;
  fromHubei: number;
  screenings: number;
  passes: number;
  checkpoints: number;
  crossings: number;
  complaints: number;
  checks: number;
}

const HUBEI_CITIES = ['武汉市', '孝感市', '黄冈市', '荆州市', '襄阳市', '随州市'];
const OTHER_ORIGINS: readonly [string, string][] = [
  ['河南省', '信阳市'],
  ['安徽省', '阜阳市'],
  ['山东省', '临沂市'],
  ['山东省', '菏泽市'],
  ['江苏省', '徐州市'],
  ['河北省', '邯郸市'],
  ['四川省', '达州市'],
  ['黑龙江省', '哈尔滨市'],
];
const REGION = { hubei: '420100', other: '371300', local: '370212' };

/** Runs tasks with at most `limit` in flight, in order of start. */
async function pool<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await task(items[i]!, i);
    }
  });
  await Promise.all(workers);
}

interface HouseholdPlan {
  community: string;
  estate?: string;
  grid: string;
  address: string;
  kind: 'owner-occupied' | 'rental' | 'apartment-hotel';
}

export async function seedDistrict(
  transport: SeedTransport,
  options: SeedOptions,
): Promise<SeedSummary> {
  const rng = new SeededRandom(options.seed ?? 2020);
  const scale = Math.max(1, Math.floor(options.scale ?? 1));
  const limit = options.concurrency ?? 8;
  const log = options.log ?? (() => {});
  const { today, tokenOf } = options;
  const registrar = tokenOf('registrar-kutao');
  const summary: SeedSummary = {
    households: 0,
    people: 0,
    outsidePeople: 0,
    fromHubei: 0,
    screenings: 0,
    passes: 0,
    checkpoints: 0,
    crossings: 0,
    complaints: 0,
    checks: 0,
  };

  // ---- households ----
  const plans: HouseholdPlan[] = [];
  const addHouseholds = (
    community: string,
    count: number,
    rentals: number,
    hotels: number,
    estate?: string,
  ) => {
    for (let i = 0; i < count * scale; i++) {
      const kind =
        i < rentals * scale
          ? 'rental'
          : i < (rentals + hotels) * scale
            ? 'apartment-hotel'
            : 'owner-occupied';
      plans.push({
        community,
        ...(estate ? { estate } : {}),
        grid: `${community}-g${1 + (i % 8)}`,
        address: `${estate ?? community} ${1 + Math.floor(i / 12)}号楼 ${1 + (i % 12)}0${1 + (i % 4)}室`,
        kind,
      });
    }
  };
  addHouseholds('zhangcun', 1130, 308, 5);
  addHouseholds('wenzhang', 340, 36, 0);
  addHouseholds('moujia', 260, 40, 1);
  addHouseholds('kutao', 300, 30, 0);
  addHouseholds('zhengzhang', 280, 24, 0);
  addHouseholds('edinburgh', 150, 10, 0);
  addHouseholds('kutao', 60, 6, 0, 'taoyuanju');
  addHouseholds('kutao', 40, 0, 0, 'enma-villas');
  addHouseholds('kutao', 50, 8, 0, 'yishan-bancheng-1');
  log(`registering ${plans.length} households`);
  const householdIds: string[] = new Array(plans.length);
  await pool(plans, limit, async (plan, i) => {
    const res = await send<{ householdId: string }>(
      transport,
      registrar,
      'POST',
      '/residents/households',
      plan,
    );
    householdIds[i] = res.householdId;
  });
  summary.households = plans.length;
  const householdsOf = (community: string, kind: HouseholdPlan['kind'], estate?: string) =>
    plans.flatMap((p, i) =>
      p.community === community && p.kind === kind && p.estate === estate ? [householdIds[i]!] : [],
    );

  // ---- people ----
  interface PersonPlan {
    body: Record<string, unknown>;
    hubei: boolean;
    screen: boolean;
    pass: boolean;
  }
  const people: PersonPlan[] = [];
  const outsider = (householdId: string, hubei: boolean, arrivedOn: string): PersonPlan => {
    const born = birthDate(rng);
    const [province, city] = hubei ? ['湖北省', rng.pick(HUBEI_CITIES)] : rng.pick(OTHER_ORIGINS);
    return {
      body: {
        householdId,
        name: chineseName(rng),
        idNumber: idNumber(rng, hubei ? REGION.hubei : REGION.other, born),
        phone: phoneNumber(rng),
        registration: 'outside',
        originProvince: province,
        originCity: city,
        arrivedOn,
        travelHistory: [],
      },
      hubei,
      screen: true,
      pass: !hubei,
    };
  };
  const local = (householdId: string): PersonPlan => {
    const born = birthDate(rng);
    return {
      body: {
        householdId,
        name: chineseName(rng),
        idNumber: idNumber(rng, REGION.local, born),
        phone: phoneNumber(rng),
        registration: 'local',
        travelHistory: [],
      },
      hubei: false,
      screen: true,
      pass: true,
    };
  };
  // Zhangcun: 288 outside people in its rentals and apartment hotels, 11 of them from Hubei.
  const zhangcunLets = [
    ...householdsOf('zhangcun', 'rental'),
    ...householdsOf('zhangcun', 'apartment-hotel'),
  ];
  for (let i = 0; i < 288 * scale; i++) {
    const hubei = i < 11 * scale;
    // Hubei arrivals came back over the festival: some are still inside their 14 days.
    const arrivedOn = addDays(today, hubei ? -(2 + (i % 20)) : -(20 + rng.int(0, 60)));
    people.push(outsider(zhangcunLets[i % zhangcunLets.length]!, hubei, arrivedOn));
  }
  // Moujia: the two tenants back from Hubei on the 4th day of the new year, now under home quarantine.
  const moujiaRental = householdsOf('moujia', 'rental')[0]!;
  for (let i = 0; i < 2; i++) people.push(outsider(moujiaRental, true, addDays(today, -3)));
  // A head of household registered for every tenth household elsewhere, screened door to door.
  for (const [i, plan] of plans.entries()) {
    if (plan.community !== 'zhangcun' && i % 10 === 0) people.push(local(householdIds[i]!));
  }
  log(`registering ${people.length} people`);
  const personIds: string[] = new Array(people.length);
  await pool(people, limit, async (p, i) => {
    const res = await send<{ personId: string }>(
      transport,
      registrar,
      'POST',
      '/residents/people',
      p.body,
    );
    personIds[i] = res.personId;
  });
  summary.people = people.length;
  summary.outsidePeople = people.filter((p) => p.body.registration === 'outside').length;
  summary.fromHubei = people.filter((p) => p.hubei).length;

  // ---- door-to-door screenings and passes ----
  log('screening door to door and issuing passes');
  /** Zhangcun's pass holders, who cross at its gates with the pass they were issued. */
  const zhangcunPasses: { index: number; personId: string; passId: string; name: string }[] = [];
  await pool(people, limit, async (p, i) => {
    if (!p.screen) return;
    const id = personIds[i]!;
    // Hubei arrivals are screened on the day they arrived; everyone else yesterday.
    const date = p.hubei ? (p.body.arrivedOn as string) : addDays(today, -1);
    const abnormal = !p.hubei && i % 97 === 5;
    const screening = await send<{ result: string }>(
      transport,
      registrar,
      'POST',
      `/residents/people/${id}/screenings`,
      {
        date,
        temperatureC: abnormal ? 37.6 : (362 + (i % 7)) / 10,
        symptoms: abnormal ? ['cough'] : [],
      },
    );
    summary.screenings++;
    if (p.pass && screening.result === 'normal') {
      const pass = await send<{ passId: string }>(
        transport,
        registrar,
        'POST',
        `/residents/people/${id}/pass`,
        { validUntil: addDays(today, 13) },
      );
      summary.passes++;
      if (zhangcunLets.includes(p.body.householdId as string))
        zhangcunPasses.push({
          index: i,
          personId: id,
          passId: pass.passId,
          name: p.body.name as string,
        });
    }
  });

  // ---- home quarantine follow-up for Moujia's two tenants ----
  if (options.findCase) {
    const caller = tokenOf('caller-moujia-1');
    for (const [offset, p] of people.entries()) {
      if (p.body.householdId !== moujiaRental || !p.hubei) continue;
      const personId = personIds[offset]!;
      let caseId: string | undefined;
      for (let attempt = 0; attempt < 200 && !caseId; attempt++) {
        caseId = await options.findCase(personId);
        if (!caseId) await new Promise((r) => setTimeout(r, 50));
      }
      if (!caseId)
        throw new Error(
          `no home quarantine case was opened for ${p.body.name as string}: is the arrival policy running?`,
        );
      // Checks for every closed day since arrival: morning and afternoon, by phone.
      for (let day = 0; day < 3; day++) {
        const date = addDays(today, -3 + day);
        for (const slot of ['am', 'pm'] as const) {
          await send(transport, caller, 'POST', `/quarantine/cases/${caseId}/checks`, {
            date,
            slot,
            temperatureC: (363 + ((day + (slot === 'pm' ? 1 : 0)) % 4)) / 10,
            reachedVia: 'phone',
            checkedAt: `${date}T${slot === 'am' ? '09' : '15'}:${String(10 + day).padStart(2, '0')}:00+08:00`,
          });
          summary.checks++;
        }
      }
    }
  }

  // ---- checkpoints: Zhangcun's east and west gates, and one merged from many ----
  log('opening checkpoints');
  const admin = tokenOf('admin-kutao');
  const east = await send<{ checkpointId: string }>(transport, registrar, 'POST', '/checkpoints', {
    name: '张村东卡口',
    location: '张村东入口',
    kind: 'road',
    communities: ['zhangcun'],
    staffedHours: 24,
  });
  const west = await send<{ checkpointId: string }>(transport, registrar, 'POST', '/checkpoints', {
    name: '张村西卡口',
    location: '张村西入口',
    kind: 'road',
    communities: ['zhangcun'],
    staffedHours: 24,
  });
  const sources: string[] = [];
  for (const [community, name] of [
    ['wenzhang', '文张路口'],
    ['zhengzhang', '郑张路口'],
    ['kutao', '枯桃路口'],
    ['nanzhang', '南张路口'],
  ] as const) {
    const token = community === 'nanzhang' ? tokenOf('registrar-zhangcunhe') : registrar;
    sources.push(
      (
        await send<{ checkpointId: string }>(transport, token, 'POST', '/checkpoints', {
          name,
          location: `${name}（合并前）`,
          kind: 'road',
          communities: [community],
          staffedHours: 24,
        })
      ).checkpointId,
    );
  }
  const joint = await send<{ checkpointId: string }>(
    transport,
    admin,
    'POST',
    '/checkpoints/merge',
    {
      checkpointId: deterministicUuid(rng),
      sources,
      name: '枯桃-张村河联合卡口',
      location: '枯桃路与张村河路交口',
      kind: 'road',
      staffedHours: 24,
    },
  );
  summary.checkpoints = 3;
  // Shifts and crossings happen now: a checkpoint has no past before it opened.
  const now = () => new Date().toISOString();
  const zhangcunStaff = tokenOf('checkpoint-staff-zhangcun');
  const jointStaff = tokenOf('checkpoint-staff-joint');
  for (const [cp, token, staff] of [
    [
      east.checkpointId,
      zhangcunStaff,
      [
        {
          id: 'zc-staff-1',
          name: chineseName(rng),
          community: 'zhangcun',
          role: 'community-staff',
        },
        { id: 'zc-police-1', name: chineseName(rng), community: 'zhangcun', role: 'police' },
      ],
    ],
    [
      west.checkpointId,
      zhangcunStaff,
      [
        {
          id: 'zc-staff-2',
          name: chineseName(rng),
          community: 'zhangcun',
          role: 'community-staff',
        },
        { id: 'zc-vol-1', name: chineseName(rng), community: 'zhangcun', role: 'volunteer' },
      ],
    ],
    [
      joint.checkpointId,
      jointStaff,
      [
        { id: 'kt-staff-1', name: chineseName(rng), community: 'kutao', role: 'community-staff' },
        {
          id: 'nz-staff-1',
          name: chineseName(rng),
          community: 'nanzhang',
          role: 'community-staff',
        },
      ],
    ],
  ] as const) {
    await send(transport, token, 'POST', `/checkpoints/${cp}/shifts`, { staff, startedAt: now() });
  }
  // Today's crossings at the east gate: residents with the passes they were issued, in and out;
  // outsiders nobody has registered turned back, by the name they gave.
  const crossings = 40 * scale;
  // In the order the people were planned, not the order their passes came back, so a seed gives one district.
  zhangcunPasses.sort((a, b) => a.index - b.index);
  for (let i = 0; i < crossings; i++) {
    const at = now();
    const holder = zhangcunPasses[i % Math.max(1, zhangcunPasses.length)];
    if (i % 10 === 9 || !holder) {
      await send(transport, zhangcunStaff, 'POST', `/checkpoints/${east.checkpointId}/refusals`, {
        name: chineseName(rng),
        reason: 'outside-person',
        note: '外来人员，劝返',
        at,
      });
    } else {
      await send(
        transport,
        zhangcunStaff,
        'POST',
        `/checkpoints/${east.checkpointId}/${i % 2 === 0 ? 'entries' : 'exits'}`,
        {
          personId: holder.personId,
          name: holder.name,
          temperatureC: (361 + (i % 6)) / 10,
          passNumber: holder.passId,
          passValid: true,
          at,
        },
      );
    }
    summary.crossings++;
  }

  // ---- complaints ----
  log('filing complaints');
  const handler = tokenOf('complaint-handler-kutao');
  const kutaoRentals = householdsOf('kutao', 'rental');
  const complaintCount = 24 * scale;
  for (let i = 0; i < complaintCount; i++) {
    const kind = i % 6;
    const estate =
      kind === 3 ? rng.pick(['taoyuanju', 'enma-villas', 'yishan-bancheng-1']) : undefined;
    const community = estate
      ? undefined
      : kind === 0 || kind === 1
        ? 'kutao'
        : rng.pick(['zhangcun', 'wenzhang', 'moujia', 'zhengzhang']);
    const category =
      kind === 0 || kind === 1
        ? 'illegal-rental'
        : kind === 2
          ? 'checkpoint-conduct'
          : kind === 3
            ? 'sanitation'
            : kind === 4
              ? 'supplies'
              : 'quarantine-breach';
    const household = kutaoRentals[i % kutaoRentals.length];
    const filed = await send<{ complaintId: string }>(transport, handler, 'POST', '/complaints', {
      channel: rng.pick(['phone', 'wechat-group', 'in-person']),
      category,
      ...(estate ? { estate } : { community }),
      description:
        category === 'illegal-rental'
          ? '有房东将房屋出租给外来人员'
          : category === 'sanitation'
            ? '小区垃圾未及时清运'
            : category === 'supplies'
              ? '隔离户生活物资未送到'
              : category === 'checkpoint-conduct'
                ? '卡口值班人员态度问题'
                : '有人疑似违反居家隔离规定外出',
      reporter:
        i % 4 === 3
          ? { anonymous: true }
          : { anonymous: false, name: chineseName(rng), phone: phoneNumber(rng) },
      receivedAt: now(),
      ...(category === 'illegal-rental' && household ? { subjectHouseholdId: household } : {}),
    });
    summary.complaints++;
    const id = filed.complaintId;
    // Older complaints run their course; the newest stay open for the handlers.
    if (i >= complaintCount - 6) continue;
    await send(transport, handler, 'POST', `/complaints/${id}/triage`, {
      assignee: 'complaint-handler-kutao',
      agency: estate ? 'estate-officer' : 'community',
      priority: category === 'quarantine-breach' ? 'urgent' : 'normal',
    });
    await send(transport, handler, 'POST', `/complaints/${id}/notes`, { note: '已上门核实情况' });
    const substantiated = category === 'illegal-rental' ? kind === 0 : i % 3 !== 0;
    await send(transport, handler, 'POST', `/complaints/${id}/resolution`, {
      resolution: substantiated ? 'substantiated' : 'unsubstantiated',
      note: substantiated ? '经核实情况属实，已处理' : '经核实情况不属实',
      ...(substantiated && category === 'illegal-rental' && household
        ? { householdId: household }
        : {}),
    });
    const anonymous = i % 4 === 3;
    await send(transport, handler, 'POST', `/complaints/${id}/reply`, {
      channel: anonymous ? 'public-note' : 'phone',
      message: '您反映的问题已核实处理，感谢监督。',
    });
    if (i % 2 === 0) await send(transport, handler, 'POST', `/complaints/${id}/closure`, {});
  }
  log('district seeded');
  return summary;
}

/** A UUID from the seeded generator, so a reseeded district merges into the same checkpoint id. */
function deterministicUuid(rng: SeededRandom): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rng.next() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[Math.floor(rng.next() * 4)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
