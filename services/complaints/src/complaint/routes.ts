import { z } from 'zod';
import {
  AddInvestigationNoteSchema,
  CloseComplaintSchema,
  ComplaintCategorySchema,
  ComplaintStatusSchema,
  FileComplaintSchema,
  ReopenComplaintSchema,
  ReplyToReporterSchema,
  ResolveComplaintSchema,
  TriageComplaintSchema,
  parseEnvelope,
  type Actor,
  type ComplaintFiled,
  type Envelope,
} from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import type { ProjectionStore } from '@fangyi/projections';
import {
  DomainError,
  SHIPPED_DISTRICT,
  handleCommand,
  phoneSubject,
  requireCommunity,
  requireInScope,
  route,
  unknownPlace,
  worksIn,
  type Clock,
  type District,
  type PersonalDataVault,
  type ServiceApp,
  type User,
} from '@fangyi/service-kit';
import { commandMeta } from '@fangyi/service-kit';
import {
  complaintDecider,
  streamIdOf,
  type ComplaintCommand,
  type ComplaintState,
} from './complaint.ts';
import { DEFAULT_COMPLAINT_POLICY, rentalBanFor, type ComplaintPolicy } from './policy.ts';
import type { HouseholdDirectory } from '../households/directory.ts';
import { COMPLAINTS_COLLECTION } from './projection.ts';
import { complaintQueueRoutes } from './queue.ts';
import {
  applyToView,
  isOverdue,
  openViews,
  presentReporter,
  presentView,
  type ComplaintView,
} from './view.ts';

export interface ComplaintsDeps {
  readonly eventStore: EventStore;
  readonly clock: Clock;
  readonly newId: () => string;
  /** Reply-due hours and the rental ban in force (default: DEFAULT_COMPLAINT_POLICY). */
  readonly policy?: ComplaintPolicy;
  /** The complaints projection's store; without it GET /complaints (the list) is not offered. */
  readonly listStore?: ProjectionStore;
  /** The households the residents register holds (startHouseholdDirectory): a complaint names only those. */
  readonly households: HouseholdDirectory;
  /** Seals a reporter's phone at filing and opens it for those who read it. */
  readonly vault: PersonalDataVault;
  /** FANGYI_RESERVATION_KEY: names the subject a phone number is sealed for (see phoneSubject). */
  readonly namingKey: Buffer;
  /** The district's time zone, for the business day a forget is recorded on. */
  readonly timeZone: string;
  /** The district's communities and estates (a complaint names one of them); default the shipped Kutao district. */
  readonly district?: District;
}

/** Complaint handlers (an estate's information officer is one whose token lists the estate) and the admin act. */
const HANDLERS = ['complaint-handler'] as const;
const READERS = ['complaint-handler', 'report-officer', 'analyst'] as const;

const ComplaintParams = z.strictObject({
  complaintId: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only'),
});

/** A complaint of another community or estate answers as an unknown one (404); one that does not exist is left to the decider. */
const complaintNotFound = (complaintId: string) => () =>
  new DomainError('COMPLAINT_NOT_FOUND', `complaint ${complaintId}`, [
    { field: 'params.complaintId', message: 'no such complaint' },
  ]);
const inAreaOf = (user: User) => (state: ComplaintState) => {
  if (state.status !== 'none')
    requireInScope(user, state.area, complaintNotFound(state.complaintId));
};

async function readComplaint(
  store: EventStore,
  complaintId: string,
): Promise<{ view: ComplaintView; envelopes: Envelope[] }> {
  const recorded = await store.readStream(streamIdOf(complaintId));
  const envelopes = recorded.map(({ position: _position, ...e }) => parseEnvelope(e));
  const view = envelopes.reduce<ComplaintView | null>(applyToView, null);
  if (!view) throw complaintNotFound(complaintId)();
  return { view, envelopes };
}

const ListQuery = z.strictObject({
  community: z.string().min(1).max(128).optional(),
  estate: z.string().min(1).max(128).optional(),
  status: ComplaintStatusSchema.optional(),
  category: ComplaintCategorySchema.optional(),
  assignee: z.string().min(1).max(128).optional(),
  overdue: z.enum(['true', 'false']).optional(),
});

/** HTTP for complaints (投诉): file, triage, investigate, resolve, reply, close, reopen; read one, its history, the list. */
export function complaintRoutes(app: ServiceApp, deps: ComplaintsDeps): void {
  const policy = deps.policy ?? DEFAULT_COMPLAINT_POLICY;
  const district = deps.district ?? SHIPPED_DISTRICT;
  // Households named by complaints must be real: looked up from the residents' events on the log.
  const households = deps.households;
  const householdFacts = async (householdId: string | undefined) =>
    householdId === undefined ? null : households.household(householdId);
  type Ctx = { user: User; actor(): Actor; request: { correlationId: string; headers: unknown } };
  const run = (
    ctx: Ctx,
    complaintId: string,
    command: ComplaintCommand,
    occurredAt: Date = deps.clock(),
  ) =>
    handleCommand(
      deps.eventStore,
      streamIdOf(complaintId),
      complaintDecider,
      command,
      commandMeta(ctx, { newId: deps.newId, occurredAt, authorize: inAreaOf(ctx.user) }),
    );
  const answer = (
    result: { revision: number; state: ComplaintState; eventIds: readonly string[] },
    complaintId: string,
    reply: { header(k: string, v: string): unknown },
  ) => {
    reply.header('etag', `"${result.revision}"`);
    return {
      complaintId,
      status: result.state.status,
      revision: result.revision,
      events: result.eventIds,
    };
  };

  /** The reporter's phone, sealed for that phone number's own subject: forgetting the reporter (or the resident with that phone) makes it unreadable. */
  const sealReporter = async <R extends { readonly phone?: string | undefined }>(
    reporter: R,
  ): Promise<R> =>
    reporter.phone === undefined
      ? reporter
      : {
          ...reporter,
          phone: await deps.vault.seal(
            phoneSubject(deps.namingKey, reporter.phone),
            reporter.phone,
          ),
        };

  route(app, {
    method: 'POST',
    url: '/complaints',
    summary:
      "File a complaint or report (投诉/举报) for a community or an estate; the reply is due by the category's policy",
    tags: ['complaints'],
    body: FileComplaintSchema,
    roles: [...HANDLERS, 'registrar'],
    status: 201,
    handler: async (ctx) => {
      const { community, estate } = ctx.body;
      if (community !== undefined && !district.isCommunity(community))
        throw unknownPlace('body.community', 'community', community);
      if (estate !== undefined && !district.isEstate(estate))
        throw unknownPlace('body.estate', 'estate', estate);
      const area = (community ?? estate)!;
      requireCommunity(ctx.user, area);
      const complaintId = deps.newId();
      const now = deps.clock();
      const command: ComplaintCommand = {
        type: 'FileComplaint',
        data: {
          ...ctx.body,
          reporter: await sealReporter(ctx.body.reporter),
          complaintId,
          replyWithinHours: policy.replyWithinHours[ctx.body.category],
          now: now.toISOString(),
          subjectHousehold: await householdFacts(ctx.body.subjectHouseholdId),
          ...(estate !== undefined ? { estateDistrict: district.communityDistricts[estate]! } : {}),
        },
      };
      // The complaint happened in the world when it was received; a future receivedAt is refused by the decider.
      const received = new Date(ctx.body.receivedAt);
      const result = await run(
        ctx,
        complaintId,
        command,
        received.getTime() > now.getTime() ? now : received,
      );
      const filed = result.events[0]!.data as ComplaintFiled;
      ctx.reply.header('location', `/complaints/${complaintId}`);
      return { ...answer(result, complaintId, ctx.reply), replyDueAt: filed.replyDueAt };
    },
  });

  route(app, {
    method: 'POST',
    url: '/complaints/:complaintId/triage',
    summary:
      "Triage: assign to a handler of the complaint's community or estate (FANGYI_COMPLAINT_HANDLERS) and the responsible unit, with a priority (reassigns an open complaint)",
    tags: ['complaints'],
    params: ComplaintParams,
    body: TriageComplaintSchema,
    roles: HANDLERS,
    handler: async (ctx) => {
      const { complaintId } = ctx.params;
      return answer(
        await run(ctx, complaintId, {
          type: 'TriageComplaint',
          data: { ...ctx.body, complaintId, handlers: policy.handlers },
        }),
        complaintId,
        ctx.reply,
      );
    },
  });

  route(app, {
    method: 'POST',
    url: '/complaints/:complaintId/notes',
    summary:
      'Add an investigation note (internal) while the complaint is open; the first one starts the investigation',
    tags: ['complaints'],
    params: ComplaintParams,
    body: AddInvestigationNoteSchema,
    roles: HANDLERS,
    status: 201,
    handler: async (ctx) => {
      const { complaintId } = ctx.params;
      const now = deps.clock();
      const at = ctx.body.at ? new Date(ctx.body.at) : now;
      const noteId = deps.newId();
      const command: ComplaintCommand = {
        type: 'AddInvestigationNote',
        data: {
          complaintId,
          noteId,
          note: ctx.body.note,
          at: at.toISOString(),
          now: now.toISOString(),
        },
      };
      return {
        ...answer(
          await run(ctx, complaintId, command, at.getTime() > now.getTime() ? now : at),
          complaintId,
          ctx.reply,
        ),
        noteId,
      };
    },
  });

  route(app, {
    method: 'POST',
    url: '/complaints/:complaintId/resolution',
    summary:
      'Resolve; a substantiated illegal-rental report in a ban area fines the host household and rewards the reporter in the same append',
    tags: ['complaints'],
    params: ComplaintParams,
    body: ResolveComplaintSchema,
    roles: HANDLERS,
    handler: async (ctx) => {
      const { complaintId } = ctx.params;
      const { view } = await readComplaint(deps.eventStore, complaintId);
      requireInScope(ctx.user, view.area, complaintNotFound(complaintId));
      const { duplicateOf } = ctx.body;
      if (
        duplicateOf !== undefined &&
        duplicateOf !== complaintId &&
        ctx.body.resolution === 'duplicate'
      ) {
        const other = await deps.eventStore.readStream(streamIdOf(duplicateOf));
        if (other.length === 0)
          throw new DomainError('DUPLICATE_OF_UNKNOWN', `complaint ${duplicateOf}`, [
            { field: 'body.duplicateOf', message: 'no such complaint' },
          ]);
      }
      const command: ComplaintCommand = {
        type: 'ResolveComplaint',
        data: {
          ...ctx.body,
          complaintId,
          rentalBan: rentalBanFor(policy, view.area),
          household: await householdFacts(ctx.body.householdId),
        },
      };
      const result = await run(ctx, complaintId, command);
      const fine = result.events.find((e) => e.type === 'complaints.fine-imposed');
      const reward = result.events.find((e) => e.type === 'complaints.reward-granted');
      return {
        ...answer(result, complaintId, ctx.reply),
        eventTypes: result.events.map((e) => e.type),
        fineImposed: fine ? fine.data : null,
        rewardGranted: reward ? reward.data : null,
      };
    },
  });

  route(app, {
    method: 'POST',
    url: '/complaints/:complaintId/reply',
    summary:
      'Record the reply to the reporter; for an anonymous reporter without contact it is posted as a public status note (channel public-note)',
    tags: ['complaints'],
    params: ComplaintParams,
    body: ReplyToReporterSchema,
    roles: HANDLERS,
    status: 201,
    handler: async (ctx) => {
      const { complaintId } = ctx.params;
      const replyId = deps.newId();
      const now = deps.clock();
      return {
        ...answer(
          await run(
            ctx,
            complaintId,
            {
              type: 'ReplyToReporter',
              data: { ...ctx.body, complaintId, replyId, at: now.toISOString() },
            },
            now,
          ),
          complaintId,
          ctx.reply,
        ),
        replyId,
      };
    },
  });

  route(app, {
    method: 'POST',
    url: '/complaints/:complaintId/closure',
    summary:
      'Close a resolved complaint; the reporter must have had the outcome (409 REPLY_REQUIRED)',
    tags: ['complaints'],
    params: ComplaintParams,
    body: CloseComplaintSchema.optional(),
    roles: HANDLERS,
    handler: async (ctx) => {
      const { complaintId } = ctx.params;
      const now = deps.clock();
      const command: ComplaintCommand = {
        type: 'CloseComplaint',
        data: { ...(ctx.body ?? {}), complaintId, replyId: deps.newId(), at: now.toISOString() },
      };
      return answer(await run(ctx, complaintId, command, now), complaintId, ctx.reply);
    },
  });

  route(app, {
    method: 'POST',
    url: '/complaints/:complaintId/reopening',
    summary:
      'Reopen a resolved or closed complaint for investigation; the resolution no longer stands, history stays',
    tags: ['complaints'],
    params: ComplaintParams,
    body: ReopenComplaintSchema,
    roles: HANDLERS,
    handler: async (ctx) => {
      const { complaintId } = ctx.params;
      return answer(
        await run(ctx, complaintId, {
          type: 'ReopenComplaint',
          data: { ...ctx.body, complaintId },
        }),
        complaintId,
        ctx.reply,
      );
    },
  });

  route(app, {
    method: 'GET',
    url: '/complaints/:complaintId',
    summary: 'A complaint as its own stream tells it, with status notes and overdue computed now',
    tags: ['complaints'],
    params: ComplaintParams,
    roles: READERS,
    handler: async (ctx) => {
      const { view } = await readComplaint(deps.eventStore, ctx.params.complaintId);
      requireInScope(ctx.user, view.area, complaintNotFound(ctx.params.complaintId));
      ctx.reply.header('etag', `"${view.revision}"`);
      const [opened] = await openViews(deps.vault, [view]);
      return presentView(opened!, ctx.user, deps.clock());
    },
  });

  route(app, {
    method: 'GET',
    url: '/complaints/:complaintId/history',
    summary: "The complaint's events: what happened, when, recorded when, by whom",
    tags: ['complaints'],
    params: ComplaintParams,
    roles: READERS,
    handler: async (ctx) => {
      const { view, envelopes } = await readComplaint(deps.eventStore, ctx.params.complaintId);
      requireInScope(ctx.user, view.area, complaintNotFound(ctx.params.complaintId));
      const [opened] = await openViews(deps.vault, [view]);
      return envelopes.map((e) =>
        e.type === 'complaints.complaint-filed'
          ? {
              ...e,
              data: {
                ...(e.data as ComplaintFiled),
                reporter: presentReporter(opened!.reporter, opened!, ctx.user),
              },
            }
          : e,
      );
    },
  });

  const { listStore } = deps;
  if (!listStore) return;
  complaintQueueRoutes(app, {
    store: listStore,
    clock: deps.clock,
    timeZone: deps.timeZone,
    vault: deps.vault,
    district,
  });
  route(app, {
    method: 'GET',
    url: '/complaints',
    summary:
      "Complaints of the caller's communities and estates, newest first, from the complaints read model",
    tags: ['complaints'],
    query: ListQuery,
    roles: READERS,
    handler: async ({ query, user }) => {
      const now = deps.clock();
      const docs = (await listStore.list<ComplaintView>(COMPLAINTS_COLLECTION))
        .filter((c) => worksIn(user, c.area))
        .filter(
          (c) =>
            (query.community === undefined || c.community === query.community) &&
            (query.estate === undefined || c.estate === query.estate),
        )
        .filter(
          (c) =>
            (query.status === undefined || c.status === query.status) &&
            (query.category === undefined || c.category === query.category),
        )
        .filter((c) => query.assignee === undefined || c.assignee === query.assignee)
        .filter(
          (c) => query.overdue === undefined || isOverdue(c, now) === (query.overdue === 'true'),
        )
        .sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
      const items = (await openViews(deps.vault, docs)).map((c) => {
        const {
          statusNotes: _s,
          investigationNotes: _i,
          replies: _r,
          ...summary
        } = presentView(c, user, now);
        return summary;
      });
      return {
        asOf: now.toISOString(),
        total: items.length,
        overdue: items.filter((i) => i.overdue).length,
        items,
      };
    },
  });
}
