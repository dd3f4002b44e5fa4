export type { CommitOutcome, DocReader, Op, Projection, ProjectionStore } from './port.ts';
export type { Clock, ProjectionStoreMeta } from './docs.ts';
export { InMemoryProjectionStore } from './memory.ts';
export { RedisProjectionStore, type RedisProjectionStoreOptions } from './redis.ts';
export {
  applyEvent,
  applyRecorded,
  projectAsOf,
  rebuildFromEventStore,
  runProjection,
  type ApplyOutcome,
  type ProjectAsOfOptions,
  type RebuildOptions,
  type ReplayResult,
  type RunningProjection,
  type RunProjectionOptions,
} from './runtime.ts';
export { followLog, type LogFollower, type LogFollowerOptions } from './follow.ts';
export { DLQ_HEADERS } from '@fangyi/messaging';
