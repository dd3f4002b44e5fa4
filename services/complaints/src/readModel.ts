import type { Logger } from 'pino';
import type { ProjectionStore } from '@fangyi/projections';
import { readModelProcessor, startProcessor, type ProcessorSource, type RunningProcessor } from '@fangyi/processors';
import { complaintsProjection } from './complaint/projection.ts';

export interface ComplaintsReadModelOptions {
  /** Where the complaints events come from: the event store's log (embedded) or Kafka (distributed). */
  readonly source: ProcessorSource;
  readonly store: ProjectionStore;
  readonly logger: Logger;
}

/**
 * Keeps the complaints list (GET /complaints) up to date. The service has no policies (it reacts
 * to no other context's events), so this is all it runs beside HTTP.
 */
export function startComplaintsReadModel(options: ComplaintsReadModelOptions): Promise<RunningProcessor> {
  return startProcessor(readModelProcessor(complaintsProjection, options.store), options.source, options.logger);
}
