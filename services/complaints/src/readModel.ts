import type { Logger } from 'pino';
import type { EventStore } from '@fangyi/eventstore';
import { ensureIntact, type ProjectionStore } from '@fangyi/projections';
import {
  readModelProcessor,
  startProcessor,
  type ProcessorSource,
  type RunningProcessor,
} from '@fangyi/processors';
import { complaintsProjection } from './complaint/projection.ts';

export interface ComplaintsReadModelOptions {
  /** Where the complaints events come from: the event store's log (embedded) or Kafka (distributed). */
  readonly source: ProcessorSource;
  readonly store: ProjectionStore;
  readonly logger: Logger;
  /** Given (fed from Kafka into Redis), the list is made whole from it first and revision jumps are checked in it. */
  readonly eventStore?: EventStore;
}

/**
 * Keeps the complaints list (GET /complaints) up to date. The service has no policies (it reacts
 * to no other context's events), so this is all it runs beside HTTP.
 */
export async function startComplaintsReadModel(
  options: ComplaintsReadModelOptions,
): Promise<RunningProcessor> {
  const { store, eventStore, logger } = options;
  if (eventStore)
    await ensureIntact({ projection: complaintsProjection, store, eventStore, logger });
  return startProcessor(
    readModelProcessor(complaintsProjection, store, eventStore ? { eventStore } : {}),
    options.source,
    logger,
  );
}
