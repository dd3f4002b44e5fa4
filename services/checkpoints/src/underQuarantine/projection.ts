import type { Logger } from 'pino';
import type { HomeQuarantineStarted } from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import {
  ensureIntact,
  type DocReader,
  type Op,
  type Projection,
  type ProjectionStore,
} from '@fangyi/projections';
import {
  readModelProcessor,
  startProcessor,
  type ProcessorSource,
  type RunningProcessor,
} from '@fangyi/processors';

export const UNDER_QUARANTINE_COLLECTION = 'under-quarantine';

export interface QuarantineCaseRef {
  readonly caseId: string;
  readonly community: string;
  readonly startDate: string;
  readonly endDate: string;
}

/** A person under home quarantine, with every case keeping them at home (normally one). */
export interface UnderQuarantineDoc {
  readonly personId: string;
  readonly cases: Readonly<Record<string, QuarantineCaseRef>>;
}

/** The fields of quarantine.home-quarantine-ended this read model needs (the quarantine context owns the full schema). */
interface HomeQuarantineEndedRef {
  readonly caseId: string;
  readonly personId: string;
}

/**
 * "People under quarantine", keyed by personId: what a checkpoint route asks before recording a
 * crossing, so that one by a person who should be at home is recorded as a breach. Fed by the
 * quarantine topic; a case that ends removes only itself, so a person with a newer case stays.
 */
export const underQuarantineProjection: Projection = {
  name: 'checkpoints-under-quarantine',
  handles: ['quarantine.home-quarantine-started', 'quarantine.home-quarantine-ended'],
  async project(event, read: DocReader): Promise<Op[]> {
    switch (event.type) {
      case 'quarantine.home-quarantine-started': {
        const d = event.data as HomeQuarantineStarted;
        const doc = await read.get<UnderQuarantineDoc>(UNDER_QUARANTINE_COLLECTION, d.personId);
        const cases = {
          ...doc?.cases,
          [d.caseId]: {
            caseId: d.caseId,
            community: d.community,
            startDate: d.startDate,
            endDate: d.endDate,
          },
        };
        return [
          {
            op: 'put',
            collection: UNDER_QUARANTINE_COLLECTION,
            id: d.personId,
            doc: { personId: d.personId, cases } satisfies UnderQuarantineDoc,
          },
        ];
      }
      case 'quarantine.home-quarantine-ended': {
        const d = event.data as HomeQuarantineEndedRef;
        const doc = await read.get<UnderQuarantineDoc>(UNDER_QUARANTINE_COLLECTION, d.personId);
        if (!doc?.cases[d.caseId]) return [];
        const { [d.caseId]: _ended, ...rest } = doc.cases;
        return Object.keys(rest).length === 0
          ? [{ op: 'delete', collection: UNDER_QUARANTINE_COLLECTION, id: d.personId }]
          : [
              {
                op: 'put',
                collection: UNDER_QUARANTINE_COLLECTION,
                id: d.personId,
                doc: { personId: d.personId, cases: rest } satisfies UnderQuarantineDoc,
              },
            ];
      }
      default:
        return [];
    }
  },
};

/** The case keeping a person at home, or null; with several, the one that started last. */
export async function underQuarantineOf(
  store: Pick<ProjectionStore, 'get'>,
  personId: string,
): Promise<{ caseId: string } | null> {
  const doc = await store.get<UnderQuarantineDoc>(UNDER_QUARANTINE_COLLECTION, personId);
  const cases = Object.values(doc?.cases ?? {}).sort((a, b) =>
    a.startDate < b.startDate ? 1 : a.startDate > b.startDate ? -1 : 0,
  );
  return cases[0] ? { caseId: cases[0].caseId } : null;
}

export interface CheckpointsProjectionsOptions {
  /** Where the quarantine events come from: the event store's log (embedded) or Kafka (distributed). */
  readonly source: ProcessorSource;
  readonly store: ProjectionStore;
  readonly logger: Logger;
  /** Given (fed from Kafka into Redis), the read model is made whole from it first and revision jumps are checked in it. */
  readonly eventStore?: EventStore;
}

/** Keeps the checkpoints service's "people under quarantine" read model up to date. */
export async function startCheckpointsProjections(
  options: CheckpointsProjectionsOptions,
): Promise<RunningProcessor> {
  const { store, eventStore, logger } = options;
  if (eventStore)
    await ensureIntact({ projection: underQuarantineProjection, store, eventStore, logger });
  return startProcessor(
    readModelProcessor(underQuarantineProjection, store, eventStore ? { eventStore } : {}),
    options.source,
    logger,
  );
}
