import type {
  Envelope,
  PassRevocationReason,
  PersonEvent,
  Registration,
  ScreeningResult,
} from '@fangyi/contracts';
import type { DocReader, Op, Projection, ProjectionStore } from '@fangyi/projections';

/** Households' members, one document per household that has had anyone. */
export const HOUSEHOLD_MEMBERS_COLLECTION = 'household-members';
/** What a household's listing shows of each person, one document per person. */
export const MEMBER_PEOPLE_COLLECTION = 'member-people';

/**
 * A person's time in one household: the latest stay, since someone who moves back replaces it.
 * The full record is the person's own history.
 */
export interface Membership {
  readonly personId: string;
  /** The registration's business date for someone registered here, the move's date otherwise. */
  readonly movedInOn: string;
  readonly joinedBy: 'registered' | 'moved-in';
  /** Null while they live here. */
  readonly movedOutOn: string | null;
  /** `moved-out`: left the district; `moved-to-another-household`: a move-in elsewhere ended this stay. */
  readonly leftBy: 'moved-out' | 'moved-to-another-household' | null;
  /** Where they said they were going, on a move out. */
  readonly destination: string | null;
  readonly movedToHouseholdId: string | null;
}

export interface HouseholdMembers {
  readonly householdId: string;
  readonly members: readonly Membership[];
}

/** The person as a door-to-door listing needs them: identity, origin, the latest screening and pass. */
export interface MemberPerson {
  readonly personId: string;
  readonly name: string;
  /**
   * As the event recorded them (sealed, or clear in history not yet migrated): the route opens them
   * through the vault and masks them per role, as the person's own page does. Null once forgotten.
   */
  readonly idNumber: string | null;
  readonly phone: string | null;
  /** Set once the person is forgotten. */
  readonly forgottenOn?: string;
  readonly registration: Registration;
  readonly originProvince: string | null;
  readonly originCity: string | null;
  readonly lastArrival: {
    readonly arrivedOn: string;
    readonly originProvince: string;
    readonly originCity: string;
  } | null;
  readonly latestScreening: {
    readonly screeningId: string;
    readonly date: string;
    readonly result: ScreeningResult;
    readonly temperatureC: number;
  } | null;
  /** The latest pass issued, whatever became of it; its status is computed for the day asked. */
  readonly pass: {
    readonly passId: string;
    readonly issuedOn: string;
    readonly validUntil: string;
    readonly revoked: { readonly reason: PassRevocationReason; readonly on: string } | null;
  } | null;
  readonly quarantineCases: readonly string[];
}

/** Every person event type, so each person stream's revisions are recorded without gaps; the compiler keeps the list whole. */
const PERSON_EVENT_TYPES: Record<PersonEvent['type'], true> = {
  'residents.person-registered': true,
  'residents.person-arrived': true,
  'residents.person-moved-in': true,
  'residents.person-moved-out': true,
  'residents.screening-recorded': true,
  'residents.pass-issued': true,
  'residents.pass-revoked': true,
  'residents.quarantine-marked': true,
  'residents.quarantine-cleared': true,
  'residents.quarantine-assessed': true,
  'residents.person-forgotten': true,
};

// ---- pure changes to the documents ----

/** Starts (or, for someone moving back, restarts) a stay; the person appears once per household. */
export function joined(
  doc: HouseholdMembers | null,
  householdId: string,
  stay: Membership,
): HouseholdMembers {
  const others = (doc?.members ?? []).filter((m) => m.personId !== stay.personId);
  return { householdId, members: [...others, stay] };
}

/** Ends the person's stay, if they still live there; an ended stay keeps its first ending. */
export function left(
  doc: HouseholdMembers,
  personId: string,
  ending: Pick<Membership, 'movedOutOn' | 'leftBy' | 'destination' | 'movedToHouseholdId'>,
): HouseholdMembers {
  return {
    ...doc,
    members: doc.members.map((m) =>
      m.personId === personId && m.movedOutOn === null ? { ...m, ...ending } : m,
    ),
  };
}

/** Only the person's own facts: what happens to households is in {@link householdPeopleProjection}. */
export function evolveMemberPerson(
  person: MemberPerson,
  event: Exclude<PersonEvent, { type: 'residents.person-registered' }>,
): MemberPerson {
  switch (event.type) {
    case 'residents.person-arrived': {
      const { arrivedOn, originProvince, originCity } = event.data;
      // The same rule as the person's page: the latest date; of two on one day, the one recorded last.
      return person.lastArrival && arrivedOn < person.lastArrival.arrivedOn
        ? person
        : { ...person, lastArrival: { arrivedOn, originProvince, originCity } };
    }
    case 'residents.screening-recorded': {
      const { screeningId, date, result, temperatureC } = event.data;
      return person.latestScreening && date < person.latestScreening.date
        ? person
        : { ...person, latestScreening: { screeningId, date, result, temperatureC } };
    }
    case 'residents.pass-issued': {
      const { passId, issuedOn, validUntil } = event.data;
      return { ...person, pass: { passId, issuedOn, validUntil, revoked: null } };
    }
    case 'residents.pass-revoked':
      return person.pass?.passId === event.data.passId
        ? {
            ...person,
            pass: {
              ...person.pass,
              revoked: { reason: event.data.reason, on: event.data.revokedOn },
            },
          }
        : person;
    case 'residents.quarantine-marked':
      return person.quarantineCases.includes(event.data.caseId)
        ? person
        : { ...person, quarantineCases: [...person.quarantineCases, event.data.caseId] };
    case 'residents.quarantine-cleared':
      return {
        ...person,
        quarantineCases: person.quarantineCases.filter((c) => c !== event.data.caseId),
      };
    case 'residents.person-forgotten':
      // Not even the sealed values stay in the read model: nothing of them is left to open.
      return { ...person, idNumber: null, phone: null, forgottenOn: event.data.forgottenOn };
    case 'residents.person-moved-in':
    case 'residents.person-moved-out':
    case 'residents.quarantine-assessed':
      return person;
    default: {
      const _exhaustive: never = event;
      return person;
    }
  }
}

/**
 * Household → people, from the person streams: registration puts someone in a household, a move-in
 * takes them from one to another (ending the stay in the first on the move's date), a move-out ends
 * the stay. Membership is recorded on the person's stream only, so this is the one place it can be
 * asked by household. `dateOf` turns an instant into the district's business date (for the day of
 * a registration, which carries no date of its own).
 */
export function householdPeopleProjection(dateOf: (isoInstant: string) => string): Projection {
  const putHousehold = (doc: HouseholdMembers): Op => ({
    op: 'put',
    collection: HOUSEHOLD_MEMBERS_COLLECTION,
    id: doc.householdId,
    doc,
  });
  const putPerson = (doc: MemberPerson): Op => ({
    op: 'put',
    collection: MEMBER_PEOPLE_COLLECTION,
    id: doc.personId,
    doc,
  });
  const household = (read: DocReader, id: string) =>
    read.get<HouseholdMembers>(HOUSEHOLD_MEMBERS_COLLECTION, id);

  return {
    name: 'residents-household-people',
    handles: Object.keys(PERSON_EVENT_TYPES),
    async project(envelope: Envelope, read: DocReader): Promise<Op[]> {
      const event = { type: envelope.type, data: envelope.data } as PersonEvent;
      if (event.type === 'residents.person-registered') {
        const d = event.data;
        const person: MemberPerson = {
          personId: d.personId,
          name: d.name,
          idNumber: d.idNumber,
          phone: d.phone,
          registration: d.registration,
          originProvince: d.originProvince ?? null,
          originCity: d.originCity ?? null,
          lastArrival: null,
          latestScreening: null,
          pass: null,
          quarantineCases: [],
        };
        const stay: Membership = {
          personId: d.personId,
          movedInOn: dateOf(envelope.occurredAt),
          joinedBy: 'registered',
          movedOutOn: null,
          leftBy: null,
          destination: null,
          movedToHouseholdId: null,
        };
        return [
          putPerson(person),
          putHousehold(joined(await household(read, d.householdId), d.householdId, stay)),
        ];
      }
      const person = await read.get<MemberPerson>(MEMBER_PEOPLE_COLLECTION, event.data.personId);
      // A person whose registration this model never saw (it failed validation): nothing to attach to.
      if (!person) return [];
      switch (event.type) {
        case 'residents.person-moved-in': {
          const d = event.data;
          const ops: Op[] = [];
          const from =
            d.fromHouseholdId === d.householdId ? null : await household(read, d.fromHouseholdId);
          // Someone who had moved out of the district left their last household already.
          if (from)
            ops.push(
              putHousehold(
                left(from, d.personId, {
                  movedOutOn: d.movedInOn,
                  leftBy: 'moved-to-another-household',
                  destination: null,
                  movedToHouseholdId: d.householdId,
                }),
              ),
            );
          const stay: Membership = {
            personId: d.personId,
            movedInOn: d.movedInOn,
            joinedBy: 'moved-in',
            movedOutOn: null,
            leftBy: null,
            destination: null,
            movedToHouseholdId: null,
          };
          ops.push(putHousehold(joined(await household(read, d.householdId), d.householdId, stay)));
          return ops;
        }
        case 'residents.person-moved-out': {
          const d = event.data;
          const doc = await household(read, d.householdId);
          return doc
            ? [
                putHousehold(
                  left(doc, d.personId, {
                    movedOutOn: d.movedOutOn,
                    leftBy: 'moved-out',
                    destination: d.destination ?? null,
                    movedToHouseholdId: null,
                  }),
                ),
              ]
            : [];
        }
        default:
          return [putPerson(evolveMemberPerson(person, event))];
      }
    },
  };
}

/** Reads over the household-people store. */
export class HouseholdPeople {
  readonly store: ProjectionStore;
  constructor(store: ProjectionStore) {
    this.store = store;
  }

  /** The household's members with what is known of each, current and former; empty for a household nobody has joined. */
  async of(householdId: string): Promise<{ membership: Membership; person: MemberPerson }[]> {
    const doc = await this.store.get<HouseholdMembers>(HOUSEHOLD_MEMBERS_COLLECTION, householdId);
    if (!doc) return [];
    const rows = await Promise.all(
      doc.members.map(async (membership) => ({
        membership,
        person: await this.store.get<MemberPerson>(MEMBER_PEOPLE_COLLECTION, membership.personId),
      })),
    );
    return rows.filter(
      (r): r is { membership: Membership; person: MemberPerson } => r.person !== null,
    );
  }
}
