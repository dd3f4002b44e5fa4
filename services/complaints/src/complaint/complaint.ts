import {
  CLOCK_SKEW_MS,
  reporterContactable,
  type Agency,
  type Estate,
  type AddInvestigationNoteInput,
  type CloseComplaintInput,
  type ComplaintCategory,
  type ComplaintEvent,
  type FileComplaintInput,
  type ReopenComplaintInput,
  type ReplyToReporterInput,
  type Reporter,
  type Resolution,
  type ResolveComplaintInput,
  type TriageComplaintInput,
} from '@fangyi/contracts';
import { DomainError, defineErrors, fault } from '@fangyi/service-kit/errors';
import { AGENCY_LABELS, RESOLUTION_LABELS, STATUS_LABELS } from './labels.ts';

export const complaintErrors = defineErrors({
  COMPLAINT_NOT_FOUND: { status: 404, title: 'No complaint with this id' },
  COMPLAINT_ALREADY_EXISTS: { status: 409, title: 'This complaint has already been filed' },
  RECEIVED_IN_FUTURE: {
    status: 409,
    title: 'A complaint cannot have been received later than now',
  },
  NOTE_IN_FUTURE: { status: 409, title: 'An investigation note cannot be dated later than now' },
  NOTE_BEFORE_RECEIVED: {
    status: 409,
    title: 'An investigation note cannot be dated before the complaint was received',
  },
  COMPLAINT_NOT_TRIAGED: { status: 409, title: 'Triage and assign the complaint first' },
  COMPLAINT_NOT_OPEN: {
    status: 409,
    title: 'The complaint is resolved or closed; reopen it first',
  },
  COMPLAINT_NOT_RESOLVED: { status: 409, title: 'Only a resolved complaint can be closed' },
  COMPLAINT_ALREADY_CLOSED: { status: 409, title: 'The complaint is already closed' },
  COMPLAINT_CLOSED: { status: 409, title: 'The complaint is closed; reopen it first' },
  COMPLAINT_NOT_REOPENABLE: {
    status: 409,
    title: 'Only a resolved or closed complaint can be reopened',
  },
  REPLY_REQUIRED: { status: 409, title: 'Reply to the reporter with the outcome before closing' },
  DUPLICATE_OF_REQUIRED: {
    status: 409,
    title: 'A duplicate must name the complaint it repeats (duplicateOf)',
  },
  DUPLICATE_OF_NOT_APPLICABLE: {
    status: 409,
    title: 'duplicateOf is only for a resolution of duplicate',
  },
  DUPLICATE_OF_SELF: { status: 409, title: 'A complaint cannot be a duplicate of itself' },
  DUPLICATE_OF_UNKNOWN: { status: 409, title: 'duplicateOf names no complaint' },
  ASSIGNEE_NOT_A_HANDLER: {
    status: 422,
    title: "Not a staff member who handles complaints of this complaint's community or estate",
  },
  HOUSEHOLD_UNKNOWN: {
    status: 422,
    title: 'No household with this id is registered with the residents register',
  },
  HOUSEHOLD_OUTSIDE_AREA: {
    status: 409,
    title: "The household is not in the complaint's community or estate",
  },
  HOUSEHOLD_REQUIRED: {
    status: 409,
    title: 'A substantiated illegal-rental report must name the host household (householdId)',
  },
  HOUSEHOLD_NOT_APPLICABLE: {
    status: 409,
    title: 'householdId is only for illegal-rental reports',
  },
  REPORTER_NOT_CONTACTABLE: {
    status: 409,
    title: 'The reporter is anonymous and left no contact: post the reply as a public-note',
  },
  PUBLIC_NOTE_NOT_A_REPLY: {
    status: 409,
    title: 'The reporter can be reached: reply through phone, wechat, in-person or letter',
  },
});

export const streamIdOf = (complaintId: string) => `complaint-${complaintId}`;

/** The rental ban of the complaint's area, as configured when the command is sent; null where no ban applies. */
export interface RentalBanInForce {
  readonly fineYuan: number;
  readonly rewardYuan: number;
}

/** A household the route looked up in the residents directory; null for an id the register does not hold. */
export interface HouseholdFacts {
  readonly householdId: string;
  readonly community: string;
  readonly estate: string | null;
}

/** Each community's or estate's complaint handlers (configuration; `*`: of every one). */
export type HandlersByArea = ReadonlyMap<string, readonly string[]>;

// ---- commands: what the route hands the decider, ids and time included ----

export type FileComplaint = {
  type: 'FileComplaint';
  /** estateDistrict: the district the configuration places the estate in (for an estate complaint). */
  data: FileComplaintInput & {
    complaintId: string;
    replyWithinHours: number;
    now: string;
    subjectHousehold: HouseholdFacts | null;
    estateDistrict?: string;
  };
};
export type TriageComplaint = {
  type: 'TriageComplaint';
  data: TriageComplaintInput & { complaintId: string; handlers: HandlersByArea };
};
export type AddInvestigationNote = {
  type: 'AddInvestigationNote';
  data: Omit<AddInvestigationNoteInput, 'at'> & {
    complaintId: string;
    noteId: string;
    at: string;
    now: string;
  };
};
export type ResolveComplaint = {
  type: 'ResolveComplaint';
  data: ResolveComplaintInput & {
    complaintId: string;
    rentalBan: RentalBanInForce | null;
    household: HouseholdFacts | null;
  };
};
export type ReplyToReporter = {
  type: 'ReplyToReporter';
  data: ReplyToReporterInput & { complaintId: string; replyId: string; at: string };
};
/** replyId and at serve the public status note a close posts for a reporter who cannot be reached. */
export type CloseComplaint = {
  type: 'CloseComplaint';
  data: CloseComplaintInput & { complaintId: string; replyId: string; at: string };
};
export type ReopenComplaint = {
  type: 'ReopenComplaint';
  data: ReopenComplaintInput & { complaintId: string };
};

export type ComplaintCommand =
  | FileComplaint
  | TriageComplaint
  | AddInvestigationNote
  | ResolveComplaint
  | ReplyToReporter
  | CloseComplaint
  | ReopenComplaint;

// ---- state ----

export interface Assignment {
  readonly assignee: string;
  readonly agency: Agency;
  readonly priority: string;
}

export interface CurrentResolution {
  readonly resolution: Resolution;
  readonly note?: string;
  readonly duplicateOf?: string;
  readonly householdId?: string;
}

interface ComplaintCore {
  readonly complaintId: string;
  /** The community, or the estate: the id a handler's token must list. */
  readonly area: string;
  readonly estate?: Estate;
  readonly category: ComplaintCategory;
  readonly reporter: Reporter;
  readonly receivedAt: string;
  readonly replyDueAt: string;
  readonly assignment: Assignment | null;
  /** The first reply of any kind; it stops the complaint being overdue. */
  readonly firstReplyAt: string | null;
  /** A reply since the current resolution: the reporter has heard the outcome. */
  readonly outcomeReplied: boolean;
  /** The fine in force (withdrawn fines are gone from state; history keeps them). */
  readonly fine: { readonly householdId: string; readonly amountYuan: number } | null;
  readonly reward: { readonly reporterName?: string; readonly amountYuan: number } | null;
}

export type ComplaintState =
  | { readonly status: 'none' }
  | (ComplaintCore & { readonly status: 'received' | 'triaged' | 'investigating' })
  | (ComplaintCore & {
      readonly status: 'resolved' | 'closed';
      readonly resolution: CurrentResolution;
    });

export const initialState = (): ComplaintState => ({ status: 'none' });

export function evolve(state: ComplaintState, event: ComplaintEvent): ComplaintState {
  if (event.type === 'complaints.complaint-filed') {
    const d = event.data;
    return {
      status: 'received',
      complaintId: d.complaintId,
      area: (d.community ?? d.estate)!,
      ...(d.estate ? { estate: d.estate } : {}),
      category: d.category,
      reporter: d.reporter,
      receivedAt: d.receivedAt,
      replyDueAt: d.replyDueAt,
      assignment: null,
      firstReplyAt: null,
      outcomeReplied: false,
      fine: null,
      reward: null,
    };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'complaints.complaint-triaged': {
      const { assignee, agency, priority } = event.data;
      const assignment = { assignee, agency, priority };
      return state.status === 'received'
        ? { ...state, status: 'triaged', assignment }
        : { ...state, assignment };
    }
    case 'complaints.investigation-note-added':
      return state.status === 'triaged' ? { ...state, status: 'investigating' } : state;
    case 'complaints.complaint-resolved': {
      const d = event.data;
      const { resolution: _previous, ...core } = state as ComplaintCore & {
        resolution?: CurrentResolution;
      };
      return {
        ...core,
        status: 'resolved',
        outcomeReplied: false,
        resolution: {
          resolution: d.resolution,
          ...(d.note !== undefined ? { note: d.note } : {}),
          ...(d.duplicateOf !== undefined ? { duplicateOf: d.duplicateOf } : {}),
          ...(d.householdId !== undefined ? { householdId: d.householdId } : {}),
        },
      };
    }
    case 'complaints.fine-imposed':
      return {
        ...state,
        fine: { householdId: event.data.householdId, amountYuan: event.data.amountYuan },
      };
    case 'complaints.fine-withdrawn':
      return { ...state, fine: null };
    case 'complaints.reward-granted':
      return {
        ...state,
        reward: {
          ...(event.data.reporterName ? { reporterName: event.data.reporterName } : {}),
          amountYuan: event.data.amountYuan,
        },
      };
    case 'complaints.reward-withdrawn':
      return { ...state, reward: null };
    case 'complaints.reporter-replied':
      return {
        ...state,
        firstReplyAt: state.firstReplyAt ?? event.data.at,
        outcomeReplied: state.outcomeReplied || state.status === 'resolved',
      };
    case 'complaints.complaint-closed':
      return state.status === 'resolved' ? { ...state, status: 'closed' } : state;
    case 'complaints.complaint-reopened': {
      // The resolution no longer stands; its history does, and so do fines and rewards until the next resolution.
      const { resolution: _dropped, ...core } = state as ComplaintCore & {
        resolution?: CurrentResolution;
      };
      return { ...core, status: 'investigating', outcomeReplied: false };
    }
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

const isOpen = (status: ComplaintState['status']) =>
  status === 'received' || status === 'triaged' || status === 'investigating';

function requireExists(
  state: ComplaintState,
  complaintId: string,
): asserts state is Exclude<ComplaintState, { status: 'none' }> {
  if (state.status === 'none')
    throw new DomainError(
      'COMPLAINT_NOT_FOUND',
      `complaint ${complaintId}`,
      fault('complaintId', 'no such complaint'),
    );
}

/** A household a complaint names must be a registered one of the complaint's community or estate. */
function requireHouseholdIn(
  area: string,
  householdId: string,
  found: HouseholdFacts | null,
  field: string,
): void {
  if (!found || found.householdId !== householdId)
    throw new DomainError('HOUSEHOLD_UNKNOWN', `household ${householdId}`, [
      { field, message: 'no registered household with this id' },
    ]);
  if (found.community !== area && found.estate !== area) {
    throw new DomainError(
      'HOUSEHOLD_OUTSIDE_AREA',
      `household ${householdId} is in ${found.estate ?? found.community}`,
      [{ field, message: `not in ${area}` }],
    );
  }
}

/** Only a handler of the area, or one of the whole district, may be given a complaint. */
function requireHandlerOf(handlers: HandlersByArea, area: string, assignee: string): void {
  const of = [...(handlers.get(area) ?? []), ...(handlers.get('*') ?? [])];
  if (!of.includes(assignee)) {
    throw new DomainError(
      'ASSIGNEE_NOT_A_HANDLER',
      `${assignee} does not handle complaints of ${area} (handlers: ${of.join(', ') || 'none configured'})`,
      [{ field: 'body.assignee', message: `does not handle complaints of ${area}` }],
    );
  }
}

/** The outcome as the reporter is told it, when a public status note has to serve as the reply. */
const outcomeMessage = (r: CurrentResolution) =>
  `${RESOLUTION_LABELS[r.resolution]}${r.note ? `：${r.note}` : ''}`;

function decideResolution(command: ResolveComplaint, state: ComplaintCore): ComplaintEvent[] {
  const d = command.data;
  const field = fault;
  if (d.resolution === 'duplicate' && d.duplicateOf === undefined)
    throw new DomainError(
      'DUPLICATE_OF_REQUIRED',
      undefined,
      field('duplicateOf', 'required for a duplicate'),
    );
  if (d.resolution !== 'duplicate' && d.duplicateOf !== undefined)
    throw new DomainError(
      'DUPLICATE_OF_NOT_APPLICABLE',
      undefined,
      field('duplicateOf', 'only for a duplicate'),
    );
  if (d.duplicateOf === state.complaintId)
    throw new DomainError(
      'DUPLICATE_OF_SELF',
      undefined,
      field('duplicateOf', 'is this complaint'),
    );
  const rental = state.category === 'illegal-rental';
  if (!rental && d.householdId !== undefined)
    throw new DomainError(
      'HOUSEHOLD_NOT_APPLICABLE',
      `category ${state.category}`,
      field('householdId', 'only for illegal-rental'),
    );
  const substantiated = rental && d.resolution === 'substantiated';
  if (substantiated && d.householdId === undefined)
    throw new DomainError(
      'HOUSEHOLD_REQUIRED',
      undefined,
      field('householdId', 'required for a substantiated illegal-rental report'),
    );
  // The household fined (or cleared) must be a real one of the complaint's area.
  if (d.householdId !== undefined)
    requireHouseholdIn(state.area, d.householdId, d.household, 'body.householdId');

  const reporterName = state.reporter.anonymous ? undefined : state.reporter.name;
  const contactable = reporterContactable(state.reporter);
  const bans = substantiated && d.rentalBan !== null;
  const events: ComplaintEvent[] = [
    {
      type: 'complaints.complaint-resolved',
      data: {
        complaintId: state.complaintId,
        community: state.area,
        ...(state.estate ? { estate: state.estate } : {}),
        category: state.category,
        resolution: d.resolution,
        ...(d.duplicateOf !== undefined ? { duplicateOf: d.duplicateOf } : {}),
        ...(d.householdId !== undefined ? { householdId: d.householdId } : {}),
        note: d.note,
        ...(bans && !contactable && !state.reward
          ? { rewardWithheld: 'reporter-not-contactable' as const }
          : {}),
        status: 'resolved',
        statusNote: `${RESOLUTION_LABELS[d.resolution]}：${d.note}`,
      },
    },
  ];

  // A reopened report that no longer holds, or that names another household, takes back what it gave.
  const fineStands =
    state.fine !== null && substantiated && state.fine.householdId === d.householdId;
  if (state.fine && !fineStands) {
    const reason = substantiated ? 'household-corrected' : 'resolution-changed';
    events.push({
      type: 'complaints.fine-withdrawn',
      data: {
        complaintId: state.complaintId,
        householdId: state.fine.householdId,
        amountYuan: state.fine.amountYuan,
        reason,
      },
    });
  }
  if (state.reward && !substantiated) {
    events.push({
      type: 'complaints.reward-withdrawn',
      data: {
        complaintId: state.complaintId,
        ...(state.reward.reporterName ? { reporterName: state.reward.reporterName } : {}),
        amountYuan: state.reward.amountYuan,
        reason: 'resolution-changed',
      },
    });
  }
  if (bans && !fineStands) {
    events.push({
      type: 'complaints.fine-imposed',
      data: {
        complaintId: state.complaintId,
        householdId: d.householdId!,
        amountYuan: d.rentalBan!.fineYuan,
      },
    });
  }
  // The reward needs someone to pay: an anonymous reporter who left no contact cannot be paid.
  if (bans && !state.reward && contactable) {
    events.push({
      type: 'complaints.reward-granted',
      data: {
        complaintId: state.complaintId,
        ...(reporterName ? { reporterName } : {}),
        amountYuan: d.rentalBan!.rewardYuan,
      },
    });
  }
  return events;
}

export function decide(command: ComplaintCommand, state: ComplaintState): ComplaintEvent[] {
  switch (command.type) {
    case 'FileComplaint': {
      const d = command.data;
      if (state.status !== 'none')
        throw new DomainError(
          'COMPLAINT_ALREADY_EXISTS',
          `complaint ${d.complaintId}`,
          fault('complaintId', 'already filed'),
        );
      const received = Date.parse(d.receivedAt);
      if (received > Date.parse(d.now) + CLOCK_SKEW_MS) {
        throw new DomainError(
          'RECEIVED_IN_FUTURE',
          `receivedAt ${d.receivedAt} is later than now`,
          fault('receivedAt', 'in the future'),
        );
      }
      if (d.subjectHouseholdId !== undefined)
        requireHouseholdIn(
          (d.community ?? d.estate)!,
          d.subjectHouseholdId,
          d.subjectHousehold,
          'body.subjectHouseholdId',
        );
      return [
        {
          type: 'complaints.complaint-filed',
          data: {
            complaintId: d.complaintId,
            channel: d.channel,
            category: d.category,
            ...(d.community !== undefined ? { community: d.community } : {}),
            ...(d.estate !== undefined
              ? {
                  estate: d.estate,
                  ...(d.estateDistrict !== undefined ? { district: d.estateDistrict } : {}),
                }
              : {}),
            description: d.description,
            ...(d.location !== undefined ? { location: d.location } : {}),
            reporter: d.reporter,
            ...(d.subjectHouseholdId !== undefined
              ? { subjectHouseholdId: d.subjectHouseholdId }
              : {}),
            receivedAt: new Date(received).toISOString(),
            replyWithinHours: d.replyWithinHours,
            replyDueAt: new Date(received + d.replyWithinHours * 3_600_000).toISOString(),
            status: 'received',
            statusNote: STATUS_LABELS.received,
          },
        },
      ];
    }
    case 'TriageComplaint': {
      const d = command.data;
      requireExists(state, d.complaintId);
      if (!isOpen(state.status))
        throw new DomainError(
          'COMPLAINT_NOT_OPEN',
          `status ${state.status}`,
          fault('complaintId', `is ${state.status}: reopen it first`),
        );
      requireHandlerOf(d.handlers, state.area, d.assignee);
      const previous = state.assignment?.assignee;
      return [
        {
          type: 'complaints.complaint-triaged',
          data: {
            complaintId: d.complaintId,
            assignee: d.assignee,
            agency: d.agency,
            priority: d.priority,
            ...(previous !== undefined ? { previousAssignee: previous } : {}),
            status: state.status === 'received' ? 'triaged' : state.status,
            statusNote:
              d.note ??
              `${previous === undefined ? '已分派' : '已改派'}：${AGENCY_LABELS[d.agency]}（${d.assignee}）`,
          },
        },
      ];
    }
    case 'AddInvestigationNote': {
      const d = command.data;
      requireExists(state, d.complaintId);
      if (!isOpen(state.status))
        throw new DomainError(
          'COMPLAINT_NOT_OPEN',
          `status ${state.status}`,
          fault('complaintId', `is ${state.status}: reopen it first`),
        );
      if (state.status === 'received')
        throw new DomainError(
          'COMPLAINT_NOT_TRIAGED',
          undefined,
          fault('complaintId', 'not triaged yet: triage and assign it first'),
        );
      if (Date.parse(d.at) > Date.parse(d.now) + CLOCK_SKEW_MS)
        throw new DomainError('NOTE_IN_FUTURE', `at ${d.at}`, fault('at', 'in the future'));
      if (Date.parse(d.at) < Date.parse(state.receivedAt))
        throw new DomainError(
          'NOTE_BEFORE_RECEIVED',
          `at ${d.at}`,
          fault('at', 'before the complaint was received'),
        );
      const starts = state.status === 'triaged';
      return [
        {
          type: 'complaints.investigation-note-added',
          data: {
            complaintId: d.complaintId,
            noteId: d.noteId,
            note: d.note,
            at: new Date(d.at).toISOString(),
            // Investigation notes are internal; the status note says only that investigation began.
            ...(starts
              ? { status: 'investigating' as const, statusNote: STATUS_LABELS.investigating }
              : {}),
          },
        },
      ];
    }
    case 'ResolveComplaint': {
      requireExists(state, command.data.complaintId);
      if (state.status === 'received')
        throw new DomainError(
          'COMPLAINT_NOT_TRIAGED',
          undefined,
          fault('complaintId', 'not triaged yet: triage and assign it first'),
        );
      if (state.status !== 'triaged' && state.status !== 'investigating')
        throw new DomainError(
          'COMPLAINT_NOT_OPEN',
          `status ${state.status}`,
          fault('complaintId', `is ${state.status}: reopen it first`),
        );
      return decideResolution(command, state);
    }
    case 'ReplyToReporter': {
      const d = command.data;
      requireExists(state, d.complaintId);
      if (state.status === 'closed')
        throw new DomainError(
          'COMPLAINT_CLOSED',
          undefined,
          fault('complaintId', 'closed: reopen it first'),
        );
      const contactable = reporterContactable(state.reporter);
      if (!contactable && d.channel !== 'public-note')
        throw new DomainError(
          'REPORTER_NOT_CONTACTABLE',
          undefined,
          fault('channel', 'must be public-note'),
        );
      if (contactable && d.channel === 'public-note')
        throw new DomainError(
          'PUBLIC_NOTE_NOT_A_REPLY',
          undefined,
          fault('channel', 'must reach the reporter'),
        );
      return [
        {
          type: 'complaints.reporter-replied',
          data: {
            complaintId: d.complaintId,
            replyId: d.replyId,
            channel: d.channel,
            message: d.message,
            at: new Date(d.at).toISOString(),
            public: !contactable,
          },
        },
      ];
    }
    case 'CloseComplaint': {
      const d = command.data;
      requireExists(state, d.complaintId);
      if (state.status === 'closed')
        throw new DomainError(
          'COMPLAINT_ALREADY_CLOSED',
          undefined,
          fault('complaintId', 'already closed'),
        );
      if (state.status !== 'resolved')
        throw new DomainError(
          'COMPLAINT_NOT_RESOLVED',
          `status ${state.status}`,
          fault('complaintId', `is ${state.status}, not resolved`),
        );
      const events: ComplaintEvent[] = [];
      if (!state.outcomeReplied) {
        if (reporterContactable(state.reporter))
          throw new DomainError(
            'REPLY_REQUIRED',
            undefined,
            fault('complaintId', 'reply to the reporter with the outcome first'),
          );
        // Nobody to send the outcome to: it is posted as a public status note, and that is the reply.
        events.push({
          type: 'complaints.reporter-replied',
          data: {
            complaintId: d.complaintId,
            replyId: d.replyId,
            channel: 'public-note',
            message: outcomeMessage(state.resolution),
            at: new Date(d.at).toISOString(),
            public: true,
          },
        });
      }
      events.push({
        type: 'complaints.complaint-closed',
        data: {
          complaintId: d.complaintId,
          status: 'closed',
          statusNote: d.note ?? STATUS_LABELS.closed,
        },
      });
      return events;
    }
    case 'ReopenComplaint': {
      const d = command.data;
      requireExists(state, d.complaintId);
      if (state.status !== 'resolved' && state.status !== 'closed')
        throw new DomainError(
          'COMPLAINT_NOT_REOPENABLE',
          `status ${state.status}`,
          fault('complaintId', `is ${state.status}, not resolved or closed`),
        );
      return [
        {
          type: 'complaints.complaint-reopened',
          data: {
            complaintId: d.complaintId,
            reason: d.reason,
            previousResolution: state.resolution.resolution,
            status: 'investigating',
            statusNote: `重新调查：${d.reason}`,
          },
        },
      ];
    }
    default: {
      const _exhaustive: never = command;
      throw new Error('unknown command');
    }
  }
}

export const complaintDecider = { initialState, evolve, decide };
