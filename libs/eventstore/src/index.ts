// The adapters with a client library of their own are entries of their own, loaded by openEventStore
// and openPersonalKeys only for the URL given: `@fangyi/eventstore/postgres` and `@fangyi/eventstore/kurrentdb`.
export * from './port.ts';
export { catchUpSubscription, timerWaker, type Waker } from './catchUp.ts';
export { LocalWaker } from './wakers.ts';
export { LocalLeases } from './leases.ts';
export { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite.ts';
export { clientConnectionString, isKurrentDbUrl } from './kurrentdb/url.ts';
export { openEventStore } from './open.ts';
export type { PersonalKeyStore } from './personalKeys/port.ts';
export { SqlitePersonalKeys } from './personalKeys/sqlite.ts';
export { openPersonalKeys } from './personalKeys/open.ts';
export {
  snapshotInstant,
  type SnapshotBounds,
  type SnapshotMeta,
  type SnapshotStore,
  type ViewSnapshot,
} from './snapshots/port.ts';
export { SqliteSnapshots } from './snapshots/sqlite.ts';
export { openSnapshots } from './snapshots/open.ts';
