import { z } from 'zod';
import {
  businessDate,
  loadAggregate,
  requireInScope,
  route,
  type ServiceApp,
} from '@fangyi/service-kit';
import { householdDecider, householdStreamId } from '../household/household.ts';
import { householdNotFound } from '../household/routes.ts';
import { HouseholdParams, type ResidentsDeps } from '../http.ts';
import { passView, type OpenedNumbers } from '../person/routes.ts';
import type { HouseholdPeopleFeed } from './feed.ts';
import type { MemberPerson, Membership } from './projection.ts';

const READERS = ['registrar', 'caller', 'report-officer', 'analyst'] as const;

const PeopleQuery = z.strictObject({
  /** `former`: also those who have left (moved out of the district, or to another household). */
  include: z.enum(['former']).optional(),
});

/** Who they are; ID and phone numbers (opened through the vault: null once forgotten) are masked by the kit's response hook. */
function identity(person: MemberPerson, numbers: OpenedNumbers, membership: Membership) {
  return {
    personId: person.personId,
    name: person.name,
    idNumber: numbers.idNumber,
    phone: numbers.phone,
    forgottenOn: person.forgottenOn ?? null,
    registration: person.registration,
    originProvince: person.originProvince,
    originCity: person.originCity,
    lastArrival: person.lastArrival,
    movedInOn: membership.movedInOn,
    joinedBy: membership.joinedBy,
  };
}

/** Someone living here, with what a registrar at the door needs: the latest screening, the pass, quarantine. */
export function livingView(
  person: MemberPerson,
  numbers: OpenedNumbers,
  membership: Membership,
  today: string,
) {
  const latest = person.latestScreening;
  return {
    ...identity(person, numbers, membership),
    latestScreening: latest
      ? { date: latest.date, result: latest.result, temperatureC: latest.temperatureC }
      : null,
    pass: passView(person, today),
    underQuarantine: person.quarantineCases.length > 0,
  };
}

/**
 * Someone who lived here: who, and how and when they left. Not their screening, pass or quarantine
 * since: those belong to where they live now, which may be a community the caller does not work in.
 */
export function formerView(person: MemberPerson, numbers: OpenedNumbers, membership: Membership) {
  return {
    ...identity(person, numbers, membership),
    movedOutOn: membership.movedOutOn,
    leftBy: membership.leftBy,
    destination: membership.destination,
    movedToHouseholdId: membership.movedToHouseholdId,
  };
}

/**
 * GET /residents/households/:householdId/people: its own route rather than a `people` field on the
 * household, because the household's answer is its own stream, with that stream's revision as ETag
 * (If-Match on its writes), while people come from the person streams through a read model: one
 * answer mixing both would carry an ETag that does not change when its people do.
 */
export function householdPeopleRoutes(
  app: ServiceApp,
  deps: ResidentsDeps,
  feed: HouseholdPeopleFeed,
): void {
  route(app, {
    method: 'GET',
    url: '/residents/households/:householdId/people',
    summary:
      'Who lives in a household (moved in and not moved out), for door-to-door work; ?include=former adds those who left',
    tags: ['households', 'people'],
    params: HouseholdParams,
    query: PeopleQuery,
    roles: [...READERS],
    handler: async (ctx) => {
      const { householdId } = ctx.params;
      // The household's own stream answers existence and community, exactly as GET /households/:id does.
      const { state } = await loadAggregate(
        deps.eventStore,
        householdStreamId(householdId),
        householdDecider,
      );
      if (state.status === 'none') throw householdNotFound(householdId)();
      requireInScope(ctx.user, state.community, householdNotFound(householdId));
      // Read-your-writes: everything appended before this request is in the read model before it answers.
      await feed.sync();
      const today = businessDate(deps.clock(), deps.timeZone);
      const rows = await feed.householdPeople.of(householdId);
      // Every member's numbers opened with one read of the key table; a forgotten member's are null.
      const recorded = rows.flatMap((r) =>
        r.person.idNumber !== null && r.person.phone !== null
          ? [r.person.idNumber, r.person.phone]
          : [],
      );
      const opened = await deps.vault.openAll(recorded);
      const numbers = new Map<string, OpenedNumbers>();
      let at = 0;
      for (const r of rows) {
        if (r.person.idNumber === null || r.person.phone === null)
          numbers.set(r.person.personId, { idNumber: null, phone: null });
        else
          numbers.set(r.person.personId, {
            idNumber: opened[at++] ?? null,
            phone: opened[at++] ?? null,
          });
      }
      const numbersOf = (p: MemberPerson) => numbers.get(p.personId)!;
      // By the day they came, then in the order they joined (the read model keeps it; sort is stable).
      const living = rows.filter((r) => r.membership.movedOutOn === null);
      living.sort((a, b) => a.membership.movedInOn.localeCompare(b.membership.movedInOn));
      const answer = {
        householdId,
        community: state.community,
        address: state.address,
        people: living.map((r) => livingView(r.person, numbersOf(r.person), r.membership, today)),
      };
      if (ctx.query.include !== 'former') return answer;
      const former = rows.filter((r) => r.membership.movedOutOn !== null);
      former.sort((a, b) => b.membership.movedOutOn!.localeCompare(a.membership.movedOutOn!));
      return {
        ...answer,
        former: former.map((r) => formerView(r.person, numbersOf(r.person), r.membership)),
      };
    },
  });
}
