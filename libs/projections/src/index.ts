export {
  ALL_INDEX,
  DEFAULT_PARTITION,
  MAX_PAGE,
  ReadModelLostError,
  type BatchCommit,
  type CommitOutcome,
  type DocReader,
  type DocVersion,
  type Generation,
  type IndexEntry,
  type IndexRange,
  type Op,
  type Page,
  type PageQuery,
  type Projection,
  type ProjectionStore,
} from './port.ts';
export { InvalidCursorError } from './docs.ts';
export { applyBatch, type BatchResult } from './batch.ts';
export type { Clock, ProjectionStoreMeta } from './docs.ts';
export { InMemoryProjectionStore } from './memory.ts';
export {
  RedisProjectionStore,
  type RedisClient,
  type RedisProjectionStoreOptions,
} from './redis.ts';
export {
  applyEvent,
  applyRecorded,
  ensureIntact,
  projectAsOf,
  rebuildFromEventStore,
  type ApplyOutcome,
  type ProjectAsOfOptions,
  terminalProgress,
  type RebuildOptions,
  type RebuildProgress,
  type ReplayResult,
} from './runtime.ts';
export { DLQ_HEADERS } from '@fangyi/messaging';
export {
  buildSnapshots,
  inCut,
  restoreSnapshot,
  snapshotBytes,
  viewAsOf,
  type BuildSnapshotsOptions,
  type Cut,
  type ViewAsOf,
  type ViewAsOfOptions,
} from './asOf.ts';
