import {
  LiftRentalSuspensionSchema,
  RegisterHouseholdSchema,
  SuspendRentalSchema,
} from '@fangyi/contracts';
import {
  DomainError,
  businessDate,
  handleCommand,
  loadAggregate,
  requireCommunity,
  requireInScope,
  route,
  unknownPlace,
  type ServiceApp,
  type User,
} from '@fangyi/service-kit';
import { commandMeta, fault } from '@fangyi/service-kit';
import {
  HouseholdParams,
  districtOfDeps,
  toHistory,
  type CommandContext,
  type ResidentsDeps,
} from '../http.ts';
import {
  householdDecider,
  householdStreamId,
  type HouseholdCommand,
  type HouseholdState,
} from './household.ts';

const READERS = ['registrar', 'caller', 'report-officer', 'analyst'] as const;

/** A household of another community answers as an unknown one (404); one that does not exist is left to the decider. */
export const householdNotFound = (householdId: string) => () =>
  new DomainError(
    'HOUSEHOLD_NOT_FOUND',
    `household ${householdId}`,
    fault('householdId', 'no such household'),
  );
const inCommunityOf = (user: User) => (state: HouseholdState) => {
  if (state.status !== 'none')
    requireInScope(user, state.community, householdNotFound(state.householdId));
};

export function householdView(
  state: Extract<HouseholdState, { status: 'registered' }>,
  revision: number,
) {
  return {
    householdId: state.householdId,
    community: state.community,
    estate: state.estate,
    grid: state.grid,
    address: state.address,
    kind: state.kind,
    rental: state.rental,
    revision,
  };
}

/** HTTP for households (户): register one, suspend or restore its renting, read it and its history. */
export function householdRoutes(app: ServiceApp, deps: ResidentsDeps): void {
  const run = (ctx: CommandContext, householdId: string, command: HouseholdCommand) =>
    handleCommand(
      deps.eventStore,
      householdStreamId(householdId),
      householdDecider,
      command,
      commandMeta(ctx, {
        newId: deps.newId,
        occurredAt: deps.clock(),
        authorize: inCommunityOf(ctx.user),
      }),
    );
  const today = () => businessDate(deps.clock(), deps.timeZone);
  const district = districtOfDeps(deps);

  route(app, {
    method: 'POST',
    url: '/residents/households',
    summary:
      'Register a household (户): owner-occupied, rental (出租房屋) or apartment hotel (公寓旅馆)',
    tags: ['households'],
    body: RegisterHouseholdSchema,
    roles: ['registrar'],
    status: 201,
    handler: async (ctx) => {
      const { community, estate, grid } = ctx.body;
      if (!district.isCommunity(community))
        throw unknownPlace('body.community', 'community', community);
      if (estate !== undefined && !district.isEstate(estate))
        throw unknownPlace('body.estate', 'estate', estate);
      const grids = district.gridsOf(community);
      if (grids && !grids.includes(grid))
        throw unknownPlace('body.grid', `grid of ${community}`, grid);
      requireCommunity(ctx.user, community);
      const householdId = deps.newId();
      const result = await run(ctx, householdId, {
        type: 'RegisterHousehold',
        data: { ...ctx.body, householdId },
      });
      ctx.reply
        .header('location', `/residents/households/${householdId}`)
        .header('etag', `"${result.revision}"`);
      return { householdId, revision: result.revision, events: result.eventIds };
    },
  });

  route(app, {
    method: 'GET',
    url: '/residents/households/:householdId',
    summary: 'A household as its own event stream tells it, with the state of its renting',
    tags: ['households'],
    params: HouseholdParams,
    roles: [...READERS],
    handler: async (ctx) => {
      const { state, revision } = await loadAggregate(
        deps.eventStore,
        householdStreamId(ctx.params.householdId),
        householdDecider,
      );
      if (state.status === 'none') throw householdNotFound(ctx.params.householdId)();
      requireInScope(ctx.user, state.community, householdNotFound(ctx.params.householdId));
      ctx.reply.header('etag', `"${revision}"`);
      return householdView(state, revision);
    },
  });

  route(app, {
    method: 'GET',
    url: '/residents/households/:householdId/history',
    summary: "The household's events: what happened, when, recorded when, by whom",
    tags: ['households'],
    params: HouseholdParams,
    roles: [...READERS],
    handler: async (ctx) => {
      const { state, events } = await loadAggregate(
        deps.eventStore,
        householdStreamId(ctx.params.householdId),
        householdDecider,
      );
      if (state.status === 'none') throw householdNotFound(ctx.params.householdId)();
      requireInScope(ctx.user, state.community, householdNotFound(ctx.params.householdId));
      return toHistory(events);
    },
  });

  route(app, {
    method: 'POST',
    url: '/residents/households/:householdId/rental-suspension',
    summary: 'Suspend renting (停止对外出租): the household may take no new outside tenants',
    tags: ['households'],
    params: HouseholdParams,
    body: SuspendRentalSchema,
    roles: ['registrar'],
    status: 201,
    handler: async (ctx) => {
      const { householdId } = ctx.params;
      const result = await run(ctx, householdId, {
        type: 'SuspendRental',
        data: { ...ctx.body, householdId, today: today() },
      });
      ctx.reply.header('etag', `"${result.revision}"`);
      return {
        householdId,
        rental: result.state.status === 'registered' ? result.state.rental : null,
        revision: result.revision,
      };
    },
  });

  route(app, {
    method: 'DELETE',
    url: '/residents/households/:householdId/rental-suspension',
    summary: 'Lift the rental suspension; an optional body { note } says why',
    tags: ['households'],
    params: HouseholdParams,
    body: LiftRentalSuspensionSchema.optional(),
    roles: ['registrar'],
    handler: async (ctx) => {
      const { householdId } = ctx.params;
      const result = await run(ctx, householdId, {
        type: 'LiftRentalSuspension',
        data: { ...ctx.body, householdId, today: today() },
      });
      ctx.reply.header('etag', `"${result.revision}"`);
      return {
        householdId,
        rental: result.state.status === 'registered' ? result.state.rental : null,
        revision: result.revision,
      };
    },
  });
}
