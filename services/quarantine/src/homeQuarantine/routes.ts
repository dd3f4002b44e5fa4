import { z } from 'zod';
import { LogSymptomCheckSchema, StartHomeQuarantineSchema, parseEnvelope, type Actor } from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import { DomainError, businessDate, handleCommand, loadAggregate, requireCommunity, route, type Clock, type ServiceApp, type User } from '@fangyi/service-kit';
import { homeQuarantineDecider, streamIdOf, type HomeQuarantineCommand, type HomeQuarantineState } from './homeQuarantine.ts';

export interface HomeQuarantineDeps {
  readonly eventStore: EventStore;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly timeZone: string;
}

/** The case's community must be one of the caller's; a case that does not exist is left to the decider (404). */
const inCommunityOf = (user: User) => (state: HomeQuarantineState) => {
  if (state.status !== 'none') requireCommunity(user, state.community);
};

/** Callers' phones and the server may disagree by a little. */
const CLOCK_SKEW_MS = 2 * 60_000;

const CaseParams = z.strictObject({ caseId: z.string().min(1).max(128).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only') });
const IfMatch = z.object({ 'if-match': z.string().regex(/^"?\d+"?$/, 'must be a revision number').optional() });

function expectedRevisionOf(headers: unknown): number | undefined {
  const parsed = IfMatch.safeParse(headers);
  if (!parsed.success) throw new DomainError('VALIDATION_FAILED', 'If-Match must be a revision number', [{ field: 'headers.if-match', message: 'must be a revision number' }]);
  const v = parsed.data['if-match'];
  return v === undefined ? undefined : Number(v.replaceAll('"', ''));
}

/** HTTP for home quarantine cases: start a case, log a check, read a case and its history. */
export function homeQuarantineRoutes(app: ServiceApp, deps: HomeQuarantineDeps): void {
  const run = (
    ctx: { user: User; actor(): Actor; request: { correlationId: string; headers: unknown } },
    caseId: string,
    command: HomeQuarantineCommand,
    occurredAt: Date = deps.clock(),
  ) =>
    handleCommand(deps.eventStore, streamIdOf(caseId), homeQuarantineDecider, command, {
      actor: ctx.actor(),
      correlationId: ctx.request.correlationId,
      occurredAt,
      newId: deps.newId,
      expectedRevision: expectedRevisionOf(ctx.request.headers),
      authorize: inCommunityOf(ctx.user),
    });

  route(app, {
    method: 'POST',
    url: '/quarantine/cases',
    summary: 'Start a home quarantine case (居家隔离)',
    tags: ['home quarantine'],
    body: StartHomeQuarantineSchema,
    roles: ['registrar', 'caller'],
    status: 201,
    handler: async (ctx) => {
      requireCommunity(ctx.user, ctx.body.community);
      const caseId = deps.newId();
      const result = await run(ctx, caseId, { type: 'StartHomeQuarantine', data: { ...ctx.body, caseId } });
      ctx.reply.header('location', `/quarantine/cases/${caseId}`).header('etag', `"${result.revision}"`);
      return { caseId, revision: result.revision, events: result.eventIds };
    },
  });

  route(app, {
    method: 'POST',
    url: '/quarantine/cases/:caseId/checks',
    summary: 'Log a symptom check (am or pm slot); fever ≥ 37.3 °C or any symptom also raises an escalation',
    tags: ['home quarantine'],
    params: CaseParams,
    body: LogSymptomCheckSchema,
    roles: ['caller'],
    status: 201,
    handler: async (ctx) => {
      const { caseId } = ctx.params;
      const checkId = deps.newId();
      const escalationId = deps.newId();
      const now = deps.clock();
      const today = businessDate(now, deps.timeZone);
      const { checkedAt, ...input } = ctx.body;
      const occurredAt = checkedAt ? new Date(checkedAt) : now;
      if (occurredAt.getTime() > now.getTime() + CLOCK_SKEW_MS) {
        throw new DomainError('CHECK_IN_FUTURE', `checkedAt ${checkedAt} is later than now`, [{ field: 'body.checkedAt', message: 'in the future' }]);
      }
      const result = await run(ctx, caseId, { type: 'LogSymptomCheck', data: { ...input, caseId, checkId, escalationId, today } }, occurredAt);
      const escalated = result.events.some((e) => e.type === 'quarantine.escalation-raised');
      const recorded = result.events[0]!.data as { abnormal: boolean };
      ctx.reply.header('etag', `"${result.revision}"`);
      return { caseId, checkId, abnormal: recorded.abnormal, escalationId: escalated ? escalationId : null, revision: result.revision };
    },
  });

  route(app, {
    method: 'GET',
    url: '/quarantine/cases/:caseId',
    summary: 'A home quarantine case as its own event stream tells it',
    tags: ['home quarantine'],
    params: CaseParams,
    roles: ['caller', 'registrar', 'report-officer', 'analyst'],
    handler: async (ctx) => {
      const { state, revision } = await loadAggregate(deps.eventStore, streamIdOf(ctx.params.caseId), homeQuarantineDecider);
      if (state.status === 'none') throw new DomainError('CASE_NOT_FOUND', `case ${ctx.params.caseId}`);
      requireCommunity(ctx.user, state.community);
      ctx.reply.header('etag', `"${revision}"`);
      const { checks, ...rest } = state;
      return {
        ...rest,
        revision,
        checks: [...checks.entries()].map(([key, c]) => ({ date: key.slice(0, 10), slot: key.slice(11), ...c })),
      };
    },
  });

  route(app, {
    method: 'GET',
    url: '/quarantine/cases/:caseId/history',
    summary: "The case's events: what happened, when, recorded when, by whom",
    tags: ['home quarantine'],
    params: CaseParams,
    roles: ['caller', 'registrar', 'report-officer', 'analyst'],
    handler: async (ctx) => {
      const events = await deps.eventStore.readStream(streamIdOf(ctx.params.caseId));
      if (events.length === 0) throw new DomainError('CASE_NOT_FOUND', `case ${ctx.params.caseId}`);
      const { state } = await loadAggregate(deps.eventStore, streamIdOf(ctx.params.caseId), homeQuarantineDecider);
      if (state.status !== 'none') requireCommunity(ctx.user, state.community);
      return events.map((e) => {
        const { position: _position, ...envelope } = e;
        return parseEnvelope(envelope);
      });
    },
  });
}
