import type { Actor, ComplaintEvent, Envelope, Reporter } from '@fangyi/contracts';
import { revealed, type PersonalDataVault, type Revealed, type User } from '@fangyi/service-kit';

/**
 * A complaint as people read it, in the Open311 manner: status, status notes with who and when,
 * the agency responsible, when a reply is expected (replyDueAt) and when it last changed (updatedAt).
 * Built by folding the complaint's envelopes, so GET by id and the list projection show the same thing.
 */
export interface ComplaintView {
  readonly complaintId: string;
  readonly status: 'received' | 'triaged' | 'investigating' | 'resolved' | 'closed';
  readonly category: string;
  readonly channel: string;
  readonly community: string | null;
  readonly estate: string | null;
  readonly district: string | null;
  /** community ?? estate: the id a user's token must list. */
  readonly area: string;
  readonly description: string;
  readonly location: string | null;
  readonly reporter: Reporter;
  readonly subjectHouseholdId: string | null;
  readonly receivedAt: string;
  readonly replyWithinHours: number;
  readonly replyDueAt: string;
  readonly updatedAt: string;
  readonly assignee: string | null;
  readonly agency: string | null;
  readonly priority: string | null;
  readonly resolution: {
    readonly resolution: string;
    readonly note: string | null;
    readonly duplicateOf: string | null;
    readonly householdId: string | null;
    readonly at: string;
    readonly by: Actor;
  } | null;
  readonly firstReplyAt: string | null;
  readonly fine: {
    readonly householdId: string;
    readonly amountYuan: number;
    readonly status: 'imposed' | 'withdrawn';
    readonly at: string;
  } | null;
  readonly reward: {
    readonly reporterName: string | null;
    readonly amountYuan: number;
    readonly status: 'granted' | 'withdrawn';
    readonly at: string;
  } | null;
  readonly statusNotes: readonly {
    readonly status: string;
    readonly note: string;
    readonly at: string;
    readonly recordedAt: string;
    readonly by: Actor;
  }[];
  readonly investigationNotes: readonly {
    readonly noteId: string;
    readonly note: string;
    readonly at: string;
    readonly by: Actor;
  }[];
  readonly replies: readonly {
    readonly replyId: string;
    readonly channel: string;
    readonly message: string;
    readonly public: boolean;
    readonly at: string;
    readonly by: Actor;
  }[];
  readonly reopenCount: number;
  /** The stream revision this view reflects (the ETag of writes). */
  readonly revision: number;
}

/** Applies one envelope of a complaint's stream; the first must be complaint-filed (otherwise null). */
export function applyToView(view: ComplaintView | null, envelope: Envelope): ComplaintView | null {
  const event = { type: envelope.type, data: envelope.data } as ComplaintEvent;
  const at = envelope.occurredAt;
  const by = envelope.actor;
  const touched = (v: ComplaintView): ComplaintView => ({
    ...v,
    updatedAt: envelope.recordedAt,
    revision: envelope.streamRevision,
  });
  const noted = (
    v: ComplaintView,
    status: ComplaintView['status'],
    note: string,
  ): ComplaintView => ({
    ...v,
    status,
    statusNotes: [...v.statusNotes, { status, note, at, recordedAt: envelope.recordedAt, by }],
  });

  if (event.type === 'complaints.complaint-filed') {
    const d = event.data;
    return touched(
      noted(
        {
          complaintId: d.complaintId,
          status: 'received',
          category: d.category,
          channel: d.channel,
          community: d.community ?? null,
          estate: d.estate ?? null,
          district: d.district ?? null,
          area: (d.community ?? d.estate)!,
          description: d.description,
          location: d.location ?? null,
          reporter: d.reporter,
          subjectHouseholdId: d.subjectHouseholdId ?? null,
          receivedAt: d.receivedAt,
          replyWithinHours: d.replyWithinHours,
          replyDueAt: d.replyDueAt,
          updatedAt: envelope.recordedAt,
          assignee: null,
          agency: null,
          priority: null,
          resolution: null,
          firstReplyAt: null,
          fine: null,
          reward: null,
          statusNotes: [],
          investigationNotes: [],
          replies: [],
          reopenCount: 0,
          revision: envelope.streamRevision,
        },
        d.status,
        d.statusNote,
      ),
    );
  }
  if (!view) return null;
  switch (event.type) {
    case 'complaints.complaint-triaged': {
      const d = event.data;
      return touched(
        noted(
          { ...view, assignee: d.assignee, agency: d.agency, priority: d.priority },
          d.status,
          d.statusNote,
        ),
      );
    }
    case 'complaints.investigation-note-added': {
      const d = event.data;
      const withNote = {
        ...view,
        investigationNotes: [
          ...view.investigationNotes,
          { noteId: d.noteId, note: d.note, at: d.at, by },
        ],
      };
      return touched(d.status && d.statusNote ? noted(withNote, d.status, d.statusNote) : withNote);
    }
    case 'complaints.complaint-resolved': {
      const d = event.data;
      const resolution = {
        resolution: d.resolution,
        note: d.note ?? null,
        duplicateOf: d.duplicateOf ?? null,
        householdId: d.householdId ?? null,
        at,
        by,
      };
      return touched(noted({ ...view, resolution }, d.status, d.statusNote));
    }
    case 'complaints.fine-imposed':
      return touched({
        ...view,
        fine: {
          householdId: event.data.householdId,
          amountYuan: event.data.amountYuan,
          status: 'imposed',
          at,
        },
      });
    case 'complaints.fine-withdrawn':
      return touched({
        ...view,
        fine: {
          householdId: event.data.householdId,
          amountYuan: event.data.amountYuan,
          status: 'withdrawn',
          at,
        },
      });
    case 'complaints.reward-granted':
      return touched({
        ...view,
        reward: {
          reporterName: event.data.reporterName ?? null,
          amountYuan: event.data.amountYuan,
          status: 'granted',
          at,
        },
      });
    case 'complaints.reward-withdrawn':
      return touched({
        ...view,
        reward: {
          reporterName: event.data.reporterName ?? null,
          amountYuan: event.data.amountYuan,
          status: 'withdrawn',
          at,
        },
      });
    case 'complaints.reporter-replied': {
      const d = event.data;
      const replied = {
        ...view,
        firstReplyAt: view.firstReplyAt ?? d.at,
        replies: [
          ...view.replies,
          {
            replyId: d.replyId,
            channel: d.channel,
            message: d.message,
            public: d.public,
            at: d.at,
            by,
          },
        ],
      };
      // A reply to a reporter without contact is a public status note (Open311 status_notes).
      return touched(d.public ? noted(replied, view.status, d.message) : replied);
    }
    case 'complaints.complaint-closed':
      return touched(noted(view, event.data.status, event.data.statusNote));
    case 'complaints.complaint-reopened': {
      const d = event.data;
      return touched(
        noted(
          { ...view, resolution: null, reopenCount: view.reopenCount + 1 },
          d.status,
          d.statusNote,
        ),
      );
    }
    default: {
      const _exhaustive: never = event;
      return view;
    }
  }
}

/** Overdue: the reply-due time has passed and the reporter has had no reply at all. Computed with the clock at query time. */
export function isOverdue(
  view: Pick<ComplaintView, 'replyDueAt' | 'firstReplyAt'>,
  now: Date,
): boolean {
  return view.firstReplyAt === null && now.getTime() > Date.parse(view.replyDueAt);
}

/**
 * A complaint handler calls a named reporter back on the complaints that are theirs: assigned to
 * them, or of an estate they handle (an estate information officer's token lists the estate, not
 * `*`). An anonymous reporter's phone, and every other case, is left to the kit's policy table
 * (masked for handlers, report officers and analysts).
 */
export function mayCallReporter(
  view: Pick<OpenedView, 'reporter' | 'assignee' | 'estate'>,
  user: User,
): boolean {
  if (user.role !== 'complaint-handler' || view.reporter.anonymous) return false;
  return (
    view.assignee === user.id || (view.estate !== null && user.communities.includes(view.estate))
  );
}

/** A reporter's phone once opened: null when the reporter (or the resident with that phone) was forgotten. */
export type OpenedReporter = Omit<Reporter, 'phone'> & { readonly phone?: string | null };
export type PresentedReporter = Omit<Reporter, 'phone'> & {
  readonly phone?: string | null | Revealed<string>;
};

/**
 * The reporters' phones as recorded (sealed, or clear in history not yet migrated) opened through
 * the vault with one read of the key table; null once forgotten.
 */
export async function openReporters<R extends { readonly phone?: string | null }>(
  vault: PersonalDataVault,
  reporters: readonly R[],
): Promise<R[]> {
  const opened = await vault.openAll(reporters.map((r) => r.phone ?? ''));
  return reporters.map((r, i) =>
    r.phone === undefined || r.phone === null ? r : { ...r, phone: opened[i] ?? null },
  );
}

/** The reporter as this user reads them: the phone marked revealed when the handler may call them back. */
export function presentReporter(
  reporter: OpenedReporter,
  view: Pick<OpenedView, 'reporter' | 'assignee' | 'estate'>,
  user: User,
): PresentedReporter {
  if (reporter.phone === undefined || reporter.phone === null || !mayCallReporter(view, user))
    return reporter;
  return { ...reporter, phone: revealed(reporter.phone) };
}

/** The view as this user may see it at this moment. */
/** A complaint as read, its reporter's phone opened. */
export type OpenedView = Omit<ComplaintView, 'reporter'> & { readonly reporter: OpenedReporter };

/** Views with their reporters' phones opened, with one read of the key table for all of them. */
export async function openViews(
  vault: PersonalDataVault,
  views: readonly ComplaintView[],
): Promise<OpenedView[]> {
  const reporters = await openReporters(
    vault,
    views.map((v) => v.reporter),
  );
  return views.map((v, i) => ({ ...v, reporter: reporters[i]! }));
}

export function presentView(view: OpenedView, user: User, now: Date) {
  return {
    ...view,
    reporter: presentReporter(view.reporter, view, user),
    overdue: isOverdue(view, now),
    repliedLate: view.firstReplyAt !== null && view.firstReplyAt > view.replyDueAt,
  };
}
