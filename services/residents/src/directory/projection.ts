import type { Envelope, HouseholdEvent, HouseholdKind, PersonEvent } from '@fangyi/contracts';
import type { DocReader, IndexEntry, Op, Projection, ProjectionStore } from '@fangyi/projections';

/** Households by address, one document each. */
export const DIRECTORY_HOUSEHOLDS = 'directory-households';
/** People by name, one document each. */
export const DIRECTORY_PEOPLE = 'directory-people';
/** Index names: the value is the community, the sort key the folded text, so a prefix is one range. */
export const DIRECTORY_INDEX = { name: 'name', address: 'address' } as const;

export interface DirectoryHousehold {
  readonly householdId: string;
  readonly community: string;
  readonly address: string;
  readonly kind: HouseholdKind;
}

export interface DirectoryPerson {
  readonly personId: string;
  readonly name: string;
  readonly householdId: string;
  readonly community: string;
  /** `moved-out`: left the district (still found, so that a registrar can bring them back). */
  readonly status: 'living' | 'moved-out';
}

/**
 * What a search compares: NFKC (full-width letters and digits as ASCII), lower case, no spaces, so
 * "牟家村 12号" and "牟家村12 号" are one address.
 */
export const fold = (text: string): string =>
  text.normalize('NFKC').toLowerCase().replace(/\s+/g, '');

const HANDLED = [
  'residents.household-registered',
  'residents.person-registered',
  'residents.person-moved-in',
  'residents.person-moved-out',
] as const;

/** Under the community, and under '*' for readers of every community. */
const indexed = (index: string, community: string, text: string): IndexEntry[] => [
  { index, value: community, sort: fold(text) },
  { index, value: '*', sort: fold(text) },
];
const putHousehold = (doc: DirectoryHousehold): Op => ({
  op: 'put',
  collection: DIRECTORY_HOUSEHOLDS,
  id: doc.householdId,
  doc,
  index: indexed(DIRECTORY_INDEX.address, doc.community, doc.address),
});
const putPerson = (doc: DirectoryPerson): Op => ({
  op: 'put',
  collection: DIRECTORY_PEOPLE,
  id: doc.personId,
  doc,
  index: indexed(DIRECTORY_INDEX.name, doc.community, doc.name),
});

/**
 * The residents' directory, for finding a household by address or a person by name within a
 * community, a page at a time. Everything lives in one partition with the community as the index
 * value, so a person who moves to another community moves to its index in the same commit. ID and
 * phone numbers are not here: an ID number is found through its reservation stream.
 */
export function residentsDirectoryProjection(): Projection {
  return {
    name: 'residents-directory',
    handles: [...HANDLED],
    async project(envelope: Envelope, read: DocReader): Promise<Op[]> {
      const event = { type: envelope.type, data: envelope.data } as HouseholdEvent | PersonEvent;
      switch (event.type) {
        case 'residents.household-registered': {
          const { householdId, community, address, kind } = event.data;
          return [putHousehold({ householdId, community, address, kind })];
        }
        case 'residents.person-registered': {
          const { personId, name, householdId, community } = event.data;
          return [putPerson({ personId, name, householdId, community, status: 'living' })];
        }
        case 'residents.person-moved-in': {
          const person = await read.get<DirectoryPerson>(DIRECTORY_PEOPLE, event.data.personId);
          return person
            ? [
                putPerson({
                  ...person,
                  householdId: event.data.householdId,
                  community: event.data.community,
                  status: 'living',
                }),
              ]
            : [];
        }
        case 'residents.person-moved-out': {
          const person = await read.get<DirectoryPerson>(DIRECTORY_PEOPLE, event.data.personId);
          return person ? [putPerson({ ...person, status: 'moved-out' })] : [];
        }
        default:
          return [];
      }
    },
  };
}

/** Reads over the directory store. */
export class ResidentsDirectory {
  readonly store: ProjectionStore;
  constructor(store: ProjectionStore) {
    this.store = store;
  }

  household(householdId: string): Promise<DirectoryHousehold | null> {
    return this.store.get<DirectoryHousehold>(DIRECTORY_HOUSEHOLDS, householdId);
  }

  person(personId: string): Promise<DirectoryPerson | null> {
    return this.store.get<DirectoryPerson>(DIRECTORY_PEOPLE, personId);
  }
}
