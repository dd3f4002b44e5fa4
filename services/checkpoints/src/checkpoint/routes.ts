import {
  CloseCheckpointSchema,
  EndShiftSchema,
  MergeCheckpointsSchema,
  OpenCheckpointSchema,
  StartShiftSchema,
  parseEnvelope,
  type Actor,
  type CheckpointCommunity,
} from '@fangyi/contracts';
import {
  DomainError,
  businessDate,
  handleCommand,
  loadAggregate,
  requireCommunity,
  route,
  type FieldIssue,
  type ServiceApp,
  type User,
} from '@fangyi/service-kit';
import {
  CHECKPOINT_PATHS,
  CheckpointParams,
  DateQuery,
  READERS,
  expectedRevisionOf,
  loadCheckpoint,
  requireAllCommunitiesOf,
  communityDistrictsOf,
  requireAnyCommunityOf,
  utc,
  type CheckpointsDeps,
  type KnownCheckpoint,
} from '../http.ts';
import {
  checkpointDecider,
  checkpointStreamId,
  currentShift,
  refuseReusedMergeId,
  type CheckpointCommand,
  type CheckpointState,
} from './checkpoint.ts';
import { computeCoverage } from './coverage.ts';

type Ctx = { user: User; actor(): Actor; request: { correlationId: string; headers: unknown } };

/** HTTP for checkpoints (卡口): open, merge ("from many to few"), close, shifts and their coverage. */
export function checkpointRoutes(app: ServiceApp, deps: CheckpointsDeps): void {
  const districts = communityDistrictsOf(deps);

  const run = (
    ctx: Ctx,
    checkpointId: string,
    command: CheckpointCommand,
    options: {
      occurredAt?: Date;
      authorize?: (state: CheckpointState) => void;
      ifMatch?: boolean;
    } = {},
  ) =>
    handleCommand(deps.eventStore, checkpointStreamId(checkpointId), checkpointDecider, command, {
      actor: ctx.actor(),
      correlationId: ctx.request.correlationId,
      occurredAt: options.occurredAt ?? deps.clock(),
      newId: deps.newId,
      ...(options.ifMatch ? { expectedRevision: expectedRevisionOf(ctx.request.headers) } : {}),
      ...(options.authorize ? { authorize: options.authorize } : {}),
    });

  /** Each community with its district; a community the directory does not know is a 400 naming it. */
  const withDistricts = (communities: readonly string[], field: string): CheckpointCommunity[] => {
    const issues: FieldIssue[] = [];
    const result = communities.map((community, i) => {
      const district = districts[community];
      if (!district)
        issues.push({ field: `${field}.${i}`, message: `unknown community ${community}` });
      return { community, district: district ?? '' };
    });
    if (issues.length > 0) throw new DomainError('VALIDATION_FAILED', 'unknown community', issues);
    return result;
  };

  const staffOfCheckpoint = (user: User) => (state: CheckpointState) => {
    if (state.status !== 'none') requireAnyCommunityOf(user, state);
  };
  const registrarOfCheckpoint = (user: User) => (state: CheckpointState) => {
    if (state.status !== 'none') requireAllCommunitiesOf(user, state);
  };

  route(app, {
    method: 'POST',
    url: '/checkpoints',
    summary: 'Open a checkpoint (卡口) serving one or more communities, possibly of two districts',
    tags: ['checkpoints'],
    body: OpenCheckpointSchema,
    roles: ['registrar'],
    status: 201,
    handler: async (ctx) => {
      const communities = withDistricts(ctx.body.communities, 'body.communities');
      for (const c of communities) requireCommunity(ctx.user, c.community);
      const checkpointId = deps.newId();
      const { communities: _names, ...details } = ctx.body;
      const result = await run(ctx, checkpointId, {
        type: 'OpenCheckpoint',
        data: { ...details, checkpointId, communities, at: deps.clock().toISOString() },
      });
      ctx.reply
        .header('location', `/checkpoints/${checkpointId}`)
        .header('etag', `"${result.revision}"`);
      return { checkpointId, communities, revision: result.revision };
    },
  });

  route(app, {
    method: 'POST',
    url: '/checkpoints/merge',
    summary:
      'Merge several open checkpoints into one jointly run checkpoint (由多变少). Retry-safe with the client-chosen checkpointId: a retry finishes a half-done merge (201), ' +
      'one that finds the merge done answers 200 with the checkpoint as first recorded, the same id with other content is 409 CHECKPOINT_ALREADY_EXISTS naming body.checkpointId',
    tags: ['checkpoints'],
    body: MergeCheckpointsSchema,
    roles: ['registrar'],
    status: 201,
    handler: async (ctx) => {
      const { checkpointId, sources, ...details } = ctx.body;
      if (sources.includes(checkpointId))
        throw new DomainError('MERGE_INTO_SELF', `checkpoint ${checkpointId}`, [
          { field: 'body.sources', message: 'includes the new checkpoint' },
        ]);
      // A retry is recognised first, as a resent crossing is: the same id with other content is
      // refused before the sources are looked at, since by then they may well be closed (into it, or
      // otherwise) and would answer with a misleading source error. The registrar must be allowed
      // to act on that checkpoint before learning how it differs.
      const { state: target } = await loadAggregate(
        deps.eventStore,
        checkpointStreamId(checkpointId),
        checkpointDecider,
      );
      if (target.status !== 'none') {
        // The id is the caller's choice for a new checkpoint: one held elsewhere cannot be had (403), it is not "unknown".
        requireAllCommunitiesOf(
          ctx.user,
          target,
          () =>
            new DomainError(
              'FORBIDDEN',
              `${ctx.user.id} may not use checkpoint id ${checkpointId}`,
            ),
        );
        refuseReusedMergeId(target, { sources, ...details });
      }
      // Check every source before appending anything, so a merge that cannot be done leaves no trace.
      const loaded: KnownCheckpoint[] = [];
      for (const [i, sourceId] of sources.entries()) {
        const { state } = await loadAggregate(
          deps.eventStore,
          checkpointStreamId(sourceId),
          checkpointDecider,
        );
        const sourceNotFound = () =>
          new DomainError('CHECKPOINT_NOT_FOUND', `checkpoint ${sourceId}`, [
            { field: `body.sources.${i}`, message: 'no such checkpoint' },
          ]);
        if (state.status === 'none') throw sourceNotFound();
        requireAllCommunitiesOf(ctx.user, state, sourceNotFound);
        if (state.status === 'closed' && state.mergedInto !== checkpointId) {
          const code =
            state.mergedInto === null ? 'CHECKPOINT_CLOSED' : 'CHECKPOINT_ALREADY_MERGED';
          throw new DomainError(code, `checkpoint ${sourceId}`, [
            {
              field: `body.sources.${i}`,
              message: state.mergedInto === null ? 'closed' : `merged into ${state.mergedInto}`,
            },
          ]);
        }
        loaded.push(state);
      }
      const communities: CheckpointCommunity[] = [];
      for (const c of loaded.flatMap((s) => s.communities))
        if (!communities.some((x) => x.community === c.community)) communities.push(c);

      // Not atomic: the new checkpoint is opened first, then each source is closed into it, one
      // stream at a time. Each step does nothing when already done, so a retry with the same
      // checkpointId after a failure part-way (a crash, a concurrent write: 409) finishes the merge.
      const at = deps.clock().toISOString();
      const opened = await run(ctx, checkpointId, {
        type: 'OpenCheckpoint',
        data: { ...details, checkpointId, communities, mergedFrom: sources, at },
      });
      const closed: string[] = [];
      for (const sourceId of sources) {
        const r = await run(ctx, sourceId, {
          type: 'MarkMergedInto',
          data: { checkpointId: sourceId, mergedInto: checkpointId, at },
        });
        if (r.events.length > 0) closed.push(sourceId);
      }
      // Answered from the checkpoint as recorded, so a retry gets what the first call got, whatever order it listed the sources in.
      const merged = opened.state;
      if (merged.status === 'none')
        throw new Error(`checkpoint ${checkpointId} neither opened nor found`);
      const newlyOpened = opened.events.length > 0;
      // 201 when this call appended anything (a first try, or a retry finishing a half-done merge);
      // 200 when it found the whole merge already recorded and appended nothing.
      if (!newlyOpened && closed.length === 0) ctx.status(200);
      ctx.reply.header('location', `/checkpoints/${checkpointId}`);
      return {
        checkpointId,
        name: merged.name,
        location: merged.location,
        kind: merged.kind,
        staffedHours: merged.staffedHours,
        communities: merged.communities,
        mergedFrom: merged.mergedFrom,
        openedAt: merged.openedAt,
        newlyOpened,
        newlyClosed: closed,
      };
    },
  });

  route(app, {
    method: 'POST',
    url: '/checkpoints/:id/closure',
    summary: 'Close a checkpoint; a shift still on duty ends with it',
    tags: ['checkpoints'],
    params: CheckpointParams,
    fields: CHECKPOINT_PATHS,
    body: CloseCheckpointSchema,
    roles: ['registrar'],
    handler: async (ctx) => {
      const checkpointId = ctx.params.id;
      const result = await run(
        ctx,
        checkpointId,
        {
          type: 'CloseCheckpoint',
          data: { checkpointId, reason: ctx.body.reason, at: deps.clock().toISOString() },
        },
        { authorize: registrarOfCheckpoint(ctx.user), ifMatch: true },
      );
      ctx.reply.header('etag', `"${result.revision}"`);
      return { checkpointId, status: result.state.status, revision: result.revision };
    },
  });

  route(app, {
    method: 'POST',
    url: '/checkpoints/:id/shifts',
    summary:
      'Start a shift (one on duty at a time); with handoverNote it takes over from the shift on duty',
    tags: ['shifts'],
    params: CheckpointParams,
    fields: CHECKPOINT_PATHS,
    body: StartShiftSchema,
    roles: ['checkpoint-staff'],
    status: 201,
    handler: async (ctx) => {
      const checkpointId = ctx.params.id;
      const shiftId = deps.newId();
      const startedAt = utc(ctx.body.startedAt);
      const result = await run(
        ctx,
        checkpointId,
        {
          type: 'StartShift',
          data: { ...ctx.body, checkpointId, shiftId, startedAt, now: deps.clock().toISOString() },
        },
        { occurredAt: new Date(startedAt), authorize: staffOfCheckpoint(ctx.user), ifMatch: true },
      );
      const handedOver = result.events.find((e) => e.type === 'checkpoints.shift-ended');
      ctx.reply.header('etag', `"${result.revision}"`);
      return {
        checkpointId,
        shiftId,
        startedAt,
        handedOverFrom: handedOver ? (handedOver.data as { shiftId: string }).shiftId : null,
        revision: result.revision,
      };
    },
  });

  route(app, {
    method: 'POST',
    url: '/checkpoints/:id/shifts/current/end',
    summary: 'End the shift on duty, with a handover note (交接班)',
    tags: ['shifts'],
    params: CheckpointParams,
    fields: CHECKPOINT_PATHS,
    body: EndShiftSchema,
    roles: ['checkpoint-staff'],
    handler: async (ctx) => {
      const checkpointId = ctx.params.id;
      const endedAt = utc(ctx.body.endedAt);
      const result = await run(
        ctx,
        checkpointId,
        {
          type: 'EndShift',
          data: {
            checkpointId,
            endedAt,
            handoverNote: ctx.body.handoverNote,
            now: deps.clock().toISOString(),
          },
        },
        { occurredAt: new Date(endedAt), authorize: staffOfCheckpoint(ctx.user), ifMatch: true },
      );
      ctx.reply.header('etag', `"${result.revision}"`);
      return {
        checkpointId,
        shiftId: (result.events[0]!.data as { shiftId: string }).shiftId,
        endedAt,
        revision: result.revision,
      };
    },
  });

  route(app, {
    method: 'GET',
    url: '/checkpoints/:id',
    summary:
      'A checkpoint as its own stream tells it, with the shift on duty; a merged one says whether every source is closed yet',
    tags: ['checkpoints'],
    params: CheckpointParams,
    fields: CHECKPOINT_PATHS,
    roles: [...READERS],
    handler: async (ctx) => {
      const { state, revision } = await loadCheckpoint(deps.eventStore, ctx.params.id);
      requireAnyCommunityOf(ctx.user, state);
      // A merge is two steps over several streams: show which sources are still waiting to be closed into this one.
      const pending: string[] = [];
      for (const sourceId of state.mergedFrom) {
        const source = await loadAggregate(
          deps.eventStore,
          checkpointStreamId(sourceId),
          checkpointDecider,
        );
        if (source.state.status !== 'closed' || source.state.mergedInto !== state.checkpointId)
          pending.push(sourceId);
      }
      ctx.reply.header('etag', `"${revision}"`);
      return {
        ...state,
        ...(state.status === 'open' ? { closedAt: null, reason: null, mergedInto: null } : {}),
        currentShift: currentShift(state),
        merge:
          state.mergedFrom.length > 0
            ? { complete: pending.length === 0, pendingSources: pending }
            : null,
        revision,
      };
    },
  });

  route(app, {
    method: 'GET',
    url: '/checkpoints/:id/history',
    summary: "The checkpoint's events: opened, shifts, merged, closed; when and by whom",
    tags: ['checkpoints'],
    params: CheckpointParams,
    fields: CHECKPOINT_PATHS,
    roles: [...READERS],
    handler: async (ctx) => {
      const { state } = await loadCheckpoint(deps.eventStore, ctx.params.id);
      requireAnyCommunityOf(ctx.user, state);
      const events = await deps.eventStore.readStream(checkpointStreamId(ctx.params.id));
      return events.map(({ position: _position, ...envelope }) => parseEnvelope(envelope));
    },
  });

  route(app, {
    method: 'GET',
    url: '/checkpoints/:id/coverage',
    summary:
      'Covered and uncovered intervals of one business day (default today): a 24-hour checkpoint with a gap shows the gap',
    tags: ['shifts'],
    params: CheckpointParams,
    fields: CHECKPOINT_PATHS,
    query: DateQuery,
    roles: [...READERS],
    handler: async (ctx) => {
      const { state } = await loadCheckpoint(deps.eventStore, ctx.params.id);
      requireAnyCommunityOf(ctx.user, state);
      const now = deps.clock();
      return {
        checkpointId: state.checkpointId,
        timeZone: deps.timeZone,
        ...computeCoverage({
          date: ctx.query.date ?? businessDate(now, deps.timeZone),
          timeZone: deps.timeZone,
          staffedHours: state.staffedHours,
          openedAt: state.openedAt,
          closedAt: state.status === 'closed' ? state.closedAt : null,
          shifts: state.shifts,
          now,
        }),
      };
    },
  });
}
