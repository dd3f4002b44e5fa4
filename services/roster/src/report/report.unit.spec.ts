import { describe, expect, it } from 'vitest';
import { parseEnvelope, uuidv7 } from '@fangyi/contracts';
import { InMemoryProjectionStore, applyEvent } from '@fangyi/projections';
import { dailyReport } from './daily.ts';
import { REPORT, reportProjection } from './projection.ts';

const projection = reportProjection((iso) => iso.slice(0, 10));
const revisions = new Map<string, number>();

function envelope(streamId: string, type: string, data: unknown, occurredAt = '2020-02-01T02:00:00.000Z') {
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
      envelope('household-h1', 'residents.household-registered', { householdId: 'h1', community: 'zhangcun', grid: 'g1', address: 'a', kind: 'rental' }),
      envelope('household-h2', 'residents.household-registered', { householdId: 'h2', community: 'moujia', grid: 'g1', address: 'b', kind: 'owner-occupied' }),
      envelope('household-h1', 'residents.rental-suspended', { householdId: 'h1', community: 'zhangcun', reason: 'illegal-rental-report', suspendedOn: '2020-02-01' }),
      envelope('person-p1', 'residents.person-registered', {
        personId: 'p1', householdId: 'h1', community: 'zhangcun', name: '张伟', idNumber: '420100199001011234', phone: '13912345678', sex: 'male', birthDate: '1990-01-01',
        registration: 'outside', originProvince: '湖北省', originCity: '武汉市', arrivedOn: '2020-01-28', travelHistory: [],
      }),
      envelope('person-p1', 'residents.screening-recorded', { personId: 'p1', screeningId: 's1', householdId: 'h1', community: 'zhangcun', date: '2020-02-01', temperatureC: 37.5, symptoms: [], result: 'abnormal', visitedBy: 'r1' }),
      envelope('homeQuarantine-c1', 'quarantine.home-quarantine-started', {
        caseId: 'c1', personId: 'p1', personName: '张伟', community: 'zhangcun', startDate: '2020-01-28', endDate: '2020-02-10', periodDays: 14, reason: 'arrival-from-risk-area', assignedCaller: 'caller-1',
      }),
      envelope('homeQuarantine-c1', 'quarantine.symptom-check-logged', { caseId: 'c1', checkId: 'k1', date: '2020-02-01', slot: 'am', temperatureC: 36.5, symptoms: [], reachedVia: 'phone', abnormal: false }),
      envelope('homeQuarantine-c1', 'quarantine.symptom-check-corrected', { caseId: 'c1', checkId: 'k2', date: '2020-02-01', slot: 'am', temperatureC: 36.6, symptoms: [], reachedVia: 'phone', abnormal: false, correctsCheckId: 'k1' }),
      envelope('homeQuarantine-c1', 'quarantine.symptom-check-missed', { caseId: 'c1', date: '2020-02-01', slot: 'pm' }),
    ];
    const { docs } = await build(events);
    const all = dailyReport(docs, '2020-02-01', () => true);
    expect(all.total.households).toMatchObject({ total: 2, rental: 1, ownerOccupied: 1, rentalsSuspended: 1 });
    expect(all.total.people).toMatchObject({ registered: 1, outside: 1, outsideFromHubei: 1, screenedOnDate: 1, abnormalScreeningsOnDate: 1 });
    // A correction replaces the check; it does not add one.
    expect(all.total.homeQuarantine).toMatchObject({ underQuarantine: 1, checksDueOnDate: 2, checksDoneOnDate: 1, missedOnDate: 1 });
    expect(all.communities.map((c) => c.community)).toEqual(['moujia', 'zhangcun']);

    const moujiaOnly = dailyReport(docs, '2020-02-01', (c) => c === 'moujia');
    expect(moujiaOnly.total.households.total).toBe(1);
    expect(moujiaOnly.total.homeQuarantine.underQuarantine).toBe(0);
    // Before the case started, nobody was under quarantine.
    expect(dailyReport(docs, '2020-01-27', () => true).total.homeQuarantine.underQuarantine).toBe(0);
  });

  it('sums fines and rewards, and takes back withdrawn ones', async () => {
    const filed = envelope('complaint-x', 'complaints.complaint-filed', {
      complaintId: 'x', channel: 'phone', category: 'illegal-rental', community: 'kutao', description: '出租给外来人员', reporter: { anonymous: false, name: '李娜', phone: '13912345678' },
      receivedAt: '2020-02-01T01:00:00.000Z', replyWithinHours: 24, replyDueAt: '2020-02-02T01:00:00.000Z', status: 'received', statusNote: '已受理',
    });
    const events = [
      filed,
      envelope('complaint-x', 'complaints.fine-imposed', { complaintId: 'x', householdId: 'h9', amountYuan: 5000 }),
      envelope('complaint-x', 'complaints.reward-granted', { complaintId: 'x', reporterName: '李娜', amountYuan: 4000 }),
      envelope('complaint-x', 'complaints.fine-withdrawn', { complaintId: 'x', householdId: 'h9', amountYuan: 5000, reason: 'resolution-changed' }),
    ];
    const { docs } = await build(events);
    const r = dailyReport(docs, '2020-02-01', () => true);
    expect(r.total.complaints).toMatchObject({ filedOnDate: 1, open: 1, finesYuan: 0, rewardsYuan: 4000 });
  });
});
