import { z } from 'zod';
import {
  CLOCK_SKEW_MS,
  AcknowledgeEscalationSchema,
  ChangePeriodSchema,
  DeliverSuppliesSchema,
  EndHomeQuarantineSchema,
  LogSymptomCheckSchema,
  ReassignCallerSchema,
  RecordCheckAttemptFailedSchema,
  RecordDisinfectionSchema,
  ReferEscalationSchema,
  ResolveEscalationSchema,
  StartHomeQuarantineSchema,
  parseEnvelope,
  type Actor,
  type Role,
} from '@fangyi/contracts';
import { WrongExpectedRevisionError, type EventStore } from '@fangyi/eventstore';
import {
  DEFAULT_EARLY_CHECK_MINUTES,
  SHIPPED_DISTRICT,
  DomainError,
  fault,
  businessDate,
  handleCommand,
  loadAggregate,
  localTime,
  requireCommunity,
  requireInScope,
  route,
  unknownPlace,
  worksIn,
  type Clock,
  type District,
  type ServiceApp,
  type SlotWindows,
  type User,
} from '@fangyi/service-kit';
import { commandMeta } from '@fangyi/service-kit';
import { IdParamSchema } from '@fangyi/service-kit';
import type { ActiveCases } from '../activeCases/projection.ts';
import type { PeopleDirectoryFeed } from '../people/directory.ts';
import {
  homeQuarantineDecider,
  nextCaseId,
  slotKey,
  streamIdOf,
  type CallersByCommunity,
  type HomeQuarantineCommand,
  type HomeQuarantineState,
  type StartFacts,
} from './homeQuarantine.ts';

export interface HomeQuarantineDeps {
  readonly eventStore: EventStore;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly timeZone: string;
  /** The active-cases read model; GET /quarantine/cases is offered only where it is kept. */
  readonly activeCases?: ActiveCases;
  /** The district's places and policies (communities, period, fever threshold, slot windows); default the shipped Kutao district. */
  readonly district?: District;
  /** When each slot may be worked; default the district's slotWindows. */
  readonly slotWindows?: SlotWindows;
  /** How many minutes before a slot's window opens a check is still taken (FANGYI_CHECK_EARLY_MINUTES); default 30. */
  readonly earlyCheckMinutes?: number;
  /** Who is registered, where, and with which case running: a case starts only for someone it knows. */
  readonly people: PeopleDirectoryFeed;
  /** Each community's follow-up callers (FANGYI_CALLERS): a case is assigned only to one of its community. */
  readonly callers: CallersByCommunity;
}

/** A case of another community answers as an unknown one (404); one that does not exist is left to the decider. */
const caseNotFound = (caseId: string) => () =>
  new DomainError('CASE_NOT_FOUND', `case ${caseId}`, fault('caseId', 'no such case'));
const inCommunityOf = (user: User) => (state: HomeQuarantineState) => {
  if (state.status !== 'none') requireInScope(user, state.community, caseNotFound(state.caseId));
};

const safeId = IdParamSchema;
const CaseParams = z.strictObject({ caseId: safeId });
const EscalationParams = z.strictObject({ caseId: safeId, escalationId: safeId });

const CaseListQuery = z.strictObject({
  community: z.string().min(1).max(128).optional(),
  caller: z.string().min(1).max(128).optional(),
  status: z.enum(['active', 'ended', 'all']).default('active'),
});

/** Who may do what (the admin may do everything). */
const FOLLOW_UP: readonly Role[] = ['caller'];
const CASE_MANAGEMENT: readonly Role[] = ['registrar', 'caller'];
const READERS: readonly Role[] = ['caller', 'registrar', 'report-officer', 'analyst'];

/** A case as its own stream tells it, in plain JSON. */
function caseView(state: Exclude<HomeQuarantineState, { status: 'none' }>, revision: number) {
  const split = (key: string) => ({ date: key.slice(0, 10), slot: key.slice(11) });
  return {
    caseId: state.caseId,
    personId: state.personId,
    community: state.community,
    status: state.status,
    startDate: state.startDate,
    endDate: state.endDate,
    assignedCaller: state.assignedCaller,
    ...(state.status === 'ended' ? { outcome: state.outcome, endedOn: state.endedOn } : {}),
    revision,
    checks: [...state.checks.entries()].map(([key, c]) => ({ ...split(key), ...c })),
    missed: [...state.missed].map(split),
    failedAttempts: [...state.failedAttempts.entries()].map(([key, count]) => ({
      ...split(key),
      count,
    })),
    escalations: [...state.escalations.values()],
    breaches: state.breaches.size,
    suppliesDelivered: state.suppliesDelivered,
    disinfections: state.disinfections,
  };
}

type Ctx = { user: User; actor(): Actor; request: { correlationId: string; headers: unknown } };

/** HTTP for home quarantine cases: the case's whole follow-up, its reading and its history. */
export function homeQuarantineRoutes(app: ServiceApp, deps: HomeQuarantineDeps): void {
  const district = deps.district ?? SHIPPED_DISTRICT;
  const slotWindows = deps.slotWindows ?? district.slotWindows;
  const earlyCheckMinutes = deps.earlyCheckMinutes ?? DEFAULT_EARLY_CHECK_MINUTES;
  const run = (
    ctx: Ctx,
    caseId: string,
    command: HomeQuarantineCommand,
    occurredAt: Date = deps.clock(),
  ) =>
    handleCommand(
      deps.eventStore,
      streamIdOf(caseId),
      homeQuarantineDecider,
      command,
      commandMeta(ctx, { newId: deps.newId, occurredAt, authorize: inCommunityOf(ctx.user) }),
    );

  /** A time the caller gives for something already done: not in the future, beyond a little skew. */
  const pastInstant = (value: string | undefined, field: string, now: Date): Date => {
    const at = value ? new Date(value) : now;
    if (at.getTime() > now.getTime() + CLOCK_SKEW_MS)
      throw new DomainError('CHECK_IN_FUTURE', `${field} ${value} is later than now`, [
        { field, message: 'in the future' },
      ]);
    return at;
  };

  route(app, {
    method: 'POST',
    url: '/quarantine/cases',
    summary:
      'Start a home quarantine case (居家隔离) for a registered person of the community, assigned to one of its callers; a person with a running case is 409 PERSON_ALREADY_UNDER_QUARANTINE naming that case',
    tags: ['home quarantine'],
    body: StartHomeQuarantineSchema,
    roles: CASE_MANAGEMENT,
    status: 201,
    handler: async (ctx) => {
      if (!district.isCommunity(ctx.body.community))
        throw unknownPlace('body.community', 'community', ctx.body.community);
      requireCommunity(ctx.user, ctx.body.community);
      const { personId } = ctx.body;
      const periodDays = ctx.body.periodDays ?? district.quarantinePeriodDays;
      // Read-your-writes: a person registered, or a case started, a moment ago is in the directory.
      await deps.people.sync();
      const person = await deps.people.directory.person(personId);
      const facts: StartFacts = {
        person: person && { community: person.community, status: person.status },
        activeCaseId: await deps.people.directory.activeCaseOf(personId),
        callers: deps.callers,
      };
      // The person's next case has one id, so two starts at once (a double tap, two registrars)
      // append to one stream: one wins, the other is told the person is under quarantine.
      const caseId = nextCaseId(personId, await deps.people.directory.casesStarted(personId));
      const result = await run(ctx, caseId, {
        type: 'StartHomeQuarantine',
        data: { ...ctx.body, periodDays, caseId, facts },
      }).catch((error: unknown) => {
        const lost =
          error instanceof WrongExpectedRevisionError ||
          (error instanceof DomainError && error.code === 'CASE_ALREADY_EXISTS');
        if (!lost) throw error;
        throw new DomainError(
          'PERSON_ALREADY_UNDER_QUARANTINE',
          `person ${personId} is under home quarantine in case ${caseId}`,
          [{ field: 'body.personId', message: `already under home quarantine in case ${caseId}` }],
          { existingCaseId: caseId },
        );
      });
      ctx.reply
        .header('location', `/quarantine/cases/${caseId}`)
        .header('etag', `"${result.revision}"`);
      return { caseId, revision: result.revision, events: result.eventIds };
    },
  });

  route(app, {
    method: 'POST',
    url: '/quarantine/cases/:caseId/checks',
    summary:
      "Log a symptom check (am or pm slot); a fever (at or above the district's threshold, 37.3 °C in Kutao) or any symptom also raises an escalation",
    tags: ['home quarantine'],
    params: CaseParams,
    body: LogSymptomCheckSchema,
    roles: FOLLOW_UP,
    status: 201,
    handler: async (ctx) => {
      const { caseId } = ctx.params;
      const { checkedAt, checkId: sentId, ...input } = ctx.body;
      const checkId = sentId ?? deps.newId();
      const escalationId = deps.newId();
      const now = deps.clock();
      const today = businessDate(now, deps.timeZone);
      const occurredAt = pastInstant(checkedAt, 'body.checkedAt', now);
      const window = { opens: slotWindows[input.slot].opens, earlyMinutes: earlyCheckMinutes };
      const checkedAtLocal = localTime(occurredAt, deps.timeZone);
      const result = await run(
        ctx,
        caseId,
        {
          type: 'LogSymptomCheck',
          data: {
            ...input,
            caseId,
            checkId,
            escalationId,
            today,
            feverThresholdC: district.feverThresholdC,
            checkedAtLocal,
            window,
          },
        },
        occurredAt,
      );
      if (result.events.length === 0) {
        // Sent again: answered with the check already recorded, and nothing appended.
        ctx.status(200);
        const recorded =
          result.state.status === 'active'
            ? result.state.checks.get(slotKey(input.date, input.slot))
            : undefined;
        ctx.reply.header('etag', `"${result.revision}"`);
        return {
          caseId,
          checkId,
          abnormal: recorded?.abnormal ?? false,
          escalationId: null,
          revision: result.revision,
          alreadyRecorded: true,
        };
      }
      const escalated = result.events.some((e) => e.type === 'quarantine.escalation-raised');
      const recorded = result.events[0]!.data as { abnormal: boolean };
      ctx.reply.header('etag', `"${result.revision}"`);
      return {
        caseId,
        checkId,
        abnormal: recorded.abnormal,
        escalationId: escalated ? escalationId : null,
        revision: result.revision,
      };
    },
  });

  route(app, {
    method: 'POST',
    url: '/quarantine/cases/:caseId/check-attempts',
    summary:
      'Record that the person could not be reached for a slot (not a check: the slot stays open)',
    tags: ['home quarantine'],
    params: CaseParams,
    body: RecordCheckAttemptFailedSchema,
    roles: FOLLOW_UP,
    status: 201,
    handler: async (ctx) => {
      const { caseId } = ctx.params;
      const attemptId = deps.newId();
      const now = deps.clock();
      const { attemptedAt, ...input } = ctx.body;
      const at = pastInstant(attemptedAt, 'body.attemptedAt', now);
      const result = await run(
        ctx,
        caseId,
        {
          type: 'RecordCheckAttemptFailed',
          data: {
            ...input,
            caseId,
            attemptId,
            attemptedAt: at.toISOString(),
            today: businessDate(now, deps.timeZone),
            attemptedAtLocal: localTime(at, deps.timeZone),
            window: { opens: slotWindows[input.slot].opens, earlyMinutes: earlyCheckMinutes },
          },
        },
        at,
      );
      ctx.reply.header('etag', `"${result.revision}"`);
      return { caseId, attemptId, revision: result.revision };
    },
  });

  const simple = <B extends z.ZodType>(spec: {
    url: string;
    summary: string;
    body: B;
    roles: readonly Role[];
    toCommand: (
      caseId: string,
      body: z.output<B>,
      ctx: { user: User; now: Date },
    ) => HomeQuarantineCommand;
  }) =>
    route(app, {
      method: 'POST',
      url: `/quarantine/cases/:caseId/${spec.url}`,
      summary: spec.summary,
      tags: ['home quarantine'],
      params: CaseParams,
      body: spec.body,
      roles: spec.roles,
      status: 201,
      handler: async (ctx) => {
        const { caseId } = ctx.params;
        const now = deps.clock();
        const result = await run(
          ctx,
          caseId,
          spec.toCommand(caseId, ctx.body as z.output<B>, { user: ctx.user, now }),
          now,
        );
        ctx.reply.header('etag', `"${result.revision}"`);
        return { caseId, revision: result.revision, events: result.events.map((e) => e.type) };
      },
    });

  simple({
    url: 'reassignment',
    summary: "Assign the case to another caller of the case's community, saying why",
    body: ReassignCallerSchema,
    roles: CASE_MANAGEMENT,
    toCommand: (caseId, b) => ({
      type: 'ReassignCaller',
      data: { caseId, caller: b.caller, reason: b.reason, callers: deps.callers },
    }),
  });

  simple({
    url: 'period-change',
    summary: 'Extend or shorten the quarantine period (new last day, inclusive), saying why',
    body: ChangePeriodSchema,
    roles: CASE_MANAGEMENT,
    toCommand: (caseId, b) => ({
      type: 'ChangePeriod',
      data: { caseId, newEndDate: b.newEndDate, reason: b.reason },
    }),
  });

  simple({
    url: 'end',
    summary:
      'End the case: completed, sent to hospital, moved away or lost to follow-up; afterwards it can only be read',
    body: EndHomeQuarantineSchema,
    roles: CASE_MANAGEMENT,
    toCommand: (caseId, b, { now }) => {
      const today = businessDate(now, deps.timeZone);
      return {
        type: 'EndHomeQuarantine',
        data: { caseId, outcome: b.outcome, endedOn: b.endedOn ?? today, note: b.note, today },
      };
    },
  });

  simple({
    url: 'supplies',
    summary: 'Record supplies delivered to the home (thermometer, disinfectant, food, medicine)',
    body: DeliverSuppliesSchema,
    roles: FOLLOW_UP,
    toCommand: (caseId, b, { now }) => ({
      type: 'DeliverSupplies',
      data: {
        caseId,
        deliveryId: deps.newId(),
        items: b.items,
        note: b.note,
        deliveredAt: now.toISOString(),
      },
    }),
  });

  simple({
    url: 'disinfections',
    summary: 'Record a disinfection of the home, the vehicle or the street',
    body: RecordDisinfectionSchema,
    roles: FOLLOW_UP,
    toCommand: (caseId, b, { now }) => ({
      type: 'RecordDisinfection',
      data: {
        caseId,
        disinfectionId: deps.newId(),
        place: b.place,
        note: b.note,
        at: now.toISOString(),
      },
    }),
  });

  const escalationStep = <B extends z.ZodType>(spec: {
    url: string;
    summary: string;
    body: B;
    roles: readonly Role[];
    toCommand: (
      ids: { caseId: string; escalationId: string },
      body: z.output<B>,
      by: string,
      at: string,
    ) => HomeQuarantineCommand;
  }) =>
    route(app, {
      method: 'POST',
      url: `/quarantine/cases/:caseId/escalations/:escalationId/${spec.url}`,
      summary: spec.summary,
      tags: ['home quarantine', 'escalations'],
      params: EscalationParams,
      // An empty body is an empty object: these steps need no fields but a note.
      body: spec.body,
      roles: spec.roles,
      status: 201,
      handler: async (ctx) => {
        const now = deps.clock();
        const result = await run(
          ctx,
          ctx.params.caseId,
          spec.toCommand(ctx.params, ctx.body as z.output<B>, ctx.user.id, now.toISOString()),
          now,
        );
        ctx.reply.header('etag', `"${result.revision}"`);
        return {
          caseId: ctx.params.caseId,
          escalationId: ctx.params.escalationId,
          revision: result.revision,
        };
      },
    });

  escalationStep({
    url: 'acknowledgement',
    summary: 'Acknowledge an escalation (someone has taken it on)',
    body: AcknowledgeEscalationSchema.default({}),
    roles: FOLLOW_UP,
    toCommand: (ids, b, by, at) => ({
      type: 'AcknowledgeEscalation',
      data: { ...ids, by, at, note: b.note },
    }),
  });

  escalationStep({
    url: 'referral',
    summary: 'Refer an acknowledged escalation to a hospital',
    body: ReferEscalationSchema,
    roles: CASE_MANAGEMENT,
    toCommand: (ids, b, by, at) => ({
      type: 'ReferEscalation',
      data: { ...ids, hospital: b.hospital, note: b.note, by, at },
    }),
  });

  escalationStep({
    url: 'resolution',
    summary: 'Resolve an acknowledged escalation without referral, saying how',
    body: ResolveEscalationSchema,
    roles: CASE_MANAGEMENT,
    toCommand: (ids, b, by, at) => ({
      type: 'ResolveEscalation',
      data: { ...ids, note: b.note, by, at },
    }),
  });

  route(app, {
    method: 'GET',
    url: '/quarantine/cases/:caseId',
    summary: 'A home quarantine case as its own event stream tells it',
    tags: ['home quarantine'],
    params: CaseParams,
    roles: READERS,
    handler: async (ctx) => {
      const { state, revision } = await loadAggregate(
        deps.eventStore,
        streamIdOf(ctx.params.caseId),
        homeQuarantineDecider,
      );
      if (state.status === 'none') throw caseNotFound(ctx.params.caseId)();
      requireInScope(ctx.user, state.community, caseNotFound(ctx.params.caseId));
      ctx.reply.header('etag', `"${revision}"`);
      return caseView(state, revision);
    },
  });

  route(app, {
    method: 'GET',
    url: '/quarantine/cases/:caseId/history',
    summary: "The case's events: what happened, when, recorded when, by whom",
    tags: ['home quarantine'],
    params: CaseParams,
    roles: READERS,
    handler: async (ctx) => {
      const events = await deps.eventStore.readStream(streamIdOf(ctx.params.caseId));
      if (events.length === 0)
        throw new DomainError(
          'CASE_NOT_FOUND',
          `case ${ctx.params.caseId}`,
          fault('caseId', 'no such case'),
        );
      const { state } = await loadAggregate(
        deps.eventStore,
        streamIdOf(ctx.params.caseId),
        homeQuarantineDecider,
      );
      if (state.status !== 'none')
        requireInScope(ctx.user, state.community, caseNotFound(ctx.params.caseId));
      return events.map((e) => {
        const { position: _position, ...envelope } = e;
        return parseEnvelope(envelope);
      });
    },
  });

  const activeCases = deps.activeCases;
  if (activeCases) {
    route(app, {
      method: 'GET',
      url: '/quarantine/cases',
      summary:
        'Cases of the communities the user works in (default: active ones), from the active-cases read model',
      tags: ['home quarantine'],
      query: CaseListQuery,
      roles: READERS,
      handler: async ({ query, user }) => {
        if (query.community) requireCommunity(user, query.community);
        const cases = (await activeCases.all()).filter(
          (c) =>
            worksIn(user, c.community) &&
            (!query.community || c.community === query.community) &&
            (!query.caller || c.assignedCaller === query.caller) &&
            (query.status === 'all' || c.status === query.status),
        );
        return {
          total: cases.length,
          cases: cases.map(({ doneSlots: _done, ...c }) => c),
        };
      },
    });
  }
}
