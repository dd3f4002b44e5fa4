import type { EventStore } from '@fangyi/eventstore';
import type { DocReader, Op, Projection, ProjectionStore } from '@fangyi/projections';
import { startLogView, type ProcessorStatus } from '@fangyi/processors';
import type { Logger } from '@fangyi/service-kit';

/** One document per person the residents register knows. */
export const PEOPLE_COLLECTION = 'people';
/** One document per person who has ever had a home quarantine case: the cases still running. */
export const PERSON_CASES_COLLECTION = 'person-cases';

/** What the quarantine service needs to know of a person before it starts a case: who, where, still here. */
export interface DirectoryPerson {
  readonly personId: string;
  readonly name: string;
  readonly community: string;
  readonly householdId: string;
  readonly status: 'living' | 'moved-out';
}

export interface PersonCases {
  readonly personId: string;
  /** Cases started and not ended, in the order they started. */
  readonly active: readonly string[];
  /** Every case the person has had, ended or not: numbers the next one started by hand. */
  readonly started: number;
}

// Only the fields this directory reads (a tolerant reader: residents own the full schemas).
interface PersonRef {
  readonly personId: string;
}
interface Registered extends PersonRef {
  readonly name: string;
  readonly community: string;
  readonly householdId: string;
}
interface MovedIn extends PersonRef {
  readonly householdId: string;
  readonly community: string;
}
interface CaseRef {
  readonly caseId: string;
  readonly personId: string;
}

/**
 * The quarantine service's directory of people: who is registered, in which community, and which
 * home quarantine cases each has running. From the residents' person events and the service's own
 * case events on the event store's log. A route starting a case reads it after sync(), so someone
 * registered a moment ago is found and a case started a moment ago is seen. The decider on the
 * case's stream decides on what it finds.
 */
export const peopleDirectoryProjection: Projection = {
  name: 'quarantine-people-directory',
  handles: [
    'residents.person-registered',
    'residents.person-moved-in',
    'residents.person-moved-out',
    'quarantine.home-quarantine-started',
    'quarantine.home-quarantine-ended',
  ],
  async project(event, read: DocReader): Promise<Op[]> {
    const putPerson = (doc: DirectoryPerson): Op[] => [
      { op: 'put', collection: PEOPLE_COLLECTION, id: doc.personId, doc },
    ];
    const putCases = (doc: PersonCases): Op[] => [
      { op: 'put', collection: PERSON_CASES_COLLECTION, id: doc.personId, doc },
    ];
    switch (event.type) {
      case 'residents.person-registered': {
        const d = event.data as Registered;
        return putPerson({
          personId: d.personId,
          name: d.name,
          community: d.community,
          householdId: d.householdId,
          status: 'living',
        });
      }
      case 'residents.person-moved-in': {
        const d = event.data as MovedIn;
        const person = await read.get<DirectoryPerson>(PEOPLE_COLLECTION, d.personId);
        return person
          ? putPerson({
              ...person,
              community: d.community,
              householdId: d.householdId,
              status: 'living',
            })
          : [];
      }
      case 'residents.person-moved-out': {
        const d = event.data as PersonRef;
        const person = await read.get<DirectoryPerson>(PEOPLE_COLLECTION, d.personId);
        return person ? putPerson({ ...person, status: 'moved-out' }) : [];
      }
      case 'quarantine.home-quarantine-started': {
        const d = event.data as CaseRef;
        const doc = (await read.get<PersonCases>(PERSON_CASES_COLLECTION, d.personId)) ?? {
          personId: d.personId,
          active: [],
          started: 0,
        };
        // Each case stream's start is applied once (its revision is recorded), so counting it is safe.
        return doc.active.includes(d.caseId)
          ? []
          : putCases({
              ...doc,
              active: [...doc.active, d.caseId],
              started: (doc.started ?? 0) + 1,
            });
      }
      case 'quarantine.home-quarantine-ended': {
        const d = event.data as CaseRef;
        const doc = await read.get<PersonCases>(PERSON_CASES_COLLECTION, d.personId);
        return doc?.active.includes(d.caseId)
          ? putCases({ ...doc, active: doc.active.filter((c) => c !== d.caseId) })
          : [];
      }
      default:
        return [];
    }
  },
};

/** Reads over the directory's store. */
export class PeopleDirectory {
  readonly store: ProjectionStore;
  constructor(store: ProjectionStore) {
    this.store = store;
  }

  person(personId: string): Promise<DirectoryPerson | null> {
    return this.store.get<DirectoryPerson>(PEOPLE_COLLECTION, personId);
  }

  /** How many cases the person has had, ended or not. */
  async casesStarted(personId: string): Promise<number> {
    return (await this.store.get<PersonCases>(PERSON_CASES_COLLECTION, personId))?.started ?? 0;
  }

  /** The person's running case (the latest started, if there were ever several), or null. */
  async activeCaseOf(personId: string): Promise<string | null> {
    const doc = await this.store.get<PersonCases>(PERSON_CASES_COLLECTION, personId);
    return doc?.active.at(-1) ?? null;
  }
}

export interface PeopleDirectoryFeed {
  readonly directory: PeopleDirectory;
  /** Resolves once everything appended to the log before the call is in the directory. */
  sync(): Promise<void>;
  status(): ProcessorStatus;
  stop(): Promise<void>;
}

export interface PeopleDirectoryFeedOptions {
  readonly eventStore: EventStore;
  readonly logger: Logger;
  /** Defaults to a fresh in-memory store, filled from the start of the log. */
  readonly store?: ProjectionStore;
  /** Between background reads; a request's sync() wakes the view at once. */
  readonly idleMs?: number;
  readonly batchSize?: number;
}

/** Keeps the people directory from the event store's global log, as the residents' household → people view is kept. */
export async function startPeopleDirectoryFeed(
  options: PeopleDirectoryFeedOptions,
): Promise<PeopleDirectoryFeed> {
  const view = await startLogView({ projection: peopleDirectoryProjection, ...options });
  return {
    directory: new PeopleDirectory(view.store),
    sync: view.caughtUp,
    status: view.status,
    stop: view.stop,
  };
}
