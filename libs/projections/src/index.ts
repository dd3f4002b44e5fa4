export { ReadModelLostError, type CommitOutcome, type DocReader, type DocVersion, type Op, type Projection, type ProjectionStore } from './port.ts';
export type { Clock, ProjectionStoreMeta } from './docs.ts';
export { InMemoryProjectionStore } from './memory.ts';
export { RedisProjectionStore, type RedisProjectionStoreOptions } from './redis.ts';
export {
  applyEvent,
  applyRecorded,
  ensureIntact,
  projectAsOf,
  rebuildFromEventStore,
  type ApplyOutcome,
  type ProjectAsOfOptions,
  type RebuildOptions,
  type ReplayResult,
} from './runtime.ts';
export { DLQ_HEADERS } from '@fangyi/messaging';
