import type { EventStore } from '@fangyi/eventstore';
import type { DocReader, Op, Projection } from '@fangyi/projections';
import { startLogView, type ProcessorStatus } from '@fangyi/processors';
import type { Logger } from '@fangyi/service-kit';

/** People the residents register holds, by personId. */
export const KNOWN_PEOPLE_COLLECTION = 'known-people';
/** Passes the residents register has issued, by passId (the number on the pass). */
export const KNOWN_PASSES_COLLECTION = 'known-passes';

export interface KnownPerson {
  readonly personId: string;
  readonly community: string;
}

export interface KnownPass {
  readonly passId: string;
  readonly personId: string;
  readonly validUntil: string;
  readonly revoked: boolean;
}

// Only the fields this directory reads (a tolerant reader: residents own the full schemas).
interface PersonRef {
  readonly personId: string;
  readonly community: string;
}
interface PassRef {
  readonly personId: string;
  readonly passId: string;
  readonly validUntil: string;
}

/**
 * Who and which passes the residents register knows, for the crossing routes: a crossing that names
 * a person or a pass must name a real one. From the residents' events on the event store's log.
 */
export const residentsDirectoryProjection: Projection = {
  name: 'checkpoints-residents-directory',
  handles: [
    'residents.person-registered',
    'residents.person-moved-in',
    'residents.pass-issued',
    'residents.pass-revoked',
  ],
  async project(event, read: DocReader): Promise<Op[]> {
    switch (event.type) {
      case 'residents.person-registered':
      case 'residents.person-moved-in': {
        const d = event.data as PersonRef;
        return [
          {
            op: 'put',
            collection: KNOWN_PEOPLE_COLLECTION,
            id: d.personId,
            doc: { personId: d.personId, community: d.community } satisfies KnownPerson,
          },
        ];
      }
      case 'residents.pass-issued': {
        const d = event.data as PassRef;
        return [
          {
            op: 'put',
            collection: KNOWN_PASSES_COLLECTION,
            id: d.passId,
            doc: {
              passId: d.passId,
              personId: d.personId,
              validUntil: d.validUntil,
              revoked: false,
            } satisfies KnownPass,
          },
        ];
      }
      case 'residents.pass-revoked': {
        const d = event.data as PassRef;
        const pass = await read.get<KnownPass>(KNOWN_PASSES_COLLECTION, d.passId);
        return pass
          ? [
              {
                op: 'put',
                collection: KNOWN_PASSES_COLLECTION,
                id: d.passId,
                doc: { ...pass, revoked: true } satisfies KnownPass,
              },
            ]
          : [];
      }
      default:
        return [];
    }
  },
};

export interface ResidentsDirectory {
  /** Up to date with the log as it was when called (read-your-writes: a pass issued a moment ago is found). */
  sync(): Promise<void>;
  person(personId: string): Promise<KnownPerson | null>;
  pass(passId: string): Promise<KnownPass | null>;
  status(): ProcessorStatus;
  stop(): Promise<void>;
}

/** Kept in memory by each instance from the event store's global log, as the checkpoint list is. */
export async function startResidentsDirectory(deps: {
  readonly eventStore: EventStore;
  readonly logger: Logger;
  readonly idleMs?: number;
}): Promise<ResidentsDirectory> {
  const view = await startLogView({ projection: residentsDirectoryProjection, ...deps });
  return {
    sync: view.caughtUp,
    person: (personId) => view.store.get<KnownPerson>(KNOWN_PEOPLE_COLLECTION, personId),
    pass: (passId) => view.store.get<KnownPass>(KNOWN_PASSES_COLLECTION, passId),
    status: view.status,
    stop: view.stop,
  };
}
