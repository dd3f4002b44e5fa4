import { describe, expect, it } from 'vitest';
import { parseEnvelope, uuidv7 } from '@fangyi/contracts';
import { InMemoryProjectionStore, applyEvent } from '@fangyi/projections';
import { DEFAULT_SLOT_WINDOWS, SHIPPED_DISTRICT } from '@fangyi/service-kit';
import { dailyReport as report } from './daily.ts';
import { REPORT_HEADINGS, reportCsv, reportWorkbook } from './export.ts';
import { REPORT, reportProjection } from './projection.ts';
import { readWorkbook } from '../../test/workbook.ts';

const projection = reportProjection((iso) => iso.slice(0, 10));
const revisions = new Map<string, number>();

function envelope(
  streamId: string,
  type: string,
  data: unknown,
  occurredAt = '2020-02-01T02:00:00.000Z',
) {
  const revision = revisions.get(streamId) ?? 0;
  revisions.set(streamId, revision + 1);
  // parseEnvelope keeps this test honest about the contracts' shapes.
  return parseEnvelope({
    id: uuidv7(),
    type,
    schemaVersion: 1,
    streamId,
    streamRevision: revision,
    occurredAt,
    recordedAt: occurredAt,
    actor: { id: 'registrar-1', role: 'registrar' },
    correlationId: 'c',
    causationId: null,
    data,
  });
}

const OPTIONS = { timeZone: 'Asia/Shanghai', slotWindows: DEFAULT_SLOT_WINDOWS };
const dailyReport = (
  docs: Parameters<typeof report>[0],
  date: string,
  inScope: (community: string) => boolean,
) => report(docs, date, inScope, OPTIONS);

async function build(events: ReturnType<typeof envelope>[]) {
  const store = new InMemoryProjectionStore();
  for (const e of events) await applyEvent(projection, store, e);
  const docs = {
    households: await store.list<never>(REPORT.households),
    people: await store.list<never>(REPORT.people),
    cases: await store.list<never>(REPORT.cases),
    checkpoints: await store.list<never>(REPORT.checkpoints),
    crossingDays: await store.list<never>(REPORT.crossingDays),
    complaints: await store.list<never>(REPORT.complaints),
  };
  return { store, docs };
}

describe('daily report', () => {
  it('counts households, people, quarantine, checkpoints and complaints per community and in total, within the user scope', async () => {
    const events = [
      envelope('household-h1', 'residents.household-registered', {
        householdId: 'h1',
        community: 'zhangcun',
        grid: 'g1',
        address: 'a',
        kind: 'rental',
      }),
      envelope('household-h2', 'residents.household-registered', {
        householdId: 'h2',
        community: 'moujia',
        grid: 'g1',
        address: 'b',
        kind: 'owner-occupied',
      }),
      envelope('household-h1', 'residents.rental-suspended', {
        householdId: 'h1',
        community: 'zhangcun',
        reason: 'illegal-rental-report',
        suspendedOn: '2020-02-01',
      }),
      envelope('person-p1', 'residents.person-registered', {
        personId: 'p1',
        householdId: 'h1',
        community: 'zhangcun',
        name: '张伟',
        idNumber: '420100199001011234',
        phone: '13912345678',
        sex: 'male',
        birthDate: '1990-01-01',
        registration: 'outside',
        originProvince: '湖北省',
        originCity: '武汉市',
        arrivedOn: '2020-01-28',
        travelHistory: [],
      }),
      envelope('person-p1', 'residents.screening-recorded', {
        personId: 'p1',
        screeningId: 's1',
        householdId: 'h1',
        community: 'zhangcun',
        date: '2020-02-01',
        temperatureC: 37.5,
        symptoms: [],
        result: 'abnormal',
        visitedBy: 'r1',
      }),
      envelope('homeQuarantine-c1', 'quarantine.home-quarantine-started', {
        caseId: 'c1',
        personId: 'p1',
        personName: '张伟',
        community: 'zhangcun',
        startDate: '2020-01-28',
        endDate: '2020-02-10',
        periodDays: 14,
        reason: 'arrival-from-risk-area',
        assignedCaller: 'caller-1',
      }),
      envelope('homeQuarantine-c1', 'quarantine.symptom-check-logged', {
        caseId: 'c1',
        checkId: 'k1',
        date: '2020-02-01',
        slot: 'am',
        temperatureC: 36.5,
        symptoms: [],
        reachedVia: 'phone',
        abnormal: false,
      }),
      envelope('homeQuarantine-c1', 'quarantine.symptom-check-corrected', {
        caseId: 'c1',
        checkId: 'k2',
        date: '2020-02-01',
        slot: 'am',
        temperatureC: 36.6,
        symptoms: [],
        reachedVia: 'phone',
        abnormal: false,
        correctsCheckId: 'k1',
      }),
      envelope('homeQuarantine-c1', 'quarantine.symptom-check-missed', {
        caseId: 'c1',
        date: '2020-02-01',
        slot: 'pm',
      }),
    ];
    const { docs } = await build(events);
    const all = dailyReport(docs, '2020-02-01', () => true);
    expect(all.total.households).toMatchObject({
      total: 2,
      rental: 1,
      ownerOccupied: 1,
      rentalsSuspended: 1,
    });
    expect(all.total.people).toMatchObject({
      registered: 1,
      outside: 1,
      outsideFromRiskAreas: 1,
      screenedOnDate: 1,
      abnormalScreeningsOnDate: 1,
    });
    // A correction replaces the check; it does not add one.
    expect(all.total.homeQuarantine).toMatchObject({
      underQuarantine: 1,
      checksDueOnDate: 2,
      checksDoneOnDate: 1,
      missedOnDate: 1,
    });
    expect(all.communities.map((c) => c.community)).toEqual(['moujia', 'zhangcun']);

    const moujiaOnly = dailyReport(docs, '2020-02-01', (c) => c === 'moujia');
    expect(moujiaOnly.total.households.total).toBe(1);
    expect(moujiaOnly.total.homeQuarantine.underQuarantine).toBe(0);
    // Before the case started, nobody was under quarantine.
    expect(dailyReport(docs, '2020-01-27', () => true).total.homeQuarantine.underQuarantine).toBe(
      0,
    );
  });

  it('sums fines and rewards, and takes back withdrawn ones', async () => {
    const filed = envelope('complaint-x', 'complaints.complaint-filed', {
      complaintId: 'x',
      channel: 'phone',
      category: 'illegal-rental',
      community: 'kutao',
      description: '出租给外来人员',
      reporter: { anonymous: false, name: '李娜', phone: '13912345678' },
      receivedAt: '2020-02-01T01:00:00.000Z',
      replyWithinHours: 24,
      replyDueAt: '2020-02-02T01:00:00.000Z',
      status: 'received',
      statusNote: '已受理',
    });
    const events = [
      filed,
      envelope('complaint-x', 'complaints.fine-imposed', {
        complaintId: 'x',
        householdId: 'h9',
        amountYuan: 5000,
      }),
      envelope('complaint-x', 'complaints.reward-granted', {
        complaintId: 'x',
        reporterName: '李娜',
        amountYuan: 4000,
      }),
      envelope('complaint-x', 'complaints.fine-withdrawn', {
        complaintId: 'x',
        householdId: 'h9',
        amountYuan: 5000,
        reason: 'resolution-changed',
      }),
    ];
    const { docs } = await build(events);
    const r = dailyReport(docs, '2020-02-01', () => true);
    expect(r.total.complaints).toMatchObject({
      filedOnDate: 1,
      open: 1,
      finesYuan: 0,
      rewardsYuan: 4000,
    });
  });
});

describe('daily report for a past date', () => {
  const at = (date: string, time = '02:00') => `${date}T${time}:00.000Z`;
  const person = (id: string, community: string, registration: 'local' | 'outside') => ({
    personId: id,
    householdId: 'h1',
    community,
    name: '张伟',
    idNumber: '420100199001011234',
    phone: '13912345678',
    sex: 'male',
    birthDate: '1990-01-01',
    registration,
    ...(registration === 'outside'
      ? { originProvince: '湖北省', originCity: '武汉市', arrivedOn: '2020-01-28' }
      : {}),
    travelHistory: [],
  });
  const complaint = (id: string, community: string, date: string) => ({
    complaintId: id,
    channel: 'phone',
    category: 'illegal-rental',
    community,
    description: '出租给外来人员',
    reporter: { anonymous: true },
    receivedAt: at(date),
    replyWithinHours: 24,
    replyDueAt: at(date, '23:00'),
    status: 'received',
    statusNote: '已受理',
  });
  const caseStarted = (caseId: string, community: string, startDate: string, endDate: string) => ({
    caseId,
    personId: `p-${caseId}`,
    personName: '王芳',
    community,
    startDate,
    endDate,
    periodDays: 14,
    reason: 'arrival-from-risk-area',
    assignedCaller: 'caller-1',
  });

  // Everything known by the evening of 3 February 2020.
  const upTo3rd = () => [
    envelope(
      'household-ph1',
      'residents.household-registered',
      { householdId: 'ph1', community: 'zhangcun', grid: 'g1', address: 'a', kind: 'rental' },
      at('2020-02-01'),
    ),
    envelope(
      'household-ph1',
      'residents.rental-suspended',
      {
        householdId: 'ph1',
        community: 'zhangcun',
        reason: 'illegal-rental-report',
        suspendedOn: '2020-02-02',
      },
      at('2020-02-02'),
    ),
    envelope(
      'person-pp1',
      'residents.person-registered',
      person('pp1', 'zhangcun', 'outside'),
      at('2020-02-01'),
    ),
    envelope(
      'person-pp1',
      'residents.pass-issued',
      {
        personId: 'pp1',
        passId: 'pass1',
        community: 'zhangcun',
        issuedOn: '2020-02-02',
        validUntil: '2020-02-20',
        screeningId: 's1',
      },
      at('2020-02-02'),
    ),
    envelope(
      'person-pp2',
      'residents.person-registered',
      person('pp2', 'nanzhang', 'local'),
      at('2020-02-01'),
    ),
    envelope(
      'homeQuarantine-pc1',
      'quarantine.home-quarantine-started',
      caseStarted('pc1', 'moujia', '2020-01-28', '2020-02-10'),
      at('2020-01-28'),
    ),
    envelope(
      'homeQuarantine-pc1',
      'quarantine.symptom-check-logged',
      {
        caseId: 'pc1',
        checkId: 'k1',
        date: '2020-02-03',
        slot: 'am',
        temperatureC: 38.1,
        symptoms: [],
        reachedVia: 'phone',
        abnormal: true,
      },
      at('2020-02-03'),
    ),
    envelope(
      'homeQuarantine-pc1',
      'quarantine.escalation-raised',
      {
        caseId: 'pc1',
        escalationId: 'e1',
        checkId: 'k1',
        date: '2020-02-03',
        slot: 'am',
        temperatureC: 38.1,
        symptoms: [],
        reason: 'fever',
      },
      at('2020-02-03'),
    ),
    envelope(
      'checkpoint-cp1',
      'checkpoints.checkpoint-opened',
      {
        checkpointId: 'cp1',
        name: '东门',
        location: '张村东',
        kind: 'road',
        communities: [{ community: 'zhangcun', district: 'kutao' }],
        staffedHours: 24,
        openedAt: at('2020-02-01'),
      },
      at('2020-02-01'),
    ),
    envelope(
      'complaint-pk1',
      'complaints.complaint-filed',
      complaint('pk1', 'kutao', '2020-02-02'),
      at('2020-02-02'),
    ),
    envelope(
      'complaint-pk1',
      'complaints.complaint-resolved',
      {
        complaintId: 'pk1',
        community: 'kutao',
        category: 'illegal-rental',
        resolution: 'substantiated',
        householdId: 'ph1',
        status: 'resolved',
        statusNote: '属实',
      },
      at('2020-02-03'),
    ),
    envelope(
      'complaint-pk1',
      'complaints.fine-imposed',
      { complaintId: 'pk1', householdId: 'ph1', amountYuan: 5000 },
      at('2020-02-03'),
    ),
    envelope(
      'complaint-pk1',
      'complaints.reward-granted',
      { complaintId: 'pk1', amountYuan: 4000 },
      at('2020-02-03'),
    ),
  ];
  // What happened from the 4th on: each would change the 3rd's figures if the report summed current state.
  const later = () => [
    envelope(
      'household-ph1',
      'residents.rental-suspension-lifted',
      { householdId: 'ph1', community: 'zhangcun', liftedOn: '2020-02-04' },
      at('2020-02-04'),
    ),
    envelope(
      'household-ph2',
      'residents.household-registered',
      {
        householdId: 'ph2',
        community: 'zhangcun',
        grid: 'g1',
        address: 'b',
        kind: 'owner-occupied',
      },
      at('2020-02-04'),
    ),
    envelope(
      'person-pp1',
      'residents.pass-revoked',
      {
        personId: 'pp1',
        passId: 'pass1',
        reason: 'home-quarantine-started',
        revokedOn: '2020-02-04',
      },
      at('2020-02-04'),
    ),
    envelope(
      'person-pp2',
      'residents.person-moved-out',
      { personId: 'pp2', householdId: 'h1', community: 'nanzhang', movedOutOn: '2020-02-04' },
      at('2020-02-04'),
    ),
    envelope(
      'homeQuarantine-pc1',
      'quarantine.escalation-acknowledged',
      { caseId: 'pc1', escalationId: 'e1', by: 'caller-1', at: at('2020-02-04') },
      at('2020-02-04'),
    ),
    envelope(
      'homeQuarantine-pc1',
      'quarantine.escalation-resolved',
      { caseId: 'pc1', escalationId: 'e1', note: '复测正常', by: 'caller-1', at: at('2020-02-04') },
      at('2020-02-04'),
    ),
    envelope(
      'homeQuarantine-pc1',
      'quarantine.period-changed',
      {
        caseId: 'pc1',
        previousEndDate: '2020-02-10',
        newEndDate: '2020-02-04',
        periodDays: 8,
        reason: '核酸阴性',
      },
      at('2020-02-04'),
    ),
    envelope(
      'homeQuarantine-pc1',
      'quarantine.home-quarantine-ended',
      {
        caseId: 'pc1',
        personId: 'p-pc1',
        community: 'moujia',
        outcome: 'completed',
        endedOn: '2020-02-04',
      },
      at('2020-02-04'),
    ),
    // Registered on the 5th for an arrival on the 1st: it was not known on the 3rd.
    envelope(
      'homeQuarantine-pc2',
      'quarantine.home-quarantine-started',
      caseStarted('pc2', 'moujia', '2020-02-01', '2020-02-14'),
      at('2020-02-05'),
    ),
    envelope(
      'checkpoint-cp1',
      'checkpoints.checkpoint-closed',
      { checkpointId: 'cp1', closedAt: at('2020-02-04'), reason: '合并' },
      at('2020-02-04'),
    ),
    envelope(
      'complaint-pk1',
      'complaints.complaint-reopened',
      {
        complaintId: 'pk1',
        reason: '复核',
        previousResolution: 'substantiated',
        status: 'investigating',
        statusNote: '复核中',
      },
      at('2020-02-04'),
    ),
    envelope(
      'complaint-pk1',
      'complaints.fine-withdrawn',
      { complaintId: 'pk1', householdId: 'ph1', amountYuan: 5000, reason: 'resolution-changed' },
      at('2020-02-04'),
    ),
    envelope(
      'complaint-pk2',
      'complaints.complaint-filed',
      complaint('pk2', 'kutao', '2020-02-04'),
      at('2020-02-04'),
    ),
  ];

  it('gives the same figures for the 3rd whether asked that evening or after everything that came later', async () => {
    const then = await build(upTo3rd());
    const askedThen = dailyReport(then.docs, '2020-02-03', () => true);
    expect(askedThen.total).toMatchObject({
      households: { total: 1, rental: 1, rentalsSuspended: 1 },
      people: { registered: 2, outside: 1, outsideFromRiskAreas: 1, local: 1, activePasses: 1 },
      homeQuarantine: {
        underQuarantine: 1,
        checksDueOnDate: 2,
        checksDoneOnDate: 1,
        escalationsRaisedOnDate: 1,
        escalationsOpen: 1,
      },
      checkpoints: { open: 1 },
      complaints: {
        open: 0,
        resolvedOnDate: 1,
        substantiatedRentalReports: 1,
        finesYuan: 5000,
        rewardsYuan: 4000,
      },
    });

    const now = await build([...upTo3rd(), ...later()]);
    expect(dailyReport(now.docs, '2020-02-03', () => true)).toEqual(askedThen);

    // The later facts show on the days they happened.
    const fifth = dailyReport(now.docs, '2020-02-05', () => true).total;
    expect(fifth).toMatchObject({
      households: { total: 2, rentalsSuspended: 0 },
      people: { registered: 1, activePasses: 0 },
      homeQuarantine: { underQuarantine: 1, escalationsOpen: 0 },
      checkpoints: { open: 0 },
      complaints: { open: 2, substantiatedRentalReports: 0, finesYuan: 0, rewardsYuan: 4000 },
    });
    // The late-registered case counts from its registration; its slots of the 1st–4th were nobody's.
    expect(
      dailyReport(now.docs, '2020-02-04', () => true).total.homeQuarantine.underQuarantine,
    ).toBe(0);
  });

  it('adds communities up per district and for the whole', async () => {
    const { docs } = await build([...upTo3rd(), ...later()]);
    const r = dailyReport(docs, '2020-02-03', () => true);
    expect(r.communities.map((c) => [c.community, c.district])).toEqual([
      ['kutao', 'kutao'],
      ['moujia', 'kutao'],
      ['nanzhang', 'zhangcunhe'],
      ['zhangcun', 'kutao'],
    ]);
    expect(r.districts.map((d) => [d.district, d.people.registered])).toEqual([
      ['kutao', 1],
      ['zhangcunhe', 1],
    ]);
    expect(r.total.people.registered).toBe(2);
    // A community the configuration does not place is still counted, under "unassigned".
    const other = report(docs, '2020-02-03', () => true, {
      ...OPTIONS,
      district: {
        communityDistricts: { zhangcun: 'kutao' },
        riskAreas: SHIPPED_DISTRICT.riskAreas,
      },
    });
    expect(other.districts.map((d) => d.district)).toEqual(['kutao', 'unassigned']);
    expect(other.total).toEqual(r.total);
  });

  it('exports CSV with a byte-order mark, every field quoted and Chinese headings, and an .xlsx read back with the same', async () => {
    const { docs } = await build(upTo3rd());
    const r = dailyReport(docs, '2020-02-03', () => true);
    const csv = reportCsv(r);
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(Buffer.from(csv, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = csv.slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toBe(REPORT_HEADINGS.map((h) => `"${h}"`).join(','));
    expect(lines[0]).toContain('"居家隔离·在隔离"');
    expect(lines.every((l) => /^"[^"]*"(,"[^"]*")*$/.test(l))).toBe(true);
    expect(lines).toContain(
      lines.find((l) => l.startsWith('"2020-02-03","社区","枯桃管区","牟家"')),
    );
    expect(lines.at(-2)).toMatch(/^"2020-02-03","管区小计","张村河管区",""/);
    expect(lines.at(-1)).toMatch(/^"2020-02-03","合计","",""/);

    const { sheets, part } = await readWorkbook(await reportWorkbook(r));
    expect(sheets.map((s) => s.sheet)).toEqual(['每日报表 2020-02-03']);
    const [header, ...rows] = sheets[0]!.data;
    expect(header).toEqual(REPORT_HEADINGS);
    const column = (heading: string) => REPORT_HEADINGS.indexOf(heading);
    const moujia = rows.find((row) => row[3] === '牟家')!;
    expect(moujia[column('居家隔离·在隔离')]).toBe(1);
    expect(moujia[column('居家隔离·未处理预警')]).toBe(1);
    expect(rows.at(-1)![1]).toBe('合计');
    expect(rows.at(-1)![column('投诉举报·累计罚款（元）')]).toBe(5000);
    expect(part('xl/worksheets/sheet1.xml')).toMatch(/<pane[^>]*ySplit="1"[^>]*state="frozen"/);
  });
});
