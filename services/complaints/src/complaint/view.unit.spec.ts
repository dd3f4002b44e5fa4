import { describe, expect, it } from 'vitest';
import type { Envelope } from '@fangyi/contracts';
import { maskAnswer, maskPolicyFor, type User } from '@fangyi/service-kit';
import { testUser } from '@fangyi/testkit';
import { applyToView, isOverdue, presentView, type ComplaintView } from './view.ts';

let revision = 0;
const envelope = (
  type: string,
  data: object,
  occurredAt: string,
  actor = { id: 'handler-1', role: 'complaint-handler' as const },
): Envelope => ({
  id: `e${revision}`,
  type,
  schemaVersion: 1,
  streamId: 'complaint-c1',
  streamRevision: revision++,
  occurredAt,
  recordedAt: occurredAt,
  actor,
  correlationId: 'k',
  causationId: null,
  data,
});

function fold(events: Envelope[]): ComplaintView {
  return events.reduce<ComplaintView | null>(applyToView, null)!;
}

const filed = () =>
  envelope(
    'complaints.complaint-filed',
    {
      complaintId: 'c1',
      channel: 'wechat-group',
      category: 'quarantine-breach',
      estate: 'enma-villas',
      district: 'kutao',
      description: '隔离户外出',
      reporter: { anonymous: false, name: '王芳', phone: '13912345678' },
      receivedAt: '2020-02-03T01:00:00.000Z',
      replyWithinHours: 2,
      replyDueAt: '2020-02-03T03:00:00.000Z',
      status: 'received',
      statusNote: '已受理',
    },
    '2020-02-03T01:00:00.000Z',
    { id: 'registrar-1', role: 'complaint-handler' },
  );

describe('overdue, computed with the clock at query time', () => {
  it('is not overdue up to the reply-due time, and is one millisecond after it with no reply', () => {
    revision = 0;
    const view = fold([filed()]);
    expect(isOverdue(view, new Date('2020-02-03T03:00:00.000Z'))).toBe(false);
    expect(isOverdue(view, new Date('2020-02-03T03:00:00.001Z'))).toBe(true);
    expect(presentView(view, testUser('analyst'), new Date('2020-02-03T05:00:00Z'))).toMatchObject({
      overdue: true,
      repliedLate: false,
    });
  });

  it('stops being overdue with any reply, and says when the reply came late', () => {
    revision = 0;
    const view = fold([
      filed(),
      envelope(
        'complaints.reporter-replied',
        {
          complaintId: 'c1',
          replyId: 'r1',
          channel: 'phone',
          message: '已收到，正在核实',
          at: '2020-02-03T04:00:00.000Z',
          public: false,
        },
        '2020-02-03T04:00:00.000Z',
      ),
    ]);
    expect(presentView(view, testUser('analyst'), new Date('2020-02-04T00:00:00Z'))).toMatchObject({
      overdue: false,
      repliedLate: true,
      firstReplyAt: '2020-02-03T04:00:00.000Z',
    });
  });
});

describe('status notes and the Open311 fields', () => {
  it('records a status note with who and when for every change, and the agency responsible', () => {
    revision = 0;
    const view = fold([
      filed(),
      envelope(
        'complaints.complaint-triaged',
        {
          complaintId: 'c1',
          assignee: 'officer-enma',
          agency: 'estate-officer',
          priority: 'urgent',
          status: 'triaged',
          statusNote: '已分派：小区信息员（officer-enma）',
        },
        '2020-02-03T01:10:00.000Z',
      ),
    ]);
    expect(view).toMatchObject({
      status: 'triaged',
      agency: 'estate-officer',
      assignee: 'officer-enma',
      priority: 'urgent',
      area: 'enma-villas',
      updatedAt: '2020-02-03T01:10:00.000Z',
      revision: 1,
    });
    expect(view.statusNotes).toEqual([
      {
        status: 'received',
        note: '已受理',
        at: '2020-02-03T01:00:00.000Z',
        recordedAt: '2020-02-03T01:00:00.000Z',
        by: { id: 'registrar-1', role: 'complaint-handler' },
      },
      {
        status: 'triaged',
        note: '已分派：小区信息员（officer-enma）',
        at: '2020-02-03T01:10:00.000Z',
        recordedAt: '2020-02-03T01:10:00.000Z',
        by: { id: 'handler-1', role: 'complaint-handler' },
      },
    ]);
  });
});

describe('revealing the reporter', () => {
  const now = new Date('2020-02-03T01:30:00Z');
  const read = (view: ComplaintView, user: User) =>
    maskAnswer(presentView(view, user, now), maskPolicyFor(user.role)) as {
      reporter: Record<string, unknown>;
    };

  it('masks the phone for the report officer, analysts and a handler whose complaint it is not; reveals it to the assigned handler', () => {
    revision = 0;
    const view = fold([filed()]);
    expect(read(view, testUser('report-officer')).reporter).toEqual({
      anonymous: false,
      name: '王芳',
      phone: '139****5678',
    });
    expect(read(view, testUser('analyst')).reporter).toMatchObject({ phone: '139****5678' });
    expect(
      read(view, testUser('complaint-handler', ['kutao'], 'handler-1')).reporter,
    ).toMatchObject({ phone: '139****5678' });
    expect(
      read(
        { ...view, assignee: 'handler-1' },
        testUser('complaint-handler', ['kutao'], 'handler-1'),
      ).reporter,
    ).toMatchObject({ phone: '13912345678' });
  });

  it("reveals it to the estate's handler, but never an anonymous reporter's", () => {
    revision = 0;
    const view = fold([filed()]);
    expect(view.estate).toBe('enma-villas');
    expect(read(view, testUser('complaint-handler', ['enma-villas'])).reporter).toMatchObject({
      phone: '13912345678',
    });
    expect(read(view, testUser('complaint-handler', ['*'])).reporter).toMatchObject({
      phone: '139****5678',
    });
    const anonymous = {
      ...view,
      assignee: 'handler-1',
      reporter: { anonymous: true as const, phone: '13912345678' },
    };
    expect(
      read(anonymous, testUser('complaint-handler', ['enma-villas'], 'handler-1')).reporter,
    ).toEqual({ anonymous: true, phone: '139****5678' });
  });
});
