import { describe, expect, it } from 'vitest';
import { uuidv7, type Envelope, type QuarantineEvent } from '@fangyi/contracts';
import { InMemoryProjectionStore, applyEvent } from '@fangyi/projections';
import { DEFAULT_SLOT_WINDOWS } from '@fangyi/service-kit';
import { ROSTER_COLLECTION, rosterProjection, type RosterCase } from './projection.ts';
import { rosterFor } from './status.ts';
import { renderRosterPage } from '../console/page.ts';

const TZ = 'Asia/Shanghai';
/** Shanghai wall-clock time → instant. */
const at = (local: string) => new Date(`${local}:00+08:00`);

/** Applies events to a fresh roster, in order, as one case's stream. */
async function rosterOf(
  events: readonly QuarantineEvent[],
  actor = 'caller-1',
  registeredAt = '2020-01-28T00:00:00.000Z',
) {
  const store = new InMemoryProjectionStore();
  const envelopes: Envelope[] = events.map((e, i) => ({
    id: uuidv7(),
    type: e.type,
    schemaVersion: 1,
    streamId: 'homeQuarantine-c1',
    streamRevision: i,
    occurredAt: '2020-01-29T02:00:00.000Z',
    // The start is recorded when the case was registered; the rest later.
    recordedAt: i === 0 ? registeredAt : '2020-01-29T02:00:01.000Z',
    actor: { id: actor, role: 'caller' },
    correlationId: 'x',
    causationId: null,
    data: e.data,
  }));
  for (const e of envelopes) await applyEvent(rosterProjection, store, e);
  const doc = (await store.get<RosterCase>(ROSTER_COLLECTION, 'c1'))!;
  const on = (date: string, now: Date) => rosterFor([doc], date, now, TZ, DEFAULT_SLOT_WINDOWS);
  return { store, doc, envelopes, on };
}

const started: QuarantineEvent = {
  type: 'quarantine.home-quarantine-started',
  data: {
    caseId: 'c1',
    personId: 'p1',
    personName: '王芳',
    community: 'moujia',
    startDate: '2020-01-28',
    endDate: '2020-02-10',
    periodDays: 14,
    reason: 'arrival-from-risk-area',
    assignedCaller: 'caller-1',
  },
};
const logged = (date: string, slot: 'am' | 'pm', temperatureC = 36.5): QuarantineEvent => ({
  type: 'quarantine.symptom-check-logged',
  data: {
    caseId: 'c1',
    checkId: `k-${date}-${slot}`,
    date,
    slot,
    temperatureC,
    symptoms: [],
    contactChannel: 'phone',
    measuredBy: { who: 'self', site: 'unknown' },
    abnormal: temperatureC >= 37.3,
  },
});
const missed = (date: string, slot: 'am' | 'pm'): QuarantineEvent => ({
  type: 'quarantine.symptom-check-missed',
  data: { caseId: 'c1', date, slot },
});
const ended = (outcome: 'completed' | 'sent-to-hospital', endedOn: string): QuarantineEvent => ({
  type: 'quarantine.home-quarantine-ended',
  data: { caseId: 'c1', personId: 'p1', community: 'moujia', outcome, endedOn },
});
const raised: QuarantineEvent = {
  type: 'quarantine.escalation-raised',
  data: {
    caseId: 'c1',
    escalationId: 'e1',
    checkId: 'k1',
    date: '2020-01-29',
    slot: 'am',
    temperatureC: 38.3,
    symptoms: [],
    reason: 'fever',
  },
};

describe('roster projection: the follow-up lifecycle', () => {
  it('shows a missed slot as "missed" once the scheduler records it, "overdue" before, and done after a late check', async () => {
    const before = await rosterOf([started]);
    expect(before.on('2020-01-28', at('2020-01-29T09:30'))[0]).toMatchObject({
      am: { status: 'overdue' },
      pm: { status: 'overdue' },
    });

    const after = await rosterOf([started, missed('2020-01-28', 'am')]);
    expect(after.on('2020-01-28', at('2020-01-29T09:30'))[0]).toMatchObject({
      am: { status: 'missed' },
      pm: { status: 'overdue' },
    });

    const late = await rosterOf([started, missed('2020-01-28', 'am'), logged('2020-01-28', 'am')]);
    expect(late.on('2020-01-28', at('2020-01-29T09:30'))[0]).toMatchObject({
      am: { status: 'done-normal', temperatureC: 36.5 },
    });
  });

  it('counts failed attempts on the slot, which stays open', async () => {
    const attempt = (reason: 'no-answer' | 'phone-off'): QuarantineEvent => ({
      type: 'quarantine.check-attempt-failed',
      data: {
        caseId: 'c1',
        attemptId: uuidv7(),
        date: '2020-01-29',
        slot: 'am',
        reason,
        attemptedAt: '2020-01-29T01:10:00.000Z',
      },
    });
    const { on, doc } = await rosterOf([started, attempt('no-answer'), attempt('phone-off')]);
    expect(on('2020-01-29', at('2020-01-29T09:30'))[0]!.am).toMatchObject({
      status: 'pending',
      attempts: 2,
      lastAttemptReason: 'phone-off',
    });
    expect(doc.attempts['2020-01-29']?.am).toMatchObject({ count: 2, lastBy: 'caller-1' });
  });

  it("gives pages the case's list form, which shows the same roster as the whole document", async () => {
    const attempt: QuarantineEvent = {
      type: 'quarantine.check-attempt-failed',
      data: {
        caseId: 'c1',
        attemptId: uuidv7(),
        date: '2020-01-29',
        slot: 'pm',
        reason: 'no-answer',
        attemptedAt: '2020-01-29T07:10:00.000Z',
      },
    };
    const { store, doc, on } = await rosterOf([started, logged('2020-01-29', 'am', 37.8), attempt]);
    const page = await store.page<RosterCase>({
      collection: ROSTER_COLLECTION,
      partition: 'moujia',
      limit: 10,
    });
    const row = page.items[0]!;
    // What only the case record shows stays out of the page.
    expect(row.checks['2020-01-29']?.am).toEqual({
      temperatureC: 37.8,
      abnormal: true,
      symptoms: [],
      occurredAt: '2020-01-29T02:00:00.000Z',
      by: 'caller-1',
    });
    expect(doc.checks['2020-01-29']?.am).toMatchObject({ checkId: 'k-2020-01-29-am' });
    expect(row.attempts['2020-01-29']?.pm).toEqual({ count: 1, lastReason: 'no-answer' });
    for (const now of [at('2020-01-29T09:30'), at('2020-01-29T19:00')])
      expect(rosterFor([row], '2020-01-29', now, TZ, DEFAULT_SLOT_WINDOWS)).toEqual(
        on('2020-01-29', now),
      );
  });

  it('drops a case that ended early off the roster from its end date, keeping the document', async () => {
    const { doc, on } = await rosterOf([started, ended('sent-to-hospital', '2020-02-01')]);
    expect(doc).toMatchObject({
      status: 'ended',
      endedOn: '2020-02-01',
      outcome: 'sent-to-hospital',
    });
    expect(on('2020-01-31', at('2020-02-02T09:00'))).toHaveLength(1);
    expect(on('2020-02-01', at('2020-02-02T09:00'))).toHaveLength(0);
    expect(on('2020-02-05', at('2020-02-05T09:00'))).toHaveLength(0);
  });

  it('keeps a completed case on every day of its period', async () => {
    const { on } = await rosterOf([started, ended('completed', '2020-02-10')]);
    expect(on('2020-02-10', at('2020-02-11T09:00'))[0]).toMatchObject({ caseStatus: 'ended' });
    expect(on('2020-02-11', at('2020-02-11T09:00'))).toHaveLength(0);
  });

  it('moves the case to the new caller on reassignment', async () => {
    const { on } = await rosterOf([
      started,
      {
        type: 'quarantine.caller-reassigned',
        data: { caseId: 'c1', previousCaller: 'caller-1', newCaller: 'caller-2', reason: 'x' },
      },
    ]);
    expect(on('2020-01-29', at('2020-01-29T09:30'))[0]).toMatchObject({
      assignedCaller: 'caller-2',
    });
  });

  it('follows a period change: extended days appear, with the new length', async () => {
    const { on } = await rosterOf([
      started,
      {
        type: 'quarantine.period-changed',
        data: {
          caseId: 'c1',
          previousEndDate: '2020-02-10',
          newEndDate: '2020-02-14',
          periodDays: 18,
          reason: 'x',
        },
      },
    ]);
    expect(on('2020-02-14', at('2020-02-14T09:00'))[0]).toMatchObject({
      day: 18,
      periodDays: 18,
      endDate: '2020-02-14',
    });
    const shortened = await rosterOf([
      started,
      {
        type: 'quarantine.period-changed',
        data: {
          caseId: 'c1',
          previousEndDate: '2020-02-10',
          newEndDate: '2020-02-03',
          periodDays: 7,
          reason: 'x',
        },
      },
    ]);
    expect(shortened.on('2020-02-04', at('2020-02-04T09:00'))).toHaveLength(0);
  });

  it('shows open escalations until referred or resolved, with their acknowledgement', async () => {
    const ack: QuarantineEvent = {
      type: 'quarantine.escalation-acknowledged',
      data: { caseId: 'c1', escalationId: 'e1', by: 'caller-1', at: '2020-01-29T02:00:00.000Z' },
    };
    const opened = await rosterOf([started, raised]);
    expect(opened.on('2020-01-29', at('2020-01-29T09:30'))[0]!.openEscalations).toEqual([
      expect.objectContaining({ escalationId: 'e1', status: 'open', temperatureC: 38.3 }),
    ]);
    const acked = await rosterOf([started, raised, ack]);
    expect(acked.doc.openEscalations).toEqual([
      expect.objectContaining({ status: 'acknowledged', acknowledgedBy: 'caller-1' }),
    ]);
    const referred = await rosterOf([
      started,
      raised,
      ack,
      {
        type: 'quarantine.escalation-referred-to-hospital',
        data: {
          caseId: 'c1',
          escalationId: 'e1',
          hospital: 'h',
          by: 'r',
          at: '2020-01-29T03:00:00.000Z',
        },
      },
    ]);
    expect(referred.doc).toMatchObject({ openEscalations: [], escalations: 1 });
    const resolved = await rosterOf([
      started,
      raised,
      ack,
      {
        type: 'quarantine.escalation-resolved',
        data: {
          caseId: 'c1',
          escalationId: 'e1',
          note: 'n',
          by: 'r',
          at: '2020-01-29T03:00:00.000Z',
        },
      },
    ]);
    expect(resolved.doc.openEscalations).toEqual([]);
  });

  it('counts breaches, and records supplies and disinfection without changing the roster', async () => {
    const { doc } = await rosterOf([
      started,
      {
        type: 'quarantine.breach-recorded',
        data: {
          caseId: 'c1',
          breachId: 'b1',
          checkpointId: 'cp',
          at: '2020-01-29T02:00:00.000Z',
          direction: 'exit',
          sourceEventId: 'ev',
        },
      },
      {
        type: 'quarantine.supplies-delivered',
        data: {
          caseId: 'c1',
          deliveryId: 'd1',
          items: ['food'],
          deliveredAt: '2020-01-29T02:00:00.000Z',
        },
      },
      {
        type: 'quarantine.disinfection-recorded',
        data: { caseId: 'c1', disinfectionId: 'x1', place: 'home', at: '2020-01-29T02:00:00.000Z' },
      },
    ]);
    expect(doc.breaches).toBe(1);
  });

  it('applies a redelivered event once', async () => {
    const { store, envelopes } = await rosterOf([started, missed('2020-01-28', 'am'), raised]);
    const before = await store.get(ROSTER_COLLECTION, 'c1');
    for (const e of envelopes)
      expect(await applyEvent(rosterProjection, store, e)).toBe('duplicate');
    expect(await store.get(ROSTER_COLLECTION, 'c1')).toEqual(before);
  });

  it('reads a document written before the lifecycle fields existed', async () => {
    const store = new InMemoryProjectionStore();
    const {
      status: _s,
      endedOn: _e,
      outcome: _o,
      missed: _m,
      attempts: _a,
      openEscalations: _oe,
      breaches: _b,
      ...old
    } = (await rosterOf([started])).doc;
    // In its community's partition, where every roster document lives (a store of the layout before partitions is rebuilt).
    await store.commit('homeQuarantine-c1', 0, [
      { op: 'put', collection: ROSTER_COLLECTION, id: 'c1', doc: old, partition: old.community },
    ]);
    expect(
      rosterFor(
        [old as RosterCase],
        '2020-01-28',
        at('2020-01-29T09:30'),
        TZ,
        DEFAULT_SLOT_WINDOWS,
      )[0],
    ).toMatchObject({ caseStatus: 'active', am: { status: 'overdue', attempts: 0 } });
    await applyEvent(rosterProjection, store, {
      id: uuidv7(),
      type: 'quarantine.symptom-check-missed',
      schemaVersion: 1,
      streamId: 'homeQuarantine-c1',
      streamRevision: 1,
      occurredAt: '2020-01-28T04:00:00.000Z',
      recordedAt: '2020-01-28T04:00:01.000Z',
      actor: { id: 'scheduler-missed-checks', role: 'system' },
      correlationId: 'x',
      causationId: null,
      data: { caseId: 'c1', date: '2020-01-28', slot: 'am' },
    });
    const doc = (await store.get<RosterCase>(ROSTER_COLLECTION, 'c1'))!;
    expect(
      rosterFor([doc], '2020-01-28', at('2020-01-29T09:30'), TZ, DEFAULT_SLOT_WINDOWS)[0],
    ).toMatchObject({ am: { status: 'missed' } });
  });

  it('labels a missed slot 已漏报 on the page, with attempts and open escalations', async () => {
    const { on } = await rosterOf([
      started,
      missed('2020-01-29', 'am'),
      {
        type: 'quarantine.check-attempt-failed',
        data: {
          caseId: 'c1',
          attemptId: 'a1',
          date: '2020-01-29',
          slot: 'pm',
          reason: 'no-answer',
          attemptedAt: '2020-01-29T07:00:00.000Z',
        },
      },
      raised,
    ]);
    const entries = on('2020-01-29', at('2020-01-29T15:00'));
    const html = renderRosterPage({
      date: '2020-01-29',
      timeZone: TZ,
      asOf: at('2020-01-29T15:00').toISOString(),
      entries,
      totals: {
        people: 1,
        doneNormal: 0,
        doneAbnormal: 0,
        pending: 1,
        overdue: 0,
        missed: 1,
        openEscalations: 1,
      },
    });
    expect(html).toContain('<td class="missed">已漏报</td>');
    expect(html).toContain('未接通 ×1（无人接听）');
    expect(html).toContain('待确认');
    expect(html).toContain('已漏报 1');
  });
});

describe('roster: slots before the case was registered', () => {
  it('shows slots that closed before registration as "before registration", later ones as overdue, and a late check as done', async () => {
    // Started on the 28th, registered on the 29th at 13:00 Shanghai (05:00 UTC): the 28th and the 29th's am had closed.
    const { on } = await rosterOf(
      [started, logged('2020-01-28', 'pm')],
      'caller-1',
      '2020-01-29T05:00:00.000Z',
    );
    expect(on('2020-01-28', at('2020-01-29T22:00'))[0]).toMatchObject({
      am: { status: 'before-registration' },
      pm: { status: 'done-normal' },
    });
    expect(on('2020-01-29', at('2020-01-29T22:00'))[0]).toMatchObject({
      am: { status: 'before-registration' },
      pm: { status: 'overdue' },
    });
    expect(on('2020-01-29', at('2020-01-29T14:00'))[0]).toMatchObject({
      pm: { status: 'pending' },
    });
  });

  it("judges midnight in Asia/Shanghai, not in the machine's UTC: registered at 00:01 on the 29th (16:01 UTC on the 28th)", async () => {
    expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe('UTC');
    const { on } = await rosterOf([started], 'caller-1', '2020-01-28T16:01:00.000Z');
    expect(on('2020-01-28', at('2020-01-29T13:00'))[0]).toMatchObject({
      am: { status: 'before-registration' },
      pm: { status: 'before-registration' },
    });
    expect(on('2020-01-29', at('2020-01-29T13:00'))[0]).toMatchObject({
      am: { status: 'overdue' },
      pm: { status: 'pending' },
    });
    // One minute before midnight in Shanghai the 28th's pm (closing 21:00) had closed too; at 20:59 it had not.
    const late = await rosterOf([started], 'caller-1', '2020-01-28T15:59:00.000Z');
    expect(late.on('2020-01-28', at('2020-01-29T13:00'))[0]!.pm.status).toBe('before-registration');
    const early = await rosterOf([started], 'caller-1', '2020-01-28T12:59:00.000Z');
    expect(early.on('2020-01-28', at('2020-01-29T13:00'))[0]).toMatchObject({
      am: { status: 'before-registration' },
      pm: { status: 'overdue' },
    });
  });

  it('keeps a recorded miss as missed, and reads documents written before registration was kept as before', async () => {
    const { doc } = await rosterOf(
      [started, missed('2020-01-28', 'pm')],
      'caller-1',
      '2020-01-29T05:00:00.000Z',
    );
    expect(
      rosterFor([doc], '2020-01-28', at('2020-01-29T22:00'), TZ, DEFAULT_SLOT_WINDOWS)[0]!.pm
        .status,
    ).toBe('missed');
    const { registeredAt: _r, ...legacy } = doc;
    expect(
      rosterFor(
        [legacy as RosterCase],
        '2020-01-28',
        at('2020-01-29T22:00'),
        TZ,
        DEFAULT_SLOT_WINDOWS,
      )[0]!.am.status,
    ).toBe('overdue');
  });
});
