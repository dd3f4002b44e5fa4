import { describe, expect, it } from 'vitest';
import type { ComplaintEvent, Reporter } from '@fangyi/contracts';
import { deciderSpec } from '@fangyi/testkit';
import {
  complaintDecider,
  type ComplaintCommand,
  type FileComplaint,
  type ResolveComplaint,
} from './complaint.ts';

const spec = deciderSpec(complaintDecider);

/** Kutao's handlers, Taoyuanju's information officer, and one who handles every area. */
const handlers = new Map([
  ['kutao', ['handler-1', 'officer-2']],
  ['taoyuanju', ['officer-taoyuanju']],
  ['*', ['district-handler']],
]);
const h102 = { householdId: 'h-102', community: 'kutao', estate: null };

const named: Reporter = { anonymous: false, name: '张伟', phone: '13912345678' };
const anonymousWithPhone: Reporter = { anonymous: true, phone: '13800001111' };
const anonymousNoContact: Reporter = { anonymous: true };

const file = (o: Partial<FileComplaint['data']> = {}): FileComplaint => ({
  type: 'FileComplaint',
  data: {
    complaintId: 'c1',
    channel: 'phone',
    category: 'illegal-rental',
    community: 'kutao',
    description: '3号楼有人把房子租给外地人',
    reporter: named,
    receivedAt: '2020-02-03T09:00:00+08:00',
    replyWithinHours: 24,
    now: '2020-02-03T01:30:00.000Z',
    subjectHousehold: null,
    ...o,
  },
});

const filed = (
  o: Partial<Extract<ComplaintEvent, { type: 'complaints.complaint-filed' }>['data']> = {},
): ComplaintEvent => ({
  type: 'complaints.complaint-filed',
  data: {
    complaintId: 'c1',
    channel: 'phone',
    category: 'illegal-rental',
    community: 'kutao',
    description: '3号楼有人把房子租给外地人',
    reporter: named,
    receivedAt: '2020-02-03T01:00:00.000Z',
    replyWithinHours: 24,
    replyDueAt: '2020-02-04T01:00:00.000Z',
    status: 'received',
    statusNote: '已受理',
    ...o,
  },
});

const triaged: ComplaintEvent = {
  type: 'complaints.complaint-triaged',
  data: {
    complaintId: 'c1',
    assignee: 'handler-1',
    agency: 'community',
    priority: 'normal',
    status: 'triaged',
    statusNote: '已分派：社区（handler-1）',
  },
};
const noted: ComplaintEvent = {
  type: 'complaints.investigation-note-added',
  data: {
    complaintId: 'c1',
    noteId: 'n1',
    note: '上门核实',
    at: '2020-02-03T03:00:00.000Z',
    status: 'investigating',
    statusNote: '调查处理中',
  },
};
const BAN = { fineYuan: 5000, rewardYuan: 4000 };
const resolve = (o: Partial<ResolveComplaint['data']> = {}): ResolveComplaint => ({
  type: 'ResolveComplaint',
  data: {
    complaintId: 'c1',
    resolution: 'substantiated',
    note: '查实3号楼102户收留外地人',
    householdId: 'h-102',
    rentalBan: BAN,
    household: h102,
    ...o,
  },
});
const resolvedEvent = (
  o: Partial<Extract<ComplaintEvent, { type: 'complaints.complaint-resolved' }>['data']> = {},
): ComplaintEvent => ({
  type: 'complaints.complaint-resolved',
  data: {
    complaintId: 'c1',
    community: 'kutao',
    category: 'illegal-rental',
    resolution: 'substantiated',
    householdId: 'h-102',
    note: '查实3号楼102户收留外地人',
    status: 'resolved',
    statusNote: '查证属实：查实3号楼102户收留外地人',
    ...o,
  },
});
const fineImposed: ComplaintEvent = {
  type: 'complaints.fine-imposed',
  data: { complaintId: 'c1', householdId: 'h-102', amountYuan: 5000 },
};
const rewardGranted: ComplaintEvent = {
  type: 'complaints.reward-granted',
  data: { complaintId: 'c1', reporterName: '张伟', amountYuan: 4000 },
};
const replied: ComplaintEvent = {
  type: 'complaints.reporter-replied',
  data: {
    complaintId: 'c1',
    replyId: 'r1',
    channel: 'phone',
    message: '已查实，奖励4000元',
    at: '2020-02-03T08:00:00.000Z',
    public: false,
  },
};
const closed: ComplaintEvent = {
  type: 'complaints.complaint-closed',
  data: { complaintId: 'c1', status: 'closed', statusNote: '已办结' },
};
const reopened: ComplaintEvent = {
  type: 'complaints.complaint-reopened',
  data: {
    complaintId: 'c1',
    reason: '当事人申诉',
    previousResolution: 'substantiated',
    status: 'investigating',
    statusNote: '重新调查：当事人申诉',
  },
};
const reply = (
  o: Partial<Extract<ComplaintCommand, { type: 'ReplyToReporter' }>['data']> = {},
): ComplaintCommand => ({
  type: 'ReplyToReporter',
  data: {
    complaintId: 'c1',
    replyId: 'r1',
    channel: 'phone',
    message: '已查实，奖励4000元',
    at: '2020-02-03T08:00:00.000Z',
    ...o,
  },
});
const close: ComplaintCommand = {
  type: 'CloseComplaint',
  data: { complaintId: 'c1', replyId: 'r9', at: '2020-02-03T09:00:00.000Z' },
};
const reopen: ComplaintCommand = {
  type: 'ReopenComplaint',
  data: { complaintId: 'c1', reason: '当事人申诉' },
};
const triage: ComplaintCommand = {
  type: 'TriageComplaint',
  data: {
    complaintId: 'c1',
    assignee: 'handler-1',
    agency: 'community',
    priority: 'normal',
    handlers,
  },
};
const note = (
  o: Partial<Extract<ComplaintCommand, { type: 'AddInvestigationNote' }>['data']> = {},
): ComplaintCommand => ({
  type: 'AddInvestigationNote',
  data: {
    complaintId: 'c1',
    noteId: 'n1',
    note: '上门核实',
    at: '2020-02-03T03:00:00.000Z',
    now: '2020-02-03T03:00:00.000Z',
    ...o,
  },
});

const underInvestigation = [filed(), triaged, noted];
const resolvedWithFine = [...underInvestigation, resolvedEvent(), fineImposed, rewardGranted];

describe('who and what a complaint names must exist', () => {
  const refusal = (command: ComplaintCommand, given: ComplaintEvent[] = []) => {
    try {
      complaintDecider.decide(
        command,
        given.reduce(complaintDecider.evolve, complaintDecider.initialState()),
      );
    } catch (error) {
      const e = error as { code: string; fields: { field: string }[] };
      return `${e.code} ${e.fields.map((f) => f.field).join(',')}`;
    }
    throw new Error('not refused');
  };

  it("assigns only to a handler of the complaint's area, or of every area", () => {
    expect(
      refusal(
        { ...triage, data: { ...triage.data, assignee: 'officer-taoyuanju' } } as ComplaintCommand,
        [filed()],
      ),
    ).toBe('ASSIGNEE_NOT_A_HANDLER body.assignee');
    expect(
      refusal({ ...triage, data: { ...triage.data, assignee: 'anyone' } } as ComplaintCommand, [
        filed(),
      ]),
    ).toBe('ASSIGNEE_NOT_A_HANDLER body.assignee');
    spec
      .given([filed()])
      .when({
        ...triage,
        data: { ...triage.data, assignee: 'district-handler' },
      } as ComplaintCommand)
      .thenMatches((events) => expect(events).toHaveLength(1));
  });

  it("takes a subject household only if the register holds it, in the complaint's area", () => {
    expect(refusal(file({ subjectHouseholdId: 'h-ghost', subjectHousehold: null }))).toBe(
      'HOUSEHOLD_UNKNOWN body.subjectHouseholdId',
    );
    expect(
      refusal(
        file({
          subjectHouseholdId: 'h-9',
          subjectHousehold: { householdId: 'h-9', community: 'moujia', estate: null },
        }),
      ),
    ).toBe('HOUSEHOLD_OUTSIDE_AREA body.subjectHouseholdId');
    spec
      .given([])
      .when(file({ subjectHouseholdId: 'h-102', subjectHousehold: h102 }))
      .thenMatches((events) =>
        expect(events[0]!.data).toMatchObject({ subjectHouseholdId: 'h-102' }),
      );
  });

  it("fines only a household the register holds, in the complaint's area", () => {
    expect(refusal(resolve({ household: null }), underInvestigation)).toBe(
      'HOUSEHOLD_UNKNOWN body.householdId',
    );
    expect(
      refusal(
        resolve({ household: { householdId: 'h-102', community: 'moujia', estate: null } }),
        underInvestigation,
      ),
    ).toBe('HOUSEHOLD_OUTSIDE_AREA body.householdId');
  });
});

describe('FileComplaint', () => {
  it('records the complaint with the reply due time of the policy in force, counted from when it was received', () => {
    spec.given([]).when(file()).then([filed()]);
  });

  it('records an estate complaint with the district the configuration places the estate in', () => {
    spec
      .given([])
      .when(
        file({
          community: undefined,
          estate: 'taoyuanju',
          estateDistrict: 'kutao',
          category: 'sanitation',
          replyWithinHours: 72,
        }),
      )
      .thenMatches((events) =>
        expect(events[0]!.data).toMatchObject({
          estate: 'taoyuanju',
          district: 'kutao',
          replyDueAt: '2020-02-06T01:00:00.000Z',
          replyWithinHours: 72,
        }),
      );
  });

  it('takes a quarantine breach due in 2 hours when the policy says so', () => {
    spec
      .given([])
      .when(file({ category: 'quarantine-breach', replyWithinHours: 2 }))
      .thenMatches((events) =>
        expect(events[0]!.data).toMatchObject({ replyDueAt: '2020-02-03T03:00:00.000Z' }),
      );
  });

  it('refuses a complaint received later than now', () => {
    spec
      .given([])
      .when(file({ receivedAt: '2020-02-03T10:00:00+08:00' }))
      .thenThrows('RECEIVED_IN_FUTURE', { fields: ['receivedAt'] });
  });

  it('refuses to file the same complaint twice', () => {
    spec
      .given([filed()])
      .when(file())
      .thenThrows('COMPLAINT_ALREADY_EXISTS', { fields: ['complaintId'] });
  });
});

describe('TriageComplaint', () => {
  it('assigns a received complaint and moves it to triaged', () => {
    spec.given([filed()]).when(triage).then([triaged]);
  });

  it('reassigns an open complaint, keeping its status and naming the previous assignee', () => {
    spec
      .given(underInvestigation)
      .when({
        type: 'TriageComplaint',
        data: {
          complaintId: 'c1',
          assignee: 'officer-2',
          agency: 'police-station',
          priority: 'high',
          note: '转派出所',
          handlers,
        },
      })
      .then([
        {
          type: 'complaints.complaint-triaged',
          data: {
            complaintId: 'c1',
            assignee: 'officer-2',
            agency: 'police-station',
            priority: 'high',
            previousAssignee: 'handler-1',
            status: 'investigating',
            statusNote: '转派出所',
          },
        },
      ]);
  });

  it('refuses a complaint that does not exist', () => {
    spec
      .given([])
      .when(triage)
      .thenThrows('COMPLAINT_NOT_FOUND', { fields: ['complaintId'] });
  });

  it('refuses a resolved complaint', () => {
    spec
      .given(resolvedWithFine)
      .when(triage)
      .thenThrows('COMPLAINT_NOT_OPEN', { fields: ['complaintId'] });
  });
});

describe('AddInvestigationNote', () => {
  it('starts the investigation with the first note; the status note does not repeat the internal note', () => {
    spec.given([filed(), triaged]).when(note()).then([noted]);
  });

  it('adds later notes without a status change', () => {
    spec
      .given(underInvestigation)
      .when(note({ noteId: 'n2', note: '房东承认' }))
      .then([
        {
          type: 'complaints.investigation-note-added',
          data: {
            complaintId: 'c1',
            noteId: 'n2',
            note: '房东承认',
            at: '2020-02-03T03:00:00.000Z',
          },
        },
      ]);
  });

  it('refuses a note before triage', () => {
    spec
      .given([filed()])
      .when(note())
      .thenThrows('COMPLAINT_NOT_TRIAGED', { fields: ['complaintId'] });
  });

  it('refuses a note once resolved, and once closed', () => {
    spec
      .given(resolvedWithFine)
      .when(note())
      .thenThrows('COMPLAINT_NOT_OPEN', { fields: ['complaintId'] });
    spec
      .given([...resolvedWithFine, replied, closed])
      .when(note())
      .thenThrows('COMPLAINT_NOT_OPEN', { fields: ['complaintId'] });
  });

  it('refuses a note dated in the future or before the complaint was received', () => {
    spec
      .given(underInvestigation)
      .when(note({ at: '2020-02-03T05:00:00.000Z' }))
      .thenThrows('NOTE_IN_FUTURE', { fields: ['at'] });
    spec
      .given(underInvestigation)
      .when(note({ at: '2020-02-02T05:00:00.000Z' }))
      .thenThrows('NOTE_BEFORE_RECEIVED', { fields: ['at'] });
  });
});

describe('ResolveComplaint', () => {
  it('resolves a substantiated rental-ban report with the fine and the reward of the policy in force, in the same decision', () => {
    spec
      .given(underInvestigation)
      .when(resolve())
      .then([resolvedEvent(), fineImposed, rewardGranted]);
  });

  it('records whatever amounts are configured, not the defaults', () => {
    spec
      .given(underInvestigation)
      .when(resolve({ rentalBan: { fineYuan: 8000, rewardYuan: 3000 } }))
      .thenMatches((events) => {
        expect(events.find((e) => e.type === 'complaints.fine-imposed')!.data).toEqual({
          complaintId: 'c1',
          householdId: 'h-102',
          amountYuan: 8000,
        });
        expect(events.find((e) => e.type === 'complaints.reward-granted')!.data).toEqual({
          complaintId: 'c1',
          reporterName: '张伟',
          amountYuan: 3000,
        });
      });
  });

  it('fines nobody where no rental ban applies', () => {
    spec
      .given(underInvestigation)
      .when(resolve({ rentalBan: null }))
      .then([resolvedEvent()]);
  });

  it('pays an anonymous reporter who left a phone, without naming them', () => {
    spec
      .given([filed({ reporter: anonymousWithPhone }), triaged, noted])
      .when(resolve())
      .then([
        resolvedEvent(),
        fineImposed,
        { type: 'complaints.reward-granted', data: { complaintId: 'c1', amountYuan: 4000 } },
      ]);
  });

  it('still fines the host but withholds the reward when the anonymous reporter left no contact: nobody to pay', () => {
    spec
      .given([filed({ reporter: anonymousNoContact }), triaged, noted])
      .when(resolve())
      .then([resolvedEvent({ rewardWithheld: 'reporter-not-contactable' }), fineImposed]);
  });

  it('requires the host household for a substantiated illegal-rental report', () => {
    spec
      .given(underInvestigation)
      .when(resolve({ householdId: undefined }))
      .thenThrows('HOUSEHOLD_REQUIRED', { fields: ['householdId'] });
  });

  it('refuses a household on a complaint that is not about rental', () => {
    spec
      .given([filed({ category: 'sanitation' }), triaged])
      .when(resolve())
      .thenThrows('HOUSEHOLD_NOT_APPLICABLE', { fields: ['householdId'] });
  });

  it('needs duplicateOf for a duplicate, and only for a duplicate, and not itself', () => {
    spec
      .given(underInvestigation)
      .when(resolve({ resolution: 'duplicate', householdId: undefined }))
      .thenThrows('DUPLICATE_OF_REQUIRED', { fields: ['duplicateOf'] });
    spec
      .given(underInvestigation)
      .when(resolve({ resolution: 'unsubstantiated', duplicateOf: 'c0' }))
      .thenThrows('DUPLICATE_OF_NOT_APPLICABLE', { fields: ['duplicateOf'] });
    spec
      .given(underInvestigation)
      .when(resolve({ resolution: 'duplicate', duplicateOf: 'c1', householdId: undefined }))
      .thenThrows('DUPLICATE_OF_SELF', { fields: ['duplicateOf'] });
  });

  it('resolves a duplicate straight after triage, with no fine', () => {
    spec
      .given([filed(), triaged])
      .when(
        resolve({
          resolution: 'duplicate',
          duplicateOf: 'c0',
          householdId: undefined,
          note: '同一事项已受理',
        }),
      )
      .then([
        resolvedEvent({
          resolution: 'duplicate',
          duplicateOf: 'c0',
          householdId: undefined,
          note: '同一事项已受理',
          statusNote: '重复投诉：同一事项已受理',
        }),
      ]);
  });

  it('refuses to resolve before triage, and a complaint already resolved', () => {
    spec
      .given([filed()])
      .when(resolve())
      .thenThrows('COMPLAINT_NOT_TRIAGED', { fields: ['complaintId'] });
    spec
      .given(resolvedWithFine)
      .when(resolve())
      .thenThrows('COMPLAINT_NOT_OPEN', { fields: ['complaintId'] });
  });
});

describe('ReplyToReporter', () => {
  it('records a reply to a reporter who can be reached', () => {
    spec.given(resolvedWithFine).when(reply()).then([replied]);
  });

  it('takes an acknowledgement before the resolution too', () => {
    spec
      .given([filed()])
      .when(reply({ message: '已收到' }))
      .thenMatches((events) => expect(events[0]!.type).toBe('complaints.reporter-replied'));
  });

  it('posts the reply as a public status note for an anonymous reporter without contact', () => {
    spec
      .given([filed({ reporter: anonymousNoContact }), triaged])
      .when(reply({ channel: 'public-note', message: '已核实处理' }))
      .thenMatches((events) =>
        expect(events[0]!.data).toMatchObject({ channel: 'public-note', public: true }),
      );
  });

  it('refuses a direct channel to a reporter without contact, and a public note instead of a real reply', () => {
    spec
      .given([filed({ reporter: anonymousNoContact })])
      .when(reply({ channel: 'phone' }))
      .thenThrows('REPORTER_NOT_CONTACTABLE', { fields: ['channel'] });
    spec
      .given([filed()])
      .when(reply({ channel: 'public-note' }))
      .thenThrows('PUBLIC_NOTE_NOT_A_REPLY', { fields: ['channel'] });
  });

  it('refuses a reply on a closed complaint', () => {
    spec
      .given([...resolvedWithFine, replied, closed])
      .when(reply())
      .thenThrows('COMPLAINT_CLOSED', { fields: ['complaintId'] });
  });
});

describe('CloseComplaint', () => {
  it('closes a resolved complaint whose reporter has had the outcome', () => {
    spec
      .given([...resolvedWithFine, replied])
      .when(close)
      .then([closed]);
  });

  it('refuses to close before the reporter has had a reply (409 REPLY_REQUIRED)', () => {
    spec
      .given(resolvedWithFine)
      .when(close)
      .thenThrows('REPLY_REQUIRED', { fields: ['complaintId'] });
  });

  it('does not count an acknowledgement sent before the resolution as the reply', () => {
    const ack: ComplaintEvent = {
      ...replied,
      data: { ...(replied.data as object), message: '已收到' },
    } as ComplaintEvent;
    spec
      .given([filed(), ack, triaged, noted, resolvedEvent(), fineImposed, rewardGranted])
      .when(close)
      .thenThrows('REPLY_REQUIRED', { fields: ['complaintId'] });
  });

  it('posts the outcome as a public status note when the reporter cannot be reached, then closes', () => {
    spec
      .given([
        filed({ reporter: anonymousNoContact }),
        triaged,
        noted,
        resolvedEvent({ rewardWithheld: 'reporter-not-contactable' }),
        fineImposed,
      ])
      .when(close)
      .then([
        {
          type: 'complaints.reporter-replied',
          data: {
            complaintId: 'c1',
            replyId: 'r9',
            channel: 'public-note',
            message: '查证属实：查实3号楼102户收留外地人',
            at: '2020-02-03T09:00:00.000Z',
            public: true,
          },
        },
        closed,
      ]);
  });

  it('refuses to close an open complaint, and a closed one again', () => {
    spec
      .given(underInvestigation)
      .when(close)
      .thenThrows('COMPLAINT_NOT_RESOLVED', { fields: ['complaintId'] });
    spec
      .given([...resolvedWithFine, replied, closed])
      .when(close)
      .thenThrows('COMPLAINT_ALREADY_CLOSED', { fields: ['complaintId'] });
  });
});

describe('ReopenComplaint and the status machine around it', () => {
  it('reopens a resolved or a closed complaint for investigation, naming the resolution that no longer stands', () => {
    spec.given(resolvedWithFine).when(reopen).then([reopened]);
    spec
      .given([...resolvedWithFine, replied, closed])
      .when(reopen)
      .then([reopened]);
  });

  it('refuses to reopen an open complaint', () => {
    spec
      .given(underInvestigation)
      .when(reopen)
      .thenThrows('COMPLAINT_NOT_REOPENABLE', { fields: ['complaintId'] });
  });

  it('lets a reopened complaint take notes again, and needs a new reply before closing', () => {
    spec
      .given([...resolvedWithFine, replied, closed, reopened])
      .when(note({ noteId: 'n3' }))
      .thenMatches((events) => expect(events).toHaveLength(1));
    spec
      .given([...resolvedWithFine, replied, closed, reopened, resolvedEvent()])
      .when(close)
      .thenThrows('REPLY_REQUIRED', { fields: ['complaintId'] });
  });

  it('does not undo the fine at reopening: it stands until the next resolution decides', () => {
    spec
      .given([...resolvedWithFine, reopened])
      .when(resolve())
      .then([resolvedEvent()]);
  });

  it('withdraws the fine and the reward when the new resolution is not substantiated', () => {
    spec
      .given([...resolvedWithFine, replied, closed, reopened])
      .when(
        resolve({
          resolution: 'unsubstantiated',
          householdId: 'h-102',
          note: '系亲属探访，非出租',
        }),
      )
      .then([
        resolvedEvent({
          resolution: 'unsubstantiated',
          note: '系亲属探访，非出租',
          statusNote: '查无实据：系亲属探访，非出租',
        }),
        {
          type: 'complaints.fine-withdrawn',
          data: {
            complaintId: 'c1',
            householdId: 'h-102',
            amountYuan: 5000,
            reason: 'resolution-changed',
          },
        },
        {
          type: 'complaints.reward-withdrawn',
          data: {
            complaintId: 'c1',
            reporterName: '张伟',
            amountYuan: 4000,
            reason: 'resolution-changed',
          },
        },
      ]);
  });

  it('moves the fine to the right household but keeps the reward when the report still holds', () => {
    spec
      .given([...resolvedWithFine, reopened])
      .when(resolve({ householdId: 'h-104', household: { ...h102, householdId: 'h-104' } }))
      .then([
        resolvedEvent({ householdId: 'h-104' }),
        {
          type: 'complaints.fine-withdrawn',
          data: {
            complaintId: 'c1',
            householdId: 'h-102',
            amountYuan: 5000,
            reason: 'household-corrected',
          },
        },
        {
          type: 'complaints.fine-imposed',
          data: { complaintId: 'c1', householdId: 'h-104', amountYuan: 5000 },
        },
      ]);
  });

  it('imposes the fine again after a withdrawal if a later review substantiates the report once more', () => {
    const withdrawn: ComplaintEvent[] = [
      resolvedEvent({ resolution: 'unsubstantiated' }),
      {
        type: 'complaints.fine-withdrawn',
        data: {
          complaintId: 'c1',
          householdId: 'h-102',
          amountYuan: 5000,
          reason: 'resolution-changed',
        },
      },
      {
        type: 'complaints.reward-withdrawn',
        data: {
          complaintId: 'c1',
          reporterName: '张伟',
          amountYuan: 4000,
          reason: 'resolution-changed',
        },
      },
    ];
    spec
      .given([...resolvedWithFine, reopened, ...withdrawn, { ...reopened }])
      .when(resolve())
      .then([resolvedEvent(), fineImposed, rewardGranted]);
  });
});
